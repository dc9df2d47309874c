"""The outcome table: per instrument and time point, how many were followed up, how scores
changed, and how many responded — complete-case and with missing follow-up counted as
failure, side by side.

Input: an Ibis table ``scores`` with one row per patient, instrument and time point —
``patient_id``, ``instrument`` (a painpath instrument code), ``timepoint`` (integer months
after the index event, 0 = baseline) and ``score`` (float). The registry's export picks one
response per time point (the one nearest the target date inside its window); the report
assumes that and does not deduplicate. A file from elsewhere is checked for it first
(:func:`painpath.core.analytics.inputs.check_scores`, as ``painpath report`` does).

Definitions, per instrument ``i`` and follow-up time point ``t``:

- ``n_baseline``: patients with a baseline score on ``i``; ``n_followed``: those of them
  with a score at ``t`` (complete cases); ``completeness`` = n_followed / n_baseline.
- Baseline and follow-up mean, SD (sample, n − 1), median and quartiles (linear
  interpolation between order statistics, "type 7") over the complete cases; the baseline
  mean and SD of *all* patients with a baseline are given beside them, so attrition that
  is not at random shows.
- ``change`` = follow-up − baseline (its sign is the scale's: negative is better for pain
  and disability); mean with its 95 % t interval.
- Responder shares per definition (``core/data/analytics/responders.yaml``, cited there),
  each as k / n_followed (complete case) and k / n_baseline with missing follow-up counted
  as failure — non-response, or for deterioration, deterioration — each with a 95 % Wilson
  interval.

Strata (``by``): the same table per value of a cohort column (a classification axis, the
fat-infiltration grade, the clinic), computed in one query grouped by that column; a patient
without a value is counted under ``NOT_RECORDED``.

Wording: when the scores carry a ``wording`` column (which wording the patient saw: the
instrument's ``licensed`` or ``original`` wording, painpath's ``paraphrase``, ``unknown``),
answers in different wordings are never pooled. Each patient's series on an instrument (the
baseline and the follow-ups reported) belongs to one *wording group* — its wording, or
``mixed`` when its answers differ — and every row is for one instrument and one wording group
(``OutcomeRow.wording``). An instrument answered in one wording gives one row per time point
as before; without a ``wording`` column, ``wording`` is None and nothing changes.

Portability: medians and quartiles use Ibis' ``quantile``, which every backend painpath runs
on compiles to an exact, linearly interpolated ("type 7") percentile — DuckDB and PostgreSQL
``percentile_cont``, Spark ``percentile`` (not ``approx_percentile``) — so the table is the
same on each (tests/core/analytics/test_spark.py).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import Any

import ibis
import yaml
from ibis import _
from ibis.expr.types import BooleanValue, NumericValue, Table

from painpath.core.analytics.stats import t_interval, wilson_interval
from painpath.core.errors import UnknownInstrument
from painpath.core.instruments import REGISTRY

__all__ = [
    "MIXED",
    "NOT_RECORDED",
    "WORDING_ORDER",
    "OutcomeRow",
    "ResponderDefinition",
    "ResponderShare",
    "outcome_counts",
    "outcome_expression",
    "outcome_table",
    "patient_changes",
    "responder_definitions",
    "stratified_outcome_table",
    "with_wording_groups",
    "wording_groups",
]

NOT_RECORDED = "(not recorded)"
WORDING = "wording"
WORDING_GROUP = "wording_group"
MIXED = "mixed"
# Report order: the instrument's own wording first, painpath's paraphrase, then the rest.
WORDING_ORDER = ("licensed", "original", "paraphrase", MIXED, "unknown")

DEFAULT_TIMEPOINTS = (3, 6, 12, 24)
KINDS = frozenset(
    {
        "mic",
        "percent_improvement_at_least",
        "followup_at_most",
        "improvement_at_least",
        "deterioration",
    }
)


@dataclass(frozen=True)
class ResponderDefinition:
    id: str
    label: str
    kind: str
    thresholds: Mapping[str, float]
    source: str
    note: str = ""

    @property
    def failure_is_response(self) -> bool:
        """Deterioration is the one share where a missing follow-up counts *for* the share."""
        return self.kind == "deterioration"

    def applies_to(self, instrument: str) -> bool:
        if self.kind in ("mic", "deterioration"):
            return REGISTRY[instrument].mic is not None
        return instrument in self.thresholds


@cache
def responder_definitions() -> tuple[ResponderDefinition, ...]:
    """The shipped responder definitions, in report order."""
    text = (
        resources.files("painpath.core.data")
        .joinpath("analytics/responders.yaml")
        .read_text(encoding="utf-8")
    )
    data = yaml.safe_load(text)
    sources: dict[str, str] = data["sources"]
    out = []
    for raw in data["definitions"]:
        if raw["kind"] not in KINDS:
            raise ValueError(f"responders.yaml: {raw['id']}: unknown kind {raw['kind']!r}")
        out.append(
            ResponderDefinition(
                id=raw["id"],
                label=raw["label"],
                kind=raw["kind"],
                thresholds={k: float(v) for k, v in (raw.get("thresholds") or {}).items()},
                source=sources[raw["source"]],
                note=" ".join(str(raw.get("note", "")).split()),
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class ResponderShare:
    definition: str
    label: str
    responders: int
    complete_case: float | None  # responders / n_followed
    complete_case_ci: tuple[float, float] | None
    # Missing follow-up counted as failure: (responders [+ missing for deterioration]) / n_baseline.
    missing_as_failure: float | None
    missing_as_failure_ci: tuple[float, float] | None


@dataclass(frozen=True)
class OutcomeRow:
    instrument: str
    timepoint: int
    higher_is_better: bool
    n_baseline: int
    n_followed: int
    completeness: float | None
    baseline_all_mean: float | None
    baseline_all_sd: float | None
    baseline_mean: float | None
    baseline_sd: float | None
    baseline_median: float | None
    baseline_q1: float | None
    baseline_q3: float | None
    followup_mean: float | None
    followup_sd: float | None
    followup_median: float | None
    followup_q1: float | None
    followup_q3: float | None
    change_mean: float | None
    change_sd: float | None
    change_ci: tuple[float, float] | None
    responders: tuple[ResponderShare, ...]
    wording: str | None = None
    """The wording group of the patients in this row (see the module docstring); None when
    the scores do not record wording."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _wording_key(group: str | None) -> tuple[int, str]:
    if group in WORDING_ORDER:
        return WORDING_ORDER.index(group), ""
    return len(WORDING_ORDER), str(group)


