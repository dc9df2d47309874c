"""Expectation–maximisation for latent class models with missing answers: StepMix's
algorithm, vectorised.

StepMix 3.0 (Morin et al., J Stat Softw; arXiv:2304.03853) fits the same models, but its
``categorical_nan`` M-step loops in Python over every answer column, copying the
responsibilities of the patients who answered it (``resp[is_observed[:, i]]``), and one-hot
encodes the data again in every E- and M-step: 0.4–0.6 s per EM iteration at 20,000 patients ×
20 items on a busy 2-core machine, hours for 100,000 patients and 1–5 classes with 5 starts.
Here the data are encoded once, as a sparse one-hot matrix, and each step is two sparse
products (patients × answer columns by classes) and a log-sum-exp: about forty times faster
(docs/workbench.md).

The algorithm is StepMix's, step by step, so that from the same seed both give the same
starts and the same estimates (tests/core/workbench/test_em.py compares them):

- starts: ``numpy.random.RandomState(seed)``; per start, uniform random responsibilities
  normalised per patient, equal class shares, then an M-step (StepMix ``init_params="random"``);
- iterations: an E-step (posteriors and the mean log-likelihood per patient), then an M-step;
  stop when the mean log-likelihood changed by less than ``abs_tol`` (StepMix ``abs_tol``,
  ``rel_tol=0``) or after ``max_iter`` iterations;
- the start with the highest log-likelihood is kept.

**Full information maximum likelihood**: a missing answer is a row of zeros in the one-hot
matrix (categorical) or a zero weight (continuous), so it adds nothing to that patient's
log-likelihood and nothing to the item's estimates; the patient is kept and classified on
what they answered. Valid when answers are missing at random.

One difference from StepMix, on purpose: ``converged`` says whether the *kept* start
converged, where StepMix's ``converged_`` is true when any start did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

__all__ = ["Categorical", "Emission", "GaussianDiagonal", "Mixture", "fit_mixture"]

CLIP = 1e-15
"""StepMix's floor for probabilities inside logarithms (and for class shares)."""


class Emission(Protocol):
    """What a class-conditional model of the answers gives the EM driver."""

    def m_step(self, resp: np.ndarray) -> None: ...

    def log_likelihood(self) -> np.ndarray:
        """log P(answers of patient i | class c), shape (patients, classes)."""
        ...

    def get(self) -> tuple[np.ndarray, ...]: ...

    def set(self, params: tuple[np.ndarray, ...]) -> None: ...

    def free_parameters(self, k: int) -> int: ...


class Categorical:
    """One multinomial per item and class (StepMix ``categorical_nan``).

    ``codes``: patients × items, answers coded 0 … C − 1, NaN where missing. Parameters:
    ``pis`` of shape (classes, items, width), width the largest number of categories; an
    item with fewer categories has probability 0 for the codes it does not have.
    """

    def __init__(self, codes: np.ndarray) -> None:
        from scipy import sparse  # type: ignore[import-untyped]

        n, items = codes.shape
        self.categories = np.array(
            [int(np.nanmax(codes[:, j])) + 1 for j in range(items)], dtype=int
        )
        self.width = int(self.categories.max())
        # Sparse: one stored 1 per answer, none for a missing one (a 5-answer item's dense
        # one-hot is 80 % zeros, and multiplying them is most of an EM step).
        rows, cols = np.nonzero(~np.isnan(codes))
        self.onehot = sparse.csr_matrix(
            (
                np.ones(rows.size),
                (rows, cols * self.width + codes[rows, cols].astype(int)),
            ),
            shape=(n, items * self.width),
        )
        self.pis = np.zeros((0, items, self.width))

    def m_step(self, resp: np.ndarray) -> None:
        counts = np.asarray(self.onehot.T @ resp).reshape(self.categories.size, self.width, -1)
        # Each answer is one count of its item, so an item's counts summed over its answers
        # are the responsibility of those who answered it (missing answers left out).
        answered = counts.sum(axis=1, keepdims=True)
        self.pis = np.transpose(counts / answered, (2, 0, 1))

    def log_likelihood(self) -> np.ndarray:
        k = self.pis.shape[0]
        log_pis = np.log(np.clip(self.pis.reshape(k, -1), CLIP, 1 - CLIP))
        return np.asarray(self.onehot @ log_pis.T)

    def get(self) -> tuple[np.ndarray, ...]:
        return (self.pis.copy(),)

    def set(self, params: tuple[np.ndarray, ...]) -> None:
        (self.pis,) = params

    def free_parameters(self, k: int) -> int:
        return int(k * (self.categories - 1).sum())


