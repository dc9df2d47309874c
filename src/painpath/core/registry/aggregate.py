"""Aggregate-only participation: a site sends the outcome table's sufficient statistics, never
a patient's row, and the registry combines several sites' statistics into the figures the
pooled computation gives (issue 16; DataSHIELD does the same for research cohorts).

**What a site sends** (:func:`aggregate`, :func:`contribution_document`): per *cell* — one
instrument, wording group and follow-up time point, for all patients and for each value of
each stratum column the registry asks for (``sex``, ``age_band``, ``treatment``, an axis;
one column at a time, never their cross) — exactly what the outcome table
(:mod:`painpath.core.analytics.report`) is made of:

- ``n_baseline`` and ``n_followed`` (patients with a baseline; of them, followed up);
- for the baseline of all patients with one (``baseline_all``), and over the complete cases
  for the baseline, the follow-up and the change (follow-up − baseline, paired), the mean and
  ``m2``, the sum of squared deviations from the mean (Σ(x − x̄)²; with ``n`` it is the same
  information as Σx and Σx²);
- per responder definition that applies to the instrument, the number of responders.

The cells are the site's own outcome table, computed by the report's own query
(:func:`~painpath.core.analytics.report.outcome_table`,
:func:`~painpath.core.analytics.report.stratified_outcome_table`), so that a site's pairing,
wording groups and responder flags cannot differ from the registry's; ``m2`` is
SD² · (n − 1) of that table.

**Disclosure control**, with the registry's ``k`` and the report's own rules
(:mod:`painpath.core.analytics.disclosure`): a cell over 1 to k − 1 patients at baseline or at
follow-up is left out whole (``protect_outcome_rows``); the strata of one column add up to the
cell of all patients, so when one stratum is left out the next smallest is too
(``protect_strata``: complementary suppression, at baseline and at follow-up); a responder
count is left out where the responders or the non-responders number 1 to k − 1, and — since
the strata's responders add up to the count of all patients, which is sent too — the next
smallest stratum's count with it (the same complementary rule); the baseline of all patients
is left out of *every* time point of an instrument, wording group and stratum where 1 to k − 1
patients were lost to any one of them, and complementarily across strata
(:func:`_baselines_withheld`). Since ff479ea the core's ``protect_outcome_rows`` and
``protect_strata`` apply these rules too (the contribution keeps its own, which predate them
and give the same or stricter results; the tests hold both). Every cell and figure left out is
listed in the contribution (``withheld``), so the registry can say whose data a figure lacks.
``k`` counts persons: with a ``person_id`` column one episode per person is kept (the earliest
index date), as the registry's researcher view does.

**Combining** (:func:`combine`): per cell, counts are added, and each (n, mean, m2) is
merged with the pairwise update of Chan, Golub and LeVeque (Updating formulae and a pairwise
algorithm for computing sample variances. Stanford CS report STAN-CS-79-773, 1979): δ = x̄_b −
x̄_a, x̄ = x̄_a + δ·n_b/n, M2 = M2_a + M2_b + δ²·n_a·n_b/n. The naive Σx² − (Σx)²/n was not
chosen: it cancels catastrophically when the mean is large beside the SD (a VAS in mm, a
long registry). The figures then come from the report's own code (intervals: t for the mean
change, Wilson for shares), so that they equal the report on all the sites' rows together up
to rounding (tests/core/registry/test_aggregate.py: hypothesis, 1e-9). Pooled patient-level
data (sites that send their rows) enter as one more contribution, made by the same function
(with the registry's k, unless the caller asks for none).

**What cannot be combined**: medians, quartiles, the quantile fans of the report's plots —
anything that needs the order statistics of all patients together. They are never sent; the
combined table gives them only from the pooled patient-level data, marked ``pooled sites
only`` with the number of patients they are over (:data:`NOT_COMBINABLE`).

A figure of a combined row that one site withheld (its baseline of all, a responder count) is
computed over the sites that sent it and says so (``partial``: the sites and the n); a cell a
site withheld whole is named in the row's ``withheld_by``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from painpath.core.analytics.disclosure import (
    DisclosurePolicy,
    _withheld_share,
    is_withheld,
    protect_outcome_rows,
    protect_strata,
    suppress_cells,
)
from painpath.core.analytics.report import (
    DEFAULT_TIMEPOINTS,
    NOT_RECORDED,
    OutcomeRow,
    ResponderDefinition,
    _rows,
    _wording_key,
    outcome_table,
    responder_definitions,
    stratified_outcome_table,
)
from painpath.core.errors import PainpathError
from painpath.core.instruments import REGISTRY

__all__ = [
    "FORMAT",
    "NOT_COMBINABLE",
    "POOLED",
    "Cell",
    "CombinedRow",
    "CombinedTable",
    "Contribution",
    "ContributionError",
    "Moments",
    "aggregate",
    "combine",
    "contribution_document",
    "parse_contribution",
]

FORMAT: Final = "painpath-aggregate/1"
"""Bumped when a field is added, removed or changes meaning; :func:`parse_contribution`
refuses a major version it does not know."""

COMBINED_FORMAT: Final = "painpath-combined/1"

POOLED: Final = "(pooled)"
"""The site name pooled patient-level data take in a combined table."""

MAX_LEVELS: Final = 40
"""At most this many values in a stratum column (DataSHIELD's ``nfilter.levels.max``): a
column of nearly one value per patient (an age in years, a date) must be banded first."""

NOT_COMBINABLE: Final = (
    "baseline_median",
    "baseline_q1",
    "baseline_q3",
    "followup_median",
    "followup_q1",
    "followup_q3",
)
NOT_COMBINABLE_NOTE: Final = (
    "Medians, quartiles and the quantile fans of the plots need the order statistics of all "
    "patients together and cannot be computed from sites' sufficient statistics: they are "
    "given only from the pooled patient-level data ('pooled sites only', with its n), never "
    "for aggregate-only sites."
)
STATISTICS_NOTE: Final = (
    "Per cell: n_baseline, n_followed; for baseline_all (n = n_baseline) and for baseline, "
    "followup and change (complete cases, n = n_followed) the mean and m2 = Σ(x − mean)²; "
    "responders per definition. Means, SDs, mean change with its 95 % t interval and responder "
    "shares with Wilson intervals are computed from these exactly; cells and figures about 1 "
    "to k − 1 patients are left out (withheld)."
)
_MOMENTS = ("baseline_all", "baseline", "followup", "change")


class ContributionError(PainpathError, ValueError):
    """A contribution that cannot be combined; the message names the cell and the field."""


@dataclass(frozen=True)
class Moments:
    """n values summarised as their mean and m2 = Σ(x − mean)² (None, None when n = 0)."""

    n: int
    mean: float | None
    m2: float | None

    @classmethod
    def of(cls, n: int, mean: float | None, sd: float | None) -> Moments:
        """From the outcome table's n, mean and SD (n − 1); one value has no SD and m2 0."""
        if n <= 0 or mean is None:
            return cls(0, None, None)
        return cls(n, mean, 0.0 if n == 1 or sd is None else sd * sd * (n - 1))

    def __add__(self, other: Moments) -> Moments:
        """Chan, Golub & LeVeque's pairwise update (module docstring)."""
        if other.n == 0 or other.mean is None or other.m2 is None:
            return self
        if self.n == 0 or self.mean is None or self.m2 is None:
            return other
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * other.n / n
        return Moments(n, mean, self.m2 + other.m2 + delta * delta * self.n * other.n / n)

    @property
    def sd(self) -> float | None:
        if self.n < 2 or self.m2 is None:
            return None
        return math.sqrt(max(self.m2, 0.0) / (self.n - 1))

    def as_json(self) -> dict[str, float] | None:
        if self.mean is None or self.m2 is None:
            return None
        return {"mean": self.mean, "m2": self.m2}


CellKey = tuple[str | None, str | None, str, str | None, int]
"""(stratum column, stratum, instrument, wording group, time point); column None = all."""


@dataclass(frozen=True)
class Cell:
    """One site's sufficient statistics for one outcome row (module docstring)."""

    stratum_column: str | None
    stratum: str | None
    instrument: str
    wording: str | None
    timepoint: int
    n_baseline: int
    n_followed: int
    baseline_all: Moments | None
    """None when withheld (1 to k − 1 patients lost to some time point)."""
    baseline: Moments
    followup: Moments
    change: Moments
    responders: Mapping[str, int]
    """Per definition that applies; a definition withheld is absent (and in ``withheld``)."""
    withheld: tuple[str, ...] = ()
    """Figures left out: ``baseline_all``, ``responders:<definition>``."""

    @property
    def key(self) -> CellKey:
        return (self.stratum_column, self.stratum, self.instrument, self.wording, self.timepoint)

    def as_json(self) -> dict[str, Any]:
        return {
            "stratum_column": self.stratum_column,
            "stratum": self.stratum,
            "instrument": self.instrument,
            "wording": self.wording,
            "timepoint": self.timepoint,
            "n_baseline": self.n_baseline,
            "n_followed": self.n_followed,
            **{
                name: moments.as_json() if moments is not None else None
                for name in _MOMENTS
                for moments in (getattr(self, name),)
            },
            "responders": dict(self.responders),
            "withheld": list(self.withheld),
        }


@dataclass(frozen=True)
class Contribution:
    """A site's aggregate-only contribution (its JSON: :func:`contribution_document`)."""

    site: str
    registry: str | None
    k: int | None
    """None only for pooled data the registry holds itself (never sent: never valid JSON)."""
    created: str
    timepoints: tuple[int, ...]
    definitions: tuple[str, ...]
    strata: tuple[str, ...]
    cells: tuple[Cell, ...]
    withheld_cells: tuple[dict[str, Any], ...] = ()
    """Cells left out whole: their key and ``reason`` (``fewer than k`` or
    ``complementary``)."""


# -- a site's statistics -------------------------------------------------------------------


def _one_unit_per_person(frame: pl.DataFrame) -> pl.DataFrame:
    """k counts persons: per ``person_id`` only the episode with the earliest index date (the
    registry's researcher view keeps the same one: analytics.disclosure.one_unit_per_person)."""
    if "person_id" not in frame.columns or frame.height == 0:
        return frame
    keys = [c for c in ("index_date", "patient_id") if c in frame.columns]
    episodes = (
        frame.group_by("patient_id")
        .agg(pl.col(c).first() for c in keys[:-1])
        .join(frame.group_by("patient_id").agg(pl.col("person_id").first()), on="patient_id")
    )
    person = pl.col("person_id").fill_null(pl.col("patient_id").cast(pl.String))
    kept = episodes.sort(keys, nulls_last=True).filter(pl.int_range(pl.len()).over(person) == 0)
    return frame.filter(pl.col("patient_id").is_in(kept["patient_id"].implode()))


def _check_strata(frame: pl.DataFrame, strata: Sequence[str]) -> None:
    for column in strata:
        if column not in frame.columns:
            known = ", ".join(c for c in frame.columns if c not in ("score", "patient_id"))
            raise ContributionError(f"stratum column {column!r}: no such column; known: {known}")
        dtype = frame.schema[column]
        levels = frame[column].n_unique()
        if dtype.is_float() or dtype.is_temporal() or levels > MAX_LEVELS:
            raise ContributionError(
                f"stratum column {column!r}: {levels} values ({dtype}); at most {MAX_LEVELS} "
                "categories — band it first (e.g. age_band, not age)"
            )


def _outcome_rows(
    frame: pl.DataFrame,
    strata: Sequence[str],
    instruments: Sequence[str],
    timepoints: Sequence[int],
    definitions: Sequence[ResponderDefinition],
) -> dict[str | None, dict[str | None, list[OutcomeRow]]]:
    """The report on ``frame``: {None: {None: all}, column: {value: rows}}."""
    import ibis

    keep = ["patient_id", "instrument", "timepoint", "score", *strata]
    if "wording" in frame.columns:
        keep.append("wording")
    table = ibis.memtable(frame.select(list(dict.fromkeys(keep))))
    options: dict[str, Any] = {
        "instruments": instruments,
        "timepoints": timepoints,
        "definitions": definitions,
    }
    out: dict[str | None, dict[str | None, list[OutcomeRow]]] = {
        None: {None: outcome_table(table, **options)}
    }
    for column in strata:
        by = stratified_outcome_table(table, column, **options)
        out[column] = dict(by.items())
    return out


def _instruments(frame: pl.DataFrame, instruments: Sequence[str] | None) -> list[str]:
    present = set(frame["instrument"].unique().to_list())
    codes = list(instruments) if instruments else [c for c in REGISTRY if c in present]
    unknown = [c for c in codes if c not in REGISTRY]
    if unknown:
        raise ContributionError(f"unknown instrument(s) {', '.join(unknown)}")
    return codes


def _protect(
    tables: Mapping[str | None, Mapping[str | None, Sequence[OutcomeRow]]], policy: DisclosurePolicy
) -> tuple[dict[str | None, dict[str | None, list[OutcomeRow]]], set[tuple[Any, ...]]]:
    """The tables as the registry may see them, and which rows are withheld by their own
    size (the others withheld are complementary)."""
    protected: dict[str | None, dict[str | None, list[OutcomeRow]]] = {}
    primary: set[tuple[Any, ...]] = set()
    for column, strata in tables.items():
        own = {value: protect_outcome_rows(rows, policy) for value, rows in strata.items()}
        for value, rows in own.items():
            primary |= {
                (column, value, r.instrument, r.wording, r.timepoint)
                for r in rows
                if is_withheld(r.n_baseline)
            }
        if column is None:
            protected[column] = own
        else:
            named = {str(v): list(rows) for v, rows in strata.items()}
            shares = _protect_shares(named, protect_strata(named, policy), policy)
            protected[column] = {value: rows for value, rows in shares.items()}
    return protected, primary


def _protect_shares(
    original: Mapping[str, Sequence[OutcomeRow]],
    protected: Mapping[str, Sequence[OutcomeRow]],
    policy: DisclosurePolicy,
) -> dict[str, list[OutcomeRow]]:
    """Complementary suppression of responder counts: the strata's responders (and
    non-responders) of one definition add up to the count of all patients, which is sent too,
    so one withheld count — or several that come to 1 to k − 1 — would be that total minus the
    others. ``protect_strata`` does the same since ff479ea; this pass is kept as the
    contribution's own guarantee, tested in tests/core/registry/test_aggregate.py."""
    responders: dict[tuple[Any, ...], int] = {}
    others: dict[tuple[Any, ...], int] = {}
    groups: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}
    hidden: set[tuple[Any, ...]] = set()
    for value, rows in original.items():
        for row, shown in zip(rows, protected[value], strict=True):
            for share, shown_share in zip(row.responders, shown.responders, strict=True):
                where = (row.instrument, row.wording, row.timepoint, share.definition)
                key = (value, *where)
                responders[key] = share.responders
                others[key] = row.n_followed - share.responders
                groups.setdefault(where, []).append(key)
                if is_withheld(shown_share.responders):
                    hidden.add(key)
    while True:
        before = len(hidden)
        for counts in (responders, others):
            hidden = suppress_cells(counts, groups.values(), policy, withheld=hidden)
        if len(hidden) == before:
            break
    return {
        value: [
            dataclasses.replace(
                row,
                responders=tuple(
                    _withheld_share(share)
                    if (value, row.instrument, row.wording, row.timepoint, share.definition)
                    in hidden
                    else share
                    for share in row.responders
                ),
            )
            for row in rows
        ]
        for value, rows in protected.items()
    }


