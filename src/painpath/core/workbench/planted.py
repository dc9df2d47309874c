"""Synthetic registries with a **planted** structure: the workbench's ground truth.

A planted registry has ``n`` patients drawn from ``k`` latent classes whose shares, baseline
answer profiles and prognosis are known, so that a test can ask whether latent class
analysis finds the classes again (same number, same profiles, the same patients together)
and whether the prognostic-validity figures find the planted prognosis (responder rates
inside their intervals, an AUC away from 0.5 when the classes differ in prognosis and not
when they do not). Every row is marked ``synthetic``; no row describes a real person.

What is planted, class by class (:class:`PlantedSpec`):

- **Categorical items** (``item1`` … ``itemJ``, codes ``0`` … ``C − 1``): each class favours one
  category per item, drawn at random with the seed, with probability
  ``separation + (1 − separation) / C``; the other categories share the rest equally.
- **Continuous summary scores**, as real instruments at baseline (ODI, PCS, TSK by default):
  normal around a class mean spread over the middle half of the instrument's range (classes
  ranked in a random order per instrument), SD ``spread`` × the range, clipped to the range.
- **Prognosis**: the pain NRS (0–10) at baseline (5–9, uniform) and at each follow-up
  (months 3, 6 and 12 by default). A responder improves by 3 or 4 points, a non-responder
  changes by −1, 0 or +1 point, so that under the outcome report's ``mic`` definition (an
  improvement of at least 2 points or 30 %) a patient responds exactly when planted to: with
  baselines of 5 or more, one point is at most 20 %. Class ``c``'s responder probability is
  ``responder_rates[c]`` at every time point (each time point drawn independently).
- **Missing answers** completely at random: each item answer and each baseline summary score
  is blanked with probability ``missing`` (the NRS is never blank: the outcome stays known).

Besides the planted class the patients table holds ``noisy_class``: the planted class
replaced by a random class for a share ``noise`` of patients — a stand-in for a rule-based
classification that agrees with the truth only in part (for the adjusted Rand index and the
net reclassification improvement).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from painpath.core.instruments import REGISTRY

__all__ = ["OUTCOME", "Planted", "PlantedSpec", "item_columns", "planted_registry"]

OUTCOME = "nrs"
"""The outcome instrument whose responders are planted (``mic``: 2 points or 30 %)."""
BASELINE_NRS = (5, 9)
RESPONDER_GAIN = (3, 4)
NON_RESPONDER_GAIN = (-1, 1)


def item_columns(n_items: int) -> list[str]:
    return [f"item{j + 1}" for j in range(n_items)]


@dataclass(frozen=True)
class PlantedSpec:
    n: int = 600
    classes: int = 3
    shares: Sequence[float] | None = None
    """Class shares (default equal); normalised to sum to 1."""
    items: int = 8
    categories: int = 3
    separation: float = 0.7
    summaries: Sequence[str] = ("odi", "pcs", "tsk")
    spread: float = 0.08
    responder_rates: Sequence[float] | None = None
    """Per class; default from ``strength``: ``0.5 + strength × (c/(k − 1) − 0.5)``."""
    strength: float = 0.6
    timepoints: Sequence[int] = (3, 6, 12)
    missing: float = 0.0
    noise: float = 0.3
    seed: int = 1

    def __post_init__(self) -> None:
        if self.n < 1 or self.classes < 1:
            raise ValueError(f"n={self.n} and classes={self.classes}: each must be at least 1")
        if self.categories < 2:
            raise ValueError(f"categories={self.categories}: an item needs at least 2")
        for name in ("separation", "missing", "noise", "spread"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}={value}: give a share from 0 to 1")
        if not 0.0 <= self.strength <= 1.0:
            raise ValueError(f"strength={self.strength}: give a number from 0 to 1")
        for name in ("shares", "responder_rates"):
            given = getattr(self, name)
            if given is not None and len(given) != self.classes:
                raise ValueError(f"{name}: {len(given)} values for {self.classes} classes")
        unknown = [code for code in self.summaries if code not in REGISTRY]
        if unknown:
            raise ValueError(f"summaries: unknown instrument(s) {', '.join(unknown)}")

    @property
    def class_shares(self) -> np.ndarray:
        raw = np.ones(self.classes) if self.shares is None else np.asarray(self.shares, float)
        if (raw < 0).any() or raw.sum() <= 0:
            raise ValueError("shares: give non-negative numbers with a positive sum")
        return np.asarray(raw / raw.sum(), dtype=float)

    @property
    def class_responder_rates(self) -> np.ndarray:
        if self.responder_rates is not None:
            return np.asarray(self.responder_rates, dtype=float)
        if self.classes == 1:
            return np.array([0.5])
        rank = np.arange(self.classes) / (self.classes - 1)
        return np.asarray(0.5 + self.strength * (rank - 0.5), dtype=float)


@dataclass(frozen=True)
class Planted:
    """A planted registry and its truth."""

    spec: PlantedSpec
    scores: pl.DataFrame
    """The outcome report's long table: ``patient_id``, ``instrument``, ``timepoint``,
    ``score``, ``synthetic``."""
    patients: pl.DataFrame
    """``patient_id``, ``planted_class`` (1 … k), ``noisy_class``, ``synthetic``."""
    baseline: pl.DataFrame
    """One row per patient: ``patient_id``, the items (codes, null when missing), the
    summary scores (null when missing), ``synthetic``."""
    profiles: np.ndarray
    """Item answer probabilities, shape (classes, items, categories)."""
    means: np.ndarray
    """Summary score means, shape (classes, summaries)."""
    responder_rates: np.ndarray
    truth: np.ndarray = field(repr=False)
    """Each patient's planted class, 0-based, in ``patient_id`` order."""


