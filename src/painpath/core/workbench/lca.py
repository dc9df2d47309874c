"""Latent class analysis of baseline answers, StepMix's models (Morin et al. 2025, J Stat
Softw; arXiv:2304.03853) fitted by painpath's vectorised EM (:mod:`.em`: the same starts,
iterations and estimates as StepMix from the same seed, tested against it, about forty times
faster), and its agreement with a rule-based classification.

Models with 1 … K classes are fitted by maximum likelihood (EM, ``n_init`` random starts with
the seed, the best kept; one start for one class, whose maximum is unique), on categorical
items (a multinomial per item and class) or on continuous summary scores (a normal per score
and class, own variances, no covariance within a class — local independence, as in
categorical LCA).

**Missing answers are kept**: as StepMix's ``categorical_nan`` and ``continuous_nan``, a
missing answer is left out of the patient's likelihood (full information maximum
likelihood, valid when answers are missing at random); a patient is classified on what they
answered. A patient who answered none of the items has only the class shares to go on; they
are kept and get the shares as posteriors.

Per model (:class:`ModelFit`):

- ``bic`` = −2 log L + p log n (Schwarz 1978), p the free parameters (class shares k − 1, per
  item and class its categories − 1, per score and class a mean and a variance).
- ``entropy``: the relative entropy of the posteriors, 1 − Σᵢ Σ_c −pᵢ_c log pᵢ_c / (n log k)
  (Ramaswamy et al. 1993, Marketing Sci 12:103–24): 1 when every patient belongs to one class
  for certain, 0 when every posterior is flat; above 0.8 is usually read as a clear
  separation (Clark & Muthén 2009). Undefined (None) for one class.
- ``smallest_class_share``: the smallest class's share of the patients by modal assignment.

**Choice**: the lowest BIC (Nylund, Asparouhov & Muthén 2007, Struct Equ Modeling 14:535–69
found BIC the best of the information criteria for LCA); BICs within ``BIC_TIE`` of each
other count as equal and the model with fewer classes wins. Entropy and the smallest class
are reported for the working group to judge (a class of 2 % is rarely a useful subgroup),
not used in the rule.

**Label switching**: a fitted model's class numbers are arbitrary (another start may swap
them). Classes are renumbered 1 … k by decreasing size (modal assignment), ties by the
profile (the first item's mean code or the first score's mean, ascending), so the same data
and seed always give the same numbers and class 1 is the largest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from painpath.core.errors import PainpathError
from painpath.core.workbench.em import (
    Categorical,
    Emission,
    GaussianDiagonal,
    Mixture,
    fit_mixture,
)

__all__ = [
    "BIC_TIE",
    "Agreement",
    "ClassProfile",
    "LcaResult",
    "ModelFit",
    "agreement",
    "fit_lca",
]

Kind = Literal["categorical", "continuous"]
BIC_TIE = 1e-6
"""Relative difference under which two BICs count as equal (fewer classes then win)."""
MAX_CATEGORIES = 20
"""More answers than this to one item is a score, not a category (kind ``continuous``)."""
ABS_TOL = 1e-7
"""EM stops when the mean log-likelihood per patient changes by less (StepMix ``abs_tol``)."""


class LcaError(PainpathError, ValueError):
    """The data cannot be analysed as asked; the message says which item and why."""


@dataclass(frozen=True)
class ModelFit:
    classes: int
    bic: float
    log_likelihood: float
    parameters: int
    entropy: float | None
    smallest_class_share: float
    converged: bool


@dataclass(frozen=True)
class ClassProfile:
    """One class of the chosen model: its share and what its patients answer."""

    cls: int
    share: float
    """The estimated class share (the model's weight)."""
    n: int
    """Patients assigned to it (modal assignment)."""
    items: dict[str, dict[str, float]]
    """Categorical: per item, the probability of each answer (keyed by the answer as given).
    Continuous: per score, ``mean`` and ``sd``."""


@dataclass(frozen=True)
class LcaResult:
    kind: Kind
    items: tuple[str, ...]
    models: tuple[ModelFit, ...]
    chosen: int
    profiles: tuple[ClassProfile, ...]
    assignments: np.ndarray
    """Class 1 … k per patient (modal: the largest posterior), in the input's order."""
    posteriors: np.ndarray
    """Shape (patients, k): each patient's posterior class probabilities, columns in class
    order."""
    missing_share: float
    """Share of the answers that were missing (kept, not imputed)."""

    def as_dict(self, ids: Sequence[Any]) -> dict[str, Any]:
        """The CLI contract's document (``painpath workbench lca -f json``)."""
        return {
            "kind": self.kind,
            "items": list(self.items),
            "models": [
                {
                    "classes": m.classes,
                    "bic": m.bic,
                    "entropy": m.entropy,
                    "smallest_class_share": m.smallest_class_share,
                    "log_likelihood": m.log_likelihood,
                    "parameters": m.parameters,
                    "converged": m.converged,
                }
                for m in self.models
            ],
            "chosen": self.chosen,
            "missing_share": self.missing_share,
            "profiles": [
                {"class": p.cls, "share": p.share, "n": p.n, "items": p.items}
                for p in self.profiles
            ],
            "assignments": [
                {"patient_id": i, "class": int(c), "posterior": [float(x) for x in post]}
                for i, c, post in zip(ids, self.assignments, self.posteriors, strict=True)
            ],
        }


def _codes(data: np.ndarray, items: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each item's answers as codes 0 … C − 1 (NaN kept), and the answers the codes stand for:
    an item whose largest code is C − 1 has C parameters (as in StepMix), so answers 1 … 5
    must not leave an empty category 0."""
    coded = np.full(data.shape, np.nan)
    levels = []
    for j, name in enumerate(items):
        column = data[:, j]
        seen = ~np.isnan(column)
        values = np.unique(column[seen])
        if values.size < 2:
            raise LcaError(f"item {name}: {values.size} distinct answer(s); need at least 2")
        if values.size > MAX_CATEGORIES:
            raise LcaError(
                f"item {name}: {values.size} distinct answers, more than {MAX_CATEGORIES}; "
                "a score is analysed with --kind continuous"
            )
        coded[seen, j] = np.searchsorted(values, column[seen])
        levels.append(values)
    return coded, levels


def _fit(emission: Emission, n: int, k: int, seed: int, n_init: int) -> Mixture:
    # One class has one maximum (each item's answer shares): more starts cannot differ.
    starts = 1 if k == 1 else n_init
    return fit_mixture(emission, n, k, seed=seed, n_init=starts, abs_tol=ABS_TOL)


def _order(posteriors: np.ndarray, key: np.ndarray) -> np.ndarray:
    """The columns' new order: by decreasing size, ties by ``key`` ascending."""
    sizes = np.bincount(posteriors.argmax(axis=1), minlength=posteriors.shape[1])
    return np.lexsort((key, -sizes))


def _profile_key(model: Mixture, kind: Kind) -> np.ndarray:
    if kind == "continuous":
        return np.asarray(model.params[0][:, 0], dtype=float)
    pis = model.params[0]
    return np.asarray(pis[:, 0, :] @ np.arange(pis.shape[2]), dtype=float)


def _profiles(
    model: Mixture,
    kind: Kind,
    items: Sequence[str],
    levels: list[np.ndarray],
    order: np.ndarray,
    assignments: np.ndarray,
) -> tuple[ClassProfile, ...]:
    weights = model.weights[order]
    out = []
    for new, old in enumerate(order):
        described: dict[str, dict[str, float]] = {}
        if kind == "continuous":
            means, variances = model.params
            for j, name in enumerate(items):
                described[name] = {
                    "mean": float(means[old, j]),
                    "sd": float(np.sqrt(variances[old, j])),
                }
        else:
            pis = model.params[0]
            for j, name in enumerate(items):
                described[name] = {
                    _label(value): float(pis[old, j, c]) for c, value in enumerate(levels[j])
                }
        out.append(
            ClassProfile(
                cls=new + 1,
                share=float(weights[new]),
                n=int((assignments == new + 1).sum()),
                items=described,
            )
        )
    return tuple(out)


def _label(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def choose(models: Sequence[ModelFit]) -> int:
    """The number of classes of the lowest BIC; near-equal BICs (``BIC_TIE``) → fewer."""
    best = min(models, key=lambda m: m.bic)
    tied = [m for m in models if abs(m.bic - best.bic) <= BIC_TIE * abs(best.bic)]
    return min(m.classes for m in tied)


def fit_lca(
    data: np.ndarray,
    items: Sequence[str],
    *,
    kind: Kind = "categorical",
    classes: Sequence[int] = (1, 2, 3, 4),
    seed: int = 1,
    n_init: int = 5,
) -> LcaResult:
    """Fit a latent class model for each number of ``classes`` on ``data`` (patients × items,
    NaN where an answer is missing), choose one by BIC, and return its classes (see the
    module docstring)."""
    data = np.asarray(data, dtype=float)
    if data.ndim != 2 or data.shape[1] != len(items):
        raise LcaError(f"{len(items)} item name(s) for data of shape {data.shape}")
    if not classes or min(classes) < 1:
        raise LcaError("classes: give numbers of classes from 1 upwards")
    if np.isinf(data).any():
        raise LcaError("an answer is infinite; give finite numbers or leave it blank")
    n = data.shape[0]
    if n < 2 * max(classes):
        raise LcaError(f"{n} patient(s) for up to {max(classes)} classes; too few to fit")
    if kind == "categorical":
        x, levels = _codes(data, items)
    else:
        x, levels = data, []
        for j, name in enumerate(items):
            if np.isnan(data[:, j]).all():
                raise LcaError(f"item {name}: every answer is missing")
    # Encoded once for every number of classes (the one-hot matrix is the largest array).
    emission: Emission = Categorical(x) if kind == "categorical" else GaussianDiagonal(x)
    fits, models = [], {}
    for k in sorted(set(classes)):
        model = _fit(emission, n, k, seed, n_init)
        posteriors = model.posteriors
        modal = np.bincount(posteriors.argmax(axis=1), minlength=k)
        fits.append(
            ModelFit(
                classes=k,
                bic=model.bic,
                log_likelihood=model.log_likelihood,
                parameters=model.parameters,
                entropy=model.relative_entropy,
                smallest_class_share=float(modal.min() / n),
                converged=model.converged,
            )
        )
        models[k] = (model, posteriors)
    chosen = choose(fits)
    model, posteriors = models[chosen]
    order = _order(posteriors, _profile_key(model, kind))
    posteriors = posteriors[:, order]
    assignments = posteriors.argmax(axis=1) + 1
    return LcaResult(
        kind=kind,
        items=tuple(items),
        models=tuple(fits),
        chosen=chosen,
        profiles=_profiles(model, kind, items, levels, order, assignments),
        assignments=assignments,
        posteriors=posteriors,
        missing_share=float(np.isnan(data).mean()),
    )


@dataclass(frozen=True)
class Agreement:
    """Agreement of two classifications of the same patients."""

    ari: float
    """Adjusted Rand index (Hubert & Arabie 1985, J Classif 2:193–218): 1 for the same
    partition, about 0 for chance agreement, whatever the labels."""
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    table: tuple[tuple[int, ...], ...]
    """Cross-table: patients per (row class, column class)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ari": self.ari,
            "rows": list(self.rows),
            "columns": list(self.columns),
            "table": [list(r) for r in self.table],
        }


def agreement(first: Sequence[Any], second: Sequence[Any]) -> Agreement:
    """ARI and cross-table of two classifications (patients missing from either — None —
    are left out of both)."""
    from sklearn.metrics import adjusted_rand_score  # type: ignore[import-untyped]

    if len(first) != len(second):
        raise LcaError(f"{len(first)} and {len(second)} patients: classify the same patients")
    pairs = [
        (str(a), str(b))
        for a, b in zip(first, second, strict=True)
        if a is not None and b is not None
    ]
    if not pairs:
        raise LcaError("no patient has both classifications")
    from painpath.core.workbench.validity import class_order

    a, b = zip(*pairs, strict=True)
    rows, columns = tuple(class_order(a)), tuple(class_order(b))
    counts = np.zeros((len(rows), len(columns)), dtype=int)
    for x, y in pairs:
        counts[rows.index(x), columns.index(y)] += 1
    return Agreement(
        ari=float(adjusted_rand_score(a, b)),
        rows=rows,
        columns=columns,
        table=tuple(tuple(int(v) for v in r) for r in counts),
    )
