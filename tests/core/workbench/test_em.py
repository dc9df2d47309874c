"""painpath's EM for latent class models gives StepMix's estimates (synthetic data only).

The reference is StepMix 3.0 itself (``stepmix.stepmix.StepMix``, ``categorical_nan`` and
``continuous_nan``, ``init_params="random"``, ``rel_tol=0``) run in the same test on the same
data with the same seed: same starts, so the same iterations and the same optimum.
"""

import warnings

import numpy as np
import pytest

from painpath.core.workbench.em import Categorical, GaussianDiagonal, fit_mixture
from painpath.core.workbench.lca import _codes
from painpath.core.workbench.planted import PlantedSpec, item_columns, planted_registry

pytest.importorskip("stepmix")

SEED, STARTS, TOL = 7, 3, 1e-7


def stepmix(x: np.ndarray, k: int, measurement: str):
    from stepmix.stepmix import StepMix

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # StepMix warns when a start does not converge
        return StepMix(
            n_components=k,
            measurement=measurement,
            n_init=STARTS,
            random_state=SEED,
            abs_tol=TOL,
            max_iter=1000,
            progress_bar=0,
            verbose=0,
        ).fit(x)


@pytest.fixture(scope="module")
def planted():
    spec = PlantedSpec(n=500, classes=3, items=8, categories=4, missing=0.2, seed=11)
    planted = planted_registry(spec)
    items = planted.baseline.select(item_columns(8)).to_numpy().astype(float)
    items[0, :] = np.nan  # answered nothing: kept, classified by the class shares
    items[1:, 7] = np.where(items[1:, 7] == 3, 2, items[1:, 7])  # one item with 3 answers
    codes, _ = _codes(items, item_columns(8))
    scores = planted.baseline.select(list(spec.summaries)).to_numpy().astype(float)
    return codes, scores


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_categorical_em_equals_stepmix_from_the_same_seed(planted, k) -> None:
    codes, _ = planted
    n = codes.shape[0]
    reference = stepmix(codes, k, "categorical_nan")
    ours = fit_mixture(Categorical(codes), n, k, seed=SEED, n_init=STARTS, abs_tol=TOL)
    assert ours.log_likelihood == pytest.approx(reference.score(codes) * n, rel=1e-9)
    assert ours.bic == pytest.approx(reference.bic(codes), rel=1e-9)
    assert ours.parameters == reference.n_parameters
    assert ours.iterations == reference.n_iter_
    assert np.allclose(ours.posteriors, reference.predict_proba(codes), atol=1e-8)
    assert np.allclose(ours.weights, reference.weights_, atol=1e-9)
    pis = reference.get_parameters()["measurement"]["pis"].reshape(ours.params[0].shape)
    assert np.allclose(ours.params[0], pis, atol=1e-9)
    if k > 1:
        assert ours.relative_entropy == pytest.approx(reference.relative_entropy(codes), 1e-9)


@pytest.mark.parametrize("k", [2, 3])
def test_continuous_em_equals_stepmix_from_the_same_seed(planted, k) -> None:
    _, scores = planted
    n = scores.shape[0]
    reference = stepmix(scores, k, "continuous_nan")
    ours = fit_mixture(GaussianDiagonal(scores), n, k, seed=SEED, n_init=STARTS, abs_tol=TOL)
    assert ours.bic == pytest.approx(reference.bic(scores), rel=1e-9)
    assert ours.parameters == reference.n_parameters
    assert ours.iterations == reference.n_iter_
    assert np.allclose(ours.posteriors, reference.predict_proba(scores), atol=1e-8)
    params = reference.get_parameters()["measurement"]
    assert np.allclose(ours.params[0], params["means"], rtol=1e-9)
    assert np.allclose(ours.params[1], params["covariances"], rtol=1e-9)


def test_a_missing_answer_adds_nothing_to_the_likelihood() -> None:
    # Brute force on 3 patients, 2 items: L_i = Σ_c w_c Π_{answered j} P(x_ij | c).
    codes = np.array([[0.0, 1.0], [1.0, np.nan], [np.nan, np.nan], [1.0, 0.0]])
    fit = fit_mixture(Categorical(codes), 4, 2, seed=3, n_init=1, max_iter=3)
    w, pis = fit.weights, fit.params[0]
    expected = 0.0
    for row in codes:
        per_class = [
            w[c] * np.prod([pis[c, j, int(v)] for j, v in enumerate(row) if not np.isnan(v)])
            for c in range(2)
        ]
        expected += np.log(sum(per_class))
    assert fit.log_likelihood == pytest.approx(expected, rel=1e-12)
    assert np.allclose(fit.posteriors[2], w)  # nothing answered: the class shares
