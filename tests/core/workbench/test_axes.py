"""An axis computed from baseline item answers (issue 16): each instrument is scored as the
clinic scores it, so an axis that reads a subscale (STarT Back) is computed. Synthetic data."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from painpath.core.instruments import REGISTRY
from painpath.core.workbench.axes import (
    FROM_ANSWERS,
    SCORE_FIELDS,
    AxisNeedsInputs,
    axis_from_scores,
    baseline_questionnaires,
)

AS_OF = dt.date(2026, 1, 1)
RISK = {0.0: "low", 1.0: "medium", 2.0: "high"}  # the instrument's own risk subscale


def _patterns() -> dict[str, dict[str, str]]:
    """Every count of positive items among 1–4 and 5–8 with item 9 low and high, as the
    extract keeps answers: text."""
    out = {}
    for physical, distress, bother in itertools.product(range(5), range(5), (0, 4)):
        items = [int(i < physical) for i in range(4)] + [int(i < distress) for i in range(4)]
        out[f"p{physical}{distress}{bother}"] = {
            **{f"sbst{n}": str(v) for n, v in enumerate(items, 1)},
            "sbst9": str(bother),
        }
    return out


def test_startback_from_its_answers_equals_the_instruments_own_risk_group() -> None:
    patterns = _patterns()
    found = axis_from_scores(
        "startback",
        {},
        as_of=AS_OF,
        answers={p: {"startback": items} for p, items in patterns.items()},
    )
    assert found.keys() == patterns.keys()
    scorer = REGISTRY["startback"]()
    expected = {
        p: RISK[scorer.score({k: int(v) for k, v in items.items()}).subscales["risk"]]
        for p, items in patterns.items()
    }
    assert found == expected
    assert set(found.values()) == {"low", "medium", "high"}


def test_unscorable_answers_and_totals_alone_give_no_startback_class() -> None:
    answers = {"short": {"startback": {"sbst1": "1"}}}  # too many missing
    found = axis_from_scores(
        "startback", {"total": {"startback": 7.0}}, as_of=AS_OF, answers=answers
    )
    assert found == {}


def test_the_totals_still_fill_an_axis_when_answers_are_given() -> None:
    found = axis_from_scores(
        "orebro", {"a": {"orebro10": 30.0}, "b": {"orebro10": 70.0}}, as_of=AS_OF, answers={}
    )
    assert set(found) == {"a", "b"} and found["a"] != found["b"]


def test_an_axis_that_reads_more_than_questionnaires_names_what_it_lacks() -> None:
    with pytest.raises(AxisNeedsInputs, match=r"needs .*duration.*neither the scores nor"):
        axis_from_scores("chronicity_iasp", {}, as_of=AS_OF, answers={})


def test_phq9_answers_fill_item9_and_the_total() -> None:
    scorer = REGISTRY["phq9"]()
    items = {code: "1" for code in (i.code for i in scorer.items)}
    doc = baseline_questionnaires({"a": {"phq9": items}})["a"]["phq9"]
    assert doc == {"total": 9.0, "item9": 1.0}


def test_every_input_names_a_field_the_clinic_fills() -> None:
    filled = {(name, field) for name, fields in SCORE_FIELDS.values() for field in fields}
    assert set(FROM_ANSWERS.values()) <= filled
