"""GAD-7 (Spitzer et al. 2006). Published worked examples (the MII PRO module's and the PACIO
Sample Data Depot's FHIR forms with their printed totals) are scored in
tests/core/test_worked_examples_published.py, from the ``worked_examples`` block of
core/data/questionnaires/source/gad7.yaml. The examples below are hand-computed from the scoring
rule (sum of the seven items), marked, for boundaries and missing answers."""

import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.outcomes import change


def gad(*values: int | None) -> dict[str, int | None]:
    return {f"gad{i}": v for i, v in enumerate(values, start=1)}


def test_hand_computed_total() -> None:
    # Hand-computed (Spitzer 2006 rule, sum of items): 3+2+2+1+0+1+2 = 11, "moderate".
    result = get("gad7").score(gad(3, 2, 2, 1, 0, 1, 2))
    assert result.score == 11
    assert result.band == "moderate"


@pytest.mark.parametrize(
    ("total", "band"),
    [
        # Spitzer 2006: cut points 5, 10 and 15 for mild, moderate and severe anxiety.
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_bands_at_each_boundary(total: int, band: str) -> None:
    values = [min(3, max(0, total - 3 * i)) for i in range(7)]
    result = get("gad7").score(gad(*values))
    assert result.score == total
    assert result.band == band


def test_the_mic_is_four_points() -> None:
    # Toussaint et al. 2020, J Affect Disord 265:395: MCID 4 points.
    assert change("gad7", 12, 8).reached_mic_absolute is True
    assert change("gad7", 12, 9).reached_mic_absolute is False


def test_a_missing_item_is_refused() -> None:
    with pytest.raises(TooManyMissing, match="gad4"):
        get("gad7").score(gad(1, 1, 1, None, 1, 1, 1))


def test_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidAnswer, match="gad1 = -1 is out of range 0–3"):
        get("gad7").score(gad(-1, 0, 0, 0, 0, 0, 0))
