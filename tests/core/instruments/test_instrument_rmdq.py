import pytest

from painpath.core.errors import InvalidAnswer, ScoringError, TooManyMissing
from painpath.core.instruments import get
from painpath.core.outcomes import change


def rmdq(ticked: set[int], missing: frozenset[int] = frozenset()) -> dict[str, int | None]:
    return {f"rmdq{i}": (None if i in missing else int(i in ticked)) for i in range(1, 25)}


@pytest.mark.parametrize("count", [0, 1, 12, 23, 24])
def test_score_is_the_number_of_statements_that_apply(count: int) -> None:
    # Roland & Morris 1983; Roland & Fairbank 2000: the score is the number of ticks, 0–24.
    result = get("rmdq").score(rmdq(set(range(1, count + 1))))
    assert result.score == count
    assert result.band is None
    assert result.n_answered == 24


def test_the_manual_improvement_example_twelve_to_two_is_83_percent() -> None:
    # RMDQ scoring guidance distributed with the questionnaire (quoted e.g. by Physiopedia):
    # a score of 12 at the start and 2 at the end is 10 points of improvement,
    # 10/12 × 100 = 83 %.
    c = change("rmdq", 12, 2)
    assert c.improvement == 10
    assert round(c.percent_improvement or 0) == 83
    # Ostelo et al. 2008: MIC 5 points or 30 %.
    assert c.reached_mic_absolute and c.reached_mic_relative
    assert change("rmdq", 12, 8).reached_mic_absolute is False
    assert change("rmdq", 12, 7).reached_mic_absolute is True


def test_a_complete_form_is_needed_and_the_error_names_item_and_rule() -> None:
    with pytest.raises(TooManyMissing) as raised:
        get("rmdq").score(rmdq({1, 2}, missing=frozenset({7})))
    message = str(raised.value)
    assert "rmdq7" in message
    assert "at most 0" in message
    assert "Roland & Fairbank 2000" in message
    assert raised.value.item == "rmdq7"


def test_no_other_missing_limit_is_offered() -> None:
    with pytest.raises(ScoringError, match="max_missing=1"):
        get("rmdq", max_missing=1)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (2, "rmdq5 = 2 is out of range 0–1"),
        (-1, "rmdq5 = -1 is out of range 0–1"),
        (0.5, "rmdq5 = 0.5 is not a whole number"),
        (True, "rmdq5 = True is not a number"),
        ("yes", "rmdq5 = 'yes' is not a number"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(value: object, fragment: str) -> None:
    answers: dict[str, object] = dict(rmdq(set()))
    answers["rmdq5"] = value
    with pytest.raises(InvalidAnswer) as raised:
        get("rmdq").score(answers)
    assert fragment in str(raised.value)
    assert raised.value.item == "rmdq5"


def test_a_twenty_fifth_item_is_unknown() -> None:
    with pytest.raises(InvalidAnswer, match="unknown answer code 'rmdq25'"):
        get("rmdq").score({**rmdq(set()), "rmdq25": 0})
