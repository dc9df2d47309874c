"""QuickDASH: ((sum / n) − 1) × 25 over the answered items, at most one unanswered.

Published worked examples (the PACIO Sample Data Depot's five filled-in FHIR forms with their
printed scores) are scored in tests/core/test_worked_examples_published.py, from the
``worked_examples`` block of core/data/questionnaires/source/quickdash.yaml. The examples below
are hand-computed from the IWH scoring rule, marked as such, for the cases those forms do not
reach (the floor and ceiling, a missing item, the refusals).
"""

import json
from collections.abc import Sequence
from pathlib import Path

import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.outcomes import change
from painpath.core.questionnaires import load, load_wording, wording_status


def qdash(values: Sequence[int | None]) -> dict[str, int | None]:
    return {f"qdash{i}": v for i, v in enumerate(values, start=1)}


@pytest.mark.parametrize(
    ("values", "score"),
    [
        # Hand-computed: every answer 1 → ((11/11) − 1) × 25 = 0; every answer 5 → 100.
        ([1] * 11, 0.0),
        ([5] * 11, 100.0),
        # Hand-computed: 2, 3, 1, 4, 2, 5, 1, 3, 4, 2, 3 → sum 30, (30/11 − 1) × 25 = 43.18…
        ([2, 3, 1, 4, 2, 5, 1, 3, 4, 2, 3], (30 / 11 - 1) * 25),
        # Hand-computed, one item unanswered (allowed): the ten others sum 27 (the 3 of item 11
        # left out) → (27/10 − 1) × 25 = 42.5.
        ([2, 3, 1, 4, 2, 5, 1, 3, 4, 2, None], 42.5),
    ],
)
def test_hand_computed_examples(values: list[int | None], score: float) -> None:
    assert get("quickdash").score(qdash(values)).score == pytest.approx(score, abs=1e-12)


def test_two_unanswered_items_give_no_score() -> None:
    with pytest.raises(TooManyMissing, match="at most 1"):
        get("quickdash").score(qdash([None, None, *([3] * 9)]))


@pytest.mark.parametrize("value", [0, 6, 2.5])
def test_answers_outside_1_to_5_are_refused(value: float) -> None:
    answers: dict[str, object] = dict(qdash([3] * 11))
    answers["qdash4"] = value
    with pytest.raises(InvalidAnswer, match="qdash4"):
        get("quickdash").score(answers)


def test_the_mic_and_a_fall_is_improvement() -> None:
    # Franchignoni 2014: 15.91 points.
    assert change("quickdash", 50, 34).reached_mic_absolute is True
    assert change("quickdash", 50, 35).reached_mic_absolute is False


def test_a_site_loads_the_iwh_wording_with_each_items_own_labels(tmp_path: Path) -> None:
    # The load path for the licensed text (docs/questionnaires.md), with SYNTHETIC texts: the
    # items' answer labels differ (difficulty, interference, limitation, severity, sleep).
    items: dict[str, object] = {
        f"qdash{i}": {
            "text": f"SYNTETISK spørgsmål {i}",
            "options": {str(c): f"SYNTETISK svar {i}.{c}" for c in range(1, 6)},
        }
        for i in range(1, 12)
    }
    wording = {
        "instrument": "quickdash",
        "language": "da",
        "source": "TEST-IWH licence",
        "items": items,
    }
    file = tmp_path / "quickdash-da.json"
    file.write_text(json.dumps(wording, ensure_ascii=False), encoding="utf-8")
    var = tmp_path / "var"
    assert wording_status("quickdash", "da", directory=var) == "paraphrase"

    load_wording("quickdash", "da", file, directory=var)

    resource = load("quickdash", "da", directory=var)
    assert wording_status("quickdash", "da", directory=var) == "licensed"
    sleep = next(item for item in resource["item"] if item["linkId"] == "qdash11")
    assert sleep["text"] == "SYNTETISK spørgsmål 11"
    assert sleep["answerOption"][4]["valueCoding"]["display"] == "SYNTETISK svar 11.5"
    assert "TEST-IWH" in resource["copyright"]
