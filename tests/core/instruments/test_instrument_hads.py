"""HADS (Zigmond & Snaith 1983). No published worked example with item answers was found: the
examples below are hand-computed from the scoring rule (odd items anxiety, even items
depression, each the sum of its seven 0–3 item scores), marked as such."""

from collections.abc import Mapping

import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get

ANXIETY = (1, 3, 5, 7, 9, 11, 13)
DEPRESSION = (2, 4, 6, 8, 10, 12, 14)


def hads(values: Mapping[int, int | None] | None = None, default: int = 0) -> dict[str, int | None]:
    values = values or {}
    return {f"hads{i}": values.get(i, default) for i in range(1, 15)}


def test_hand_computed_subscales() -> None:
    # Hand-computed: anxiety items 3,2,2,1,1,0,0 = 9 (borderline); depression items
    # 1,0,0,1,0,1,0 = 3 (normal); total 12; band of the higher subscale: borderline.
    anxiety = dict(zip(ANXIETY, (3, 2, 2, 1, 1, 0, 0), strict=True))
    depression = dict(zip(DEPRESSION, (1, 0, 0, 1, 0, 1, 0), strict=True))
    result = get("hads").score(hads(anxiety | depression))
    assert result.subscales == {"anxiety": 9.0, "depression": 3.0}
    assert result.score == 12
    assert result.band == "borderline"


@pytest.mark.parametrize("item", range(1, 15))
def test_each_item_belongs_to_exactly_its_subscale(item: int) -> None:
    # Zigmond & Snaith 1983: the odd items are anxiety, the even items depression.
    result = get("hads").score(hads({item: 2}))
    expected = "anxiety" if item in ANXIETY else "depression"
    other = "depression" if expected == "anxiety" else "anxiety"
    assert result.subscales[expected] == 2
    assert result.subscales[other] == 0


@pytest.mark.parametrize(
    ("depression", "band"),
    # Zigmond & Snaith 1983, per subscale: 0–7 normal, 8–10 borderline, 11–21 abnormal.
    [
        (0, "normal"),
        (7, "normal"),
        (8, "borderline"),
        (10, "borderline"),
        (11, "abnormal"),
        (21, "abnormal"),
    ],
)
def test_band_follows_the_higher_subscale(depression: int, band: str) -> None:
    values = {n: min(3, max(0, depression - 3 * i)) for i, n in enumerate(DEPRESSION)}
    values |= {n: 1 for n in ANXIETY[:2]}  # anxiety 2: lower, so the depression decides
    result = get("hads").score(hads(values))
    assert result.subscales["depression"] == depression
    assert result.band == band
    # The other way round: anxiety decides when it is the higher.
    swapped = {n + (-1 if n in DEPRESSION else 1): v for n, v in values.items()}
    assert get("hads").score(hads(swapped)).band == band


def test_a_missing_item_is_refused() -> None:
    with pytest.raises(TooManyMissing, match="hads14"):
        get("hads").score(hads({14: None}))


def test_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidAnswer, match="hads2 = 4 is out of range 0–3"):
        get("hads").score(hads({2: 4}))


def test_no_mic_is_claimed() -> None:
    # Published MIDs are per subscale and in other populations: none for the total.
    assert get("hads").mic is None
