"""Latent class analysis recovers a planted structure (synthetic data only)."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from painpath.core.instruments import REGISTRY
from painpath.core.workbench.lca import LcaError, ModelFit, agreement, choose, fit_lca
from painpath.core.workbench.planted import PlantedSpec, item_columns, planted_registry

ITEMS = item_columns(10)


def items_of(planted):
    return planted.baseline.select(ITEMS).to_numpy().astype(float)


def matched(truth: np.ndarray, found: np.ndarray) -> dict[int, int]:
    """Each found class (1-based) → the planted class (0-based) most of its patients have."""
    return {c: int(np.bincount(truth[found == c]).argmax()) for c in np.unique(found)}


@pytest.fixture(scope="module")
def complete():
    planted = planted_registry(PlantedSpec(n=500, classes=3, items=10, separation=0.75, seed=4))
    return planted, fit_lca(items_of(planted), ITEMS, classes=range(1, 5), seed=1, n_init=3)


@pytest.fixture(scope="module")
def incomplete():
    spec = PlantedSpec(n=500, classes=3, items=10, separation=0.75, missing=0.2, seed=4)
    planted = planted_registry(spec)
    data = items_of(planted)
    data[0, :] = np.nan  # one patient answered nothing: kept, classified by the shares alone
    return planted, data, fit_lca(data, ITEMS, classes=range(1, 5), seed=1, n_init=3)


def test_bic_chooses_the_planted_number_of_classes(complete) -> None:
    planted, result = complete
    assert result.chosen == planted.spec.classes
    bics = {m.classes: m.bic for m in result.models}
    assert bics[3] < bics[2] < bics[1]
    assert [m.classes for m in result.models] == [1, 2, 3, 4]


def test_the_classes_found_are_the_planted_patients_groups(complete) -> None:
    planted, result = complete
    assert adjusted_rand_score(planted.truth, result.assignments) >= 0.8


def test_the_class_profiles_are_near_the_planted_ones(complete) -> None:
    planted, result = complete
    to_planted = matched(planted.truth, result.assignments)
    assert sorted(to_planted.values()) == [0, 1, 2]  # one found class per planted class
    for profile in result.profiles:
        truth = planted.profiles[to_planted[profile.cls]]
        for j, item in enumerate(ITEMS):
            found = [profile.items[item][str(c)] for c in range(planted.spec.categories)]
            assert np.abs(np.array(found) - truth[j]).max() < 0.12, (profile.cls, item)


def test_entropy_and_smallest_class_are_reported_per_model(complete) -> None:
    _, result = complete
    one, *more = result.models
    assert one.entropy is None and one.smallest_class_share == 1.0
    three = next(m for m in more if m.classes == 3)
    assert 0.7 < three.entropy <= 1.0
    assert 0.25 < three.smallest_class_share < 0.4  # planted: equal thirds


def test_classes_are_numbered_by_decreasing_size(complete) -> None:
    _, result = complete
    sizes = [p.n for p in result.profiles]
    assert sizes == sorted(sizes, reverse=True)
    assert sum(sizes) == result.assignments.size
    assert np.array_equal(result.posteriors.argmax(axis=1) + 1, result.assignments)


def test_missing_answers_are_kept_and_recovery_still_holds(incomplete) -> None:
    planted, _, result = incomplete
    assert 0.18 < result.missing_share < 0.23
    assert result.assignments.size == planted.spec.n  # nobody dropped
    assert np.allclose(result.posteriors.sum(axis=1), 1.0)
    assert result.chosen == 3
    assert adjusted_rand_score(planted.truth, result.assignments) >= 0.8
    # Who answered nothing gets the class shares as posteriors.
    shares = [p.share for p in result.profiles]
    assert np.allclose(result.posteriors[0], shares, atol=1e-6)


def test_continuous_summary_scores_recover_the_planted_means() -> None:
    planted = planted_registry(PlantedSpec(n=400, classes=3, missing=0.1, seed=5))
    names = list(planted.spec.summaries)
    data = planted.baseline.select(names).to_numpy().astype(float)
    result = fit_lca(data, names, kind="continuous", classes=range(1, 5), seed=1, n_init=3)
    assert result.chosen == 3
    assert adjusted_rand_score(planted.truth, result.assignments) >= 0.8
    to_planted = matched(planted.truth, result.assignments)
    for profile in result.profiles:
        for m, name in enumerate(names):
            low, high = REGISTRY[name].score_range
            assert abs(
                profile.items[name]["mean"] - planted.means[to_planted[profile.cls], m]
            ) < 0.05 * (high - low)


def test_the_same_seed_gives_the_same_classes(complete) -> None:
    planted, result = complete
    again = fit_lca(items_of(planted), ITEMS, classes=range(1, 5), seed=1, n_init=3)
    assert np.array_equal(again.assignments, result.assignments)


def test_bic_ties_go_to_fewer_classes() -> None:
    fits = [
        ModelFit(k, bic, 0.0, 0, None, 0.5, True) for k, bic in ((1, 100.0), (2, 90.0), (3, 90.0))
    ]
    assert choose(fits) == 2
    assert choose([*fits, ModelFit(4, 89.0, 0.0, 0, None, 0.1, True)]) == 4


def test_an_item_with_one_answer_is_refused_by_name() -> None:
    data = np.array([[0.0, 1.0], [0.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    with pytest.raises(LcaError, match="item b2: 1 distinct answer"):
        fit_lca(data, ["b2", "b1"], classes=[1], seed=1)


def test_agreement_is_sklearns_ari_with_a_cross_table() -> None:
    first = ["low", "low", "high", "high", "high", None]
    second = [1, 1, 2, 2, 1, 2]
    result = agreement(first, second)
    assert result.ari == pytest.approx(adjusted_rand_score(first[:5], [str(v) for v in second[:5]]))
    assert result.rows == ("high", "low") and result.columns == ("1", "2")
    assert result.table == ((1, 2), (2, 0))
    assert agreement([1, 1, 2], ["b", "b", "a"]).ari == 1.0  # labels do not matter
    assert agreement([10, 2, 1], [1, 1, 1]).rows == ("1", "2", "10")  # numbers in order


def test_a_score_is_refused_as_a_categorical_item() -> None:
    data = np.arange(60, dtype=float).reshape(30, 2)
    with pytest.raises(LcaError, match=r"item odi: 30 distinct answers.*--kind continuous"):
        fit_lca(data, ["odi", "pcs"], classes=[1, 2], seed=1)
