"""KOOS-12 (Gandek et al. 2019; koos.nu): Pain, Function and QOL from four KOOS items each,
100 − mean × 25, at least 2 of 4 items per scale, and a summary (the mean of the three).

No published worked example of a scored KOOS-12 was found (koos.nu's page and the abstract give
the rule; the KOOS-12 form and scoring files were not available): the examples below are
hand-computed from the rule and marked as such.
"""

from __future__ import annotations

import math
from importlib import resources
from typing import Any

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from painpath.core.errors import InvalidAnswer, ScoringError, TooManyMissing
from painpath.core.instruments.koos import KOOS
from painpath.core.instruments.koos12 import KOOS12, KOOS12_SCALES, koos12_from_koos

SCORER = KOOS12()
CODES = [item.code for item in SCORER.items]


def every(value: int | None, codes: list[str] = CODES) -> dict[str, int | None]:
    return dict.fromkeys(codes, value)


def test_the_twelve_items_are_the_koos_items_the_abstract_names() -> None:
    # Gandek 2019 abstract: pain frequency and pain sitting/lying, walking, stairs (P1, P8, P5,
    # P6); function standing, rising from sitting, car, twisting/pivoting (A4, A3, A7, SP4 —
    # koos.nu: function items from ADL and Sport/Rec); the 4-item QOL scale.
    assert KOOS12_SCALES == {
        "pain": ("koos_p1", "koos_p8", "koos_p5", "koos_p6"),
        "function": ("koos_a4", "koos_a3", "koos_a7", "koos_sp4"),
        "qol": ("koos_q1", "koos_q2", "koos_q3", "koos_q4"),
    }
    koos = {item.code for item in KOOS().items}
    assert set(CODES) <= koos and len(set(CODES)) == 12
    assert "koos_p2" not in CODES  # the twisting item KOOS-12 keeps is the function one, SP4


def test_no_problems_is_100_and_extreme_problems_0() -> None:
    best, worst = SCORER.score(every(0)), SCORER.score(every(4))
    assert best.score == 100.0 and set(best.subscales.values()) == {100.0}
    assert worst.score == 0.0 and set(worst.subscales.values()) == {0.0}
    assert best.band is None and SCORER.higher_is_better


def test_a_complete_form_hand_computed() -> None:
    # Hand-computed from the koos.nu rule (no published example found): Pain P1, P8, P5, P6 =
    # 3, 1, 2, 3 → mean 2.25 → 100 − 56.25 = 43.75; Function A4, A3, A7, SP4 = 1, 2, 2, 4 →
    # 2.25 → 43.75; QOL 3, 2, 3, 2 → 2.5 → 37.5; summary (43.75 + 43.75 + 37.5) / 3 = 41.666….
    answers = {
        "koos_p1": 3, "koos_p8": 1, "koos_p5": 2, "koos_p6": 3,
        "koos_a4": 1, "koos_a3": 2, "koos_a7": 2, "koos_sp4": 4,
        "koos_q1": 3, "koos_q2": 2, "koos_q3": 3, "koos_q4": 2,
    }  # fmt: skip
    result = SCORER.score(answers)
    assert result.score == 43.75
    assert result.subscales["pain"] == 43.75
    assert result.subscales["function"] == 43.75
    assert result.subscales["qol"] == 37.5
    assert result.subscales["summary"] == pytest.approx(125 / 3, abs=1e-12)
    assert result.n_answered == 12


def test_a_missing_item_takes_the_mean_of_the_answered_ones() -> None:
    # Hand-computed: Pain answered 2 and 4 only (2 of 4, the minimum) → mean 3 → 25, the same as
    # summing with the person-specific mean imputed for the two missing items (4 × 3 = 12 of 16).
    answers = every(1) | {"koos_p1": 2, "koos_p8": None, "koos_p5": 4, "koos_p6": None}
    result = SCORER.score(answers)
    assert result.score == 25.0
    assert result.subscales["function"] == 75.0
    assert result.subscales["summary"] == pytest.approx((25 + 75 + 75) / 3, abs=1e-12)


def test_one_pain_item_is_refused_naming_the_missing_ones_and_the_rule() -> None:
    answers = every(1) | {"koos_p1": 2, "koos_p8": None, "koos_p5": None, "koos_p6": None}
    with pytest.raises(TooManyMissing) as raised:
        SCORER.score(answers)
    assert "koos_p8, koos_p5, koos_p6" in str(raised.value)
    assert "at least 2 of its 4 items" in str(raised.value)
    assert raised.value.item == "koos_p8"


