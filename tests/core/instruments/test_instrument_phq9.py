"""PHQ-9 (Kroenke, Spitzer & Williams 2001). Published worked examples (filled-in forms with the
total their authors printed: the PACIO Sample Data Depot and the MII PRO module's FHIR examples)
are scored in tests/core/test_worked_examples_published.py, from the ``worked_examples`` block
of core/data/questionnaires/source/phq9.yaml. The examples below are hand-computed from the
scoring rule (sum of the nine items), marked as such, to test boundaries and missing answers
the published forms do not reach."""

import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.outcomes import change


def phq(*values: int | None) -> dict[str, int | None]:
    return {f"phq{i}": v for i, v in enumerate(values, start=1)}


def test_hand_computed_total_is_the_sum_of_the_nine_items() -> None:
    # Hand-computed (Kroenke 2001 rule, sum of items): 1+2+3+0+1+2+3+0+1 = 13, "moderate".
    result = get("phq9").score(phq(1, 2, 3, 0, 1, 2, 3, 0, 1))
    assert result.score == 13
    assert result.band == "moderate"
    assert result.subscales == {"item9": 1.0}


@pytest.mark.parametrize(
    ("total", "band"),
    [
        # Kroenke 2001: 5, 10, 15 and 20 are the lower bounds of mild, moderate, moderately
        # severe and severe depression; each boundary from both sides.
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_bands_at_each_boundary(total: int, band: str) -> None:
    values = [min(3, max(0, total - 3 * i)) for i in range(9)]
    result = get("phq9").score(phq(*values))
    assert result.score == total
    assert result.band == band


def test_item9_is_reported_even_when_the_total_is_minimal() -> None:
    # A total of 1 that is item 9 alone: the band says "minimal", the item says otherwise.
    result = get("phq9").score(phq(0, 0, 0, 0, 0, 0, 0, 0, 1))
    assert result.band == "minimal"
    assert result.subscales["item9"] == 1
    assert get("phq9").score(phq(3, 3, 3, 3, 3, 3, 3, 3, 0)).subscales["item9"] == 0


def test_the_mic_is_five_points() -> None:
    # Löwe et al. 2004, Med Care 42:1194: MCID 5 points.
    assert change("phq9", 15, 10).reached_mic_absolute is True
    assert change("phq9", 15, 11).reached_mic_absolute is False


def test_a_missing_item_is_refused_naming_it() -> None:
    with pytest.raises(TooManyMissing) as raised:
        get("phq9").score(phq(1, 1, 1, 1, 1, 1, 1, 1, None))
    assert "phq9" in str(raised.value)
    assert "at most 0" in str(raised.value)
    assert raised.value.item == "phq9"


def test_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidAnswer, match="phq3 = 4 is out of range 0–3"):
        get("phq9").score(phq(0, 0, 4, 0, 0, 0, 0, 0, 0))
