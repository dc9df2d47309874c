"""The outcome report as data: the outcome table, strata, clinics (funnel) and the figures,
built from one Ibis table of the registry export (or a file the CLI read). Rendering is in
:mod:`painpath.analytics.render`; nothing here touches the database."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis

from painpath.analytics import charts
from painpath.core.analytics import (
    NOT_RECORDED,
    WORDING_ORDER,
    OutcomeRow,
    ResponderDefinition,
    outcome_table,
    patient_changes,
    responder_definitions,
    stratified_outcome_table,
    with_wording_groups,
    wording_groups,
)
from painpath.core.analytics.cohort import apply_filters, parse_filters
from painpath.core.analytics.disclosure import (
    WITHHELD_SHARES,
    DisclosurePolicy,
    Withheld,
    is_withheld,
    protect_outcome_rows,
    protect_strata,
    suppress_cells,
    withhold_shares,
)
from painpath.core.analytics.stats import Z_95, Z_998, funnel_limits, t_interval, wilson_interval
from painpath.core.instruments import REGISTRY

TRAJECTORY_CAP = 200
STRATA_COLUMNS = ("axis_startback", "multifidus_fat_grade", "axis_stepped_care", "treatment")
# Where the stratum asked for is missing (a file from elsewhere): the first of these present.
FALLBACK_STRATA = (
    "axis_startback",
    "startback",
    "multifidus_fat_grade",
    "axis_stepped_care",
    "step",
    "treatment",
)


@dataclass(frozen=True)
class Options:
    instruments: tuple[str, ...] = ()
    timepoints: tuple[int, ...] = (3, 6, 12, 24)
    stratum: str = "axis_startback"
    definition: str = "mic"
    plot_instrument: str = ""
    plot_timepoint: int = 12
    plot_wording: str = ""
    """The wording group the comparisons and plots show; empty: the largest one."""


@dataclass(frozen=True)
class Share:
    k: int
    n: int
    share: float | None
    ci: tuple[float, float] | None


@dataclass(frozen=True)
class StratumLine:
    value: str
    row: OutcomeRow
    complete_case: Share | None
    missing_as_failure: Share | None


@dataclass(frozen=True)
class ClinicPoint:
    clinic: str
    n: int
    k: int
    share: float | None
    ci: tuple[float, float] | None
    inside_95: bool | None
    inside_998: bool | None


@dataclass
class Report:
    filters: list[str]
    n_patients: int
    options: Options
    rows: list[OutcomeRow]
    definitions: tuple[ResponderDefinition, ...]
    definition: ResponderDefinition | None
    stratum: str
    strata: list[StratumLine]
    clinics: list[ClinicPoint]
    overall_rate: float | None
    figures: dict[str, charts.Figure] = field(default_factory=dict)
    wording_recorded: bool = False
    """Whether the scores say which wording each patient saw (the registry export does)."""
    plot_wording: str | None = None
    """The one wording group the comparisons and plots are computed in (None: not recorded)."""
    k: int | None = None
    """The minimum cell size the report was protected with (None: not protected)."""
    below_k: bool = False
    """The cohort has fewer than k patients: the report shows no figures at all."""
    withheld: Withheld | None = None
    """The registry's patients left out of every researcher cohort (rare combinations)."""
    funnel_withheld: bool = False
    """Disclosure control withholds the overall responder share, so no clinic comparison."""

    @property
    def protected(self) -> bool:
        return self.k is not None

    @property
    def instruments(self) -> tuple[str, ...]:
        return self.options.instruments

    @property
    def wording(self) -> dict[str, dict[str, int]]:
        """Per instrument, its wording groups and the patients with a baseline in each."""
        return wording_groups(self.rows)

    def rows_of(self, instrument: str, wording: str | None = None) -> list[OutcomeRow]:
        """The instrument's rows; of one wording group when wording is recorded (the plot
        wording unless given)."""
        rows = [r for r in self.rows if r.instrument == instrument]
        if not self.wording_recorded:
            return rows
        group = wording or self.plot_wording
        return [r for r in rows if r.wording == group] if group else rows

    @property
    def sections(self) -> list[dict[str, Any]]:
        """Per instrument and wording group: its rows, and one line per time point and
        responder definition (for the templates)."""
        out = []
        for code in self.instruments:
            for group in dict.fromkeys(r.wording for r in self.rows if r.instrument == code):
                out.append(self._section(code, group))
        return out

    def _section(self, code: str, group: str | None) -> dict[str, Any]:
        rows = [r for r in self.rows if r.instrument == code and r.wording == group]
        lines = []
        for r in rows:
            for i, s in enumerate(r.responders):
                extra = r.n_baseline - r.n_followed if s.definition == "deterioration" else 0
                hidden = is_withheld(s.responders) or is_withheld(r.n_baseline)
                lines.append(
                    {
                        "row": r,
                        "share": s,
                        "first": i == 0,
                        "span": len(r.responders),
                        "k_missing_as_failure": -1 if hidden else s.responders + extra,
                    }
                )
        return {
            "grouper": code,
            "wording": group,
            "split": len(self.wording.get(code, {})) > 1,
            "list": rows,
            "responder_lines": lines,
        }