def _lost_small(rows: Iterable[OutcomeRow], policy: DisclosurePolicy | None) -> set[Any]:
    """(instrument, wording) whose baseline of all must be withheld from every time point: 1
    to k − 1 patients were lost to one of them."""
    return {
        (r.instrument, r.wording)
        for r in rows
        if policy is not None
        and not is_withheld(r.n_baseline)
        and policy.too_small(r.n_baseline - r.n_followed)
    }


def _baselines_withheld(
    by_value: Mapping[str | None, Sequence[OutcomeRow]], policy: DisclosurePolicy | None
) -> tuple[dict[str | None, set[Any]], set[Any]]:
    """Per stratum, the (instrument, wording) whose baseline of all is withheld: where few were
    lost, and complementarily — the strata's baseline sums add up to that of all patients, so
    the withheld ones' lost patients, at each time point, must together be 0 or at least k, or
    their baselines would be the total minus the strata shown, minus the paired baselines.
    Where no other stratum lost anyone to hide with them, the baseline of all patients is
    withheld instead (the second set: (instrument, wording) of the cells of all patients)."""
    hidden = {value: _lost_small(rows, policy) for value, rows in by_value.items()}
    totals: set[Any] = set()
    if policy is None:
        return hidden, totals
    lost: dict[Any, dict[Any, int]] = {}
    for value, rows in by_value.items():
        for r in rows:
            if r.n_baseline > 0:
                where = (r.instrument, r.wording)
                lost.setdefault((where, r.timepoint), {})[value] = r.n_baseline - r.n_followed
    changed = True
    while changed:
        changed = False
        for (where, _), counts in lost.items():
            together = sum(n for value, n in counts.items() if where in hidden[value])
            shown = sorted(
                (n, str(value), value)
                for value, n in counts.items()
                if where not in hidden[value] and n > 0
            )
            if policy.too_small(together) and shown:
                hidden[shown[0][2]].add(where)
                changed = True
            elif policy.too_small(together):
                totals.add(where)
    return hidden, totals


