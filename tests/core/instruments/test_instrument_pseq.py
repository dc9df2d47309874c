import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.outcomes import change


def pseq(*values: int | None) -> dict[str, int | None]:
    return {f"pseq{i}": v for i, v in enumerate(values, start=1)}


@pytest.mark.parametrize(
    ("values", "total"),
    [((0,) * 10, 0), ((6,) * 10, 60), ((3, 4, 5, 6, 0, 1, 2, 3, 4, 5), 33)],
)
def test_score_is_the_sum_zero_to_sixty(values: tuple[int, ...], total: int) -> None:
    # Nicholas 2007: ten items 0–6, total 0–60, higher = more confident.
    result = get("pseq").score(pseq(*values))
    assert result.score == total
    assert result.band is None


def test_higher_is_better_for_the_mic() -> None:
    # Chiarotto et al. 2016, J Pain 17:707: MIC 5.5 points.
    assert get("pseq").higher_is_better
    assert change("pseq", 20, 26).reached_mic_absolute is True
    assert change("pseq", 20, 25).reached_mic_absolute is False
    assert change("pseq", 26, 20).improvement == -6


def test_a_missing_item_is_refused_naming_it_and_the_rule() -> None:
    with pytest.raises(TooManyMissing) as raised:
        get("pseq").score(pseq(1, 2, 3, 4, None, 6, 5, 4, 3, 2))
    message = str(raised.value)
    assert "pseq5" in message
    assert "at most 0" in message
    assert "Nicholas 2007" in message
    assert raised.value.item == "pseq5"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (7, "pseq10 = 7 is out of range 0–6"),
        (-1, "pseq10 = -1 is out of range 0–6"),
        (5.5, "pseq10 = 5.5 is not a whole number"),
        (True, "pseq10 = True is not a number"),
        ("6", "pseq10 = '6' is not a number"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(value: object, fragment: str) -> None:
    answers: dict[str, object] = dict(pseq(*(3,) * 10))
    answers["pseq10"] = value
    with pytest.raises(InvalidAnswer) as raised:
        get("pseq").score(answers)
    assert fragment in str(raised.value)
    assert raised.value.item == "pseq10"
