import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get

FORWARD = ("pain", "anxious", "depressed", "risk_persistent", "stop_if_pain", "not_normal_work")
REVERSED = ("work_expectancy_3m", "light_work", "sleep")


def orebro(
    duration: int = 1, forward: int = 0, reversed_: int = 10, **over: object
) -> dict[str, object]:
    """Answers as printed on the form; by default the lowest-risk answer for every item."""
    answers: dict[str, object] = {"duration": duration}
    answers |= {code: forward for code in FORWARD}
    answers |= {code: reversed_ for code in REVERSED}
    return answers | over


def test_lowest_and_highest_risk_forms_span_1_to_100() -> None:
    # Linton, Nicholas & MacDonald 2011: total 1–100.
    low = get("orebro10").score(orebro())
    assert low.score == 1
    assert low.band == "low"
    high = get("orebro10").score(orebro(duration=10, forward=10, reversed_=0))
    assert high.score == 100
    assert high.band == "high"


@pytest.mark.parametrize("code", REVERSED)
def test_the_three_function_and_expectancy_items_are_reversed(code: str) -> None:
    # Linton 2011 scoring: light work, sleep and work expectancy count as 10 − answer.
    base = get("orebro10").score(orebro()).score
    assert get("orebro10").score(orebro(**{code: 10})).score == base
    assert get("orebro10").score(orebro(**{code: 7})).score == base + 3
    assert get("orebro10").score(orebro(**{code: 0})).score == base + 10


@pytest.mark.parametrize("code", FORWARD)
def test_the_other_items_count_as_answered(code: str) -> None:
    base = get("orebro10").score(orebro()).score
    assert get("orebro10").score(orebro(**{code: 7})).score == base + 7


def test_duration_counts_as_its_category_number() -> None:
    assert get("orebro10").score(orebro(duration=7)).score == 7  # 3–6 months


@pytest.mark.parametrize(
    ("total", "band"),
    [(1, "low"), (49, "low"), (50, "high"), (100, "high")],
)
def test_cut_off_fifty_both_sides(total: int, band: str) -> None:
    # Linton, Nicholas & MacDonald 2011, Spine 36:1891: a cut-off of 50 identified 85 % and
    # 83 % of those who developed disability; ≥ 50 is high risk.
    answers = orebro()
    remaining = total - 1
    for code in (*FORWARD, *REVERSED):
        step = min(10, remaining)
        answers[code] = 10 - step if code in REVERSED else step
        remaining -= step
    answers["duration"] = 1 + remaining
    result = get("orebro10").score(answers)
    assert result.score == total
    assert result.band == band


def test_a_missing_item_is_refused_naming_it_and_the_rule() -> None:
    with pytest.raises(TooManyMissing) as raised:
        get("orebro10").score(orebro(sleep=None))
    message = str(raised.value)
    assert "sleep" in message
    assert "at most 0" in message
    assert "Linton" in message
    assert raised.value.item == "sleep"


@pytest.mark.parametrize(
    ("code", "value", "fragment"),
    [
        ("duration", 0, "duration = 0 is out of range 1–10"),
        ("duration", 11, "duration = 11 is out of range 1–10"),
        ("pain", 11, "pain = 11 is out of range 0–10"),
        ("light_work", -1, "light_work = -1 is out of range 0–10"),
        ("anxious", 4.5, "anxious = 4.5 is not a whole number"),
        ("sleep", True, "sleep = True is not a number"),
        ("pain", "7", "pain = '7' is not a number"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(code: str, value: object, fragment: str) -> None:
    with pytest.raises(InvalidAnswer) as raised:
        get("orebro10").score(orebro(**{code: value}))
    assert fragment in str(raised.value)
    assert raised.value.item == code
