"""Statistical disclosure control: no researcher-facing figure is about fewer than *k* patients.

Three defences, each against a way of learning about one patient from aggregate figures:

1. **Small cells** (primary suppression). A figure computed over fewer than ``k`` patients —
   an outcome row whose follow-up has fewer than ``k`` patients, a stratum smaller than
   ``k`` — is withheld: its counts, means, spreads, quartiles and shares are blanked, and the
   row says so. A responder share is withheld as well when the responders *or* the
   non-responders number between 1 and ``k − 1``: "1 of 20 responded" singles a patient out
   as much as a group of one does. (DataSHIELD's ``nfilter.tab`` is the same rule for
   contingency tables; its default is 3, painpath's 5 and PCORnet uses 11.)
2. **Subtraction from totals** (complementary suppression). Where shown figures add up to a
   shown total — strata of one table and their overall row — a single withheld stratum could
   be recovered as total minus the others. When exactly one cell of such a group is
   withheld, the next smallest is withheld too (:func:`suppress_cells`).
3. **Differencing two cohorts** (withholding rare combinations). A researcher who can ask
   for two cohorts that differ by one patient ("women aged 40–49 at clinic A" and the same
   without treatment X) learns that patient's figures by subtraction, whatever each answer's
   own size. DataSHIELD checks that a subset *and its complement* have at least
   ``nfilter.subset`` members, which protects a subset against the whole; painpath goes one
   step further and makes every cohort a researcher can ask for a union of *atoms* — the
   combinations of values of every filterable column — of which none has fewer than ``k``
   patients: patients in a rarer combination are withheld from researcher-facing figures
   altogether (:func:`withhold_rare_combinations`), and the page says how many. Two cohorts
   built from atoms then differ by zero or at least ``k`` patients. Continuous filters
   (age, dates) must therefore be offered in bands, never as free ranges.

Clinicians looking at their own clinic's patients are not subject to any of this: they may
see each patient anyway.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import polars as pl

from painpath.core.analytics.report import OutcomeRow, ResponderShare
from painpath.core.errors import PainpathError

__all__ = [
    "DEFAULT_K",
    "DisclosureError",
    "DisclosurePolicy",
    "Withheld",
    "is_withheld",
    "protect_outcome_rows",
    "protect_strata",
    "suppress_cells",
    "withhold_rare_combinations",
]

DEFAULT_K = 5

K = TypeVar("K", bound=Hashable)


class DisclosureError(PainpathError, ValueError):
    """A disclosure-control setting that cannot protect anyone."""


@dataclass(frozen=True)
class DisclosurePolicy:
    """The registry's minimum number of patients behind any researcher-facing figure."""

    k: int = DEFAULT_K

    def __post_init__(self) -> None:
        if self.k < 2:
            raise DisclosureError(f"minimum cell size k={self.k}: must be at least 2")

    def too_small(self, n: int | None) -> bool:
        """A count that singles out fewer than ``k`` patients (0 singles out nobody)."""
        return n is not None and 0 < n < self.k


@dataclass(frozen=True)
class Withheld:
    """What a researcher-facing cohort left out, to be said on the page."""

    patients: int
    """Patients withheld because their combination of filterable values is rarer than k."""
    k: int


def withhold_rare_combinations(
    patients: pl.DataFrame, dimensions: Sequence[str], policy: DisclosurePolicy
) -> tuple[pl.DataFrame, Withheld]:
    """The ``patients`` table (one row per patient) without the patients whose combination of
    values in ``dimensions`` (a missing value is a value of its own) is shared by fewer than
    ``k`` patients, and how many were withheld."""
    missing = [name for name in dimensions if name not in patients.columns]
    if missing:
        raise DisclosureError(f"disclosure control: no column {', '.join(missing)}")
    if not dimensions or patients.height == 0:
        return patients, Withheld(0, policy.k)
    sizes = patients.group_by(list(dimensions)).len(name="_atom_size")
    joined = patients.join(sizes, on=list(dimensions), how="left", nulls_equal=True)
    kept = joined.filter(pl.col("_atom_size") >= policy.k).drop("_atom_size")
    return kept, Withheld(patients.height - kept.height, policy.k)


