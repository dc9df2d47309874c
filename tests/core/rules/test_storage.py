"""A classification is stored as JSON and read back through the same types (STYLE 17):
``Classification.from_dict(c.as_dict()) == c`` — also for rows written before ``needs``
held input names, which databases still hold."""

import datetime as dt
import json

import pytest

from painpath.core.rules import AxisResult, Classification, TraceStep, builtin_rulesets, classify

EXAMPLES = [(rs, example) for rs in builtin_rulesets().values() for example in rs.examples]
STEP_1_SOURCE = "seed 004, 'Behandling af \"almindelige\" smerter'"
OPTIONS_NOTE = (
    "Options the clinic lists, shown for the clinician's decision — not a prescription."
    f" Source: {STEP_1_SOURCE}."
)


def stored(value):
    """What a JSON column gives back."""
    return json.loads(json.dumps(value.as_dict()))


@pytest.mark.parametrize(
    "example", [e for _, e in EXAMPLES], ids=[f"{rs.id}:{e.line}" for rs, e in EXAMPLES]
)
def test_each_rule_set_example_classified_on_every_axis_reads_back_equal(example):
    classification = classify(example.episode, as_of=example.as_of)
    assert Classification.from_dict(stored(classification)) == classification
    for axis in classification.axes:
        assert AxisResult.from_dict(axis.axis, stored(axis)) == axis
        for step in axis.trace:
            assert TraceStep.from_dict(stored(step)) == step


def test_needs_are_stored_as_input_names_and_read_as_words():
    axis = classify({}, as_of=dt.date(2025, 1, 1))["chronicity_seed004"]
    assert axis.as_dict()["needs"] == ["duration_months"]
    assert axis.needs_text == ("unknown — needs duration_months",)


def test_options_are_stored_with_their_source_and_note():
    episode = {"onset_date": "2024-12-11", "pain_regions": [{"region": "ankle_foot"}]}
    axis = classify(episode, as_of=dt.date(2025, 1, 1))["stepped_care"]
    assert axis.result == "step_1"
    stored_axis = stored(axis)
    assert stored_axis["options_source"] == STEP_1_SOURCE
    assert stored_axis["options_note"] == OPTIONS_NOTE == axis.options_note


def test_a_row_written_before_needs_held_names_reads_back():
    """Prose ``needs``, no ``options_source`` (only inside the note), and no ``findings``
    or ``options`` keys: what the pathway table holds from earlier versions."""
    row = {
        "as_of": "2025-01-01",
        "urgent": False,
        "axes": {
            "chronicity_seed004": {
                "ruleset": "chronicity-seed004",
                "version": "1.0.0",
                "title": "Chronicity — seed-clinic definition (ordinary vs chronic pain)",
                "as_of": "2025-01-01",
                "result": "unknown",
                "label": "Unknown — needs the onset date or reported duration",
                "urgent": False,
                "fired": [],
                "needs": ["unknown — needs duration_months"],
                "trace": [
                    {
                        "rule": "chronic",
                        "line": 26,
                        "outcome": "unknown",
                        "reads": {"duration_months": None},
                        "needs": ["duration_months"],
                    }
                ],
            },
            "stepped_care": {
                "ruleset": "stepped-care-seed004",
                "version": "1.0.0",
                "title": "Stepped care",
                "as_of": "2025-01-01",
                "result": "step_1",
                "label": "Step 1 — ordinary pain",
                "urgent": False,
                "fired": ["ordinary_pain"],
                "needs": [],
                "trace": [],
                "options": ["Acupuncture", "TENS"],
                "options_note": OPTIONS_NOTE,
            },
        },
    }
    classification = Classification.from_dict(row)
    assert classification.as_of == dt.date(2025, 1, 1)
    chronicity = classification["chronicity_seed004"]
    assert chronicity.needs == ("duration_months",)
    assert chronicity.findings == () and chronicity.options == ()
    assert chronicity.trace[0].reads == (("duration_months", None),)
    stepped = classification["stepped_care"]
    assert stepped.options == ("Acupuncture", "TENS")
    assert stepped.options_source == STEP_1_SOURCE
    # Written again, the row carries names and the source; the note is unchanged.
    again = stepped.as_dict()
    assert again["options_note"] == OPTIONS_NOTE
    assert classification.as_dict()["axes"]["chronicity_seed004"]["needs"] == ["duration_months"]


def test_urgent_axes_come_first_even_when_the_store_sorted_the_keys():
    classification = classify(
        {"red_flags": {"saddle_anaesthesia": True}}, as_of=dt.date(2025, 1, 1)
    )
    row = stored(classification)
    row["axes"] = dict(sorted(row["axes"].items()))  # as PostgreSQL's jsonb may give it back
    again = Classification.from_dict(row)
    assert again.axes[0].axis == "red_flags" and again.urgent
    assert sorted(again.axes, key=lambda a: a.axis) == sorted(
        classification.axes, key=lambda a: a.axis
    )
