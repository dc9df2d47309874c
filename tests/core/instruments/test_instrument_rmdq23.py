import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.outcomes import change


def rmdq23(count: int, missing: frozenset[int] = frozenset()) -> dict[str, int | None]:
    return {f"rmdq{i}": (None if i in missing else int(i <= count)) for i in range(1, 24)}


@pytest.mark.parametrize("count", [0, 1, 11, 22, 23])
def test_score_is_the_number_of_statements_that_apply(count: int) -> None:
    # Albert et al. 2003: the Danish 23-item version is scored by counting, 0–23.
    result = get("rmdq23").score(rmdq23(count))
    assert result.score == count
    assert result.band is None


def test_the_form_has_23_items() -> None:
    with pytest.raises(InvalidAnswer, match="unknown answer code 'rmdq24'"):
        get("rmdq23").score({**rmdq23(0), "rmdq24": 0})


def test_a_complete_form_is_needed_and_the_error_names_item_and_rule() -> None:
    with pytest.raises(TooManyMissing) as raised:
        get("rmdq23").score(rmdq23(5, missing=frozenset({23})))
    message = str(raised.value)
    assert "rmdq23" in message
    assert "at most 0" in message
    assert "no published rule" in message
    assert raised.value.item == "rmdq23"


def test_only_the_relative_mic_is_carried_over() -> None:
    c = change("rmdq23", 10, 7)  # 30 %
    assert c.reached_mic_relative is True
    assert c.reached_mic_absolute is None
    assert change("rmdq23", 10, 8).reached_mic_relative is False


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (2, "rmdq3 = 2 is out of range 0–1"),
        (-1, "rmdq3 = -1 is out of range 0–1"),
        (0.5, "rmdq3 = 0.5 is not a whole number"),
        (False, "rmdq3 = False is not a number"),
        ("1", "rmdq3 = '1' is not a number"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(value: object, fragment: str) -> None:
    answers: dict[str, object] = dict(rmdq23(0))
    answers["rmdq3"] = value
    with pytest.raises(InvalidAnswer) as raised:
        get("rmdq23").score(answers)
    assert fragment in str(raised.value)
    assert raised.value.item == "rmdq3"
