"""The outcome table against a cohort worked out by hand (synthetic numbers)."""

from __future__ import annotations

import ibis
import pytest

from painpath.core.analytics import OutcomeRow, outcome_table
from painpath.core.analytics.stats import wilson_interval

# Five synthetic patients, NRS at baseline (0) and 3 months; patient 4 was not followed up.
#   p1 8 → 2  improvement 6 (75 %): MIC, ≥ 50 %, resolved
#   p2 6 → 5  improvement 1 (17 %): nothing
#   p3 4 → 7  worse by 3: deterioration (≥ 2 points)
#   p4 7 → –  missing
#   p5 5 → 3  improvement 2 (40 %): MIC (2 points reached exactly)
COHORT = [
    (1, 0, 8), (1, 3, 2),
    (2, 0, 6), (2, 3, 5),
    (3, 0, 4), (3, 3, 7),
    (4, 0, 7),
    (5, 0, 5), (5, 3, 3),
]  # fmt: skip


@pytest.fixture
def row() -> OutcomeRow:
    scores = ibis.memtable(
        {
            "patient_id": [p for p, _, _ in COHORT],
            "instrument": ["nrs"] * len(COHORT),
            "timepoint": [t for _, t, _ in COHORT],
            "score": [float(s) for _, _, s in COHORT],
        }
    )
    (only,) = outcome_table(scores, instruments=["nrs"], timepoints=[3])
    return only


def test_counts_and_completeness(row: OutcomeRow) -> None:
    assert (row.n_baseline, row.n_followed) == (5, 4)
    assert row.completeness == pytest.approx(0.8)


def test_descriptive_statistics_by_hand(row: OutcomeRow) -> None:
    r = row
    # Complete-case baselines 8, 6, 4, 5: mean 5.75; squared deviations 8.75 / 3.
    assert r.baseline_mean == pytest.approx(5.75)
    assert r.baseline_sd == pytest.approx((8.75 / 3) ** 0.5)
    # Sorted 4, 5, 6, 8: median 5.5; type-7 quartiles at positions 0.75 and 2.25.
    assert r.baseline_median == pytest.approx(5.5)
    assert (r.baseline_q1, r.baseline_q3) == pytest.approx((4.75, 6.5))
    # Follow-ups 2, 5, 7, 3: mean 4.25; sorted 2, 3, 5, 7: median 4, quartiles 2.75 and 5.5.
    assert r.followup_mean == pytest.approx(4.25)
    assert r.followup_median == pytest.approx(4.0)
    assert (r.followup_q1, r.followup_q3) == pytest.approx((2.75, 5.5))
    # All five baselines 8, 6, 4, 7, 5: mean 6, SD √(10 / 4).
    assert r.baseline_all_mean == pytest.approx(6.0)
    assert r.baseline_all_sd == pytest.approx(2.5**0.5)


def test_mean_change_with_its_t_interval(row: OutcomeRow) -> None:
    r = row
    # Changes −6, −1, +3, −2: mean −1.5, SD √(41 / 3); t(0.975, 3) = 3.182446.
    sd = (41 / 3) ** 0.5
    assert r.change_mean == pytest.approx(-1.5)
    assert r.change_sd == pytest.approx(sd)
    half = 3.182446 * sd / 2
    assert r.change_ci == pytest.approx((-1.5 - half, -1.5 + half), abs=1e-5)


def test_responder_shares_complete_case_and_missing_as_failure(row: OutcomeRow) -> None:
    shares = {s.definition: s for s in row.responders}
    assert set(shares) == {"mic", "reduction_30", "reduction_50", "resolution", "deterioration"}
    assert shares["mic"].responders == 2
    assert shares["mic"].complete_case == pytest.approx(2 / 4)
    assert shares["mic"].missing_as_failure == pytest.approx(2 / 5)
    assert shares["reduction_50"].responders == 1
    assert shares["reduction_30"].responders == 2  # 8 → 2 (75 %), 5 → 3 (40 %); 6 → 5 is 17 %
    assert shares["resolution"].responders == 1
    # Deterioration: p3; the missing p4 counts as deteriorated in the sensitivity analysis.
    assert shares["deterioration"].responders == 1
    assert shares["deterioration"].complete_case == pytest.approx(1 / 4)
    assert shares["deterioration"].missing_as_failure == pytest.approx(2 / 5)
    # Wilson interval for 2/4, worked by hand: centre 0.5, half-width 0.34997.
    assert shares["mic"].complete_case_ci == pytest.approx((0.15003, 0.84997), abs=1e-5)


def test_wilson_interval_edges() -> None:
    assert wilson_interval(0, 0) is None
    low, high = wilson_interval(0, 10)  # type: ignore[misc]
    assert low == 0.0 and 0.27 < high < 0.28  # 0.2775 (Brown, Cai & DasGupta 2001)


def test_a_time_point_nobody_reached_is_shown_empty_not_dropped() -> None:
    scores = ibis.memtable(
        {"patient_id": [1], "instrument": ["odi"], "timepoint": [0], "score": [40.0]}
    )
    (three, six) = outcome_table(scores, instruments=["odi"], timepoints=[3, 6])
    assert (three.n_baseline, three.n_followed, three.completeness) == (1, 0, 0.0)
    assert three.change_mean is None and three.change_ci is None
    assert six.timepoint == 6