@pytest.mark.parametrize("scale", ["function", "qol"])
def test_a_short_scale_is_empty_and_so_is_the_summary(scale: str) -> None:
    codes = list(KOOS12_SCALES[scale])
    answers = every(1) | every(None, codes[1:])
    result = SCORER.score(answers)
    assert result.subscales[scale] is None
    assert result.subscales["summary"] is None
    assert result.score == 75.0
    # Two items answered are enough (koos.nu: at least half).
    result = SCORER.score(every(1) | every(None, codes[2:]))
    assert result.subscales[scale] == 75.0 and result.subscales["summary"] == 75.0


def test_a_full_koos_response_is_scored_as_koos12_from_its_twelve_shared_items() -> None:
    # Hand-computed: every KOOS item 1 except the KOOS-12 pain items 3 and an item KOOS-12 does
    # not use (P2) at 4: KOOS-12 Pain = 100 − 3 × 25 = 25, KOOS Pain differs (it holds P2).
    koos = every(1, [item.code for item in KOOS().items]) | every(3, list(KOOS12_SCALES["pain"]))
    koos["koos_p2"] = 4
    result = koos12_from_koos(koos)
    assert result.instrument == "koos12"
    assert result.score == 25.0
    assert result.subscales["function"] == 75.0
    assert KOOS().score(koos).score != result.score
    assert result.n_answered == 12


def test_a_bad_answer_anywhere_on_the_koos_is_refused_naming_it() -> None:
    koos = every(1, [item.code for item in KOOS().items]) | {"koos_s3": 7}
    with pytest.raises(InvalidAnswer) as raised:
        koos12_from_koos(koos)
    assert raised.value.item == "koos_s3"
    with pytest.raises(InvalidAnswer, match="unknown answer code"):
        koos12_from_koos(every(1) | {"oks1": 1})


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
cells = st.none() | st.integers(-1, 5) | st.floats(-1, 5) | st.booleans() | st.text(max_size=2)


@SETTINGS
@given(st.dictionaries(st.sampled_from(CODES), cells))
def test_scoring_never_raises_anything_but_a_scoring_error(answers: dict[str, Any]) -> None:
    try:
        result = SCORER.score(answers)
    except ScoringError:
        return
    assert 0.0 <= result.score <= 100.0
    assert all(v is None or 0.0 <= v <= 100.0 for v in result.subscales.values())


@SETTINGS
@given(
    st.lists(st.fixed_dictionaries({c: st.none() | st.integers(-1, 5) for c in CODES}), max_size=8)
)
def test_the_columnar_scorer_agrees_with_the_single_row_scorer(rows: list[dict[str, Any]]) -> None:
    frame = pl.DataFrame(rows, schema=dict.fromkeys(CODES, pl.Int64))
    out = SCORER.score_frame(frame)
    for i, row in enumerate(rows):
        try:
            # In item order, as the columnar scorer reads them (it names the first bad item).
            single = SCORER.score({c: row[c] for c in CODES})
        except ScoringError as error:
            assert out["score"][i] is None and out["error"][i] == str(error)
            continue
        assert out["error"][i] is None
        assert out["score"][i] == single.score
        for name, value in single.subscales.items():
            got = out[name][i]
            assert (got is None and value is None) or math.isclose(got, value, abs_tol=0)


def koos_source_record() -> dict[str, Any]:
    """The KOOS-12 block of the KOOS's questionnaire source (core/data/…/source/koos.yaml)."""
    text = resources.files("painpath.core.data").joinpath("questionnaires/source/koos.yaml")
    return dict(yaml.safe_load(text.read_text(encoding="utf-8"))["short_forms"]["koos12"])


def test_the_koos_source_records_the_same_twelve_items_and_what_was_not_verified() -> None:
    record = koos_source_record()
    assert {k: tuple(v) for k, v in record["items"].items()} == dict(KOOS12_SCALES)
    assert "summary" in record["not_verified"]


# -- the KOOS-12 scales every scored KOOS carries ------------------------------------------------