def _wording_rank(group: str) -> int:
    return WORDING_ORDER.index(group) if group in WORDING_ORDER else len(WORDING_ORDER)


def _share(row: OutcomeRow, definition: str) -> tuple[Share | None, Share | None]:
    for s in row.responders:
        if s.definition == definition:
            failures = row.n_baseline - row.n_followed if s.definition == "deterioration" else 0
            if is_withheld(s.responders) or is_withheld(row.n_baseline):
                failures = 0
            return (
                Share(s.responders, row.n_followed, s.complete_case, s.complete_case_ci),
                Share(
                    s.responders + failures,
                    row.n_baseline,
                    s.missing_as_failure,
                    s.missing_as_failure_ci,
                ),
            )
    return None, None


def instruments_in(table: ibis.Table) -> list[str]:
    """The instruments with any follow-up answer (one asked only at baseline, like STarT
    Back, has no outcome to report), in the registry's order."""
    followed = table.filter(table.timepoint > 0).select("instrument").distinct()
    present = set(followed.to_pyarrow().column(0).to_pylist())
    return [code for code in REGISTRY if code in present]


def _unsafe_shares(table: ibis.Table, by: str | None = None) -> dict[str, set[str]]:
    """The responder shares the research cohort marked unsafe (docs/disclosure.md) for any
    patient of ``table`` — per value of ``by`` as the strata name them, else under ""."""
    if WITHHELD_SHARES not in table.columns:
        return {}
    key = table[by].cast("string").fill_null(NOT_RECORDED) if by else ibis.literal("")
    marked = table.filter(table[WITHHELD_SHARES].notnull())
    pairs = marked.select(_key=key, _shares=marked[WITHHELD_SHARES]).distinct()
    out: dict[str, set[str]] = {}
    for pair in pairs.to_pyarrow().to_pylist():
        out.setdefault(str(pair["_key"]), set()).update(pair["_shares"].split(";"))
    return out


def _guarded(
    strata: dict[str, list[OutcomeRow]], cohort: ibis.Table, by: str
) -> dict[str, list[OutcomeRow]]:
    """Strata without the responder shares an atom of theirs makes unsafe."""
    unsafe = _unsafe_shares(cohort, by)
    return {value: withhold_shares(rows, unsafe.get(value, ())) for value, rows in strata.items()}


def _protected_strata(
    strata: dict[str, list[OutcomeRow]], policy: DisclosurePolicy | None, definition: str
) -> dict[str, list[OutcomeRow]]:
    """Strata as the reader may see them: unchanged without a policy; else protected
    (:func:`protect_strata`), and — as the responders of the strata add up to those of the
    overall row — a second responder share withheld wherever only one would be."""
    if policy is None:
        return strata
    protected = protect_strata(strata, policy)
    counts: dict[tuple[str, int], int] = {}
    groups: dict[tuple[str, int], list[tuple[str, int]]] = {}
    hidden_shares = []
    for name, rows in protected.items():
        for i, (row, original) in enumerate(zip(rows, strata[name], strict=True)):
            for share in row.responders:
                if share.definition != definition:
                    continue
                # The stratum's size, not its responders: a stratum with 0 responders shows
                # as much (0 of n) and must be able to serve as the complement.
                counts[(name, i)] = original.n_followed
                groups.setdefault((row.instrument, row.timepoint), []).append((name, i))
                if is_withheld(share.responders):
                    hidden_shares.append((name, i))
    # Primary suppression was protect_outcome_rows' (responders or non-responders 1 to k − 1);
    # here only the complement, so a count of 0 < n < k responders alone is not re-judged.
    hidden = suppress_cells(counts, groups.values(), DisclosurePolicy(2), withheld=hidden_shares)
    out = {}
    for name, rows in protected.items():
        out[name] = [
            _blank_share(row, definition) if (name, i) in hidden else row
            for i, row in enumerate(rows)
        ]
    return out


