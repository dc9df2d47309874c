import itertools
import json
from decimal import Decimal
from importlib import resources

import numpy as np
import pytest

from painpath.core.errors import TooManyMissing, UnknownValueSet
from painpath.core.instruments import get
from painpath.core.instruments.eq5d5l import DIMENSIONS, EQ5D5L, VALUE_SETS

ALL_STATES = list(itertools.product(range(1, 6), repeat=5))


def state(code: str) -> dict[str, int]:
    return dict(zip(DIMENSIONS, map(int, code), strict=True))


def published_index(value_set: str, levels: tuple[int, ...]) -> Decimal:
    """The index as the value set's paper defines it, in exact decimal arithmetic, read
    straight from the shipped data file (independently of the scorer's integer tables)."""
    path = resources.files("painpath.core.data") / "valuesets" / f"eq5d5l_{value_set}.json"
    coefficients = json.loads(path.read_text(encoding="utf-8"))["coefficients"]
    total = Decimal(0)
    for dimension, level in zip(DIMENSIONS, levels, strict=True):
        if level > 1:
            total += Decimal(coefficients[dimension][level - 2])
    return Decimal(1) - total


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_all_3125_states_match_the_published_model_to_three_decimals(value_set: str) -> None:
    scorer = get("eq5d5l", value_set=value_set)
    for levels in ALL_STATES:
        expected = float(published_index(value_set, levels))
        got = scorer.score(dict(zip(DIMENSIONS, levels, strict=True))).score
        assert got == expected, (value_set, levels)
        assert f"{got:.3f}" == f"{expected:.3f}"


@pytest.mark.parametrize("value_set", VALUE_SETS)
def test_the_vectorised_scorer_gives_the_same_3125_values(value_set: str) -> None:
    scorer = get("eq5d5l", value_set=value_set)
    x = np.column_stack([np.array(ALL_STATES, dtype=float), np.full(len(ALL_STATES), np.nan)])
    frame = scorer.score_matrix(x)
    singles = [scorer.score(dict(zip(DIMENSIONS, s, strict=True))).score for s in ALL_STATES]
    assert frame["score"].to_list() == singles


@pytest.mark.parametrize(
    ("value_set", "code", "index"),
    [
        # Jensen et al. 2021 / AAU calculation example: state 11123 → 1 − 0.048 − 0.191.
        ("dk", "11123", 0.761),
        # Jensen et al. 2021 report the range −0.757 to 1 from unrounded estimates; the
        # published 3-decimal weights give −0.758 for 55555 (see the value set's note).
        ("dk", "55555", -0.758),
        ("dk", "11111", 1.0),
        # Devlin et al. 2018, Health Econ 27:7: value set range −0.285 (55555) to 1.
        ("england", "55555", -0.285),
        ("england", "11111", 1.0),
        ("england", "21111", 0.942),
        # Pickard et al. 2019, Value Health 22:931: predicted values range −0.573 to 1.
        ("us", "55555", -0.573),
        ("us", "12345", 1 - 0.089 - 0.101 - 0.318 - 0.321),
    ],
)
def test_published_anchor_values(value_set: str, code: str, index: float) -> None:
    assert get("eq5d5l", value_set=value_set).score(state(code)).score == pytest.approx(
        index, abs=5e-13
    )


def test_dk_is_the_default_value_set() -> None:
    assert get("eq5d5l").score(state("11123")).score == 0.761
    assert get("eq5d5l").options()["value_set"] == "dk"


def test_the_eq_vas_is_optional_and_reported_on_its_own() -> None:
    with_vas = get("eq5d5l").score({**state("21111"), "VAS": 70})
    without = get("eq5d5l").score(state("21111"))
    assert with_vas.score == without.score
    assert with_vas.subscales["vas"] == 70
    assert without.subscales["vas"] is None


def test_a_missing_dimension_gives_no_index() -> None:
    answers: dict[str, int | None] = {**state("11111"), "AD": None}
    with pytest.raises(TooManyMissing, match="AD"):
        get("eq5d5l").score(answers)


def test_an_unknown_value_set_is_refused_with_the_choices() -> None:
    with pytest.raises(UnknownValueSet, match="dk, england, us"):
        get("eq5d5l", value_set="se")


def test_an_invalid_eq_vas_does_not_withhold_the_index() -> None:
    # Issue 15: the index comes from the five dimensions alone (User Guide v3.0); a VAS of
    # 74.5 is reported beside it, not allowed to refuse the response.
    result = EQ5D5L().score({**state("11123"), "VAS": 74.5})
    assert result.score == 0.761
    assert result.subscales["vas"] is None
    assert result.vas_error is not None
    assert "VAS = 74.5 is not a whole number" in result.vas_error
    assert result.as_dict()["vas_error"] == result.vas_error


@pytest.mark.parametrize("vas", [-1, 101, 140.0, float("inf"), "seventy", True])
def test_every_kind_of_invalid_eq_vas_is_reported_beside_the_index(vas: object) -> None:
    result = EQ5D5L().score({**state("21111"), "VAS": vas})
    assert result.score == EQ5D5L().score(state("21111")).score
    assert result.vas_error is not None and "VAS" in result.vas_error


def test_a_valid_or_absent_eq_vas_has_no_vas_error() -> None:
    assert EQ5D5L().score({**state("21111"), "VAS": 74}).vas_error is None
    assert EQ5D5L().score(state("21111")).vas_error is None
    assert EQ5D5L().score(state("21111")).as_dict()["vas_error"] is None


def test_an_invalid_dimension_still_refuses_the_index_whatever_the_vas() -> None:
    from painpath.core.errors import InvalidAnswer

    with pytest.raises(InvalidAnswer, match="MO = 6"):
        EQ5D5L().score({**state("11111"), "MO": 6, "VAS": 74.5})


def test_the_columnar_scorer_reports_an_invalid_vas_beside_the_index() -> None:
    import polars as pl

    frame = pl.DataFrame(
        {
            "MO": [1, 1, 6],
            "SC": [1, 1, 1],
            "UA": [1, 1, 1],
            "PD": [2, 2, 2],
            "AD": [3, 3, 3],
            "VAS": [74.5, 70.0, 74.5],
        }
    )
    out = get("eq5d5l").score_frame(frame)
    assert out["score"].to_list() == [0.761, 0.761, None]
    assert out["vas"].to_list() == [None, 70.0, None]
    assert out["error"][0] is None
    single = EQ5D5L().score({**state("11123"), "VAS": 74.5})
    assert out["vas_error"].to_list() == [single.vas_error, None, None]
    assert "MO = 6" in out["error"][2]
