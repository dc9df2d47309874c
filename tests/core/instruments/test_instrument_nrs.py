import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "none"),
        (1, "mild"),
        (3, "mild"),
        (4, "moderate"),
        (6, "moderate"),
        (7, "severe"),
        (10, "severe"),
    ],
)
def test_bands_at_every_boundary(value: int, band: str) -> None:
    result = get("nrs").score({"nrs": value})
    assert result.score == value
    assert result.band == band


def test_unanswered_has_no_score() -> None:
    with pytest.raises(TooManyMissing, match="nrs"):
        get("nrs").score({"nrs": None})
    with pytest.raises(TooManyMissing):
        get("nrs").score({})


@pytest.mark.parametrize("value", [11, -1, 5.5])
def test_out_of_range_or_fractional_answers_are_refused(value: float) -> None:
    with pytest.raises(InvalidAnswer, match="nrs"):
        get("nrs").score({"nrs": value})
