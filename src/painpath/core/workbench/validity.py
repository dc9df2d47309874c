"""Prognostic validity of a classification: how well do its classes predict an outcome?

Input, per patient: the class (any labels: a rule-set axis, STarT Back, a latent class), the
outcome instrument's baseline and follow-up scores at one time point, and whether the patient
responded — by one of the outcome report's responder definitions
(``core/data/analytics/responders.yaml``: ``mic``, ``reduction_50``, …), computed by the
report's own expressions (:func:`responders`), so a responder here is one there. Patients
without a class or without the follow-up are left out (complete cases; how many is said).

Figures (:func:`class_validity`):

- **Responder rate per class** with the 95 % Wilson interval (as the outcome report).
- **Discrimination**: the AUC of the class as a predictor of response, each patient's
  predicted probability being their class's responder rate — the classification used as a
  prognostic model with one parameter per class, as in studies of STarT Back's and latent
  subgroups' prognostic capacity (Nielsen et al. 2017 report linear models; the AUC of the
  class rates is the c-statistic of the saturated logistic model of response on class). With
  the rates estimated from the same patients this is the *apparent* AUC (``auc``); the
  classes are in effect ranked by their observed rates, which flatters a classification a
  little, most with many small classes. ``auc_cv`` uses each patient's class rate from the
  other folds of a seeded ``FOLDS``-fold split instead. 95 % CI by DeLong's method (DeLong,
  DeLong & Clarke-Pearson 1988, Biometrics 44:837–45; ties counted half, through midranks as
  in Sun & Xu 2014, IEEE Signal Process Lett 21:1389–93), normal approximation, clipped to
  0–1.
- **Calibration**, observed vs expected responders per class: expected from the class rates of
  the other folds (the same cross-validation). With the same patients' rates every class
  would match exactly (Σ of a class's own rate over its members is its responder count; even
  leave-one-out gives that), so only out-of-sample rates can show miscalibration; what it
  shows here is how stable each class's rate is — a small class's rate moves most.
- **Variance explained**, as Nielsen et al. 2017 (BMC Musculoskelet Disord 18:345) did for
  their LCA subgroups against STarT Back: linear regression of the follow-up score on the
  classes (dummy variables), reported as adjusted R² (``r2``, their "absolute outcomes"), and
  the difference in adjusted R² when the classes are added to a model holding the baseline
  score of the outcome (``r2_added_to_baseline``, their Tables 5 and 7: "Diff. of adj. R²").
- **Net reclassification** of one classification against another (:func:`net_reclassification`):
  the categorical NRI of Pencina et al. 2008 (Stat Med 27:157–72) with its 95 % CI.

Disclosure (:func:`protect`): the registry's *k* applied to the per-class figures, as the
outcome report applies it (``core/analytics/disclosure.py``): a class of 1 to k − 1
patients is withheld, and one more when a single withheld class could be recovered as the
total minus the others; a responder rate is withheld when the responders or the
non-responders number 1 to k − 1.

**k counts persons** (docs/disclosure.md): a registry's ``patient_id`` is an episode, and one
person may have several. When the input has ``person_id`` (:func:`person_ids`), every count
that decides what is withheld is of distinct persons — a class's, its responders', its
non-responders' — and an episode without one counts as a person of its own; otherwise the
episodes are counted, and the output says which (``k_counts``).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl

from painpath.core.analytics.stats import Z_95, wilson_interval
from painpath.core.errors import PainpathError

__all__ = [
    "FOLDS",
    "ClassRate",
    "NetReclassification",
    "Validity",
    "ValidityError",
    "class_order",
    "class_validity",
    "delong_auc",
    "net_reclassification",
    "person_ids",
    "protect",
    "responders",
]

FOLDS = 5


class ValidityError(PainpathError, ValueError):
    """The data cannot give the figure asked for; the message says why."""


def responders(
    scores: pl.DataFrame, *, instrument: str, timepoint: int, definition: str
) -> pl.DataFrame:
    """Per patient with a baseline (time point 0) and a score at ``timepoint`` on
    ``instrument``: ``baseline``, ``followup`` and ``responder`` (bool) by the outcome
    report's ``definition`` — computed by the report's own expression."""
    import ibis

    from painpath.core.analytics.report import _paired, responder_definitions

    known = {d.id: d for d in responder_definitions()}
    if definition not in known:
        raise ValidityError(
            f"unknown responder definition {definition!r}; known: {', '.join(known)}"
        )
    chosen = known[definition]
    if not chosen.applies_to(instrument):
        raise ValidityError(f"responder definition {definition!r} does not apply to {instrument}")
    table = ibis.memtable(scores.select("patient_id", "instrument", "timepoint", "score"))
    _, paired, _ = _paired(table, [instrument], [timepoint], [chosen], None)
    flag = f"r_{definition}"
    frame = paired.select("patient_id", "baseline", "followup", flag).to_polars()
    out: pl.DataFrame = frame.select(
        "patient_id", "baseline", "followup", responder=pl.col(flag).cast(pl.Boolean)
    ).sort("patient_id")
    return out


@dataclass(frozen=True)
class ClassRate:
    cls: str
    n: int | None
    responders: int | None
    rate: float | None
    ci: tuple[float, float] | None
    expected: float | None = None
    """Expected responders (cross-validated class rates; calibration)."""
    withheld: bool = False
    persons: tuple[int, int, int] | None = None
    """Distinct persons in the class, among its responders, among its non-responders (None
    when the input has no ``person_id``: then ``n`` and ``responders`` are what k counts)."""

    def counted(self) -> tuple[int, int, int]:
        """What disclosure control counts: (class, responders, non-responders)."""
        if self.persons is not None:
            return self.persons
        n, hits = self.n or 0, self.responders or 0
        return n, hits, n - hits


@dataclass(frozen=True)
class Validity:
    n: int
    excluded: int
    """Patients left out: no class (the follow-up table's patients without one)."""
    auc: float | None
    auc_ci: tuple[float, float] | None
    auc_cv: float | None
    auc_cv_ci: tuple[float, float] | None
    r2: float | None
    r2_added_to_baseline: float | None
    per_class: tuple[ClassRate, ...]
    folds: int
    seed: int
    withheld: bool = False
    persons: int | None = None
    """Distinct persons (None: the input has no ``person_id``)."""

    @property
    def k_counts(self) -> str:
        return "person_id" if self.persons is not None else "patient_id"

    def as_dict(self) -> dict[str, Any]:
        """The CLI contract's document (``painpath workbench validate -f json``)."""
        return {
            "n": self.n,
            "excluded": self.excluded,
            "auc": self.auc,
            "auc_ci": list(self.auc_ci) if self.auc_ci else None,
            "auc_cv": self.auc_cv,
            "auc_cv_ci": list(self.auc_cv_ci) if self.auc_cv_ci else None,
            "r2": self.r2,
            "r2_added_to_baseline": self.r2_added_to_baseline,
            "persons": self.persons,
            "k_counts": self.k_counts,
            "calibration": {
                "method": f"{self.folds}-fold cross-validated class rates",
                "seed": self.seed,
            },
            "per_class": [
                {
                    "class": c.cls,
                    "n": c.n,
                    "responders": c.responders,
                    "responder_rate": c.rate,
                    "ci": list(c.ci) if c.ci else None,
                    "expected_responders": c.expected,
                    "persons": c.persons[0] if c.persons else None,
                    "withheld": c.withheld,
                }
                for c in self.per_class
            ],
        }


def delong_auc(predicted: np.ndarray, outcome: np.ndarray) -> tuple[float, tuple[float, float]]:
    """AUC of ``predicted`` for the boolean ``outcome`` with its 95 % DeLong interval."""
    from scipy.stats import rankdata  # type: ignore[import-untyped]

    predicted, outcome = np.asarray(predicted, float), np.asarray(outcome, bool)
    x, y = predicted[outcome], predicted[~outcome]
    m, n = x.size, y.size
    if m < 2 or n < 2:
        raise ValidityError(
            f"{m} responder(s) and {n} non-responder(s): an AUC needs at least 2 of each"
        )
    ranks = rankdata(np.concatenate([x, y]))
    v10 = (ranks[:m] - rankdata(x)) / n
    v01 = 1.0 - (ranks[m:] - rankdata(y)) / m
    auc = float(v10.mean())
    se = math.sqrt(v10.var(ddof=1) / m + v01.var(ddof=1) / n)
    return auc, (max(0.0, auc - Z_95 * se), min(1.0, auc + Z_95 * se))


def class_order(values: Sequence[Hashable]) -> list[str]:
    """Class labels in a stable order: numbers numerically, then text."""

    def key(label: str) -> tuple[int, float, str]:
        try:
            return (0, float(label), label)
        except ValueError:
            return (1, 0.0, label)

    return sorted({str(v) for v in values}, key=key)


def _adjusted_r2(y: np.ndarray, design: np.ndarray) -> float:
    """Adjusted R² of the least-squares fit of ``y`` on ``design`` (intercept included)."""
    coef, *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = float(((y - design @ coef) ** 2).sum())
    total = float(((y - y.mean()) ** 2).sum())
    n, p = y.size, np.linalg.matrix_rank(design) - 1
    if total == 0 or n - p - 1 <= 0:
        return math.nan
    return float(1.0 - (residual / (n - p - 1)) / (total / (n - 1)))


def _folds(n: int, folds: int, seed: int) -> np.ndarray:
    order = np.random.default_rng(seed).permutation(n)
    fold = np.empty(n, dtype=int)
    fold[order] = np.arange(n) % folds
    return fold


def _cross_validated(index: np.ndarray, y: np.ndarray, folds: np.ndarray) -> np.ndarray:
    """Each patient's class rate among the other folds (the other folds' overall rate where
    their class has nobody there)."""
    expected = np.empty(y.size)
    for f in np.unique(folds):
        test, train = folds == f, folds != f
        overall = y[train].mean() if train.any() else 0.5
        for c in np.unique(index[test]):
            members = train & (index == c)
            expected[test & (index == c)] = y[members].mean() if members.any() else overall
    return expected


def _none(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


def class_validity(
    classes: Sequence[Hashable | None],
    responder: Sequence[bool],
    followup: Sequence[float],
    baseline: Sequence[float],
    *,
    folds: int = FOLDS,
    seed: int = 1,
    persons: Sequence[Hashable | None] | None = None,
) -> Validity:
    """The figures of the module docstring for one classification, outcome and time point;
    ``classes`` None for a patient without a class (left out). ``persons``: each row's
    ``person_id`` (None: unknown, a person of its own), for disclosure control."""
    keep = np.array([c is not None for c in classes], dtype=bool)
    labels = [str(c) for c, k in zip(classes, keep, strict=True) if k]
    y = np.asarray(responder, dtype=bool)[keep]
    after = np.asarray(followup, dtype=float)[keep]
    before = np.asarray(baseline, dtype=float)[keep]
    n = y.size
    if n == 0:
        raise ValidityError("no patient has both a class and the follow-up")
    order = class_order(labels)
    index = np.array([order.index(c) for c in labels])
    counts = np.bincount(index, minlength=len(order))
    hits = np.bincount(index, weights=y, minlength=len(order)).astype(int)
    rates = hits / counts
    fold = _folds(n, min(folds, n), seed)
    expected = _cross_validated(index, y.astype(float), fold)
    auc = auc_ci = auc_cv = auc_cv_ci = None
    if 2 <= y.sum() <= n - 2:
        auc, auc_ci = delong_auc(rates[index], y)
        auc_cv, auc_cv_ci = delong_auc(expected, y)
    dummies = (index[:, None] == np.arange(1, len(order))[None, :]).astype(float)
    ones = np.ones((n, 1))
    r2 = _adjusted_r2(after, np.hstack([ones, dummies]))
    with_base = _adjusted_r2(after, np.hstack([ones, before[:, None], dummies]))
    base_only = _adjusted_r2(after, np.hstack([ones, before[:, None]]))
    units = None if persons is None else _units(persons, keep)
    per_class = tuple(
        ClassRate(
            cls=label,
            n=int(counts[c]),
            responders=int(hits[c]),
            rate=float(rates[c]),
            ci=wilson_interval(int(hits[c]), int(counts[c])),
            expected=float(expected[index == c].sum()),
            persons=None if units is None else _distinct(units, index == c, y),
        )
        for c, label in enumerate(order)
    )
    return Validity(
        n=n,
        excluded=int((~keep).sum()),
        auc=auc,
        auc_ci=auc_ci,
        auc_cv=auc_cv,
        auc_cv_ci=auc_cv_ci,
        r2=_none(r2),
        r2_added_to_baseline=_none(with_base - base_only),
        per_class=per_class,
        folds=min(folds, n),
        seed=seed,
        persons=None if units is None else len(set(units)),
    )


def _units(persons: Sequence[Hashable | None], keep: np.ndarray) -> list[Hashable]:
    """The kept rows' persons; a row without ``person_id`` is a person of its own."""
    if len(persons) != keep.size:
        raise ValidityError(f"{len(persons)} person_id(s) for {keep.size} patients")
    return [
        ("episode", row) if person is None else person
        for row, (person, kept) in enumerate(zip(persons, keep, strict=True))
        if kept
    ]


def _distinct(units: list[Hashable], member: np.ndarray, y: np.ndarray) -> tuple[int, int, int]:
    def count(rows: np.ndarray) -> int:
        return len({units[i] for i in np.flatnonzero(rows)})

    return count(member), count(member & y), count(member & ~y)


def person_ids(scores: pl.DataFrame, patients: Sequence[str]) -> list[str | None] | None:
    """Each patient's ``person_id`` from the scores (or joined patients) table, in the order
    of ``patients``; None when the table has no ``person_id`` (k then counts episodes)."""
    if "person_id" not in scores.columns:
        return None
    pairs = scores.select(
        pl.col("patient_id").cast(pl.String), pl.col("person_id").cast(pl.String)
    ).unique()
    found: dict[str, str | None] = dict(pairs.drop_nulls("person_id").iter_rows())
    return [found.get(p) for p in patients]


def protect(validity: Validity, k: int) -> Validity:
    """``validity`` under disclosure control with minimum cell size ``k`` (module
    docstring). With fewer than ``k`` patients in all, every figure is withheld."""
    from painpath.core.analytics.disclosure import DisclosurePolicy, suppress_cells

    policy = DisclosurePolicy(k=k)
    if policy.too_small(validity.n if validity.persons is None else validity.persons):
        blank = tuple(_withheld(c) for c in validity.per_class)
        return replace(
            validity,
            auc=None,
            auc_ci=None,
            auc_cv=None,
            auc_cv_ci=None,
            r2=None,
            r2_added_to_baseline=None,
            per_class=blank,
            withheld=True,
        )
    counts = {c.cls: c.counted()[0] for c in validity.per_class}
    hidden = suppress_cells(counts, [list(counts)], policy)
    out = []
    for c in validity.per_class:
        _, hits, misses = c.counted()
        if c.cls in hidden:
            out.append(_withheld(c))
        elif policy.too_small(hits) or policy.too_small(misses):
            out.append(
                replace(c, responders=None, rate=None, ci=None, expected=None, withheld=True)
            )
        else:
            out.append(c)
    return replace(validity, per_class=tuple(out))


def _withheld(c: ClassRate) -> ClassRate:
    return ClassRate(cls=c.cls, n=None, responders=None, rate=None, ci=None, withheld=True)


@dataclass(frozen=True)
class NetReclassification:
    nri: float
    ci: tuple[float, float]
    events: float
    """(moved up − moved down) / responders."""
    non_events: float
    """(moved down − moved up) / non-responders."""
    cutoffs: tuple[float, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "nri": self.nri,
            "ci": list(self.ci),
            "events": self.events,
            "non_events": self.non_events,
            "cutoffs": list(self.cutoffs),
        }


def net_reclassification(
    old: Sequence[Hashable],
    new: Sequence[Hashable],
    responder: Sequence[bool],
    *,
    cutoffs: Sequence[float] = (1 / 3, 2 / 3),
) -> NetReclassification:
    """Categorical NRI of classification ``new`` against ``old`` (Pencina et al. 2008): each
    patient's predicted probability of response under each classification is their class's
    responder rate; ``cutoffs`` cut probabilities into risk categories; moving up is a gain
    for a responder, moving down one for a non-responder. 95 % CI from Pencina's variance
    (independent proportions of movers among responders and among non-responders)."""
    y = np.asarray(responder, dtype=bool)
    if not (len(old) == len(new) == y.size):
        raise ValidityError("both classifications and the outcome must cover the same patients")
    e, ne = int(y.sum()), int((~y).sum())
    if e == 0 or ne == 0:
        raise ValidityError(f"{e} responder(s), {ne} non-responder(s): NRI needs both")
    edges = np.asarray(sorted(cutoffs), dtype=float)

    def category(labels: Sequence[Hashable]) -> np.ndarray:
        keys = [str(v) for v in labels]
        rate = {c: y[[k == c for k in keys]].mean() for c in set(keys)}
        return np.searchsorted(edges, [rate[k] for k in keys], side="right")

    move = np.sign(category(new) - category(old))
    up_e, down_e = int((move[y] > 0).sum()), int((move[y] < 0).sum())
    up_ne, down_ne = int((move[~y] > 0).sum()), int((move[~y] < 0).sum())
    events, non_events = (up_e - down_e) / e, (down_ne - up_ne) / ne
    variance = (up_e + down_e) / e**2 - (up_e - down_e) ** 2 / e**3
    variance += (up_ne + down_ne) / ne**2 - (down_ne - up_ne) ** 2 / ne**3
    nri = events + non_events
    half = Z_95 * math.sqrt(max(variance, 0.0))
    return NetReclassification(
        nri=nri,
        ci=(nri - half, nri + half),
        events=events,
        non_events=non_events,
        cutoffs=tuple(float(c) for c in edges),
    )
