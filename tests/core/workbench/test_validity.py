"""Prognostic validity finds the planted prognosis, and its statistics agree with references
(synthetic data only)."""

import datetime as dt
import math

import ibis
import numpy as np
import polars as pl
import pytest
from scipy.stats import binomtest
from sklearn.metrics import roc_auc_score

from painpath.core.analytics import outcome_table
from painpath.core.workbench.axes import AxisNeedsInputs, UnknownAxis, axis_from_scores
from painpath.core.workbench.planted import PlantedSpec, planted_registry
from painpath.core.workbench.validity import (
    ValidityError,
    class_validity,
    delong_auc,
    net_reclassification,
    person_ids,
    protect,
    responders,
)


def validity_of(planted, column="planted_class", timepoint=12, **kwargs):
    paired = responders(planted.scores, instrument="nrs", timepoint=timepoint, definition="mic")
    joined = paired.join(planted.patients, on="patient_id")
    return class_validity(
        joined[column].to_list(),
        joined["responder"].to_list(),
        joined["followup"].to_list(),
        joined["baseline"].to_list(),
        **kwargs,
    ), joined


@pytest.fixture(scope="module")
def strong():
    return planted_registry(PlantedSpec(n=600, classes=3, strength=0.6, seed=11))


@pytest.fixture(scope="module")
def none():
    return planted_registry(PlantedSpec(n=600, classes=3, strength=0.0, seed=11))


def test_planted_responders_are_the_reports_responders(strong) -> None:
    # The planted gains make the MIC verdict exact; the report counts the same responders.
    paired = responders(strong.scores, instrument="nrs", timepoint=6, definition="mic")
    (row,) = outcome_table(ibis.memtable(strong.scores), instruments=["nrs"], timepoints=[6])
    share = next(s for s in row.responders if s.definition == "mic")
    assert paired.height == row.n_followed == 600
    assert int(paired["responder"].sum()) == share.responders


def test_responder_rates_cover_the_planted_probabilities() -> None:
    # 95 % intervals miss 1 time in 20: over 30 registries × 3 classes, count the misses.
    covered = []
    for seed in range(30):
        planted = planted_registry(PlantedSpec(n=300, classes=3, items=2, summaries=(), seed=seed))
        result, _ = validity_of(planted, timepoint=3)
        for c in result.per_class:
            covered.append(c.ci[0] <= planted.responder_rates[int(c.cls) - 1] <= c.ci[1])
    assert 0.87 <= np.mean(covered) <= 1.0


def test_wilson_intervals_match_scipy(strong) -> None:
    result, _ = validity_of(strong)
    for c in result.per_class:
        reference = binomtest(c.responders, c.n).proportion_ci(method="wilson")
        assert c.ci == pytest.approx((reference.low, reference.high), abs=1e-9)


def test_a_strong_planted_prognosis_discriminates(strong) -> None:
    result, _ = validity_of(strong)
    assert result.auc_ci[0] > 0.5 and result.auc_cv_ci[0] > 0.5
    assert result.r2 > 0.05 and result.r2_added_to_baseline > 0.05


def test_no_planted_prognosis_does_not(none) -> None:
    result, _ = validity_of(none)
    assert result.auc_ci[0] <= 0.5 <= result.auc_ci[1]
    assert result.auc_cv_ci[0] <= 0.5 <= result.auc_cv_ci[1]
    assert abs(result.r2) < 0.02


def test_auc_is_sklearns_and_its_delong_variance_the_textbook_one() -> None:
    rng = np.random.default_rng(3)
    outcome = rng.random(80) < 0.4
    predicted = np.round(rng.random(80) + 0.3 * outcome, 1)  # rounded: ties on purpose
    auc, (low, high) = delong_auc(predicted, outcome)
    assert auc == pytest.approx(roc_auc_score(outcome, predicted))
    # DeLong 1988: structural components by the pairwise kernel (1, ½ for ties, 0).
    x, y = predicted[outcome], predicted[~outcome]
    kernel = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
    se = math.sqrt(
        kernel.mean(axis=1).var(ddof=1) / x.size + kernel.mean(axis=0).var(ddof=1) / y.size
    )
    assert (low, high) == pytest.approx((auc - 1.959964 * se, auc + 1.959964 * se), abs=1e-6)


def test_the_apparent_auc_is_the_auc_of_the_class_rates(strong) -> None:
    result, joined = validity_of(strong)
    rates = {c.cls: c.rate for c in result.per_class}
    predicted = [rates[str(c)] for c in joined["planted_class"].to_list()]
    assert result.auc == pytest.approx(roc_auc_score(joined["responder"].to_list(), predicted))


