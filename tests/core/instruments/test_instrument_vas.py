import numpy as np
import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.outcomes import change


@pytest.mark.parametrize(
    ("mm", "band"),
    [
        # Boonstra et al. 2014, Pain 155:2545: ≤ 3.4 cm mild, 3.5–7.4 moderate, ≥ 7.5 severe.
        (0, "none"),
        (0.5, "mild"),
        (34, "mild"),
        (34.5, "moderate"),
        (35, "moderate"),
        (74, "moderate"),
        (74.2, "severe"),
        (75, "severe"),
        (100, "severe"),
    ],
)
def test_bands_at_every_boundary(mm: float, band: str) -> None:
    result = get("vas").score({"vas": mm})
    assert result.score == mm
    assert result.band == band


def test_the_vectorised_scorer_gives_the_same_bands() -> None:
    values = np.array([[0.0], [0.5], [34.0], [34.5], [74.0], [74.2], [100.0]])
    frame = get("vas").score_matrix(values)
    expected = [get("vas").score({"vas": float(v)}).band for v in values[:, 0]]
    assert frame["band"].cast(str).to_list() == expected


def test_a_millimetre_fraction_is_accepted() -> None:
    assert get("vas").score({"vas": 42.5}).score == 42.5


def test_unanswered_has_no_score_and_the_error_names_item_and_rule() -> None:
    with pytest.raises(TooManyMissing) as raised:
        get("vas").score({"vas": None})
    assert "vas" in str(raised.value)
    assert "single item" in str(raised.value)
    assert raised.value.item == "vas"
    with pytest.raises(TooManyMissing):
        get("vas").score({})


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (100.5, "vas = 100.5 is out of range 0–100"),
        (-1, "vas = -1 is out of range 0–100"),
        (True, "vas = True is not a number"),
        ("50", "vas = '50' is not a number"),
        (float("inf"), "vas = inf is not a finite number"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(value: object, fragment: str) -> None:
    with pytest.raises(InvalidAnswer) as raised:
        get("vas").score({"vas": value})
    assert fragment in str(raised.value)
    assert raised.value.item == "vas"


def test_ostelo_mic_fifteen_millimetres_or_thirty_percent() -> None:
    # Ostelo et al. 2008, Spine 33:90: VAS MIC 15 mm or 30 % improvement.
    c = change("vas", 60, 45)
    assert c.reached_mic_absolute is True
    assert c.reached_mic_relative is False  # 25 %
    assert change("vas", 60, 46).reached_mic_absolute is False
    assert change("vas", 40, 28).reached_mic_relative is True  # exactly 30 %
