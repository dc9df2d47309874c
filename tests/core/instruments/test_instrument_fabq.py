"""FABQ: the physical activity (items 2–5) and work (items 6, 7, 9, 10, 11, 12, 15) subscales.

No published worked example (a filled-in form with its subscale scores) was found: the
examples below are hand-computed from the scoring rule of Waddell et al. 1993 and marked as
such.
"""

import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.instruments.fabq import PHYSICAL_ACTIVITY, WORK


def fabq(values: dict[int, int | None] | None = None, default: int = 0) -> dict[str, int | None]:
    values = values or {}
    return {f"fabq{i}": values.get(i, default) for i in range(1, 17)}


def test_hand_computed_example_with_every_item_answered() -> None:
    # Hand-computed (Waddell 1993's rule): item n answered n mod 7 →
    # physical activity 2+3+4+5 = 14; work 6+0+2+3+4+5+1 (items 6,7,9,10,11,12,15) = 21.
    result = get("fabq").score(fabq({i: i % 7 for i in range(1, 17)}))
    assert result.subscales == {"physical_activity": 14.0, "work": 21.0}
    assert result.score == 14
    assert result.band is None


def test_the_extremes_are_0_to_24_and_0_to_42() -> None:
    # Waddell 1993: physical activity 0–24, work 0–42.
    assert get("fabq").score(fabq(default=6)).subscales == {
        "physical_activity": 24.0,
        "work": 42.0,
    }
    assert get("fabq").score(fabq(default=0)).subscales == {
        "physical_activity": 0.0,
        "work": 0.0,
    }


@pytest.mark.parametrize("item", range(1, 17))
def test_each_item_counts_in_exactly_its_subscale(item: int) -> None:
    result = get("fabq").score(fabq({item: 5}))
    assert result.subscales["physical_activity"] == (5 if item in PHYSICAL_ACTIVITY else 0)
    assert result.subscales["work"] == (5 if item in WORK else 0)


def test_without_the_work_items_the_physical_activity_score_stands_alone() -> None:
    # A patient without work leaves items 6–16: the physical activity subscale is still scored.
    answers = {f"fabq{i}": 4 for i in range(1, 6)}
    result = get("fabq").score(answers)
    assert result.score == 16
    assert result.subscales == {"physical_activity": 16.0, "work": None}


def test_one_work_item_unanswered_leaves_the_work_subscale_empty() -> None:
    result = get("fabq").score(fabq({15: None}, default=3))
    assert result.subscales["work"] is None
    assert result.score == 12


def test_the_unscored_items_may_be_left() -> None:
    answers = fabq(dict.fromkeys((1, 8, 13, 14, 16)), default=2)
    assert get("fabq").score(answers).subscales == {"physical_activity": 8.0, "work": 14.0}


@pytest.mark.parametrize("item", PHYSICAL_ACTIVITY)
def test_an_unanswered_physical_activity_item_gives_no_score(item: int) -> None:
    with pytest.raises(TooManyMissing, match=f"fabq{item}"):
        get("fabq").score(fabq({item: None}))


@pytest.mark.parametrize("value", [-1, 7, 3.5])
def test_answers_outside_zero_to_six_are_refused(value: float) -> None:
    answers: dict[str, object] = dict(fabq())
    answers["fabq9"] = value
    with pytest.raises(InvalidAnswer, match="fabq9"):
        get("fabq").score(answers)