def _blank_share(row: OutcomeRow, definition: str) -> OutcomeRow:
    shares = tuple(
        dataclasses.replace(
            s,
            responders=-1,
            complete_case=None,
            complete_case_ci=None,
            missing_as_failure=None,
            missing_as_failure_ci=None,
        )
        if s.definition == definition
        else s
        for s in row.responders
    )
    return dataclasses.replace(row, responders=shares)


def build(
    table: ibis.Table,
    filters: Sequence[str],
    options: Options,
    *,
    policy: DisclosurePolicy | None = None,
    dimensions: Sequence[str] | None = None,
) -> Report:
    """The report for the cohort ``filters`` select from ``table`` (raises
    :class:`painpath.core.analytics.cohort.CohortError` for a filter that does not apply).

    With a ``policy`` the report is as a researcher may see it (docs/disclosure.md): a cohort
    of fewer than k patients shows no figures (``below_k``), outcome rows and strata are
    protected, and there are no per-patient figures (trajectories, waterfall). With
    ``dimensions`` as well (the columns the cohort's atoms are made of), strata and clinics
    are compared only by those."""
    cohort = apply_filters(table, parse_filters(list(filters)))
    instruments = options.instruments or tuple(instruments_in(cohort))
    plot_instrument = options.plot_instrument or (instruments[0] if instruments else "")
    plot_timepoint = (
        options.plot_timepoint
        if options.plot_timepoint in options.timepoints
        else (options.timepoints[-1] if options.timepoints else 12)
    )
    allowed = cohort.columns if dimensions is None else dimensions
    stratum = options.stratum
    if stratum not in cohort.columns or stratum not in allowed:
        stratum = next((c for c in FALLBACK_STRATA if c in allowed and c in cohort.columns), "")
    options = Options(
        instruments=tuple(instruments),
        timepoints=tuple(options.timepoints),
        stratum=stratum,
        definition=options.definition,
        plot_instrument=plot_instrument,
        plot_timepoint=plot_timepoint,
        plot_wording=options.plot_wording,
    )
    definitions = responder_definitions()
    n_patients = int(cohort.patient_id.nunique().to_pyarrow().as_py() or 0)
    below_k = policy is not None and policy.too_small(n_patients)
    rows = (
        outcome_table(cohort, instruments=instruments, timepoints=options.timepoints)
        if instruments and options.timepoints and not below_k
        else []
    )
    if policy is not None:
        rows = withhold_shares(
            protect_outcome_rows(rows, policy), _unsafe_shares(cohort).get("", ())
        )
    report = Report(
        filters=list(filters),
        n_patients=n_patients,
        options=options,
        rows=rows,
        definitions=definitions,
        definition=next((d for d in definitions if d.id == options.definition), None),
        stratum=options.stratum,
        strata=[],
        clinics=[],
        overall_rate=None,
        wording_recorded="wording" in cohort.columns,
        k=policy.k if policy is not None else None,
        below_k=below_k,
    )
    if not plot_instrument or not options.timepoints or below_k:
        return report
    if report.wording_recorded:
        # Comparisons and plots are computed within one wording group, never across them.
        present = report.wording.get(plot_instrument, {})
        report.plot_wording = (
            options.plot_wording
            if options.plot_wording in present
            else min(present, key=lambda g: (-present[g], _wording_rank(g)), default=None)
        )
        if report.plot_wording is not None:
            tagged = with_wording_groups(cohort, options.timepoints)
            cohort = tagged.filter(tagged.wording_group == report.plot_wording)
    pick = {"instruments": [plot_instrument], "timepoints": [plot_timepoint]}
    if options.stratum and options.stratum in cohort.columns:
        strata = stratified_outcome_table(cohort, options.stratum, **pick)
        if policy is not None:
            strata = _guarded(strata, cohort, options.stratum)
        for value, (row,) in _protected_strata(strata, policy, options.definition).items():
            cc, maf = _share(row, options.definition)
            report.strata.append(StratumLine(value, row, cc, maf))
    if "clinic" in cohort.columns and "clinic" in allowed:
        _funnel(report, cohort, pick, policy)
    _figures(report, cohort)
    return report