def _cells(
    column: str | None,
    value: str | None,
    rows: Sequence[OutcomeRow],
    lost_small: set[Any],
) -> list[Cell]:
    cells = []
    for r in rows:
        if r.n_baseline <= 0:
            continue
        withheld = []
        baseline_all: Moments | None = Moments.of(
            r.n_baseline, r.baseline_all_mean, r.baseline_all_sd
        )
        # protect_strata may withhold it as well (complementarily across strata).
        if (r.instrument, r.wording) in lost_small or r.baseline_all_mean is None:
            baseline_all = None
            withheld.append("baseline_all")
        responders = {}
        for share in r.responders:
            if is_withheld(share.responders):
                withheld.append(f"responders:{share.definition}")
            else:
                responders[share.definition] = share.responders
        n = r.n_followed
        cells.append(
            Cell(
                stratum_column=column,
                stratum=value,
                instrument=r.instrument,
                wording=r.wording,
                timepoint=r.timepoint,
                n_baseline=r.n_baseline,
                n_followed=n,
                baseline_all=baseline_all,
                baseline=Moments.of(n, r.baseline_mean, r.baseline_sd),
                followup=Moments.of(n, r.followup_mean, r.followup_sd),
                change=Moments.of(n, r.change_mean, r.change_sd),
                responders=responders,
                withheld=tuple(withheld),
            )
        )
    return cells


