"""The outcome report as data: the outcome table, strata, clinics (funnel) and the figures,
built from one Ibis table of the registry export (or a file the CLI read). Rendering is in
:mod:`painpath.analytics.render`; nothing here touches the database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis

from painpath.analytics import charts
from painpath.core.analytics import (
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
                lines.append(
                    {
                        "row": r,
                        "share": s,
                        "first": i == 0,
                        "span": len(r.responders),
                        "k_missing_as_failure": s.responders + extra,
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


def build(table: ibis.Table, filters: Sequence[str], options: Options) -> Report:
    """The report for the cohort ``filters`` select from ``table`` (raises
    :class:`painpath.core.analytics.cohort.CohortError` for a filter that does not apply)."""
    cohort = apply_filters(table, parse_filters(list(filters)))
    instruments = options.instruments or tuple(instruments_in(cohort))
    plot_instrument = options.plot_instrument or (instruments[0] if instruments else "")
    plot_timepoint = (
        options.plot_timepoint
        if options.plot_timepoint in options.timepoints
        else (options.timepoints[-1] if options.timepoints else 12)
    )
    stratum = options.stratum
    if stratum not in cohort.columns:
        stratum = next((c for c in FALLBACK_STRATA if c in cohort.columns), stratum)
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
    rows = (
        outcome_table(cohort, instruments=instruments, timepoints=options.timepoints)
        if instruments and options.timepoints
        else []
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
    )
    if not plot_instrument or not options.timepoints:
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
    if options.stratum in cohort.columns:
        for value, (row,) in stratified_outcome_table(cohort, options.stratum, **pick).items():
            cc, maf = _share(row, options.definition)
            report.strata.append(StratumLine(value, row, cc, maf))
    if "clinic" in cohort.columns:
        _funnel(report, cohort, pick)
    _figures(report, cohort)
    return report


def _funnel(report: Report, cohort: ibis.Table, pick: dict[str, Any]) -> None:
    points = []
    for clinic, (row,) in stratified_outcome_table(cohort, "clinic", **pick).items():
        cc, _ = _share(row, report.options.definition)
        if cc is None:
            return
        points.append((clinic, cc))
    total_n = sum(cc.n for _, cc in points)
    if not total_n:
        return
    p0 = sum(cc.k for _, cc in points) / total_n
    report.overall_rate = p0
    for clinic, cc in points:
        inside = {}
        for z in (Z_95, Z_998):
            limits = funnel_limits(p0, cc.n, z)
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
    first = rows[0]
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
    if report.clinics and report.overall_rate is not None:
        report.figures["funnel"] = charts.funnel(
            report.clinics,
            report.overall_rate,
            report.definition.label if report.definition else options.definition,
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
