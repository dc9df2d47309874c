"""Strata, per-patient changes and funnel limits (synthetic registry)."""

from __future__ import annotations

import math

import ibis
import pytest

from painpath.core.analytics import (
    NOT_RECORDED,
    outcome_table,
    patient_changes,
    stratified_outcome_table,
)
from painpath.core.analytics.stats import Z_998, funnel_limits
from painpath.core.synthetic import generate

INSTRUMENTS = ["nrs", "odi"]
POINTS = [3, 12]


@pytest.fixture(scope="module")
def registry() -> ibis.Table:
    synthetic = generate(400, seed=7)
    frame = synthetic.scores.join(synthetic.patients, on="patient_id")
    return ibis.memtable(frame)


def test_each_stratum_equals_the_table_of_that_stratum_alone(registry: ibis.Table) -> None:
    strata = stratified_outcome_table(
        registry, "startback", instruments=INSTRUMENTS, timepoints=POINTS
    )

    assert list(strata) == ["high", "low", "medium"]
    for value, rows in strata.items():
        alone = outcome_table(
            registry.filter(registry.startback == value), instruments=INSTRUMENTS, timepoints=POINTS
        )
        assert rows == alone, value


def test_a_missing_stratum_value_is_counted_as_not_recorded() -> None:
    scores = ibis.memtable(
        {
            "patient_id": [1, 1, 2, 2],
            "instrument": ["nrs"] * 4,
            "timepoint": [0, 3, 0, 3],
            "score": [8.0, 2.0, 6.0, 5.0],
            "grade": [1, 1, None, None],
        },
        schema={
            "patient_id": "int64",
            "instrument": "string",
            "timepoint": "int64",
            "score": "float64",
            "grade": "int64",
        },
    )
    strata = stratified_outcome_table(scores, "grade", instruments=["nrs"], timepoints=[3])
    assert list(strata) == ["1", NOT_RECORDED]
    assert strata[NOT_RECORDED][0].n_followed == 1


def test_patient_changes_give_the_waterfall_numbers() -> None:
    scores = ibis.memtable(
        {
            "patient_id": [1, 1, 2, 2, 3],
            "instrument": ["nrs"] * 5,
            "timepoint": [0, 3, 0, 3, 0],
            "score": [8.0, 2.0, 0.0, 1.0, 5.0],
        }
    )
    got = patient_changes(scores, instrument="nrs", timepoint=3).to_pyarrow().to_pylist()
    assert [(r["patient_id"], r["change"], r["percent_change"]) for r in got] == [
        (1, -6.0, -75.0),
        (2, 1.0, None),  # baseline 0: no percent change
    ]


def test_funnel_limits_by_hand() -> None:
    # p0 = 0.5, n = 100: SE = 0.05; 95 %: 0.5 ± 1.95996 · 0.05.
    low, high = funnel_limits(0.5, 100) or (0, 0)
    assert (low, high) == pytest.approx((0.5 - 0.0979982, 0.5 + 0.0979982))
    low, high = funnel_limits(0.5, 100, Z_998) or (0, 0)
    assert high - 0.5 == pytest.approx(3.0902323 * 0.05)
    assert funnel_limits(0.9, 4, Z_998) == (pytest.approx(0.9 - 3.0902323 * math.sqrt(0.0225)), 1.0)
    assert funnel_limits(0.5, 0) is None