def suppress_cells(
    counts: Mapping[K, int],
    groups: Iterable[Sequence[K]],
    policy: DisclosurePolicy,
    *,
    withheld: Iterable[K] = (),
) -> set[K]:
    """The cells to withhold: every cell counting 1 to k − 1 patients and those already
    ``withheld`` for another reason (primary), and, in each group of cells that add up to a
    shown total, the smallest other non-empty cell whenever exactly one is withheld
    (complementary), repeated until no group has a lone withheld cell (a cell can belong to
    several groups: rows and columns of a table)."""
    hidden = {key for key, n in counts.items() if policy.too_small(n)} | set(withheld)
    groups = [list(group) for group in groups]
    changed = True
    while changed:
        changed = False
        for group in groups:
            withheld = [key for key in group if key in hidden]
            if len(withheld) != 1:
                continue
            shown = sorted(
                (counts[key], str(key), key)
                for key in group
                if key not in hidden and counts.get(key, 0) > 0
            )
            if shown:
                hidden.add(shown[0][2])
                changed = True
    return hidden


# The figures of an outcome row that describe its patients; blanked when it is withheld.
_FIGURES = tuple(
    field.name
    for field in dataclasses.fields(OutcomeRow)
    if field.name not in ("instrument", "timepoint", "higher_is_better", "wording", "responders")
)


def _withheld_share(share: ResponderShare) -> ResponderShare:
    return dataclasses.replace(
        share,
        responders=-1,
        complete_case=None,
        complete_case_ci=None,
        missing_as_failure=None,
        missing_as_failure_ci=None,
    )


def _blank(row: OutcomeRow) -> OutcomeRow:
    blanks: dict[str, Any] = dict.fromkeys(_FIGURES)
    blanks["n_baseline"] = -1
    blanks["n_followed"] = -1
    return dataclasses.replace(
        row, **blanks, responders=tuple(_withheld_share(s) for s in row.responders)
    )


def is_withheld(value: int | None) -> bool:
    """Counts of a withheld row or share are -1 (never a real count): shown as "< k"."""
    return value is not None and value < 0


def protect_outcome_rows(rows: Sequence[OutcomeRow], policy: DisclosurePolicy) -> list[OutcomeRow]:
    """The outcome table as a researcher may see it: a row over fewer than ``k`` patients at
    baseline or at follow-up is withheld whole (counts become -1, figures None); the baseline
    of all patients is withheld where 1 to k − 1 were lost to follow-up; a responder share is
    withheld where the responders or the non-responders number 1 to k − 1."""
    out = []
    for row in rows:
        if policy.too_small(row.n_baseline) or policy.too_small(row.n_followed):
            out.append(_blank(row))
            continue
        if policy.too_small(row.n_baseline - row.n_followed):
            # All with a baseline beside those followed up: their difference would be the
            # baseline of the 1 to k - 1 patients lost to follow-up.
            row = dataclasses.replace(row, baseline_all_mean=None, baseline_all_sd=None)
        shares = tuple(
            _withheld_share(share)
            if policy.too_small(share.responders)
            or policy.too_small(row.n_followed - share.responders)
            else share
            for share in row.responders
        )
        out.append(dataclasses.replace(row, responders=shares))
    return out


def protect_strata(
    strata: Mapping[str, Sequence[OutcomeRow]], policy: DisclosurePolicy
) -> dict[str, list[OutcomeRow]]:
    """Stratified outcome tables as a researcher may see them: each stratum's rows protected
    as :func:`protect_outcome_rows` does, and — because the strata of one instrument, time
    point and wording add up to the overall row shown beside them — a second stratum withheld
    wherever only one would be (:func:`suppress_cells` on the baseline counts)."""
    protected = {name: protect_outcome_rows(rows, policy) for name, rows in strata.items()}
    cells: dict[tuple[str, str, int, str | None], int] = {}
    groups: dict[tuple[str, int, str | None], list[tuple[str, str, int, str | None]]] = {}
    blanked = []
    for name, rows in protected.items():
        for row, original in zip(rows, strata[name], strict=True):
            key = (name, row.instrument, row.timepoint, row.wording)
            # The baseline count: a stratum's baseline figures add up to the overall row's too.
            cells[key] = original.n_baseline
            groups.setdefault((row.instrument, row.timepoint, row.wording), []).append(key)
            if is_withheld(row.n_baseline):
                blanked.append(key)
    hidden = suppress_cells(cells, groups.values(), policy, withheld=blanked)
    return {
        name: [
            _blank(row) if (name, row.instrument, row.timepoint, row.wording) in hidden else row
            for row in rows
        ]
        for name, rows in protected.items()
    }