def with_wording_groups(scores: Table, timepoints: Sequence[int] | None = None) -> Table:
    """``scores`` with a ``wording_group`` column: per patient and instrument, the wording of
    all their answers at baseline and at ``timepoints`` (all time points when None), or
    ``mixed`` when they differ; a missing wording counts as ``unknown``. Rows at other time
    points are left out. Without a ``wording`` column, ``scores`` unchanged."""
    if WORDING not in scores.columns:
        return scores
    if WORDING_GROUP in scores.columns:
        scores = scores.drop(WORDING_GROUP)
    rows = scores.mutate(_wording=scores[WORDING].cast("string").fill_null("unknown"))
    if timepoints is not None:
        rows = rows.filter(rows.timepoint.isin([0, *timepoints]))
    series = rows.group_by(["patient_id", "instrument"]).aggregate(
        _kinds=rows._wording.nunique(), _kind=rows._wording.max()
    )
    series = series.select(
        "patient_id",
        "instrument",
        **{WORDING_GROUP: ibis.ifelse(series._kinds > 1, MIXED, series._kind)},
    )
    return rows.join(series, ["patient_id", "instrument"]).drop("_wording")


def wording_groups(rows: Iterable[OutcomeRow]) -> dict[str, dict[str, int]]:
    """Per instrument with wording recorded, its wording groups (report order) and the number
    of patients with a baseline in each — what a note on the report says."""
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        if row.wording is not None:
            out.setdefault(row.instrument, {})[row.wording] = row.n_baseline
    return out


