"""SPADI, numeric version: pain (items 1–5), disability (6–13) and total, each a percentage.

No published worked example (a filled-in form with its scores) was found: the examples below
are hand-computed from the arithmetic printed on the SPADI form ("Total pain score /50 × 100",
"/80 × 100", "/130 × 100"; "if 1 question missed divide by 40", 70, 120) and marked as such.
"""

from collections.abc import Sequence

import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.outcomes import change

PAIN = [6, 4, 7, 3, 5]
DISABILITY = [2, 0, 1, 3, 0, 4, 2, 0]


def spadi(values: Sequence[int | None]) -> dict[str, int | None]:
    return {f"spadi{i}": v for i, v in enumerate(values, start=1)}


def test_hand_computed_complete_form() -> None:
    # Hand-computed: pain 6+4+7+3+5 = 25 → 25/50 × 100 = 50 %; disability 2+0+1+3+0+4+2+0 = 12
    # → 12/80 × 100 = 15 %; total 37/130 × 100 = 28.4615… %.
    result = get("spadi").score(spadi(PAIN + DISABILITY))
    assert result.subscales == {"pain": 50.0, "disability": 15.0}
    assert result.score == pytest.approx(37 / 130 * 100, abs=1e-12)


def test_hand_computed_with_one_pain_item_missed() -> None:
    # Hand-computed, the form's rule: one pain item missed → divide by 40 (and the total by
    # 120): pain 4+7+3+5 = 19 → 47.5 %; total (19 + 12)/120 × 100 = 25.833… %.
    result = get("spadi").score(spadi([None, *PAIN[1:], *DISABILITY]))
    assert result.subscales == {"pain": 47.5, "disability": 15.0}
    assert result.score == pytest.approx(31 / 120 * 100, abs=1e-12)
    assert result.n_answered == 12


def test_hand_computed_with_one_disability_item_missed() -> None:
    # Hand-computed, the form's rule: divide the disability sum by 70: (12 − 4)/70 × 100.
    answers = spadi(PAIN + DISABILITY)
    answers["spadi11"] = None  # the item answered 4
    result = get("spadi").score(answers)
    assert result.subscales["disability"] == pytest.approx(8 / 70 * 100, abs=1e-12)
    assert result.score == pytest.approx(33 / 120 * 100, abs=1e-12)


@pytest.mark.parametrize(("value", "percent"), [(0, 0.0), (10, 100.0), (5, 50.0)])
def test_the_scale_runs_from_0_to_100_percent(value: int, percent: float) -> None:
    result = get("spadi").score(spadi([value] * 13))
    assert result.score == percent
    assert result.subscales == {"pain": percent, "disability": percent}


def test_two_items_missed_are_scored_three_are_not() -> None:
    two = spadi([None, None, *([5] * 11)])
    assert get("spadi").score(two).subscales["pain"] == 50.0
    with pytest.raises(TooManyMissing, match="spadi1"):
        get("spadi").score(spadi([None, None, None, *([5] * 10)]))


@pytest.mark.parametrize("value", [-1, 11, 2.5])
def test_answers_outside_0_to_10_are_refused(value: float) -> None:
    answers: dict[str, object] = dict(spadi([1] * 13))
    answers["spadi7"] = value
    with pytest.raises(InvalidAnswer, match="spadi7"):
        get("spadi").score(answers)


def test_the_mic_is_13_points_and_a_fall_is_improvement() -> None:
    # Roy et al. 2009: 8–13 points; painpath uses 13.
    assert change("spadi", 60, 47).reached_mic_absolute is True
    assert change("spadi", 60, 48).reached_mic_absolute is False
