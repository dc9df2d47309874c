import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.outcomes import change

RUMINATION = (8, 9, 10, 11)
MAGNIFICATION = (6, 7, 13)
HELPLESSNESS = (1, 2, 3, 4, 5, 12)


def pcs(values: dict[int, int | None] | None = None, default: int = 0) -> dict[str, int | None]:
    values = values or {}
    return {f"pcs{i}": values.get(i, default) for i in range(1, 14)}


def test_subscales_sum_their_items_per_the_manual() -> None:
    # PCS User Manual: rumination 8–11, magnification 6, 7, 13, helplessness 1–5 and 12.
    answers = pcs({i: 4 for i in RUMINATION} | {i: 2 for i in MAGNIFICATION} | {1: 1, 12: 3})
    result = get("pcs").score(answers)
    assert result.subscales == {"rumination": 16.0, "magnification": 6.0, "helplessness": 4.0}
    assert result.score == 26


@pytest.mark.parametrize(
    ("subscale", "items"),
    [("rumination", RUMINATION), ("magnification", MAGNIFICATION), ("helplessness", HELPLESSNESS)],
)
def test_each_item_belongs_to_exactly_its_subscale(subscale: str, items: tuple[int, ...]) -> None:
    for item in range(1, 14):
        result = get("pcs").score(pcs({item: 3}))
        assert result.subscales[subscale] == (3 if item in items else 0), (subscale, item)


def test_the_subscales_add_up_to_the_total() -> None:
    result = get("pcs").score(pcs({i: i % 5 for i in range(1, 14)}))
    assert sum(v for v in result.subscales.values() if v is not None) == result.score


@pytest.mark.parametrize(
    ("total", "band"),
    [
        # PCS User Manual: a total of 30 or more is clinically relevant catastrophizing.
        (0, "not clinically relevant"),
        (29, "not clinically relevant"),
        (30, "clinically relevant"),
        (52, "clinically relevant"),
    ],
)
def test_cut_off_thirty_both_sides(total: int, band: str) -> None:
    values: dict[int, int | None] = {}
    remaining = total
    for item in range(1, 14):
        values[item] = min(4, remaining)
        remaining -= min(4, remaining)
    result = get("pcs").score(pcs(values))
    assert result.score == total
    assert result.band == band


def test_the_mic_is_a_38_percent_reduction() -> None:
    # Scott, Wideman & Sullivan 2014, Clin J Pain 30:183: reductions of about 38–44 %.
    assert change("pcs", 50, 31).reached_mic_relative is True  # 38 %
    assert change("pcs", 50, 32).reached_mic_relative is False  # 36 %
    assert change("pcs", 50, 31).reached_mic_absolute is None


def test_a_missing_item_is_refused_naming_it_and_the_rule() -> None:
    with pytest.raises(TooManyMissing) as raised:
        get("pcs").score(pcs({13: None}))
    message = str(raised.value)
    assert "pcs13" in message
    assert "at most 0" in message
    assert "PCS User Manual" in message
    assert raised.value.item == "pcs13"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (5, "pcs7 = 5 is out of range 0–4"),
        (-1, "pcs7 = -1 is out of range 0–4"),
        (1.5, "pcs7 = 1.5 is not a whole number"),
        (True, "pcs7 = True is not a number"),
        ("2", "pcs7 = '2' is not a number"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(value: object, fragment: str) -> None:
    answers: dict[str, object] = dict(pcs())
    answers["pcs7"] = value
    with pytest.raises(InvalidAnswer) as raised:
        get("pcs").score(answers)
    assert fragment in str(raised.value)
    assert raised.value.item == "pcs7"