def _instrument_table(codes: Iterable[str], definitions: Sequence[ResponderDefinition]) -> Table:
    rows: dict[str, list[Any]] = {
        "instrument": [],
        "higher_is_better": [],
        "low": [],
        "high": [],
        "mic_abs": [],
        "mic_rel": [],
    }
    for definition in definitions:
        rows[f"thr_{definition.id}"] = []
    for code in codes:
        if code not in REGISTRY:
            raise UnknownInstrument(code, list(REGISTRY))
        cls = REGISTRY[code]
        rows["instrument"].append(code)
        rows["higher_is_better"].append(cls.higher_is_better)
        rows["low"].append(float(cls.score_range[0]))
        rows["high"].append(float(cls.score_range[1]))
        rows["mic_abs"].append(cls.mic.absolute if cls.mic else None)
        rows["mic_rel"].append(cls.mic.relative if cls.mic else None)
        for definition in definitions:
            rows[f"thr_{definition.id}"].append(definition.thresholds.get(code))
    schema = {
        "instrument": "string",
        "higher_is_better": "boolean",
        "low": "float64",
        "high": "float64",
        "mic_abs": "float64",
        "mic_rel": "float64",
        **{f"thr_{d.id}": "float64" for d in definitions},
    }
    return ibis.memtable(rows, schema=schema)


def _flag(
    definition: ResponderDefinition,
    p: Table,
    improvement: NumericValue,
    percent: NumericValue,
) -> BooleanValue:
    """The responder flag of one definition; NULL where it does not apply to the instrument."""
    threshold = p[f"thr_{definition.id}"]
    null = ibis.null("boolean")
    if definition.kind == "mic":
        no_mic = p.mic_abs.isnull() & p.mic_rel.isnull()
        by_abs = (improvement >= p.mic_abs).fill_null(False)
        by_rel = (percent >= p.mic_rel * 100).fill_null(False)
        return ibis.ifelse(no_mic, null, by_abs | by_rel)
    if definition.kind == "deterioration":
        worse = -improvement
        by_abs = worse >= p.mic_abs
        by_rel = (worse > 0) & (worse >= p.mic_rel * p.baseline.abs())
        return ibis.ifelse(
            p.mic_abs.notnull(), by_abs, ibis.ifelse(p.mic_rel.notnull(), by_rel, null)
        )
    if definition.kind == "percent_improvement_at_least":
        verdict = (percent >= threshold).fill_null(False)
    elif definition.kind == "followup_at_most":
        verdict = p.followup <= threshold
    else:  # improvement_at_least
        verdict = improvement >= threshold
    return ibis.ifelse(threshold.isnull(), null, verdict)


def _paired(
    scores: Table,
    instruments: Sequence[str],
    timepoints: Sequence[int],
    definitions: Sequence[ResponderDefinition],
    by: str | None,
) -> tuple[Table, Table, list[str]]:
    """The baselines (one row per patient and instrument), the baselines beside each of
    their follow-ups with change and responder flags ``r_<definition>``, and the keys the
    report groups them by."""
    scores = scores.filter(scores.instrument.isin(list(instruments)))
    scores = with_wording_groups(scores, timepoints)
    keys = ["instrument", WORDING_GROUP] if WORDING_GROUP in scores.columns else ["instrument"]
    if by is not None:
        if by not in scores.columns:
            raise KeyError(f"no column {by!r} to stratify by")
        scores = scores.mutate(stratum=scores[by].cast("string").fill_null(NOT_RECORDED))
        keys = [*keys, "stratum"]
    base = scores.filter(scores.timepoint == 0).select(
        "patient_id", *keys, baseline=scores.score.cast("float64")
    )
    follow = scores.filter(scores.timepoint.isin(list(timepoints))).select(
        "patient_id", "instrument", "timepoint", followup=scores.score.cast("float64")
    )
    meta = _instrument_table(instruments, definitions)
    p = base.join(follow, ["patient_id", "instrument"]).join(meta, "instrument")
    improvement = ibis.ifelse(p.higher_is_better, p.followup - p.baseline, p.baseline - p.followup)
    room = ibis.ifelse(p.higher_is_better, p.high - p.baseline, p.baseline - p.low)
    percent = ibis.ifelse(room == 0, ibis.null("float64"), improvement * 100.0 / room)
    # int32, not int8: PostgreSQL casts boolean to integer but not to smallint.
    flags = {f"r_{d.id}": _flag(d, p, improvement, percent).cast("int32") for d in definitions}
    return base, p.mutate(change=p.followup - p.baseline, **flags), keys