def _funnel(
    report: Report, cohort: ibis.Table, pick: dict[str, Any], policy: DisclosurePolicy | None
) -> None:
    points = []
    raw = stratified_outcome_table(cohort, "clinic", **pick)
    for clinic, (row,) in raw.items():
        cc, _ = _share(row, report.options.definition)
        if cc is None:
            return
        points.append((clinic, cc))
    total_n = sum(cc.n for _, cc in points)
    if not total_n:
        return
    # The overall share is the outcome table's; with a policy a withheld clinic is never
    # alone (complementary suppression), so it cannot be recovered from this share either.
    p0 = sum(cc.k for _, cc in points) / total_n
    if policy is not None:
        # The protected overall row's share, or no funnel: its centre line would otherwise
        # show a share the table withholds.
        overall = [
            share
            for row in report.rows
            if row.instrument == report.options.plot_instrument
            and row.timepoint == report.options.plot_timepoint
            and row.wording == report.plot_wording
            for share in row.responders
            if share.definition == report.options.definition
        ]
        if len(overall) != 1 or overall[0].complete_case is None:
            report.funnel_withheld = True
            return
        p0 = overall[0].complete_case
    report.overall_rate = p0
    if policy is not None:
        shown = _protected_strata(
            _guarded(raw, cohort, "clinic"), policy, report.options.definition
        )
        points = []
        for clinic, (row,) in shown.items():
            cc, _ = _share(row, report.options.definition)
            assert cc is not None  # the same definition applied before protection
            points.append((clinic, cc))
    for clinic, cc in points:
        inside = {}
        for z in (Z_95, Z_998):
            limits = funnel_limits(p0, cc.n, z) if cc.n > 0 else None
            inside[z] = (
                None if limits is None or cc.share is None else limits[0] <= cc.share <= limits[1]
            )
        report.clinics.append(
            ClinicPoint(clinic, cc.n, cc.k, cc.share, cc.ci, inside[Z_95], inside[Z_998])
        )


def mean_series(report: Report, instrument: str) -> list[dict[str, Any]]:
    """Mean with 95 % CI per time point: baseline (all with a baseline), then each
    follow-up's complete cases."""
    rows = report.rows_of(instrument)
    if not rows:
        return []
    # A withheld row has no baseline figures: the first shown one gives the baseline point.
    first = next((r for r in rows if r.baseline_all_mean is not None), rows[0])
    out = []
    if first.baseline_all_mean is not None:
        out.append(
            {
                "timepoint": 0,
                "n": first.n_baseline,
                "mean": first.baseline_all_mean,
                "ci": t_interval(first.baseline_all_mean, first.baseline_all_sd, first.n_baseline),
            }
        )
    for r in rows:
        if r.followup_mean is not None:
            out.append(
                {
                    "timepoint": r.timepoint,
                    "n": r.n_followed,
                    "mean": r.followup_mean,
                    "ci": t_interval(r.followup_mean, r.followup_sd, r.n_followed),
                }
            )
    return out


def _figures(report: Report, cohort: ibis.Table) -> None:
    options = report.options
    code, point = options.plot_instrument, options.plot_timepoint
    label = REGISTRY[code].title if code in REGISTRY else code
    report.figures["mean"] = charts.mean_with_ci(mean_series(report, code), label)
    if report.protected:
        # No per-patient figure (trajectories, waterfall) for a researcher, however many
        # patients it shows.
        _funnel_figure(report)
        return

    scores = cohort.filter(cohort.instrument == code)
    sample = (
        scores.filter(scores.timepoint == 0)
        .select("patient_id")
        .distinct()
        .order_by("patient_id")
        .limit(TRAJECTORY_CAP)
    )
    long = (
        scores.join(sample, "patient_id")
        .select("patient_id", "timepoint", "score")
        .order_by(["patient_id", "timepoint"])
        .to_pyarrow()
        .to_pylist()
    )
    report.figures["trajectories"] = charts.trajectories(
        long, label, cap=TRAJECTORY_CAP, timepoints=(0, *options.timepoints)
    )

    changes = patient_changes(cohort, instrument=code, timepoint=point).to_pyarrow().to_pylist()
    report.figures["waterfall"] = charts.waterfall(
        changes, label, point, higher_is_better=REGISTRY[code].higher_is_better
    )
    _funnel_figure(report)


def _funnel_figure(report: Report) -> None:
    if report.clinics and report.overall_rate is not None:
        report.figures["funnel"] = charts.funnel(
            report.clinics,
            report.overall_rate,
            report.definition.label if report.definition else report.options.definition,
            k=report.k,
        )


__all__ = [
    "STRATA_COLUMNS",
    "ClinicPoint",
    "Options",
    "Report",
    "Share",
    "StratumLine",
    "build",
    "instruments_in",
    "mean_series",
    "wilson_interval",
]
