"""Central Sensitization Inventory, part A (Mayer 2012; severity levels Neblett 2017). No
published worked example with item answers was found: the examples below are hand-computed
from the scoring rule (sum of the 25 items, 0–4 each), marked as such."""

from collections.abc import Mapping

import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get


def csi(values: Mapping[int, int | None] | None = None, default: int = 0) -> dict[str, int | None]:
    values = values or {}
    return {f"csi{i}": values.get(i, default) for i in range(1, 26)}


def test_hand_computed_total() -> None:
    # Hand-computed: every item "sometimes" (2) → 25 × 2 = 50, "severe" (Neblett 2017: 50–59).
    result = get("csi").score(csi(default=2))
    assert result.score == 50
    assert result.band == "severe"


@pytest.mark.parametrize(
    ("total", "band"),
    [
        # Neblett et al. 2017, Pain Pract 17:166: 0–29 subclinical, 30–39 mild, 40–49
        # moderate, 50–59 severe, 60–100 extreme; each boundary from both sides.
        (0, "subclinical"),
        (29, "subclinical"),
        (30, "mild"),
        (39, "mild"),
        (40, "moderate"),
        (49, "moderate"),
        (50, "severe"),
        (59, "severe"),
        (60, "extreme"),
        (100, "extreme"),
    ],
)
def test_severity_levels_at_each_boundary(total: int, band: str) -> None:
    values = {i + 1: min(4, max(0, total - 4 * i)) for i in range(25)}
    result = get("csi").score(csi(values))
    assert result.score == total
    assert result.band == band


def test_a_missing_item_is_refused() -> None:
    with pytest.raises(TooManyMissing, match="csi24"):
        get("csi").score(csi({24: None}))


def test_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidAnswer, match="csi5 = 5 is out of range 0–4"):
        get("csi").score(csi({5: 5}))
