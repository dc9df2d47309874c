import pytest

from painpath.core.errors import InvalidAnswer, ScoringError, TooManyMissing
from painpath.core.instruments import get


def odi(*values: int | None) -> dict[str, int | None]:
    return {f"odi{i}": v for i, v in enumerate(values, start=1)}


def test_fairbank_example_sixteen_of_fifty_is_thirty_two_percent() -> None:
    # Fairbank & Pynsent 2000, Spine 25:2940, "Scoring": 16 (total scored) / 50 × 100 = 32 %.
    result = get("odi").score(odi(2, 2, 2, 2, 2, 2, 2, 1, 1, 0))
    assert result.score == 32.0
    assert result.band == "moderate"
    assert result.n_answered == 10


def test_fairbank_example_one_section_missing_is_sixteen_of_forty_five() -> None:
    # Fairbank & Pynsent 2000: one section missed → 16 / 45 × 100 = 35.5 %.
    result = get("odi").score(odi(2, None, 2, 2, 2, 2, 2, 1, 1, 2))
    assert result.score == pytest.approx(16 / 45 * 100, abs=1e-12)
    assert result.n_answered == 9


@pytest.mark.parametrize(
    ("total", "answered", "band"),
    [
        (0, 10, "minimal"),
        (10, 10, "minimal"),  # 20 % exactly: still minimal
        (11, 10, "moderate"),  # 22 %
        (9, 9, "minimal"),  # 9/45 = 20 % exactly, must not drift to 20.000…04
        (20, 10, "moderate"),  # 40 %
        (21, 10, "severe"),
        (30, 10, "severe"),  # 60 %
        (31, 10, "crippled"),
        (40, 10, "crippled"),  # 80 %
        (41, 10, "bed-bound"),
        (50, 10, "bed-bound"),
    ],
)
def test_every_band_boundary(total: int, answered: int, band: str) -> None:
    values: list[int | None] = []
    remaining = total
    for _ in range(answered):
        values.append(min(5, remaining))
        remaining -= values[-1]
    values += [None] * (10 - answered)
    result = get("odi").score(odi(*values))
    assert result.score == total * 100 / (5 * answered)
    assert result.band == band


def test_two_missing_sections_are_refused_by_default_naming_them_and_the_rule() -> None:
    with pytest.raises(TooManyMissing) as raised:
        get("odi").score(odi(1, None, 1, None, 1, 1, 1, 1, 1, 1))
    message = str(raised.value)
    assert "odi2, odi4" in message
    assert "at most 1" in message
    assert "Fairbank" in message
    assert raised.value.item == "odi2"


def test_two_missing_sections_may_be_allowed_explicitly() -> None:
    result = get("odi", max_missing=2).score(odi(1, None, 1, None, 1, 1, 1, 1, 1, 1))
    assert result.score == pytest.approx(8 * 100 / 40)


def test_a_missing_limit_the_manual_does_not_offer_is_refused() -> None:
    with pytest.raises(ScoringError, match="max_missing=5"):
        get("odi", max_missing=5)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (6, "odi3 = 6 is out of range 0–5"),
        (-1, "odi3 = -1 is out of range 0–5"),
        (2.5, "odi3 = 2.5 is not a whole number"),
        (True, "odi3 = True is not a number"),
        ("2", "odi3 = '2' is not a number"),
        (float("nan"), "odi3 = nan is not a finite number"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(value: object, fragment: str) -> None:
    answers: dict[str, object] = dict(odi(1, 1, 1, 1, 1, 1, 1, 1, 1, 1))
    answers["odi3"] = value
    with pytest.raises(InvalidAnswer) as raised:
        get("odi").score(answers)
    assert fragment in str(raised.value)
    assert raised.value.item == "odi3"


def test_an_unknown_code_is_refused() -> None:
    with pytest.raises(InvalidAnswer, match="unknown answer code 'odi11'"):
        get("odi").score({**odi(1, 1, 1, 1, 1, 1, 1, 1, 1, 1), "odi11": 1})


def test_a_whole_number_given_as_a_float_is_accepted() -> None:
    assert get("odi").score(odi(1.0, 1, 1, 1, 1, 1, 1, 1, 1, 1)).score == 20.0  # type: ignore[arg-type]