def _build(
    frame: pl.DataFrame,
    *,
    site: str,
    k: int | None,
    strata: Sequence[str],
    registry: str | None,
    instruments: Sequence[str] | None,
    timepoints: Sequence[int],
    definitions: Sequence[ResponderDefinition],
    created: dt.datetime | None = None,
) -> tuple[Contribution, dict[str | None, dict[str | None, list[OutcomeRow]]]]:
    """The contribution of ``frame`` and the (protected) outcome tables it was made from."""
    policy = DisclosurePolicy(k) if k is not None else None
    if not timepoints or any(t <= 0 for t in timepoints):
        raise ContributionError("timepoints: follow-up months must be positive")
    _check_strata(frame, strata)
    frame = _one_unit_per_person(frame)
    codes = _instruments(frame, instruments)
    tables = _outcome_rows(frame, strata, codes, timepoints, definitions) if codes else {}
    primary: set[tuple[Any, ...]] = set()
    if policy is not None:
        tables, primary = _protect(tables, policy)
    cells: list[Cell] = []
    withheld: list[dict[str, Any]] = []
    withheld_baselines: dict[str | None, dict[str | None, set[Any]]] = {}
    totals: set[Any] = set()
    for column, by_value in tables.items():
        withheld_baselines[column], more = _baselines_withheld(by_value, policy)
        totals |= more
    for value in withheld_baselines.get(None, {}):
        withheld_baselines[None][value] |= totals
    for column, by_value in tables.items():
        for value, rows in by_value.items():
            shown = [r for r in rows if not is_withheld(r.n_baseline)]
            cells += _cells(column, value, shown, withheld_baselines[column][value])
            for r in rows:
                key = (column, value, r.instrument, r.wording, r.timepoint)
                if is_withheld(r.n_baseline):
                    reason = "fewer than k" if key in primary else "complementary"
                    withheld.append(_key_json(key) | {"reason": reason})
    contribution = Contribution(
        site=site,
        registry=registry,
        k=k,
        created=(created or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        timepoints=tuple(timepoints),
        definitions=tuple(d.id for d in definitions),
        strata=tuple(strata),
        cells=tuple(cells),
        withheld_cells=tuple(withheld),
    )
    return contribution, tables


def aggregate(
    scores: pl.DataFrame,
    *,
    site: str,
    k: int | None,
    strata: Sequence[str] = (),
    registry: str | None = None,
    instruments: Sequence[str] | None = None,
    timepoints: Sequence[int] = DEFAULT_TIMEPOINTS,
    definitions: Sequence[ResponderDefinition] | None = None,
    created: dt.datetime | None = None,
) -> Contribution:
    """A site's contribution from its long table of scores (checked as ``painpath report``
    checks it: :func:`painpath.core.analytics.inputs.check_scores`), with the cohort columns
    ``strata`` beside each row. ``k`` None computes without disclosure control — only for
    patient-level data the registry holds already (:func:`combine`'s ``pooled``)."""
    if not site.strip():
        raise ContributionError("site: give the site's code in the registry")
    contribution, _ = _build(
        scores,
        site=site.strip(),
        k=k,
        strata=strata,
        registry=registry,
        instruments=instruments,
        timepoints=timepoints,
        definitions=responder_definitions() if definitions is None else definitions,
        created=created,
    )
    return contribution


def _key_json(key: tuple[Any, ...]) -> dict[str, Any]:
    column, value, instrument, wording, timepoint = key
    return {
        "stratum_column": column,
        "stratum": value,
        "instrument": instrument,
        "wording": wording,
        "timepoint": timepoint,
    }


def contribution_document(contribution: Contribution, painpath_version: str) -> dict[str, Any]:
    """The contribution as the JSON a site sends (format in docs/registry.md)."""
    if contribution.k is None:
        raise ContributionError("a contribution without k is not for sending")
    return {
        "format": FORMAT,
        "site": contribution.site,
        "registry": contribution.registry,
        "k": contribution.k,
        "created": contribution.created,
        "painpath_version": painpath_version,
        "timepoints": list(contribution.timepoints),
        "definitions": list(contribution.definitions),
        "strata": list(contribution.strata),
        "statistics": STATISTICS_NOTE,
        "not_combinable": {"figures": list(NOT_COMBINABLE), "note": NOT_COMBINABLE_NOTE},
        "cells": [cell.as_json() for cell in contribution.cells],
        "withheld_cells": list(contribution.withheld_cells),
    }


# -- reading a contribution ----------------------------------------------------------------

_TOP = ("format", "site", "registry", "k", "created", "timepoints", "definitions", "strata")
_CELL = (
    "stratum_column",
    "stratum",
    "instrument",
    "wording",
    "timepoint",
    "n_baseline",
    "n_followed",
    *_MOMENTS,
    "responders",
)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class _Reader:
    """Checks one contribution; every error names where (the file, the cell) and the field."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, at: str, message: str) -> ContributionError:
        return ContributionError(f"{self.where}: {at}: {message}")

    def top(self, data: Any) -> tuple[str, str | None, int, str, list[int], list[str], list[str]]:
        if not isinstance(data, dict):
            raise ContributionError(f"{self.where}: not a JSON object (a contribution)")
        missing = [key for key in (*_TOP, "cells") if key not in data]
        if missing:
            raise self.fail("top level", f"missing field(s) {', '.join(missing)}")
        fmt = data["format"]
        if not isinstance(fmt, str) or fmt.split(".")[0] != FORMAT:
            raise self.fail("format", f"{fmt!r} is not {FORMAT!r}")
        site, registry, k = data["site"], data["registry"], data["k"]
        if not isinstance(site, str) or not site.strip():
            raise self.fail("site", "must be the site's code (text)")
        if registry is not None and not isinstance(registry, str):
            raise self.fail("registry", "must be text or null")
        if not _is_int(k) or k < 2:
            raise self.fail("k", f"{k!r}: the minimum cell size must be a whole number ≥ 2")
        created = data["created"]
        try:
            dt.datetime.fromisoformat(created)
        except (TypeError, ValueError):
            raise self.fail("created", f"{created!r} is not an ISO 8601 date and time") from None
        points = data["timepoints"]
        if (
            not isinstance(points, list)
            or not points
            or not all(_is_int(p) and p > 0 for p in points)
        ):
            raise self.fail("timepoints", "must be a list of positive whole months")
        known = [d.id for d in responder_definitions()]
        defs = data["definitions"]
        if not isinstance(defs, list) or not all(d in known for d in defs):
            raise self.fail("definitions", f"{defs!r}: known definitions are {', '.join(known)}")
        strata = data["strata"]
        if not isinstance(strata, list) or not all(isinstance(s, str) and s for s in strata):
            raise self.fail("strata", "must be a list of column names")
        if not isinstance(data["cells"], list):
            raise self.fail("cells", "must be a list")
        return site.strip(), registry, k, created, points, defs, strata

    def moments(
        self, at: str, name: str, raw: Any, n: int, scale: tuple[float, float]
    ) -> Moments | None:
        if raw is None:
            if n > 0 and name != "baseline_all":
                raise self.fail(at, f"{name}: null, but n_followed is {n}")
            return None
        if n == 0:
            raise self.fail(at, f"{name}: given, but nobody is counted in it")
        if not isinstance(raw, dict) or set(raw) != {"mean", "m2"}:
            raise self.fail(at, f"{name}: must be {{'mean': number, 'm2': number}}")
        mean, m2 = raw["mean"], raw["m2"]
        low, high = scale
        if name == "change":  # follow-up − baseline: within ± the scale's width
            low, high = low - high, high - low
        if not _is_number(mean):
            raise self.fail(at, f"{name}.mean: {mean!r} is not a finite number")
        if not _is_number(m2) or m2 < 0:
            raise self.fail(at, f"{name}.m2: {m2!r} is not a finite number ≥ 0")
        width = high - low
        slack = 1e-9 * max(1.0, width)
        if not low - slack <= mean <= high + slack:
            raise self.fail(at, f"{name}.mean: {mean:g} is outside {low:g} to {high:g}")
        # No n values in a range of width w spread more than Σ(x − mean)² = n·w²/4.
        if m2 > n * width * width / 4 * (1 + 1e-9) + slack:
            raise self.fail(at, f"{name}.m2: {m2:g} is more than {n} values in range can spread")
        return Moments(n, float(mean), float(m2))

    def cell(
        self, i: int, raw: Any, k: int, points: list[int], defs: list[str], strata: list[str]
    ) -> Cell:
        at = f"cells[{i}]"
        if not isinstance(raw, dict):
            raise self.fail(at, "not an object")
        missing = [key for key in _CELL if key not in raw]
        if missing:
            raise self.fail(at, f"missing field(s) {', '.join(missing)}")
        column, value, code = raw["stratum_column"], raw["stratum"], raw["instrument"]
        wording, timepoint = raw["wording"], raw["timepoint"]
        if not isinstance(code, str) or code not in REGISTRY:
            raise self.fail(at, f"instrument: {code!r} is not a painpath instrument")
        if column is None:
            if value is not None:
                raise self.fail(at, "stratum: must be null when stratum_column is")
        elif column not in strata or not isinstance(value, str):
            raise self.fail(at, f"stratum_column {column!r}: not in strata, or stratum not text")
        at = f"cells[{i}] ({column or 'all'}={value or 'all'}, {code}, month {timepoint})"
        if wording is not None and not isinstance(wording, str):
            raise self.fail(at, "wording: must be text or null")
        if timepoint not in points:
            raise self.fail(at, f"timepoint: {timepoint!r} is not one of {points}")
        n_b, n_f = raw["n_baseline"], raw["n_followed"]
        if not _is_int(n_b) or n_b < k:
            raise self.fail(at, f"n_baseline: {n_b!r}; a cell sent counts k={k} or more")
        if not _is_int(n_f) or not (n_f == 0 or k <= n_f <= n_b):
            raise self.fail(at, f"n_followed: {n_f!r}; must be 0 or {k} to n_baseline {n_b}")
        scale = REGISTRY[code].score_range
        moments = {
            name: self.moments(at, name, raw[name], n_b if name == "baseline_all" else n_f, scale)
            for name in _MOMENTS
        }
        if 0 < n_b - n_f < k and moments["baseline_all"] is not None:
            raise self.fail(at, f"baseline_all: must be withheld, {n_b - n_f} lost (< k={k})")
        responders = raw["responders"]
        if not isinstance(responders, dict):
            raise self.fail(at, "responders: must be an object {definition: count}")
        by_id = {d.id: d for d in responder_definitions()}
        for definition, count in responders.items():
            if definition not in defs or not by_id[definition].applies_to(code):
                raise self.fail(at, f"responders.{definition}: not a definition for {code}")
            if not _is_int(count) or not 0 <= count <= n_f:
                raise self.fail(at, f"responders.{definition}: {count!r}; must be 0 to {n_f}")
            if 0 < count < k or 0 < n_f - count < k:
                raise self.fail(
                    at, f"responders.{definition}: {count} of {n_f} (< k={k} either way)"
                )
        figures = raw.get("withheld") or []
        if not isinstance(figures, list) or not all(isinstance(f, str) for f in figures):
            raise self.fail(at, "withheld: must be a list of figure names")
        return Cell(
            stratum_column=column,
            stratum=value,
            instrument=code,
            wording=wording,
            timepoint=timepoint,
            n_baseline=n_b,
            n_followed=n_f,
            baseline_all=moments["baseline_all"],
            baseline=moments["baseline"] or Moments(0, None, None),
            followup=moments["followup"] or Moments(0, None, None),
            change=moments["change"] or Moments(0, None, None),
            responders={str(d): int(c) for d, c in responders.items()},
            withheld=tuple(figures),
        )


def parse_contribution(data: Any, where: str = "contribution") -> Contribution:
    """A contribution from its JSON (already parsed), checked field by field: counts of 1 to
    k − 1 anywhere, a mean outside the instrument's range, a spread no values in range can
    have, an unknown instrument or definition, a cell twice — :class:`ContributionError`
    naming ``where``, the cell and the field."""
    reader = _Reader(where)
    site, registry, k, created, points, defs, strata = reader.top(data)
    cells = []
    seen: set[CellKey] = set()
    for i, raw in enumerate(data["cells"]):
        cell = reader.cell(i, raw, k, points, defs, strata)
        if cell.key in seen:
            raise reader.fail(f"cells[{i}]", "the same cell as an earlier one")
        seen.add(cell.key)
        cells.append(cell)
    withheld = data.get("withheld_cells") or []
    if not isinstance(withheld, list):
        raise reader.fail("withheld_cells", "must be a list of objects")
    for i, entry in enumerate(withheld):
        if not isinstance(entry, dict) or not isinstance(entry.get("instrument"), str):
            raise reader.fail(f"withheld_cells[{i}]", "must name a cell (instrument, …)")
        if entry["instrument"] not in REGISTRY:
            raise reader.fail(f"withheld_cells[{i}]", "must name a cell (instrument, …)")
        if entry.get("timepoint") not in points or entry.get("stratum_column") not in (
            None,
            *strata,
        ):
            raise reader.fail(f"withheld_cells[{i}]", "timepoint or stratum_column unknown")
    return Contribution(
        site=site,
        registry=registry,
        k=k,
        created=created,
        timepoints=tuple(points),
        definitions=tuple(defs),
        strata=tuple(strata),
        cells=tuple(cells),
        withheld_cells=tuple(withheld),
    )


# -- combining -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CombinedRow:
    stratum_column: str | None
    stratum: str | None
    outcome: OutcomeRow
    """The outcome table's row; its medians and quartiles are None (:data:`NOT_COMBINABLE`):
    see ``pooled_only``. Counts -1 when every site withheld the cell."""
    sites: tuple[str, ...]
    """The sites whose cell is in it."""
    withheld_by: tuple[str, ...]
    """Sites that have this cell but left it out (fewer than k, or complementary)."""
    partial: Mapping[str, Mapping[str, Any]]
    """Figures over fewer sites than the row: ``baseline_all`` or ``responders:<id>`` →
    ``{"sites": [...], "n_baseline": n, "n_followed": n}``."""
    pooled_only: Mapping[str, Any] | None
    """Medians and quartiles of the pooled patient-level data alone, with its n, or None."""


@dataclass(frozen=True)
class CombinedTable:
    registry: str | None
    k: int | None
    timepoints: tuple[int, ...]
    sites: tuple[Mapping[str, Any], ...]
    rows: tuple[CombinedRow, ...]
    definitions: tuple[ResponderDefinition, ...] = ()


def _check_same(contributions: Sequence[Contribution]) -> None:
    first = contributions[0]
    for other in contributions[1:]:
        for field in ("timepoints", "definitions"):
            if getattr(other, field) != getattr(first, field):
                raise ContributionError(
                    f"site {other.site}: {field} {list(getattr(other, field))} differ from site "
                    f"{first.site}'s {list(getattr(first, field))}; aggregate again with the same"
                )
        if other.registry != first.registry:
            raise ContributionError(
                f"site {other.site}: registry {other.registry!r}, not {first.registry!r}"
            )
    sites = [c.site for c in contributions]
    twice = sorted({s for s in sites if sites.count(s) > 1})
    if twice:
        raise ContributionError(f"site {twice[0]}: more than one contribution; send one each")


def _record(cell_key: CellKey, cells: Sequence[Cell], defs: Sequence[str]) -> dict[str, Any]:
    """The report's record (as its query returns it) for the cells added up."""
    _, _, instrument, wording, timepoint = cell_key
    total = {name: Moments(0, None, None) for name in _MOMENTS}
    for cell in cells:
        for name in _MOMENTS:
            total[name] = total[name] + (getattr(cell, name) or Moments(0, None, None))
    record: dict[str, Any] = {
        "instrument": instrument,
        "wording_group": wording,
        "timepoint": timepoint,
        "n_baseline": sum(c.n_baseline for c in cells),
        "n_followed": sum(c.n_followed for c in cells),
    }
    for name in _MOMENTS:
        prefix = "baseline_all" if name == "baseline_all" else name
        record[f"{prefix}_mean"] = total[name].mean
        record[f"{prefix}_sd"] = total[name].sd
    for d in defs:
        record[f"k_{d}"] = sum(c.responders.get(d, 0) for c in cells)
    return record


def _row(
    key: CellKey, cells: Sequence[Cell], definitions: Sequence[ResponderDefinition]
) -> OutcomeRow:
    record = _record(key, cells, [d.id for d in definitions])
    (row,) = _rows([record], [key[2]], [key[4]], definitions)
    return row


def _combined_row(
    key: CellKey,
    by_site: Mapping[str, Cell],
    withheld_by: Sequence[str],
    definitions: Sequence[ResponderDefinition],
) -> tuple[OutcomeRow, dict[str, dict[str, Any]]]:
    cells = list(by_site.values())
    row = _row(key, cells, definitions)
    partial: dict[str, dict[str, Any]] = {}
    with_all = [s for s, c in by_site.items() if c.baseline_all is not None]
    if len(with_all) < len(cells):
        subset = [by_site[s] for s in with_all]
        part = _row(key, subset, definitions) if subset else None
        row = dataclasses.replace(
            row,
            baseline_all_mean=part.baseline_all_mean if part else None,
            baseline_all_sd=part.baseline_all_sd if part else None,
        )
        partial["baseline_all"] = {
            "sites": with_all,
            "n_baseline": sum(c.n_baseline for c in subset),
        }
    shares = list(row.responders)
    for i, share in enumerate(shares):
        gave = [s for s, c in by_site.items() if share.definition in c.responders]
        if len(gave) == len(cells):
            continue
        subset = [by_site[s] for s in gave]
        partial[f"responders:{share.definition}"] = {
            "sites": gave,
            "n_baseline": sum(c.n_baseline for c in subset),
            "n_followed": sum(c.n_followed for c in subset),
        }
        if subset:
            (shares[i],) = [
                s
                for s in _row(key, subset, definitions).responders
                if s.definition == share.definition
            ]
        else:
            shares[i] = _withheld_share(share)
    return dataclasses.replace(row, responders=tuple(shares)), partial


def _order(key: CellKey, strata: Sequence[str]) -> tuple[Any, ...]:
    column, value, instrument, wording, timepoint = key
    return (
        -1 if column is None else strata.index(column) if column in strata else len(strata),
        column or "",
        value == NOT_RECORDED,
        value or "",
        list(REGISTRY).index(instrument),
        _wording_key(wording),
        timepoint,
    )


def _pooled_only(
    rows: Iterable[OutcomeRow], column: str | None, value: str | None
) -> dict[CellKey, dict[str, Any]]:
    out = {}
    for r in rows:
        if r.n_baseline <= 0 and not is_withheld(r.n_baseline):
            continue
        figures = {name: getattr(r, name) for name in NOT_COMBINABLE}
        out[(column, value, r.instrument, r.wording, r.timepoint)] = {
            "sites": [POOLED],
            "n_followed": None if is_withheld(r.n_followed) else r.n_followed,
            **figures,
        }
    return out


def combine(
    contributions: Sequence[Contribution],
    pooled: pl.DataFrame | None = None,
    *,
    k: int | None = None,
    instruments: Sequence[str] | None = None,
) -> CombinedTable:
    """The outcome table of all sites together, from their contributions and (optionally)
    pooled patient-level data (checked scores with the strata columns beside them).

    ``k``: the disclosure control the pooled data get before they are combined (as a site's
    would; without it the pooled part of a combined figure could be recovered by subtracting
    the contributions); None leaves them as they are. Medians and quartiles come only from the
    pooled data (``pooled_only``)."""
    if not contributions and pooled is None:
        raise ContributionError("nothing to combine: give contributions or pooled data")
    parts = list(contributions)
    if parts:
        _check_same(parts)
    first = parts[0] if parts else None
    timepoints = first.timepoints if first else tuple(DEFAULT_TIMEPOINTS)
    by_id = {d.id: d for d in responder_definitions()}
    definitions = [by_id[d] for d in first.definitions] if first else list(by_id.values())
    strata = list(dict.fromkeys(s for c in parts for s in c.strata))
    pooled_only: dict[CellKey, dict[str, Any]] = {}
    sites: list[dict[str, Any]] = [
        {"site": c.site, "participation": "aggregate", "k": c.k, "created": c.created}
        for c in parts
    ]
    if pooled is not None:
        missing = [s for s in strata if s not in pooled.columns]
        if missing:
            raise ContributionError(
                f"pooled data: no column {', '.join(missing)} (a stratum the sites sent)"
            )
        try:
            part, tables = _build(
                pooled,
                site=POOLED,
                k=k,
                strata=strata,
                registry=first.registry if first else None,
                instruments=instruments,
                timepoints=timepoints,
                definitions=definitions,
            )
        except ContributionError as error:
            raise ContributionError(f"pooled data: {error}") from None
        parts.append(part)
        for column, by_value in tables.items():
            for value, rows in by_value.items():
                pooled_only |= _pooled_only(rows, column, value)
        people = _one_unit_per_person(pooled)["patient_id"].n_unique()
        sites.append({"site": POOLED, "participation": "pooled", "k": k, "patients": people})
    wanted = set(instruments) if instruments else None
    grouped: dict[CellKey, dict[str, Cell]] = {}
    withheld_by: dict[CellKey, list[str]] = {}
    for part in parts:
        for cell in part.cells:
            if wanted is None or cell.instrument in wanted:
                grouped.setdefault(cell.key, {})[part.site] = cell
        for entry in part.withheld_cells:
            key = tuple(
                entry.get(f)
                for f in ("stratum_column", "stratum", "instrument", "wording", "timepoint")
            )
            if key[2] in REGISTRY and (wanted is None or key[2] in wanted):
                withheld_by.setdefault(key, []).append(part.site)  # type: ignore[arg-type]
    combined = []
    for key in sorted(set(grouped) | set(withheld_by), key=lambda key: _order(key, strata)):
        by_site = grouped.get(key, {})
        if by_site:
            outcome, partial = _combined_row(key, by_site, withheld_by.get(key, []), definitions)
        else:
            outcome, partial = _all_withheld(key, definitions), {}
        combined.append(
            CombinedRow(
                stratum_column=key[0],
                stratum=key[1],
                outcome=outcome,
                sites=tuple(by_site),
                withheld_by=tuple(withheld_by.get(key, ())),
                partial=partial,
                pooled_only=pooled_only.get(key),
            )
        )
    return CombinedTable(
        registry=first.registry if first else None,
        k=max((c.k for c in parts if c.k is not None), default=None),
        timepoints=timepoints,
        sites=tuple(sites),
        rows=tuple(combined),
        definitions=tuple(definitions),
    )


def _all_withheld(key: CellKey, definitions: Sequence[ResponderDefinition]) -> OutcomeRow:
    row = _row(key, [], definitions)
    shares = tuple(_withheld_share(s) for s in row.responders)
    return dataclasses.replace(
        row, n_baseline=-1, n_followed=-1, completeness=None, responders=shares
    )
