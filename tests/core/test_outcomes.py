import pytest

from painpath.core.errors import ScoringError, UnknownInstrument
from painpath.core.outcomes import change


def test_seed_000_reactiv8_figures_read_the_right_way_round() -> None:
    # Seed 000: ODI 39 → 15 is an improvement of 24 points, 61.5 %: both MICs reached
    # (10 points or 30 %, Ostelo et al. 2008).
    odi = change("odi", 39, 15)
    assert odi.change == -24
    assert odi.improvement == 24
    assert odi.percent_improvement == pytest.approx(61.538, abs=1e-3)
    assert odi.reached_mic_absolute and odi.reached_mic_relative
    # EQ-5D 0.5 → 0.8: higher is better, so a rise is an improvement.
    eq = change("eq5d5l", 0.5, 0.8)
    assert eq.improvement == pytest.approx(0.3)
    assert eq.reached_mic_absolute is None


def test_nrs_two_points_reaches_the_absolute_mic_but_not_thirty_percent_from_seven() -> None:
    c = change("nrs", 7, 5)
    assert c.reached_mic_absolute is True
    assert c.reached_mic_relative is False
    assert c.improved_importantly is True


def test_exactly_thirty_percent_reaches_the_relative_mic() -> None:
    assert change("nrs", 10, 7).reached_mic_relative is True
    assert change("nrs", 10, 8).reached_mic_relative is False


def test_deterioration_is_negative_improvement() -> None:
    c = change("odi", 20, 40)
    assert c.improvement == -20
    assert c.improved_importantly is False


def test_a_baseline_at_the_best_score_has_no_relative_change() -> None:
    assert change("nrs", 0, 2).percent_improvement is None


def test_scores_outside_the_range_and_unknown_instruments_are_refused() -> None:
    with pytest.raises(ScoringError, match="baseline = 120"):
        change("odi", 120, 10)
    with pytest.raises(UnknownInstrument):
        change("xyz", 1, 2)