KOOS_SCORER = KOOS()
KOOS_CODES = [item.code for item in KOOS_SCORER.items]
DERIVED = ("koos12_pain", "koos12_function", "koos12_qol", "koos12_summary")


def test_a_scored_koos_carries_the_koos12_scales_hand_computed() -> None:
    # Hand-computed (no published example found): every KOOS item 1, except P1, P8, P5, P6 =
    # 3, 1, 2, 3 (KOOS-12 Pain 43.75), A4, A3, A7, SP4 = 1, 2, 2, 4 (Function 43.75) and QOL 3,
    # 2, 3, 2 (37.5): summary 125/3. The KOOS Pain subscale holds five more items, all 1: (3 + 1
    # + 2 + 3 + 5) / 9 = 14/9 → 100 − 1400/36.
    answers = every(1, KOOS_CODES) | {
        "koos_p1": 3, "koos_p8": 1, "koos_p5": 2, "koos_p6": 3,
        "koos_a4": 1, "koos_a3": 2, "koos_a7": 2, "koos_sp4": 4,
        "koos_q1": 3, "koos_q2": 2, "koos_q3": 3, "koos_q4": 2,
    }  # fmt: skip
    result = KOOS_SCORER.score(answers)
    assert result.score == pytest.approx(100 - 1400 / 36, abs=1e-12)
    assert result.subscales["koos12_pain"] == 43.75
    assert result.subscales["koos12_function"] == 43.75
    assert result.subscales["koos12_qol"] == 37.5
    assert result.subscales["koos12_summary"] == pytest.approx(125 / 3, abs=1e-12)
    # The KOOS's own QOL and the KOOS-12 QOL are the same four items.
    assert result.subscales["qol"] == result.subscales["koos12_qol"]
    assert tuple(KOOS_SCORER.subscale_names[-4:]) == DERIVED


def test_a_koos_with_too_few_koos12_pain_items_is_scored_without_them() -> None:
    # Five of nine KOOS pain items (the KOOS's minimum) but only P1 of the KOOS-12's four: the
    # KOOS scores, the KOOS-12 Pain scale and summary are empty, Function and QOL are not.
    answers = every(1, KOOS_CODES) | every(None, ["koos_p5", "koos_p6", "koos_p8", "koos_p9"])
    result = KOOS_SCORER.score(answers)
    assert result.score == 75.0
    assert result.subscales["koos12_pain"] is None
    assert result.subscales["koos12_summary"] is None
    assert result.subscales["koos12_function"] == 75.0
    with pytest.raises(TooManyMissing):
        koos12_from_koos(answers)


koos_answers = st.fixed_dictionaries({c: st.none() | st.integers(0, 4) for c in KOOS_CODES})


@SETTINGS
@given(koos_answers)
def test_the_koos_derived_scales_equal_koos12_from_koos(answers: dict[str, Any]) -> None:
    try:
        koos = KOOS_SCORER.score(answers)
    except ScoringError:
        return
    try:
        short = koos12_from_koos(answers)
    except TooManyMissing:
        assert koos.subscales["koos12_pain"] is None
        assert koos.subscales["koos12_summary"] is None
        return
    for name in (*KOOS12_SCALES, "summary"):
        assert koos.subscales[f"koos12_{name}"] == short.subscales[name]
    assert koos.subscales["koos12_pain"] == short.score


@SETTINGS
@given(
    st.lists(
        koos_answers | st.fixed_dictionaries({c: st.integers(-1, 5) for c in CODES}), max_size=6
    )
)
def test_the_columnar_koos_gives_the_single_row_koos12_scales(rows: list[dict[str, Any]]) -> None:
    frame = pl.DataFrame(
        [{c: row.get(c) for c in KOOS_CODES} for row in rows],
        schema=dict.fromkeys(KOOS_CODES, pl.Int64),
    )
    out = KOOS_SCORER.score_frame(frame)
    for i, row in enumerate(rows):
        try:
            single = KOOS_SCORER.score({c: row.get(c) for c in KOOS_CODES})
        except ScoringError as error:
            assert out["error"][i] == str(error)
            assert all(out[name][i] is None for name in DERIVED)
            continue
        for name in DERIVED:
            assert out[name][i] == single.subscales[name]


def test_the_koos_source_names_the_derived_subscales() -> None:
    record = koos_source_record()
    assert all(name in record["derived"] for name in DERIVED)
