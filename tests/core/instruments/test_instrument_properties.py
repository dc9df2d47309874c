"""Properties every instrument in the registry must have, whatever the answers."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from painpath.core.errors import InvalidAnswer, ScoringError
from painpath.core.instruments import REGISTRY, Instrument, get

CODES = list(REGISTRY)
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=6)
    # Near-valid numbers, so that many drawn forms get past validation.
    | st.integers(-2, 12)
    | st.floats(-1, 101)
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=4,
)


def item_codes(scorer: Instrument) -> list[str]:
    return [item.code for item in scorer.items]


@pytest.mark.parametrize("code", CODES)
@SETTINGS
@given(data=st.data())
def test_score_raises_nothing_but_scoring_errors(code: str, data: st.DataObject) -> None:
    scorer = get(code)
    keys = st.sampled_from(item_codes(scorer)) | st.text(max_size=6)
    answers = data.draw(st.dictionaries(keys, json_values, max_size=len(scorer.items) + 2))
    try:
        result = scorer.score(answers)
    except ScoringError as error:
        assert str(error)
        return
    low, high = scorer.score_range
    assert low <= result.score <= high


@st.composite
def valid_answers(draw: st.DrawFn, scorer: Instrument) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for item in scorer.items:
        if item.optional and draw(st.booleans()):
            answers[item.code] = None
        elif item.integer:
            answers[item.code] = draw(st.integers(int(item.low), int(item.high)))
        else:
            answers[item.code] = draw(st.floats(item.low, item.high))
    required = [item.code for item in scorer.items if not item.optional]
    blank = draw(st.lists(st.sampled_from(required), unique=True, max_size=scorer.allowed_missing))
    for code in blank:
        answers[code] = None
    return answers


@pytest.mark.parametrize("code", CODES)
@SETTINGS
@given(data=st.data())
def test_valid_answers_score_within_the_score_range(code: str, data: st.DataObject) -> None:
    scorer = get(code)
    result = scorer.score(data.draw(valid_answers(scorer)))
    low, high = scorer.score_range
    assert low <= result.score <= high
    assert math.isfinite(result.score)
    if scorer.bands:
        assert result.band is not None


def noisy_cell(scorer: Instrument, index: int) -> st.SearchStrategy[Any]:
    """Mostly a valid answer; sometimes unanswered, out of range, fractional or infinite."""
    item = scorer.items[index]
    low, high = int(item.low), int(item.high)
    valid = st.integers(low, high) if item.integer else st.floats(item.low, item.high)
    out_of_range = st.integers(low - 3, low - 1) | st.integers(high + 1, high + 3)
    fractional = st.floats(item.low - 2, item.high + 2).map(lambda v: round(v, 1) + 0.05)
    infinite = st.sampled_from([math.inf, -math.inf])
    return st.one_of(st.none(), out_of_range, fractional, infinite, *[valid] * 6)


@st.composite
def frame_row(draw: st.DrawFn, scorer: Instrument) -> dict[str, Any]:
    """Half the rows are valid forms (within the missing-answer limit), half are noisy."""
    if draw(st.booleans()):
        return draw(valid_answers(scorer))
    return {item.code: draw(noisy_cell(scorer, index)) for index, item in enumerate(scorer.items)}


@pytest.mark.parametrize("code", CODES)
@settings(SETTINGS, max_examples=60)
@given(data=st.data())
def test_score_frame_agrees_with_score_row_by_row(code: str, data: st.DataObject) -> None:
    scorer = get(code)
    codes = item_codes(scorer)
    rows = data.draw(st.lists(frame_row(scorer), min_size=1, max_size=8), label="rows")
    n = len(rows)
    # Now and then a column is absent: its answers count as unanswered.
    present = [c for c in codes if data.draw(st.integers(0, 19), label=f"has {c}") > 0]
    columns: dict[str, list[Any]] = {}
    schema: dict[str, Any] = {}
    for c in present:
        values = [row[c] for row in rows]
        whole = all(v is None or isinstance(v, int) for v in values)
        if whole and data.draw(st.booleans(), label=f"{c} as Int64"):
            schema[c] = pl.Int64
        else:
            values = [None if v is None else float(v) for v in values]
            schema[c] = pl.Float64
        columns[c] = values
    frame = pl.DataFrame(columns, schema=schema) if present else pl.DataFrame({"id": range(n)})
    out = scorer.score_frame(frame)
    assert out.height == n
    for row in range(n):
        answers = {c: columns[c][row] for c in present}
        try:
            single = scorer.score(answers)
        except ScoringError as error:
            assert out["error"][row] == str(error)
            assert out["score"][row] is None
            assert out["band"][row] is None
            continue
        assert out["error"][row] is None
        assert out["score"][row] == pytest.approx(single.score, abs=1e-12, rel=0)
        assert out["band"][row] == single.band
        assert out["n_answered"][row] == single.n_answered
        for name in scorer.subscale_names:
            expected = single.subscales[name]
            got = out[name][row]
            if expected is None:
                assert got is None
            else:
                assert got == pytest.approx(expected, abs=1e-12, rel=0)


@pytest.mark.parametrize("code", CODES)
def test_an_integer_too_large_for_a_float_is_an_invalid_answer(code: str) -> None:
    scorer = get(code)
    first = scorer.items[0].code
    with pytest.raises(InvalidAnswer) as raised:
        scorer.score({first: 10**400})
    assert raised.value.item == first
    assert f"{first} is out of range" in str(raised.value)