def _profiles(spec: PlantedSpec, rng: np.random.Generator) -> np.ndarray:
    k, j, c = spec.classes, spec.items, spec.categories
    favoured = rng.integers(0, c, size=(k, j))
    base = np.full((k, j, c), (1.0 - spec.separation) / c)
    np.put_along_axis(base, favoured[..., None], base[..., :1] + spec.separation, axis=2)
    return base


def _means(spec: PlantedSpec, rng: np.random.Generator) -> np.ndarray:
    k = spec.classes
    means = np.empty((k, len(spec.summaries)))
    for m, code in enumerate(spec.summaries):
        low, high = REGISTRY[code].score_range
        rank = rng.permutation(k) / max(k - 1, 1)
        means[:, m] = low + (high - low) * (0.25 + 0.5 * rank)
    return means


def planted_registry(spec: PlantedSpec | None = None) -> Planted:
    """A planted registry as the module docstring describes; the same ``spec`` (seed
    included) always gives the same tables."""
    spec = spec or PlantedSpec()
    rng = np.random.default_rng(spec.seed)
    profiles, means = _profiles(spec, rng), _means(spec, rng)
    rates = spec.class_responder_rates
    truth = rng.choice(spec.classes, size=spec.n, p=spec.class_shares)
    ids = [f"P{i + 1:06d}" for i in range(spec.n)]

    cumulative = profiles[truth].cumsum(axis=2)  # (n, items, categories)
    draws = rng.random((spec.n, spec.items, 1))
    answers = (draws > cumulative).sum(axis=2).astype(float)
    answers[rng.random(answers.shape) < spec.missing] = np.nan

    summaries = np.empty((spec.n, len(spec.summaries)))
    for m, code in enumerate(spec.summaries):
        low, high = REGISTRY[code].score_range
        values = rng.normal(means[truth, m], spec.spread * (high - low))
        summaries[:, m] = np.round(np.clip(values, low, high), 1)
    summaries[rng.random(summaries.shape) < spec.missing] = np.nan

    baseline_nrs = rng.integers(BASELINE_NRS[0], BASELINE_NRS[1] + 1, size=spec.n)
    long: dict[str, list[object]] = {"patient_id": [], "instrument": [], "timepoint": []}
    score: list[float | None] = []

    def add(code: str, month: int, values: np.ndarray) -> None:
        long["patient_id"].extend(ids)
        long["instrument"].extend([code] * spec.n)
        long["timepoint"].extend([month] * spec.n)
        score.extend(None if np.isnan(v) else float(v) for v in values)

    add(OUTCOME, 0, baseline_nrs.astype(float))
    for m, code in enumerate(spec.summaries):
        add(code, 0, summaries[:, m])
    for month in spec.timepoints:
        responds = rng.random(spec.n) < rates[truth]
        gain = np.where(
            responds,
            rng.integers(RESPONDER_GAIN[0], RESPONDER_GAIN[1] + 1, size=spec.n),
            rng.integers(NON_RESPONDER_GAIN[0], NON_RESPONDER_GAIN[1] + 1, size=spec.n),
        )
        add(OUTCOME, month, np.clip(baseline_nrs - gain, 0, 10).astype(float))
    scores = pl.DataFrame(
        {**long, "score": score},
        schema={
            "patient_id": pl.String,
            "instrument": pl.String,
            "timepoint": pl.Int64,
            "score": pl.Float64,
        },
    ).with_columns(synthetic=pl.lit(True))

    noisy = np.where(rng.random(spec.n) < spec.noise, rng.integers(0, spec.classes, spec.n), truth)
    patients = pl.DataFrame(
        {
            "patient_id": ids,
            "planted_class": truth + 1,
            "noisy_class": noisy + 1,
            "synthetic": [True] * spec.n,
        }
    )
    columns: dict[str, object] = {"patient_id": ids}
    for j, name in enumerate(item_columns(spec.items)):
        columns[name] = pl.Series(name, answers[:, j]).fill_nan(None).cast(pl.Int64)
    for m, code in enumerate(spec.summaries):
        columns[code] = pl.Series(code, summaries[:, m]).fill_nan(None)
    baseline = pl.DataFrame(columns).with_columns(synthetic=pl.lit(True))
    return Planted(
        spec=spec,
        scores=scores,
        patients=patients,
        baseline=baseline,
        profiles=profiles,
        means=means,
        responder_rates=rates,
        truth=truth,
    )
