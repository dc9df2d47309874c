import polars as pl
import pytest

from painpath.core.errors import InvalidAnswer, ScoringError, TooManyMissing
from painpath.core.instruments import get


def ndi(*values: int | None) -> dict[str, int | None]:
    return {f"ndi{i}": v for i, v in enumerate(values, start=1)}


def spread(total: int, answered: int = 10) -> dict[str, int | None]:
    """A form with ``answered`` sections answered, summing to ``total``."""
    values: list[int | None] = []
    remaining = total
    for _ in range(answered):
        values.append(min(5, remaining))
        remaining -= min(5, remaining)
    assert remaining == 0
    return ndi(*values, *([None] * (10 - answered)))


def test_form_example_sixteen_of_fifty_is_thirty_two_percent() -> None:
    # NDI scoring instructions (the Vernon & Mior form): 16 (total scored) / 50 × 100 = 32 %.
    result = get("ndi").score(spread(16))
    assert result.score == 32.0
    assert result.subscales["raw"] == 16.0
    assert result.band == "moderate"  # Vernon & Mior 1991: raw 15–24 moderate
    assert result.n_answered == 10


def test_form_example_one_section_missed_is_sixteen_of_forty_five() -> None:
    # NDI scoring instructions: one section missed → 16 / 45 × 100 = 35.5 %.
    result = get("ndi").score(spread(16, answered=9))
    assert result.score == pytest.approx(16 / 45 * 100, abs=1e-12)
    assert f"{result.score:.1f}" == "35.6"  # the form truncates to 35.5
    # Raw on the 0–50 scale: the mean of the answered items added for the missing one.
    assert result.subscales["raw"] == pytest.approx(16 + 16 / 9, abs=1e-12)
    assert result.n_answered == 9


@pytest.mark.parametrize(
    ("raw", "band"),
    [
        # Vernon & Mior 1991 on raw points: 0–4 none, 5–14 mild, 15–24 moderate,
        # 25–34 severe, 35–50 complete; painpath reads them on % = raw × 2.
        (0, "none"),
        (4, "none"),
        (5, "mild"),
        (14, "mild"),
        (15, "moderate"),
        (24, "moderate"),
        (25, "severe"),
        (34, "severe"),
        (35, "complete"),
        (50, "complete"),
    ],
)
def test_every_band_boundary_on_a_complete_form(raw: int, band: str) -> None:
    result = get("ndi").score(spread(raw))
    assert result.score == raw * 2
    assert result.subscales["raw"] == raw
    assert result.band == band


@pytest.mark.parametrize(
    ("total", "percent", "band"),
    [
        (18, 40.0, "moderate"),  # 18/45 × 100 = 40.0 exactly: must not drift
        (9, 20.0, "mild"),
        (4, 400 / 45, "mild"),  # 8.9 % = raw 4.4: above "none" (≤ 4)
        (27, 60.0, "severe"),
    ],
)
def test_bands_with_one_section_missing_are_exact(total: int, percent: float, band: str) -> None:
    result = get("ndi").score(spread(total, answered=9))
    assert result.score == pytest.approx(percent, abs=1e-12)
    assert result.band == band


def test_multiply_before_dividing_keeps_edges_exact() -> None:
    assert get("ndi").score(spread(18, answered=9)).score == 40.0
    assert get("ndi").score(spread(36, answered=9)).score == 80.0


def test_two_missing_sections_are_refused_naming_them_and_the_rule() -> None:
    with pytest.raises(TooManyMissing) as raised:
        get("ndi").score(ndi(1, None, 1, None, 1, 1, 1, 1, 1, 1))
    message = str(raised.value)
    assert "ndi2, ndi4" in message
    assert "at most 1" in message
    assert "one section may be missed" in message
    assert raised.value.item == "ndi2"


def test_complete_forms_only_may_be_chosen() -> None:
    with pytest.raises(TooManyMissing, match="at most 0"):
        get("ndi", max_missing=0).score(spread(16, answered=9))
    with pytest.raises(ScoringError, match="max_missing=2"):
        get("ndi", max_missing=2)


def test_the_columnar_scorer_reports_raw_and_bands() -> None:
    frame = pl.DataFrame({f"ndi{i}": [1, 5, None] for i in range(1, 11)})
    out = get("ndi").score_frame(frame)
    assert out["score"].to_list() == [20.0, 100.0, None]
    assert out["raw"].to_list() == [10.0, 50.0, None]
    assert out["band"].cast(str).to_list() == ["mild", "complete", None]
    assert out["error"][2] is not None and "ndi1" in out["error"][2]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (6, "ndi8 = 6 is out of range 0–5"),
        (-1, "ndi8 = -1 is out of range 0–5"),
        (2.5, "ndi8 = 2.5 is not a whole number"),
        (True, "ndi8 = True is not a number"),
        ("3", "ndi8 = '3' is not a number"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(value: object, fragment: str) -> None:
    answers: dict[str, object] = dict(spread(10))
    answers["ndi8"] = value
    with pytest.raises(InvalidAnswer) as raised:
        get("ndi").score(answers)
    assert fragment in str(raised.value)
    assert raised.value.item == "ndi8"
