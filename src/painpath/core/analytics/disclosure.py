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
   withheld, or those withheld count 1 to k − 1 together, the next smallest is withheld too
   (:func:`suppress_cells`) — for the patients counted, for the responders and the
   non-responders of each definition, and for those lost to each time point, whose
   baselines the baseline of all minus the paired baseline would give
   (:func:`protect_strata`). The baseline of all is one figure shown in every time point's
   row, so it is withheld from all of them where any one lost 1 to k − 1 patients.
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
4. **Differencing who answered** (withholding rare answers). Two cohorts that differ by an
   atom of ``k`` or more patients can still differ at 12 months by the one of them who
   answered then: ``n × mean`` of one minus the other's is that patient's score. Every count
   an outcome row is made of is a sum over the cohort's atoms — those with a baseline, those
   followed up at a time point, those lost to it, the responders and non-responders of each
   definition — so when each atom's own count is 0 or at least ``k``, so is every difference
   of two cohorts. Where an atom's count of answers (or of patients lost) at a time point is
   1 to ``k − 1``, the atom's answers at that time point are withheld; where its count of
   responders or non-responders is, that share is withheld from every cohort holding the
   atom (:func:`withhold_rare_answers`, :func:`withhold_shares`).

*k* counts persons: the caller gives each person one unit (docs/disclosure.md).

Clinicians looking at their own clinic's patients are not subject to any of this: they may
see each patient anyway.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import ibis
import polars as pl

from painpath.core.analytics.report import (
    DEFAULT_TIMEPOINTS,
    WORDING_GROUP,
    OutcomeRow,
    ResponderDefinition,
    ResponderShare,
    outcome_counts,
    responder_definitions,
)
from painpath.core.errors import PainpathError
from painpath.core.instruments import REGISTRY