def outcome_expression(
    scores: Table,
    *,
    instruments: Sequence[str],
    timepoints: Sequence[int] = DEFAULT_TIMEPOINTS,
    definitions: Sequence[ResponderDefinition] | None = None,
    by: str | None = None,
) -> Table:
    """The report as one Ibis expression, ready to run on any backend: per instrument, its
    baseline counts, joined to its statistics per follow-up time point (a row with a null
    time point where nobody was followed up). With ``by``, the same per value of that column
    (as text, in a column ``stratum``)."""
    definitions = responder_definitions() if definitions is None else definitions
    base, p, keys = _paired(scores, instruments, timepoints, definitions, by)
    aggregates: dict[str, Any] = {
        "n_followed": _.count(),
        "baseline_mean": _.baseline.mean(),
        "baseline_sd": _.baseline.std(),
        "baseline_median": _.baseline.median(),
        "baseline_q1": _.baseline.quantile(0.25),
        "baseline_q3": _.baseline.quantile(0.75),
        "followup_mean": _.followup.mean(),
        "followup_sd": _.followup.std(),
        "followup_median": _.followup.median(),
        "followup_q1": _.followup.quantile(0.25),
        "followup_q3": _.followup.quantile(0.75),
        "change_mean": _.change.mean(),
        "change_sd": _.change.std(),
    }
    for d in definitions:
        aggregates[f"k_{d.id}"] = p[f"r_{d.id}"].sum()
    by_point = p.group_by([*keys, "timepoint"]).aggregate(**aggregates)
    baseline_all = base.group_by(keys).aggregate(
        n_baseline=_.count(),
        baseline_all_mean=_.baseline.mean(),
        baseline_all_sd=_.baseline.std(),
    )
    joined = baseline_all.left_join(by_point, keys)
    return joined.drop(*[f"{key}_right" for key in keys])


def outcome_counts(
    scores: Table,
    *,
    instruments: Sequence[str],
    timepoints: Sequence[int] = DEFAULT_TIMEPOINTS,
    definitions: Sequence[ResponderDefinition] | None = None,
    by: str | None = None,
) -> Table:
    """Only the counts of :func:`outcome_expression` — ``n_baseline``, ``n_followed`` and the
    responders ``k_<definition>`` per instrument, wording group, stratum and time point, the
    same rows — without its means, spreads and quartiles: what disclosure control decides
    by, over thousands of strata (quartiles per stratum were most of its cost)."""
    definitions = responder_definitions() if definitions is None else definitions
    base, p, keys = _paired(scores, instruments, timepoints, definitions, by)
    aggregates: dict[str, Any] = {"n_followed": _.count()}
    for d in definitions:
        aggregates[f"k_{d.id}"] = p[f"r_{d.id}"].sum()
    by_point = p.group_by([*keys, "timepoint"]).aggregate(**aggregates)
    baseline_all = base.group_by(keys).aggregate(n_baseline=_.count())
    joined = baseline_all.left_join(by_point, keys)
    return joined.drop(*[f"{key}_right" for key in keys])


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def outcome_table(
    scores: Table,
    *,
    instruments: Sequence[str],
    timepoints: Sequence[int] = DEFAULT_TIMEPOINTS,
    definitions: Sequence[ResponderDefinition] | None = None,
) -> list[OutcomeRow]:
    """Run the report on ``scores``' backend and add the confidence intervals.

    Every (instrument, time point) asked for appears, with n_followed = 0 where nobody was
    followed up, so an empty cell is visible rather than silently missing.
    """
    definitions = responder_definitions() if definitions is None else definitions
    expr = outcome_expression(
        scores, instruments=instruments, timepoints=timepoints, definitions=definitions
    )
    return _rows(expr.to_pyarrow().to_pylist(), instruments, timepoints, definitions)


def stratified_outcome_table(
    scores: Table,
    by: str,
    *,
    instruments: Sequence[str],
    timepoints: Sequence[int] = DEFAULT_TIMEPOINTS,
    definitions: Sequence[ResponderDefinition] | None = None,
) -> dict[str, list[OutcomeRow]]:
    """The outcome table per value of the column ``by`` (sorted; ``NOT_RECORDED`` last), in
    one query. Each stratum's rows are what :func:`outcome_table` gives for that stratum
    alone."""
    definitions = responder_definitions() if definitions is None else definitions
    expr = outcome_expression(
        scores, instruments=instruments, timepoints=timepoints, definitions=definitions, by=by
    )
    groups: dict[str, list[dict[str, Any]]] = {}
    for record in expr.to_pyarrow().to_pylist():
        groups.setdefault(str(record["stratum"]), []).append(record)
    order = sorted(groups, key=lambda value: (value == NOT_RECORDED, value))
    return {value: _rows(groups[value], instruments, timepoints, definitions) for value in order}