def test_r2_is_the_adjusted_r2_of_the_class_means(strong) -> None:
    result, joined = validity_of(strong)
    y = joined["followup"].to_numpy()
    means = joined.group_by("planted_class").agg(pl.col("followup").mean().alias("m"))
    fitted = joined.join(means, on="planted_class")["m"].to_numpy()
    r2 = 1 - ((y - fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    n, p = y.size, 2
    assert result.r2 == pytest.approx(1 - (1 - r2) * (n - 1) / (n - p - 1))


def test_calibration_compares_each_class_with_the_other_folds_rates(strong) -> None:
    result, _ = validity_of(strong)
    for c in result.per_class:
        assert c.expected != c.responders  # out of sample, not the class's own count
        assert c.expected == pytest.approx(c.responders, rel=0.1)
    again, _ = validity_of(strong, seed=2)
    assert [c.expected for c in again.per_class] != [c.expected for c in result.per_class]


def test_patients_without_a_class_are_left_out_and_counted() -> None:
    result = class_validity(
        [None, "a", "a", "b", "b"], [True, True, False, False, False], [1.0, 2, 3, 4, 5], [5.0] * 5
    )
    assert (result.n, result.excluded) == (4, 1)
    assert result.auc is None  # one responder among those kept: no AUC
    with pytest.raises(ValidityError, match="no patient has both"):
        class_validity([None], [True], [1.0], [2.0])


def test_disclosure_withholds_small_classes_and_their_complement() -> None:
    classes = ["a"] * 30 + ["b"] * 25 + ["c"] * 3
    rng = np.random.default_rng(1)
    y = rng.random(58) < 0.5
    y[30:55] = [True] * 24 + [False]  # class b: one non-responder
    result = protect(class_validity(classes, y, rng.random(58), rng.random(58)), 5)
    by = {c.cls: c for c in result.per_class}
    assert by["c"].withheld and by["c"].n is None  # 3 < k
    assert by["b"].withheld and by["b"].n is None  # next smallest: else total − a − b gives c
    assert not by["a"].withheld and by["a"].n == 30
    shares = protect(
        class_validity(
            ["a"] * 30 + ["b"] * 30, y[:60].tolist() + [True] * 2, rng.random(60), rng.random(60)
        ),
        5,
    )
    assert all(c.n == 30 for c in shares.per_class)


def test_a_class_with_one_non_responder_shows_its_size_but_not_its_rate() -> None:
    y = [True] * 29 + [False] + [True, False] * 15
    result = protect(class_validity(["a"] * 30 + ["b"] * 30, y, [1.0] * 60, [2.0] * 60), 5)
    a, b = result.per_class
    assert a.n == 30 and a.rate is None and a.withheld
    assert b.rate == 0.5 and not b.withheld


def test_k_counts_persons_when_the_input_has_person_id() -> None:
    # Class c: 12 episodes of 3 persons. Class a: its 6 non-responding episodes are 2 persons'.
    classes = ["a"] * 30 + ["b"] * 20 + ["c"] * 12
    y = [True] * 24 + [False] * 6 + [True, False] * 10 + [True, False] * 6
    persons = [f"a{i}" for i in range(24)] + ["x", "y"] * 3
    persons += [f"b{i}" for i in range(20)] + ["c1", "c2", "c3"] * 4
    rng = np.random.default_rng(2)
    args = (classes, y, rng.random(62), rng.random(62))
    by_episode = protect(class_validity(*args), 5)
    by_person = protect(class_validity(*args, persons=persons), 5)
    assert by_episode.k_counts == "patient_id" and by_episode.persons is None
    assert not any(c.withheld for c in by_episode.per_class)
    assert by_person.k_counts == "person_id" and by_person.persons == 26 + 20 + 3
    a, b, c = by_person.per_class
    assert c.withheld and c.n is None  # 3 persons < k
    assert b.withheld  # the next smallest: else the total minus a and b would give c
    assert a.n == 30 and a.persons == (26, 24, 2) and a.rate is None  # 2 non-responders
    document = by_person.as_dict()
    assert document["k_counts"] == "person_id" and document["persons"] == 49
    assert document["per_class"][0]["persons"] == 26


def test_an_episode_without_person_id_is_a_person_of_its_own() -> None:
    scores = pl.DataFrame(
        {"patient_id": ["e1", "e1", "e2", "e3"], "person_id": ["p", "p", "p", None]}
    )
    assert person_ids(scores, ["e1", "e2", "e3", "e4"]) == ["p", "p", None, None]
    assert person_ids(scores.drop("person_id"), ["e1"]) is None
    result = class_validity(
        ["a"] * 4,
        [True, False, True, False],
        [1.0] * 4,
        [2.0] * 4,
        persons=["p", "p", None, None],
    )
    assert result.persons == 3 and result.per_class[0].persons == (3, 2, 2)


def test_net_reclassification_by_hand() -> None:
    # Old: one class (rate 0.5, middle category). New: a (3/4 respond → high), b (1/4 → low).
    old = ["x"] * 8
    new = ["a"] * 4 + ["b"] * 4
    y = [True, True, True, False, True, False, False, False]
    result = net_reclassification(old, new, y)
    # Responders: 3 up (a), 1 down (b) → 2/4; non-responders: 3 down, 1 up → 2/4.
    assert (result.events, result.non_events, result.nri) == (0.5, 0.5, 1.0)
    variance = 2 * ((3 + 1) / 4**2 - (3 - 1) ** 2 / 4**3)
    assert result.ci == pytest.approx(
        (1 - 1.959964 * math.sqrt(variance), 1 + 1.959964 * math.sqrt(variance))
    )
    same = net_reclassification(new, new, y)
    assert same.nri == 0 and same.ci == (0, 0)


def test_the_planted_classes_reclassify_better_than_a_noisy_copy(strong) -> None:
    _, joined = validity_of(strong)
    result = net_reclassification(
        joined["noisy_class"].to_list(),
        joined["planted_class"].to_list(),
        joined["responder"].to_list(),
    )
    assert result.ci[0] > 0


def test_an_axis_from_instrument_totals_is_computed_by_the_shipped_rule_set() -> None:
    found = axis_from_scores(
        "orebro",
        {"a": {"orebro10": 30.0}, "b": {"orebro10": 70.0}, "c": {"nrs": 5.0}},
        as_of=dt.date(2026, 1, 1),
    )
    assert set(found) == {"a", "b"}  # c has no Örebro score: no class
    assert found["a"] != found["b"]


def test_an_axis_that_needs_more_than_totals_is_refused_with_its_inputs() -> None:
    with pytest.raises(AxisNeedsInputs, match="startback_psychosocial"):
        axis_from_scores("startback", {}, as_of=dt.date(2026, 1, 1))
    with pytest.raises(UnknownAxis, match=r"axes: .*startback"):
        axis_from_scores("nope", {}, as_of=dt.date(2026, 1, 1))
