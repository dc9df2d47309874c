"""QuickDASH: ((sum / n) − 1) × 25 over the answered items, at most one unanswered.

No published worked example (a filled-in form with its score) was found: the examples below
are hand-computed from the IWH scoring rule and marked as such.
"""

from collections.abc import Sequence

import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.outcomes import change


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