class GaussianDiagonal:
    """One normal per score and class, own variance, no covariance (StepMix
    ``continuous_nan``, i.e. ``gaussian_diag_nan``). Parameters ``means`` and ``variances``,
    each (classes, scores)."""

    def __init__(self, values: np.ndarray) -> None:
        observed = ~np.isnan(values)
        self.observed = observed.astype(float)
        self.values = np.where(observed, values, 0.0)
        self.means = np.zeros((0, values.shape[1]))
        self.variances = np.zeros((0, values.shape[1]))

    def _squares(self, c: int) -> np.ndarray:
        diff = (self.values - self.means[c]) * self.observed
        return np.asarray(diff**2)

    def m_step(self, resp: np.ndarray) -> None:
        answered = (self.observed.T @ resp).T  # (classes, scores)
        self.means = (self.values.T @ resp).T / answered
        self.variances = (
            np.vstack([resp[:, c] @ self._squares(c) for c in range(resp.shape[1])]) / answered
        )

    def log_likelihood(self) -> np.ndarray:
        k = self.means.shape[0]
        out = np.empty((self.values.shape[0], k))
        for c in range(k):
            log_dets = self.observed @ np.log(2 * np.pi * self.variances[c])
            out[:, c] = -0.5 * (log_dets + self._squares(c) @ (1 / self.variances[c]))
        return out

    def get(self) -> tuple[np.ndarray, ...]:
        return self.means.copy(), self.variances.copy()

    def set(self, params: tuple[np.ndarray, ...]) -> None:
        self.means, self.variances = params

    def free_parameters(self, k: int) -> int:
        return int(2 * k * self.values.shape[1])


@dataclass(frozen=True)
class Mixture:
    """The kept start's estimates, with the posteriors and log-likelihood they give."""

    weights: np.ndarray
    params: tuple[np.ndarray, ...]
    posteriors: np.ndarray
    log_likelihood: float
    """Total over patients (not StepMix's mean per patient)."""
    parameters: int
    """Free parameters: k − 1 class shares and the emission's."""
    converged: bool
    iterations: int

    @property
    def bic(self) -> float:
        """−2 log L + p log n (Schwarz 1978), as StepMix's ``bic``."""
        n = self.posteriors.shape[0]
        return -2 * self.log_likelihood + self.parameters * float(np.log(n))

    @property
    def relative_entropy(self) -> float | None:
        """1 − Σ −p log p / (n log k) (Ramaswamy et al. 1993), posteriors clipped as StepMix
        does; None for one class."""
        n, k = self.posteriors.shape
        if k == 1:
            return None
        p = np.clip(self.posteriors, CLIP, 1 - CLIP)
        return float(1 - (-(p * np.log(p)).sum()) / (n * np.log(k)))


def _e_step(emission: Emission, weights: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean log-likelihood per patient, and the posteriors."""
    joint = emission.log_likelihood() + np.log(weights)
    top = joint.max(axis=1, keepdims=True)
    log_marginal = top + np.log(np.exp(joint - top).sum(axis=1, keepdims=True))
    return float(log_marginal.mean()), np.exp(joint - log_marginal)


def fit_mixture(
    emission: Emission,
    n: int,
    k: int,
    *,
    seed: int,
    n_init: int,
    abs_tol: float = 1e-7,
    max_iter: int = 1000,
) -> Mixture:
    """Fit a ``k``-class mixture of ``emission`` to its ``n`` patients by EM (module
    docstring), best of ``n_init`` random starts from ``seed``."""
    random_state = np.random.RandomState(seed)
    best: tuple[float, np.ndarray, tuple[np.ndarray, ...], bool, int] | None = None
    for _ in range(n_init):
        resp = random_state.uniform(size=(n, k))
        resp /= resp.sum(axis=1)[:, None]
        # StepMix keeps log(clip(resp)) and starts from its exp: the same numbers to the bit.
        resp = np.exp(np.log(np.clip(resp, CLIP, 1 - CLIP)))
        weights = np.full(k, 1.0 / k)
        emission.m_step(resp)
        lower, converged, iterations = -np.inf, False, 0
        while iterations < max_iter and not converged:
            iterations += 1
            previous = lower
            lower, resp = _e_step(emission, weights)
            weights = np.clip(resp.mean(axis=0), CLIP, 1 - CLIP)
            emission.m_step(resp)
            converged = abs(lower - previous) < abs_tol
        if best is None or lower > best[0] or np.isnan(best[0]):
            best = (lower, weights, emission.get(), converged, iterations)
    assert best is not None  # n_init ≥ 1
    _, weights, params, converged, iterations = best
    emission.set(params)
    mean, posteriors = _e_step(emission, weights)
    return Mixture(
        weights=weights,
        params=params,
        posteriors=posteriors,
        log_likelihood=mean * n,
        parameters=k - 1 + emission.free_parameters(k),
        converged=converged,
        iterations=iterations,
    )
