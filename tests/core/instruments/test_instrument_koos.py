"""KOOS and HOOS: five subscales, each 100 − mean × 100 / 4, from at least half their items
(KOOS Scoring 2012; HOOS Scoring 2013).

No published worked example of a scored KOOS or HOOS form was found (the scoring
instructions give the rule and no example; the Excel scoring files were not available). The
examples below are hand-computed from the rule and marked as such.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl
import pytest

from painpath.core.errors import InvalidAnswer, TooManyMissing
from painpath.core.instruments.hoos import HOOS
from painpath.core.instruments.koos import KOOS, RoosOutcomeScore
from painpath.core.outcomes import change

SCORERS: dict[str, RoosOutcomeScore] = {"koos": KOOS(), "hoos": HOOS()}

NEEDED = {
    # KOOS Scoring 2012 and HOOS Scoring 2013: items needed for each subscale.
    "koos": {"pain": 5, "symptoms": 4, "adl": 9, "sport_rec": 3, "qol": 2},
    "hoos": {"pain": 5, "symptoms": 3, "adl": 9, "sport_rec": 2, "qol": 2},
}


@pytest.fixture(params=["koos", "hoos"])
def code(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def form(code: str, **subscales: Sequence[int | None]) -> dict[str, int | None]:
    """Answers by subscale name, in form order; subscales not named are unanswered."""
    answers: dict[str, int | None] = {}
    for name, values in subscales.items():
        answers |= dict(zip(SCORERS[code].subscale_codes(name), values, strict=True))
    return answers


def every(code: str, value: int) -> dict[str, int | None]:
    return {item.code: value for item in SCORERS[code].items}


def size(code: str, name: str) -> int:
    return len(SCORERS[code].subscale_codes(name))


def test_the_items_in_the_forms_order() -> None:
    # Roos et al. 1998: S1–S7, P1–P9, A1–A17, SP1–SP5, Q1–Q4 (42);
    # Nilsdotter et al. 2003: S1–S5, P1–P10, A1–A17, SP1–SP4, Q1–Q4 (40).
    koos = [item.code for item in SCORERS["koos"].items]
    hoos = [item.code for item in SCORERS["hoos"].items]
    assert (len(koos), len(hoos)) == (42, 40)
    assert koos[6:8] == ["koos_s7", "koos_p1"]
    assert koos[-5:] == ["koos_sp5", "koos_q1", "koos_q2", "koos_q3", "koos_q4"]
    assert hoos[4:6] == ["hoos_s5", "hoos_p1"]
    assert SCORERS["hoos"].subscale_codes("sport_rec") == tuple(f"hoos_sp{i}" for i in range(1, 5))


def test_no_problems_is_100_and_extreme_problems_0(code: str) -> None:
    # Scoring instructions: 100 indicates no problems, 0 extreme problems, on every subscale.
    best, worst = SCORERS[code].score(every(code, 0)), SCORERS[code].score(every(code, 4))
    assert best.score == 100.0
    assert set(best.subscales.values()) == {100.0}
    assert worst.score == 0.0
    assert set(worst.subscales.values()) == {0.0}
    assert SCORERS[code].higher_is_better
    assert best.band is None


def test_a_complete_koos_hand_computed() -> None:
    # Hand-computed from the KOOS Scoring 2012 rule (no published worked example found):
    # Pain 12/9 → 100 − 1200/36; Symptoms 6/7 → 100 − 600/28; ADL 19/17 → 100 − 1900/68;
    # Sport/Rec 14/5 → 30; QOL 9/4 → 43.75.
    answers = form(
        "koos",
        symptoms=[0, 1, 1, 0, 0, 2, 2],
        pain=[1, 2, 2, 1, 0, 3, 2, 1, 0],
        adl=[1] * 15 + [3, 1],
        sport_rec=[2, 3, 3, 2, 4],
        qol=[3, 2, 2, 2],
    )
    result = SCORERS["koos"].score(answers)
    assert result.score == pytest.approx(100 - 1200 / 36, abs=1e-12)
    assert result.subscales["pain"] == result.score
    assert result.subscales["symptoms"] == pytest.approx(100 - 600 / 28, abs=1e-12)
    assert result.subscales["adl"] == pytest.approx(100 - 1900 / 68, abs=1e-12)
    assert result.subscales["sport_rec"] == pytest.approx(30.0, abs=1e-12)
    assert result.subscales["qol"] == pytest.approx(43.75, abs=1e-12)
    assert result.n_answered == 42


def test_a_complete_hoos_hand_computed() -> None:
    # Hand-computed from the HOOS Scoring 2013 rule (no published worked example found):
    # Pain 15/10 → 62.5; Symptoms 7/5 → 65; ADL 17/17 → 75; Sport/Rec 10/4 → 37.5;
    # QOL 11/4 → 31.25.
    answers = form(
        "hoos",
        symptoms=[1, 2, 2, 1, 1],
        pain=[2, 1, 1, 2, 2, 1, 1, 1, 2, 2],
        adl=[1] * 17,
        sport_rec=[3, 4, 2, 1],
        qol=[4, 3, 2, 2],
    )
    result = SCORERS["hoos"].score(answers)
    assert result.score == 62.5
    assert dict(result.subscales) == {
        "pain": 62.5,
        "symptoms": 65.0,
        "adl": 75.0,
        "sport_rec": 37.5,
        "qol": 31.25,
    }


@pytest.mark.parametrize("subscale", ["symptoms", "adl", "sport_rec", "qol"])
def test_a_subscale_needs_half_its_items_and_the_others_still_count(
    code: str, subscale: str
) -> None:
    n, needed = size(code, subscale), NEEDED[code][subscale]
    enough = every(code, 1) | form(code, **{subscale: [2] * needed + [None] * (n - needed)})
    # The answered items' mean stands for the missing ones: all answered 2 → 50.
    assert SCORERS[code].score(enough).subscales[subscale] == 50.0
    short = every(code, 1) | form(
        code, **{subscale: [2] * (needed - 1) + [None] * (n - needed + 1)}
    )
    result = SCORERS[code].score(short)
    assert result.subscales[subscale] is None
    assert result.score == 75.0  # Pain, every item 1: 100 − 25
    # The five subscales only: the KOOS's derived KOOS-12 scales share items with them
    # (tests/core/instruments/test_instrument_koos12.py).
    five = RoosOutcomeScore.subscale_names
    assert all(result.subscales[k] == 75.0 for k in five if k != subscale)


def test_pain_from_five_items_hand_computed(code: str) -> None:
    # Hand-computed: 5 pain items answered (the minimum for both forms), 1+1+2+2+4 = 10 over
    # 5 → mean 2 → 100 − 2 × 25 = 50; no other subscale answered.
    n = size(code, "pain")
    answers = form(code, pain=[1, None, 1, 2, None, 2, None, 4] + [None] * (n - 8))
    result = SCORERS[code].score(answers)
    assert result.score == 50.0
    assert result.subscales["symptoms"] is None
    assert result.n_answered == 5


def test_four_pain_items_are_refused_naming_them_and_the_rule(code: str) -> None:
    n = size(code, "pain")
    answers = every(code, 1) | form(
        code, pain=[1, None, 1, None, None, 2, None, 4] + [None] * (n - 8)
    )
    with pytest.raises(TooManyMissing) as raised:
        SCORERS[code].score(answers)
    message = str(raised.value)
    assert f"{code}_p2, {code}_p4, {code}_p5, {code}_p7, {code}_p9" in message
    assert f"at most {n - 5}" in message
    assert {"koos": "KOOS Scoring 2012", "hoos": "HOOS Scoring 2013"}[code] in message
    assert raised.value.item == f"{code}_p2"


@pytest.mark.parametrize(("value", "fragment"), [(5, "is out of range 0–4"), (1.5, "whole")])
def test_bad_answers_are_refused_naming_the_item(code: str, value: object, fragment: str) -> None:
    answers: dict[str, object] = dict(every(code, 1))
    answers[f"{code}_q3"] = value
    with pytest.raises(InvalidAnswer, match=fragment) as raised:
        SCORERS[code].score(answers)
    assert raised.value.item == f"{code}_q3"


def test_the_columnar_scorer_agrees_with_the_single_row_scorer(code: str) -> None:
    n = size(code, "pain")
    rows = [
        every(code, 0),
        every(code, 1) | form(code, qol=[4, None, None, None]),
        form(code, pain=[1] * 4 + [None] * (n - 4)),
    ]
    codes = [item.code for item in SCORERS[code].items]
    frame = pl.DataFrame(
        {c: [row.get(c) for row in rows] for c in codes}, schema=dict.fromkeys(codes, pl.Int64)
    )
    out = SCORERS[code].score_frame(frame)
    assert out["score"].to_list() == [100.0, 75.0, None]
    assert out["qol"].to_list() == [100.0, None, None]
    for i in range(2):
        single = SCORERS[code].score(rows[i])
        assert [out[name][i] for name in single.subscales] == list(single.subscales.values())
    assert f"at most {n - 5}" in out["error"][2]


def test_minimal_important_change() -> None:
    # KOOS: Roos & Lohmander 2003, HQLO 1:64, 8–10 points; painpath uses the lower end.
    assert change("koos", 40, 48).reached_mic_absolute is True
    assert change("koos", 40, 47).reached_mic_absolute is False
    assert change("koos", 48, 40).improvement == -8
    # HOOS: no hip-specific MIC could be verified (module docstring), so none is claimed.
    assert SCORERS["hoos"].mic is None
    assert change("hoos", 40, 60).reached_mic_absolute is None
