"""RAND-36: RAND's Table 1 recodes each answer to 0–100, Table 2 averages the answered items of
each of eight scales (Hays, Sherbourne & Mazel 1993; RAND scoring instructions)."""

from __future__ import annotations

import polars as pl
import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments import get
from painpath.core.instruments.rand36 import SCALES


def form(**answers: int | None) -> dict[str, int | None]:
    """``form(q21=2, q22=1)`` → ``{"rand36_21": 2, "rand36_22": 1}``."""
    return {f"rand36_{key[1:]}": value for key, value in answers.items()}


PAIN_ONLY = form(q21=1, q22=1)


def test_published_worked_example_energy_fatigue_with_a_blank_item() -> None:
    # "How to score the SF-36" (RAND scoring), chiro.org: 4 on item 23 → 40, 3 on 27 → 60,
    # 3 on 29 → 40, item 31 blank and left out: (40 + 60 + 40) / 3 = 46.7.
    result = get("rand36").score(PAIN_ONLY | form(q23=4, q27=3, q29=3))
    assert result.subscales["energy_fatigue"] == pytest.approx(140 / 3, abs=1e-12)
    assert round(result.subscales["energy_fatigue"] or 0, 1) == 46.7


@pytest.mark.parametrize(
    ("item", "answers", "expected"),
    [
        # RAND's Table 1, one row per group of items: each answer's recoded value.
        (1, range(1, 6), [100, 75, 50, 25, 0]),
        (3, range(1, 4), [0, 50, 100]),
        (13, range(1, 3), [0, 100]),
        (21, range(1, 7), [100, 80, 60, 40, 20, 0]),
        (24, range(1, 7), [0, 20, 40, 60, 80, 100]),
        (32, range(1, 6), [0, 25, 50, 75, 100]),
    ],
)
def test_table_1_recodes(item: int, answers: range, expected: list[float]) -> None:
    scale = next(name for name, numbers in SCALES.items() if item in numbers)
    got = [
        get("rand36").score(form(q22=1) | {f"rand36_{item}": a}).subscales[scale] for a in answers
    ]
    if item == 21:  # the Pain scale also holds item 22 (1 → 100): the mean of the two
        expected = [(e + 100) / 2 for e in expected]
    assert got == expected


def test_a_complete_form_hand_computed() -> None:
    # Hand-computed from RAND's Tables 1 and 2 (no published worked example of a whole form
    # found). Pain: 21 = 4 → 40, 22 = 3 → 50: 45. Physical functioning: 3–12 answered
    # 1, 1, 2, 2, 2, 2, 2, 3, 3, 3 → (0 + 0 + 50 × 5 + 100 × 3) / 10 = 55. Role physical:
    # 1, 1, 2, 2 → 50. Role emotional: 2, 2, 1 → 66.67. Energy: 23 = 4 → 40, 27 = 5 → 20,
    # 29 = 3 → 40, 31 = 2 → 20: 30. Emotional well-being: 24 = 5 → 80, 25 = 6 → 100,
    # 26 = 3 → 60, 28 = 5 → 80, 30 = 4 → 40: 72. Social: 20 = 2 → 75, 32 = 3 → 50: 62.5.
    # General health: 1 = 4 → 25, 33 = 3 → 50, 34 = 4 → 25, 35 = 2 → 25, 36 = 4 → 25: 30.
    # Health change: 2 = 5 → 0.
    answers = form(
        q1=4, q2=5, q3=1, q4=1, q5=2, q6=2, q7=2, q8=2, q9=2, q10=3, q11=3, q12=3,
        q13=1, q14=1, q15=2, q16=2, q17=2, q18=2, q19=1, q20=2, q21=4, q22=3,
        q23=4, q24=5, q25=6, q26=3, q27=5, q28=5, q29=3, q30=4, q31=2,
        q32=3, q33=3, q34=4, q35=2, q36=4,
    )  # fmt: skip
    result = get("rand36").score(answers)
    assert result.score == 45.0
    assert result.subscales == pytest.approx(
        {
            "pain": 45.0,
            "physical_functioning": 55.0,
            "role_physical": 50.0,
            "role_emotional": 200 / 3,
            "energy_fatigue": 30.0,
            "emotional_wellbeing": 72.0,
            "social_functioning": 62.5,
            "general_health": 30.0,
            "health_change": 0.0,
        },
        abs=1e-12,
    )
    assert result.n_answered == 36
    assert result.band is None


def test_a_scale_with_no_answered_item_is_empty_and_one_pain_item_scores() -> None:
    # RAND: blank items are not taken into account; a scale is the mean of those answered.
    result = get("rand36").score(form(q22=2))
    assert result.score == 75.0
    assert result.subscales["physical_functioning"] is None
    assert result.subscales["health_change"] is None


def test_no_pain_item_is_refused_naming_the_rule() -> None:
    with pytest.raises(TooManyMissing) as raised:
        get("rand36").score(form(q1=1, q3=3))
    assert "rand36_21, rand36_22" in str(raised.value)
    assert "item 21 or 22" in str(raised.value)


def test_an_answer_outside_the_items_boxes_is_refused() -> None:
    # Items 13–19 are yes (1) / no (2).
    with pytest.raises(InvalidAnswer, match="rand36_13 = 3 is out of range 1–2") as raised:
        get("rand36").score(PAIN_ONLY | form(q13=3))
    assert raised.value.item == "rand36_13"


def test_the_columnar_scorer_agrees_with_the_single_row_scorer() -> None:
    rows = [PAIN_ONLY | form(q23=4, q27=3, q29=3), form(q22=2, q2=1), form(q1=1)]
    codes = [item.code for item in get("rand36").items]
    frame = pl.DataFrame(
        {c: [row.get(c) for row in rows] for c in codes}, schema=dict.fromkeys(codes, pl.Int64)
    )
    out = get("rand36").score_frame(frame)
    for i in range(2):
        single = get("rand36").score(rows[i])
        assert out["score"][i] == single.score
        assert [out[name][i] for name in single.subscales] == list(single.subscales.values())
    assert out["score"][2] is None
    assert "item 21 or 22" in out["error"][2]
