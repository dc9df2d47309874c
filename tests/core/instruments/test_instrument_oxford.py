import polars as pl
import pytest

from painpath.core.errors import InvalidAnswer, ScoringError, TooManyMissing
from painpath.core.instruments import get
from painpath.core.outcomes import change


@pytest.fixture(params=["oks", "ohs"])
def code(request: pytest.FixtureRequest) -> str:
    """Both Oxford forms share the Murray 2007 scoring; every test runs on each."""
    return str(request.param)


def form(code: str, *values: int | None) -> dict[str, int | None]:
    return {f"{code}{i}": v for i, v in enumerate(values, start=1)}


def spread(code: str, total: int) -> dict[str, int | None]:
    values, remaining = [], total
    for _ in range(12):
        values.append(min(4, remaining))
        remaining -= min(4, remaining)
    return form(code, *values)


def test_zero_to_forty_eight_with_forty_eight_best(code: str) -> None:
    # Murray et al. 2007, JBJS Br 89:1010: each item 0–4 (4 best), total 0–48.
    assert get(code).score(form(code, *(4,) * 12)).score == 48
    assert get(code).score(form(code, *(0,) * 12)).score == 0
    assert get(code).higher_is_better


@pytest.mark.parametrize(
    ("total", "band"),
    [
        # Kalairajah et al. 2005: 0–19, 20–29, 30–39, 40–48.
        (0, "severe"),
        (19, "severe"),
        (20, "moderate to severe"),
        (29, "moderate to severe"),
        (30, "mild to moderate"),
        (39, "mild to moderate"),
        (40, "satisfactory"),
        (48, "satisfactory"),
    ],
)
def test_every_band_boundary(code: str, total: int, band: str) -> None:
    result = get(code).score(spread(code, total))
    assert result.score == total
    assert result.band == band


def test_up_to_two_missing_items_take_the_mean_of_the_answered_ones(code: str) -> None:
    # Murray 2007: up to two missing items are replaced by the mean of the answered items.
    one = get(code).score(form(code, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, None))
    assert one.score == 48.0
    two = get(code).score(form(code, None, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, None))
    assert two.score == 36.0
    uneven = get(code).score(form(code, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 0, None))
    # 40 over 11 answered items: 40 + 40/11 for the missing one = 40 × 12 / 11.
    assert uneven.score == pytest.approx(40 * 12 / 11, abs=1e-12)
    assert uneven.band == "satisfactory"
    assert uneven.n_answered == 11


def test_a_prorated_score_between_bands_goes_to_the_upper_band(code: str) -> None:
    # 18 over 11 items = 19.64: above the "severe" band's upper bound of 19.
    result = get(code).score(form(code, 4, 4, 4, 4, 2, 0, 0, 0, 0, 0, 0, None))
    assert result.score == pytest.approx(18 * 12 / 11, abs=1e-12)
    assert result.band == "moderate to severe"


def test_three_missing_items_are_refused_naming_them_and_the_rule(code: str) -> None:
    with pytest.raises(TooManyMissing) as raised:
        get(code).score(form(code, None, 3, None, 3, 3, 3, 3, 3, 3, 3, 3, None))
    message = str(raised.value)
    assert f"{code}1, {code}3, {code}12" in message
    assert "at most 2" in message
    assert "Murray et al. 2007" in message
    assert raised.value.item == f"{code}1"


def test_no_other_missing_limit_is_offered(code: str) -> None:
    with pytest.raises(ScoringError, match="max_missing=3"):
        get(code, max_missing=3)


def test_the_columnar_scorer_prorates_the_same_way(code: str) -> None:
    rows = [
        [4] * 11 + [None],
        [4] * 10 + [0, None],
        [None, None, None] + [3] * 9,
    ]
    frame = pl.DataFrame(
        {f"{code}{i}": [row[i - 1] for row in rows] for i in range(1, 13)},
        schema={f"{code}{i}": pl.Int64 for i in range(1, 13)},
    )
    out = get(code).score_frame(frame)
    assert out["score"][0] == 48.0
    assert out["score"][1] == pytest.approx(40 * 12 / 11, abs=1e-12)
    assert out["score"][2] is None
    assert "at most 2" in out["error"][2]


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (5, "{item} = 5 is out of range 0–4"),
        (-1, "{item} = -1 is out of range 0–4"),
        (3.5, "{item} = 3.5 is not a whole number"),
        (False, "{item} = False is not a number"),
        ("4", "{item} = '4' is not a number"),
    ],
)
def test_bad_answers_are_refused_naming_the_item(code: str, value: object, fragment: str) -> None:
    answers: dict[str, object] = dict(form(code, *(2,) * 12))
    answers[f"{code}6"] = value
    fragment = fragment.format(item=f"{code}6")
    with pytest.raises(InvalidAnswer) as raised:
        get(code).score(answers)
    assert fragment in str(raised.value)
    assert raised.value.item == f"{code}6"


@pytest.mark.parametrize(("form_code", "mic"), [("oks", 7), ("ohs", 8)])
def test_beard_individual_mic(form_code: str, mic: int) -> None:
    # Beard et al. 2015, J Clin Epidemiol 68:73: ROC-based individual MIC, OKS 7 and OHS 8.
    assert change(form_code, 20, 20 + mic).reached_mic_absolute is True
    assert change(form_code, 20, 19 + mic).reached_mic_absolute is False
    assert change(form_code, 20 + mic, 20).improvement == -mic