def _rows(
    records: Iterable[Mapping[str, Any]],
    instruments: Sequence[str],
    timepoints: Sequence[int],
    definitions: Sequence[ResponderDefinition],
) -> list[OutcomeRow]:
    got: dict[tuple[str, str | None, int], Mapping[str, Any]] = {}
    n_baseline_of: dict[tuple[str, str | None], Mapping[str, Any]] = {}
    groups: dict[str, set[str | None]] = {}
    for record in records:
        group = record.get(WORDING_GROUP)
        groups.setdefault(record["instrument"], set()).add(group)
        n_baseline_of[(record["instrument"], group)] = record
        if record["timepoint"] is not None:
            got[(record["instrument"], group, int(record["timepoint"]))] = record
    rows = []
    pairs = [
        (instrument, group)
        for instrument in instruments
        for group in sorted(groups.get(instrument) or {None}, key=_wording_key)
    ]
    for code, group in pairs:
        base: Mapping[str, Any] = n_baseline_of.get((code, group), {})
        n_baseline = int(base.get("n_baseline") or 0)
        for timepoint in timepoints:
            r: Mapping[str, Any] = got.get((code, group, timepoint), {})
            n = int(r.get("n_followed") or 0)
            shares = []
            for d in definitions:
                if not d.applies_to(code):
                    continue
                k = int(r.get(f"k_{d.id}") or 0)
                # Never below 0: n_followed cannot pass n_baseline in a table with one row
                # per patient, instrument and time point (the assumption above).
                failures = max(n_baseline - n, 0) if d.failure_is_response else 0
                shares.append(
                    ResponderShare(
                        definition=d.id,
                        label=d.label,
                        responders=k,
                        complete_case=k / n if n else None,
                        complete_case_ci=wilson_interval(k, n),
                        missing_as_failure=(k + failures) / n_baseline if n_baseline else None,
                        missing_as_failure_ci=wilson_interval(k + failures, n_baseline),
                    )
                )
            change_mean = _number(r.get("change_mean"))
            change_sd = _number(r.get("change_sd"))
            rows.append(
                OutcomeRow(
                    instrument=code,
                    timepoint=timepoint,
                    higher_is_better=REGISTRY[code].higher_is_better,
                    n_baseline=n_baseline,
                    n_followed=n,
                    completeness=n / n_baseline if n_baseline else None,
                    baseline_all_mean=_number(base.get("baseline_all_mean")),
                    baseline_all_sd=_number(base.get("baseline_all_sd")),
                    baseline_mean=_number(r.get("baseline_mean")),
                    baseline_sd=_number(r.get("baseline_sd")),
                    baseline_median=_number(r.get("baseline_median")),
                    baseline_q1=_number(r.get("baseline_q1")),
                    baseline_q3=_number(r.get("baseline_q3")),
                    followup_mean=_number(r.get("followup_mean")),
                    followup_sd=_number(r.get("followup_sd")),
                    followup_median=_number(r.get("followup_median")),
                    followup_q1=_number(r.get("followup_q1")),
                    followup_q3=_number(r.get("followup_q3")),
                    change_mean=change_mean,
                    change_sd=change_sd,
                    change_ci=t_interval(change_mean, change_sd, n),
                    responders=tuple(shares),
                    wording=group,
                )
            )
    return rows


def patient_changes(scores: Table, *, instrument: str, timepoint: int) -> Table:
    """Per patient with a baseline and a score at ``timepoint`` on ``instrument``: baseline,
    follow-up, change (follow-up − baseline) and percent change of the baseline (null for a
    baseline of 0) — the numbers behind a waterfall plot. An Ibis expression."""
    scores = scores.filter(scores.instrument == instrument)
    base = scores.filter(scores.timepoint == 0).select(
        "patient_id", baseline=scores.score.cast("float64")
    )
    follow = scores.filter(scores.timepoint == timepoint).select(
        "patient_id", followup=scores.score.cast("float64")
    )
    p = base.join(follow, "patient_id")
    change = p.followup - p.baseline
    percent = ibis.ifelse(p.baseline == 0, ibis.null("float64"), change * 100.0 / p.baseline.abs())
    return p.mutate(change=change, percent_change=percent).order_by("patient_id")