__all__ = [
    "DEFAULT_K",
    "WITHHELD_SHARES",
    "DisclosureError",
    "DisclosurePolicy",
    "RareAnswers",
    "Withheld",
    "is_withheld",
    "protect_outcome_rows",
    "protect_strata",
    "share_key",
    "suppress_cells",
    "withhold_rare_answers",
    "withhold_rare_combinations",
    "withhold_shares",
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
    answers: int = 0
    """Answers of the patients kept, withheld because fewer than k patients of their atom gave
    them, or went without them, at that time point."""
    further_episodes: int = 0
    """Episodes and clinic records of a person beyond the one that represents them."""


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


WITHHELD_SHARES = "withheld_shares"
"""The column of the researcher's export naming, per patient, the responder shares their atom
makes unsafe (:func:`share_key`, joined by ``;``): a cohort holding the patient shows none of
them (:func:`withhold_shares`)."""


def share_key(instrument: str, wording: str | None, timepoint: int, definition: str) -> str:
    """One responder share of an outcome row, as :data:`WITHHELD_SHARES` names it."""
    return f"{instrument}|{wording or ''}|{timepoint}|{definition}"


@dataclass(frozen=True)
class RareAnswers:
    """What :func:`withhold_rare_answers` leaves and marks."""

    scores: pl.DataFrame
    """The scores without the answers withheld."""
    unsafe_shares: pl.DataFrame
    """Per atom (column ``atom``) the responder shares (column ``share``, a
    :func:`share_key`) no cohort holding it may show."""


def withhold_rare_answers(
    scores: pl.DataFrame,
    atom: str,
    policy: DisclosurePolicy,
    *,
    timepoints: Sequence[int] = DEFAULT_TIMEPOINTS,
    definitions: Sequence[ResponderDefinition] | None = None,
) -> RareAnswers:
    """The long ``scores`` (``patient_id``, ``instrument``, ``timepoint``, ``score``, and the
    column ``atom`` naming each patient's atom) without the answers that would let two
    cohorts of atoms differ by 1 to k − 1 patients in a figure, and the responder shares that
    would.

    Per atom, instrument and time point the outcome table's own counts are taken
    (:func:`~painpath.core.analytics.report.stratified_outcome_table` by ``atom``). Where the
    atom's patients with a baseline number 1 to k − 1, its answers on the instrument are
    withheld; where those followed up, or those lost to follow-up, do, its answers at that time
    point — else the difference of two cohorts' ``n × mean`` would be a few patients' scores.
    Where the responders or the non-responders of a definition do, the answers stay (withholding
    them would cost about half of all follow-ups on the synthetic registry: docs/disclosure.md)
    and the share is marked unsafe for every cohort holding the atom. Follow-ups left without a
    baseline enter no figure and are withheld too. One pass: a caller whose atoms depend on
    the answers (wording groups) runs it until nothing changes.
    """
    definitions = responder_definitions() if definitions is None else definitions
    present = set(scores["instrument"].unique().to_list())
    instruments = [code for code in REGISTRY if code in present]
    key = pl.col(atom).cast(pl.String)
    scores = scores.with_columns(key.alias("_atom_key"))
    if instruments:
        # Only the counts decide (outcome_counts: the outcome table's n_baseline, n_followed
        # and responders per atom, without its statistics), and they decide as columns: one
        # OutcomeRow per atom, instrument and time point cost seconds at 20,000 patients.
        counts = outcome_counts(
            ibis.memtable(
                scores.select(
                    "patient_id",
                    "instrument",
                    "timepoint",
                    "score",
                    *[c for c in ("wording", WORDING_GROUP) if c in scores.columns],
                    pl.col("_atom_key").alias(atom),
                )
            ),
            instruments=instruments,
            timepoints=timepoints,
            definitions=definitions,
            by=atom,
        ).to_polars()
        drops, unsafe = _rare(counts, policy, definitions, instruments)
    else:
        drops = (_NO_DROPS_EVERY, _NO_DROPS_AT)
        unsafe = pl.DataFrame(schema={"atom": pl.String, "share": pl.String})
    every, at = drops
    if every.height:
        scores = scores.join(every, on=["_atom_key", "instrument"], how="anti")
    if at.height:
        at = at.with_columns(pl.col("timepoint").cast(scores.schema["timepoint"]))
        scores = scores.join(at, on=["_atom_key", "instrument", "timepoint"], how="anti")
    baseline = scores.filter(pl.col("timepoint") == 0).select("patient_id", "instrument").unique()
    paired = scores.join(baseline, on=["patient_id", "instrument"], how="semi")
    return RareAnswers(paired.drop("_atom_key"), unsafe)


_NO_DROPS_EVERY = pl.DataFrame(schema={"_atom_key": pl.String, "instrument": pl.String})
_NO_DROPS_AT = pl.DataFrame(
    schema={"_atom_key": pl.String, "instrument": pl.String, "timepoint": pl.Int64}
)


def _rare(
    counts: pl.DataFrame,
    policy: DisclosurePolicy,
    definitions: Sequence[ResponderDefinition],
    instruments: Sequence[str],
) -> tuple[tuple[pl.DataFrame, pl.DataFrame], pl.DataFrame]:
    """From :func:`outcome_counts` by atom (its ``stratum``): the (atom, instrument) whose
    baselines are too few, the (atom, instrument, time point) whose follow-ups or losses
    are, and the responder shares (atom, share) whose responders or non-responders are —
    each row of the outcome table judged as :func:`protect_outcome_rows` would."""

    def small(count: pl.Expr) -> pl.Expr:
        return (count > 0) & (count < policy.k)

    baseline = pl.col("n_baseline").fill_null(0)
    followed = pl.col("n_followed").fill_null(0)
    every = (
        counts.filter(small(baseline))
        .select(pl.col("stratum").alias("_atom_key"), "instrument")
        .unique()
    )
    rows = counts.filter(~small(baseline) & pl.col("timepoint").is_not_null())
    thin = small(followed) | small(baseline - followed)
    at = (
        rows.filter(thin)
        .select(
            pl.col("stratum").alias("_atom_key"), "instrument", pl.col("timepoint").cast(pl.Int64)
        )
        .unique()
    )
    kept = rows.filter(~thin)
    wording = pl.col(WORDING_GROUP).fill_null("") if WORDING_GROUP in counts.columns else pl.lit("")
    shares = []
    for d in definitions:
        applies = [code for code in instruments if d.applies_to(code)]
        responders = pl.col(f"k_{d.id}").fill_null(0)
        shares.append(
            kept.filter(
                pl.col("instrument").is_in(applies)
                & (small(responders) | small(followed - responders))
            ).select(
                pl.col("stratum").alias("atom"),
                pl.concat_str(
                    [
                        pl.col("instrument"),
                        wording,
                        pl.col("timepoint").cast(pl.Int64).cast(pl.String),
                        pl.lit(d.id),
                    ],
                    separator="|",
                ).alias("share"),
            )
        )
    unsafe = (
        pl.concat(shares)
        if shares
        else pl.DataFrame(schema={"atom": pl.String, "share": pl.String})
    )
    return (every, at), unsafe.sort(["atom", "share"])


def withhold_shares(rows: Sequence[OutcomeRow], keys: Collection[str]) -> list[OutcomeRow]:
    """``rows`` with the responder shares named in ``keys`` (:func:`share_key`) withheld."""
    if not keys:
        return list(rows)
    return [
        dataclasses.replace(
            row,
            responders=tuple(
                _withheld_share(s)
                if share_key(row.instrument, row.wording, row.timepoint, s.definition) in keys
                else s
                for s in row.responders
            ),
        )
        for row in rows
    ]


def suppress_cells(
    counts: Mapping[K, int],
    groups: Iterable[Sequence[K]],
    policy: DisclosurePolicy,
    *,
    withheld: Iterable[K] = (),
) -> set[K]:
    """The cells to withhold: every cell counting 1 to k − 1 patients and those already
    ``withheld`` for another reason (primary), and, in each group of cells that add up to a
    shown total, the smallest other non-empty cell whenever exactly one is withheld or the
    withheld ones count 1 to k − 1 patients together (complementary), repeated until no group
    has either (a cell can belong to several groups: rows and columns of a table)."""
    hidden = {key for key, n in counts.items() if policy.too_small(n)} | set(withheld)
    groups = [list(group) for group in groups]
    changed = True
    while changed:
        changed = False
        for group in groups:
            withheld = [key for key in group if key in hidden]
            # One withheld cell is the total minus the others; several, whose counts add up
            # to 1 to k − 1, are together a group of fewer than k.
            together = sum(max(counts.get(key, 0), 0) for key in withheld)
            if len(withheld) != 1 and not policy.too_small(together):
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
    of all patients is withheld from every row of an instrument and wording group where 1 to
    k − 1 were lost to any one time point; a responder share is withheld where the responders
    or the non-responders number 1 to k − 1."""
    lost_few = _lost_few(rows, policy)
    out = []
    for row in rows:
        if policy.too_small(row.n_baseline) or policy.too_small(row.n_followed):
            out.append(_blank(row))
            continue
        if (row.instrument, row.wording) in lost_few:
            row = _without_baseline_of_all(row)
        shares = tuple(
            _withheld_share(share)
            if policy.too_small(share.responders)
            or policy.too_small(row.n_followed - share.responders)
            else share
            for share in row.responders
        )
        out.append(dataclasses.replace(row, responders=shares))
    return out


def _lost_few(rows: Iterable[OutcomeRow], policy: DisclosurePolicy) -> set[tuple[str, str | None]]:
    """The (instrument, wording) groups where 1 to k − 1 patients were lost to a time point.

    The baseline of all is one figure, the same in each time point's row: shown in any of
    them, it minus the paired baseline of the time point that lost few is the lost patients'
    baselines. A row withheld because few were followed up counts too — the strata's paired
    baselines add up to the overall row's, so a complementary stratum can give it away."""
    return {
        (row.instrument, row.wording)
        for row in rows
        if not policy.too_small(row.n_baseline)
        and policy.too_small(row.n_baseline - row.n_followed)
    }


def _without_baseline_of_all(row: OutcomeRow) -> OutcomeRow:
    # The SD as well: with the paired figures it leaves a quadratic in the lost baseline.
    return dataclasses.replace(row, baseline_all_mean=None, baseline_all_sd=None)


def protect_strata(
    strata: Mapping[str, Sequence[OutcomeRow]], policy: DisclosurePolicy
) -> dict[str, list[OutcomeRow]]:
    """Stratified outcome tables as a researcher may see them: each stratum's rows protected
    as :func:`protect_outcome_rows` does, and — because the strata of one instrument, time
    point and wording add up to the overall row shown beside them — complementary suppression
    (:func:`suppress_cells`) of every count that adds up so: another stratum's row withheld
    wherever only one would be, or where those withheld count fewer than k patients together,
    at baseline and at follow-up; likewise another stratum's responder share, for the
    responders and for the non-responders of each definition; and another stratum's baseline
    of all wherever the strata without it lost 1 to k − 1 patients together
    (:func:`_baselines_of_all`)."""
    protected = {name: protect_outcome_rows(rows, policy) for name, rows in strata.items()}
    Key = tuple[str, str, int, str | None]
    baseline: dict[Key, int] = {}
    followed: dict[Key, int] = {}
    groups: dict[tuple[str, int, str | None], list[Key]] = {}
    hidden: set[Key] = set()
    for name, rows in protected.items():
        for row, original in zip(rows, strata[name], strict=True):
            key = (name, row.instrument, row.timepoint, row.wording)
            # A stratum's baseline figures add up to the overall row's, and so do its
            # follow-up figures: both counts must leave nothing small to subtract.
            baseline[key] = original.n_baseline
            followed[key] = original.n_followed
            groups.setdefault((row.instrument, row.timepoint, row.wording), []).append(key)
            if is_withheld(row.n_baseline):
                hidden.add(key)
    hidden = _until_settled(hidden, (baseline, followed), groups.values(), policy)
    shares = _shares_hidden(strata, protected, hidden, policy)
    no_baseline = _baselines_of_all(strata, protected, hidden, policy)
    out: dict[str, list[OutcomeRow]] = {}
    for name, rows in protected.items():
        out[name] = []
        for row in rows:
            if (name, row.instrument, row.timepoint, row.wording) in hidden:
                out[name].append(_blank(row))
                continue
            if (row.instrument, row.wording) in no_baseline[name]:
                row = _without_baseline_of_all(row)
            where = (name, row.instrument, row.timepoint, row.wording)
            out[name].append(
                dataclasses.replace(
                    row,
                    responders=tuple(
                        _withheld_share(s) if (*where, s.definition) in shares else s
                        for s in row.responders
                    ),
                )
            )
    return out


def _until_settled(
    hidden: set[K],
    counts: Sequence[Mapping[K, int]],
    groups: Iterable[Sequence[K]],
    policy: DisclosurePolicy,
) -> set[K]:
    """:func:`suppress_cells` over several counts of the same cells until none adds a cell."""
    groups = [list(group) for group in groups]
    while True:
        before = len(hidden)
        for count in counts:
            hidden = suppress_cells(count, groups, policy, withheld=hidden)
        if len(hidden) == before:
            return hidden


def _shares_hidden(
    strata: Mapping[str, Sequence[OutcomeRow]],
    protected: Mapping[str, Sequence[OutcomeRow]],
    rows_hidden: set[tuple[str, str, int, str | None]],
    policy: DisclosurePolicy,
) -> set[tuple[str, str, int, str | None, str]]:
    """The strata's responder shares to withhold: the strata's responders of a definition add
    up to the overall row's, and so do their non-responders, so the shares withheld (with
    the rows withheld) must count 0 or at least k of each together, and never one alone."""
    Key = tuple[str, str, int, str | None, str]
    responders: dict[Key, int] = {}
    others: dict[Key, int] = {}
    groups: dict[tuple[str, int, str | None, str], list[Key]] = {}
    hidden: set[Key] = set()
    for name, rows in protected.items():
        for row, original in zip(rows, strata[name], strict=True):
            where = (name, row.instrument, row.timepoint, row.wording)
            for shown, share in zip(row.responders, original.responders, strict=True):
                key = (*where, share.definition)
                # A share withheld before (an atom's, withhold_shares) has no count here:
                # it counts as none, and the research cohort's atoms guard it.
                known = not is_withheld(share.responders)
                responders[key] = share.responders if known else 0
                others[key] = original.n_followed - share.responders if known else 0
                groups.setdefault(key[1:], []).append(key)
                if where in rows_hidden or is_withheld(shown.responders):
                    hidden.add(key)
    return _until_settled(hidden, (responders, others), groups.values(), policy)


def _baselines_of_all(
    strata: Mapping[str, Sequence[OutcomeRow]],
    protected: Mapping[str, Sequence[OutcomeRow]],
    rows_hidden: set[tuple[str, str, int, str | None]],
    policy: DisclosurePolicy,
) -> dict[str, set[tuple[str, str | None]]]:
    """Per stratum, the (instrument, wording) whose baseline of all is withheld.

    The strata's baselines of all add up to the overall one, and at each time point their
    paired baselines to the overall row's. So the overall baseline of all minus the strata's
    shown is the withheld ones' (H); minus their paired baselines — those of rows withheld
    (B) being the overall row's minus the rows shown — it is the baselines of the patients
    of H and B lost at that time point; and without H, the baselines of all of B (shown in
    their other rows) minus the overall paired baselines and those shown are B's lost
    patients'. Where such a group lost 1 to k − 1 patients, another stratum's baseline of all
    is withheld: the smallest that lost any, or one of B. Where no other stratum lost anyone,
    the overall row lost as few and :func:`protect_outcome_rows` withholds its baseline of
    all."""
    Group = tuple[str, str | None]
    lost: dict[Group, dict[int, dict[str, int]]] = {}
    present: dict[str, set[Group]] = {name: set() for name in strata}
    shown: dict[str, set[Group]] = {name: set() for name in strata}
    blanked: dict[tuple[Group, int], set[str]] = {}
    for name, rows in protected.items():
        for row, original in zip(rows, strata[name], strict=True):
            if original.n_baseline <= 0:
                continue
            group = (row.instrument, row.wording)
            at = lost.setdefault(group, {}).setdefault(row.timepoint, {})
            at[name] = original.n_baseline - original.n_followed
            present[name].add(group)
            if (name, row.instrument, row.timepoint, row.wording) in rows_hidden:
                blanked.setdefault((group, row.timepoint), set()).add(name)
            elif row.baseline_all_mean is not None:
                shown[name].add(group)
    none = {name: present[name] - shown[name] for name in strata}
    changed = True
    while changed:
        changed = False
        for group, by_time in lost.items():
            for timepoint, counts in by_time.items():
                held = {name for name in counts if group in none[name]}
                pick = _another(counts, held, blanked.get((group, timepoint), set()), policy)
                if pick is not None:
                    none[pick].add(group)
                    changed = True
    return none


def _another(
    lost: Mapping[str, int], held: set[str], blanked: set[str], policy: DisclosurePolicy
) -> str | None:
    """The stratum whose baseline of all must be withheld too at one time point (see
    :func:`_baselines_of_all`), or None."""
    if blanked and not held & blanked and policy.too_small(sum(lost[n] for n in blanked)):
        return min((lost[n], n) for n in blanked if lost[n] > 0)[1]
    together = held | blanked
    if held and policy.too_small(sum(lost[n] for n in together)):
        others = [(n_lost, n) for n, n_lost in lost.items() if n not in together and n_lost > 0]
        if others:
            return min(others)[1]
    return None
