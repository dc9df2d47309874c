"""The classification workbench on the registry's pooled data (issue 16, docs/workbench.md
"In the registry"): draft rule sets, any rule set applied to the pooled baseline, and the
workbench report — prognostic validity, latent classes and agreement — under the registry's
disclosure control.

Everything runs in the request on bounded sizes (``MAX_LCA_PATIENTS``, ``MAX_CLASSES``): the
pooled tables are read once per report, the latent class models are fitted by the core's EM
(:mod:`painpath.core.workbench.lca`). The figures come from the core
(:mod:`painpath.core.workbench.validity`, ``lca``); this module chooses the data, applies the
rule sets, and withholds what concerns fewer than *k* persons."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from painpath.audit.services import Event, record
from painpath.core.analytics.disclosure import DisclosurePolicy, suppress_cells
from painpath.core.errors import PainpathError
from painpath.core.registry.schema import AXIS_PREFIX
from painpath.core.rules import RuleSet, RuleSetError, builtin_rulesets, load_ruleset_text
from painpath.core.rules.model import NOT_APPLICABLE, UNKNOWN
from painpath.core.workbench.axes import (
    FROM_ANSWERS,
    SCORE_FIELDS,
    AxisNeedsInputs,
    baseline_questionnaires,
    inputs_of,
)
from painpath.core.workbench.lca import Agreement, Kind, LcaResult, agreement, fit_lca
from painpath.core.workbench.validity import (
    NetReclassification,
    Validity,
    class_validity,
    net_reclassification,
    person_ids,
    protect,
    responders,
)
from painpath.registry.models import PooledAnswer, PooledScore, Registry
from painpath.registry.services import pooled_scores
from painpath.registry.workbench_models import DraftRuleSet

DRAFT_UPLOADED = Event("registry.workbench.draft_uploaded", "create")
DRAFTS_VIEWED = Event("registry.workbench.drafts_viewed", "view")
REPORT_VIEWED = Event("registry.workbench.viewed", "view")
REPORT_EXPORTED = Event("registry.workbench.exported", "export")

MAX_LCA_PATIENTS = 20_000
"""In the request: 20,000 × 20 items for 1–5 classes took 38 s (docs/performance.md)."""
MAX_CLASSES = 6
MAX_YAML_BYTES = 200_000
TIMEPOINTS = (3, 6, 12)
NO_CLASS = frozenset({UNKNOWN, NOT_APPLICABLE})
"""Rule results that place a patient in no class: left out as patients without a class."""


class WorkbenchError(PainpathError, ValueError):
    """A workbench request the registry's data cannot answer; the message says what and why."""


# --------------------------------------------------------------------------- draft rule sets


def upload_draft(
    registry: Registry,
    text: str,
    *,
    filename: str = "draft.yaml",
    user: Any = None,
    request: HttpRequest | None = None,
) -> tuple[DraftRuleSet, bool]:
    """Check ``text`` with the rule engine's loader and keep it as a draft of ``registry``;
    (draft, created). The same name and version again: unchanged if the content is the
    same, refused otherwise (a version means one content). :class:`RuleSetError` names the
    line and rule of what is wrong; nothing is stored then."""
    if len(text.encode("utf-8")) > MAX_YAML_BYTES:
        raise WorkbenchError(
            _("%(file)s: larger than %(kb)s kB") % {"file": filename, "kb": MAX_YAML_BYTES // 1000}
        )
    ruleset = load_ruleset_text(text, f"draft {filename}")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    existing = DraftRuleSet.objects.filter(
        registry=registry, name=ruleset.id, version=ruleset.version
    ).first()
    if existing is not None:
        if existing.sha256 == digest:
            return existing, False
        raise WorkbenchError(
            _(
                "%(file)s: draft %(id)s version %(version)s exists with other content; give "
                "the changed rule set a new version"
            )
            % {"file": filename, **_named(ruleset)}
        )
    try:
        with transaction.atomic():
            draft = DraftRuleSet.objects.create(
                registry=registry,
                name=ruleset.id,
                version=ruleset.version,
                axis=ruleset.axis,
                title=ruleset.title[:300],
                text=text,
                sha256=digest,
                uploaded_by=user if getattr(user, "pk", None) else None,
            )
            record(
                request,
                DRAFT_UPLOADED,
                user=user,
                obj=draft,
                object_type="draft_ruleset",
                registry=registry.code,
                ruleset=ruleset.id,
                version=ruleset.version,
                sha256=digest,
            )
    except IntegrityError:
        # Sent twice at once: the other request stored it.
        raise WorkbenchError(
            f"{filename}: draft {ruleset.id} version {ruleset.version} was stored meanwhile"
        ) from None
    return draft, True


def draft_ruleset(draft: DraftRuleSet) -> RuleSet:
    return load_ruleset_text(draft.text, f"draft {draft.name} {draft.version}")


# --------------------------------------------------------------------------- classifications


@dataclass(frozen=True)
class Choice:
    """A classification the workbench can validate, as the form names it."""

    key: str
    """``column:AXIS`` (stored ``axis_AXIS``), ``shipped:ID``, ``draft:PK`` or ``lca``."""
    label: str


def choices(registry: Registry) -> list[Choice]:
    shipped = builtin_rulesets().values()
    stored = {rs.axis for rs in shipped} | stored_axes(registry)
    out = [
        Choice(f"column:{axis}", _("%(axis)s (stored)") % {"axis": f"{AXIS_PREFIX}{axis}"})
        for axis in sorted(stored)
    ]
    out += [
        Choice(f"shipped:{rs.id}", _("%(id)s %(version)s (shipped)") % _named(rs)) for rs in shipped
    ]
    out += [
        Choice(
            f"draft:{d.pk}", _("%(id)s %(version)s (draft)") % {"id": d.name, "version": d.version}
        )
        for d in DraftRuleSet.objects.filter(registry=registry).order_by("name", "version")
    ]
    return [*out, Choice("lca", _("latent classes"))]


def _named(ruleset: RuleSet) -> dict[str, str]:
    return {"id": ruleset.id, "version": ruleset.version}


def stored_axes(registry: Registry) -> set[str]:
    """The axes the pooled rows hold a stored result for (``axis_<name>`` of the extract)."""
    found = PooledScore.objects.filter(site__registry=registry, timepoint=0)
    # A site sends the same axes on every row: the distinct objects are few.
    return {name for axes in found.values_list("axes", flat=True).distinct() for name in axes}


def ruleset_inputs(ruleset: RuleSet, by_axis: Mapping[str, RuleSet]) -> list[str]:
    """The inputs ``ruleset`` reads, through the shipped rule sets of the axes it reads."""
    names: list[str] = []
    for name in ruleset.inputs:
        axis = name.removeprefix("axis_")
        if name.startswith("axis_") and axis in by_axis and by_axis[axis] is not ruleset:
            names += ruleset_inputs(by_axis[axis], by_axis)
        else:
            names.append(name)
    return names


def lacking_inputs(ruleset: RuleSet) -> list[str]:
    """The inputs ``ruleset`` reads that the pooled baseline scores and item answers cannot
    fill."""
    by_axis = {rs.axis: rs for rs in builtin_rulesets().values()} | {ruleset.axis: ruleset}
    inputs = sorted(set(ruleset_inputs(ruleset, by_axis)))
    return [name for name in inputs if name not in FROM_ANSWERS]


def shipped_from_pooled() -> list[tuple[RuleSet, list[str]]]:
    """Each shipped rule set with the inputs the pooled data lack for it (none: computable)."""
    return [(rs, lacking_inputs(rs)) for rs in builtin_rulesets().values()]


def apply_ruleset(
    ruleset: RuleSet,
    baseline: Mapping[str, Mapping[str, float]],
    *,
    as_of: dt.date,
    answers: Mapping[str, Mapping[str, Mapping[str, str]]] | None = None,
) -> dict[str, str]:
    """Each patient's result of ``ruleset`` (shipped or draft) from their baseline instrument
    totals (``baseline``: patient → instrument → score) and item answers (``answers``: patient
    → instrument → item → answer; scored for the subscales, as the clinic scores them);
    patients without every input it reads are left out. :class:`AxisNeedsInputs` names the
    inputs the pooled data lack."""
    from painpath.core.rules import classify

    by_axis = {rs.axis: rs for rs in builtin_rulesets().values()} | {ruleset.axis: ruleset}
    inputs = sorted(set(ruleset_inputs(ruleset, by_axis)))
    lacking = lacking_inputs(ruleset)
    if lacking:
        held = ", ".join(sorted(FROM_ANSWERS))
        raise AxisNeedsInputs(
            _(
                "%(id)s %(version)s (axis %(axis)s) needs %(lacking)s, which the registry's "
                "pooled data do not hold: their baseline scores and item answers fill "
                "%(held)s"
            )
            % {**_named(ruleset), "axis": ruleset.axis, "lacking": ", ".join(lacking), "held": held}
        )
    docs = baseline_questionnaires(answers or {}, baseline)
    out: dict[str, str] = {}
    for patient, given in inputs_of(inputs, docs).items():
        result = classify({"questionnaires": given}, as_of=as_of, rulesets=[ruleset])
        out[patient] = result[ruleset.axis].result
    return out


def baseline_answers(registry: Registry) -> dict[str, dict[str, dict[str, str]]]:
    """Patient → instrument → item → baseline (time point 0) answer, of the instruments
    whose scores or subscales the rule sets read."""
    rows = PooledAnswer.objects.filter(
        site__registry=registry, timepoint=0, instrument__in=list(SCORE_FIELDS)
    )
    out: dict[str, dict[str, dict[str, str]]] = {}
    for patient, instrument, item, value in rows.values_list(
        "patient_id", "instrument", "item", "value"
    ).iterator():
        out.setdefault(patient, {}).setdefault(instrument, {})[item] = value
    return out


def baseline_totals(scores: pl.DataFrame) -> dict[str, dict[str, float]]:
    """Patient → instrument → baseline (time point 0) score."""
    out: dict[str, dict[str, float]] = {}
    rows = scores.filter((pl.col("timepoint") == 0) & pl.col("score").is_not_null())
    for patient, instrument, score in rows.select("patient_id", "instrument", "score").iter_rows():
        out.setdefault(patient, {})[instrument] = float(score)
    return out


def stored_axis(scores: pl.DataFrame, axis: str) -> dict[str, str]:
    column = f"{AXIS_PREFIX}{axis}"
    if column not in scores.columns:
        raise WorkbenchError(
            _("no pooled row has a stored %(column)s: no site sent that axis") % {"column": column}
        )
    rows = scores.select("patient_id", column).drop_nulls(column).unique("patient_id")
    return dict(rows.iter_rows())


# --------------------------------------------------------------------------- latent classes


@dataclass(frozen=True)
class LcaQuery:
    items: tuple[str, ...]
    """Categorical: answers as ``INSTRUMENT.ITEM``; continuous: instrument codes (totals)."""
    kind: str = "categorical"
    classes: tuple[int, int] = (1, 4)
    seed: int = 1


def lca_matrix(
    registry: Registry, scores: pl.DataFrame, query: LcaQuery
) -> tuple[list[str], np.ndarray]:
    """Patients × items at baseline (NaN where not answered): every patient with at least
    one of the items, kept with their missing answers (full information ML)."""
    values: dict[str, dict[str, float]] = {}
    if query.kind == "continuous":
        totals = baseline_totals(scores)
        for patient, by_code in totals.items():
            found = {item: by_code[item] for item in query.items if item in by_code}
            if found:
                values[patient] = found
    else:
        wanted = {tuple(item.split(".", 1)) for item in query.items}
        if any(len(w) != 2 for w in wanted):
            raise WorkbenchError(_("items: name each answer as INSTRUMENT.ITEM (odi.odi1)"))
        rows = PooledAnswer.objects.filter(site__registry=registry, timepoint=0).filter(
            instrument__in={w[0] for w in wanted}, item__in={w[1] for w in wanted}
        )
        for patient, instrument, item, value in rows.values_list(
            "patient_id", "instrument", "item", "value"
        ).iterator():
            if (instrument, item) not in wanted:
                continue
            try:
                number = float(value)
            except ValueError:
                raise WorkbenchError(
                    _("item %(item)s: answer %(value)s is not a number")
                    % {"item": f"{instrument}.{item}", "value": repr(value[:20])}
                ) from None
            values.setdefault(patient, {})[f"{instrument}.{item}"] = number
    present = {item for found in values.values() for item in found}
    absent = [item for item in query.items if item not in present]
    if absent:
        raise WorkbenchError(
            _("items: no pooled baseline answer for %(items)s") % {"items": ", ".join(absent)}
        )
    ids = sorted(values)
    if len(ids) > MAX_LCA_PATIENTS:
        raise WorkbenchError(
            _(
                "%(n)s patients; the workbench page fits at most %(most)s (use 'painpath "
                "workbench lca' on an export)"
            )
            % {"n": len(ids), "most": MAX_LCA_PATIENTS}
        )
    data = np.array(
        [[values[p].get(item, np.nan) for item in query.items] for p in ids], dtype=float
    ).reshape(len(ids), len(query.items))
    return ids, data


# --------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class Query:
    classification: str
    outcome: str
    timepoint: int
    responder: str = "mic"
    second: str = ""
    lca: LcaQuery | None = None
    seed: int = 1


@dataclass(frozen=True)
class ModelRow:
    classes: int
    bic: float
    entropy: float | None
    smallest_class_share: float | None
    """None: withheld (the smallest class has fewer than k patients)."""
    converged: bool
    chosen: bool


@dataclass(frozen=True)
class ProfileView:
    cls: int
    share: float | None
    n: int | None
    items: dict[str, dict[str, float]] | None
    withheld: bool


@dataclass(frozen=True)
class CrossTable:
    ari: float | None
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[int | None, ...], ...]
    """Patients per (row class, column class); None: withheld."""
    n: int

    @property
    def labelled(self) -> list[tuple[str, tuple[int | None, ...]]]:
        return list(zip(self.rows, self.cells, strict=True))


@dataclass
class WorkbenchReport:
    registry: Registry
    k: int
    query: Query
    label: str
    second_label: str = ""
    validity: Validity | None = None
    nri: NetReclassification | None = None
    nri_n: int = 0
    models: tuple[ModelRow, ...] = ()
    profiles: tuple[ProfileView, ...] = ()
    lca_items: tuple[str, ...] = ()
    lca_kind: str = ""
    lca_n: int = 0
    lca_missing: float = 0.0
    agreement: CrossTable | None = None
    withheld_any: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """What the audit entry keeps of the request (no figure)."""
        return {
            "registry": self.registry.code,
            "classification": self.query.classification,
            "second": self.query.second,
            "outcome": self.query.outcome,
            "timepoint": self.query.timepoint,
            "responder": self.query.responder,
            "lca_items": list(self.lca_items),
            "disclosure_k": self.k,
        }


def _label(registry: Registry, key: str) -> str:
    for choice in choices(registry):
        if choice.key == key:
            return choice.label
    raise WorkbenchError(f"classification {key[:60]!r}: not one the workbench knows")


def _classify(
    registry: Registry,
    key: str,
    scores: pl.DataFrame,
    query: Query,
    report: WorkbenchReport,
) -> dict[str, str]:
    if key.startswith("column:"):
        return stored_axis(scores, key.removeprefix("column:"))
    if key.startswith("shipped:"):
        ruleset = builtin_rulesets().get(key.removeprefix("shipped:"))
        if ruleset is None:
            raise WorkbenchError(f"classification {key[:60]!r}: no such shipped rule set")
        return apply_ruleset(
            ruleset,
            baseline_totals(scores),
            as_of=dt.date.today(),
            answers=baseline_answers(registry),
        )
    if key.startswith("draft:"):
        draft = DraftRuleSet.objects.filter(registry=registry, pk=key.removeprefix("draft:"))
        found = draft.first() if key.removeprefix("draft:").isdigit() else None
        if found is None:
            raise WorkbenchError(f"classification {key[:60]!r}: no such draft in this registry")
        return apply_ruleset(
            draft_ruleset(found),
            baseline_totals(scores),
            as_of=dt.date.today(),
            answers=baseline_answers(registry),
        )
    if key == "lca":
        return _latent_classes(registry, scores, query, report)
    raise WorkbenchError(f"classification {key[:60]!r}: not one the workbench knows")


def _latent_classes(
    registry: Registry, scores: pl.DataFrame, query: Query, report: WorkbenchReport
) -> dict[str, str]:
    if query.lca is None or not query.lca.items:
        raise WorkbenchError(_("latent classes: choose the baseline items to fit them on"))
    lca = query.lca
    low, high = lca.classes
    if not 1 <= low <= high <= MAX_CLASSES:
        raise WorkbenchError(f"classes: a range within 1..{MAX_CLASSES}, as 1..4")
    ids, data = lca_matrix(registry, scores, lca)
    kind: Kind = "continuous" if lca.kind == "continuous" else "categorical"
    result = fit_lca(data, lca.items, kind=kind, classes=range(low, high + 1), seed=lca.seed)
    persons = person_ids(scores, ids)
    _protect_lca(report, result, ids, persons)
    return {p: str(c) for p, c in zip(ids, result.assignments, strict=True)}


def _protect_lca(
    report: WorkbenchReport,
    result: LcaResult,
    ids: Sequence[str],
    persons: Sequence[str | None] | None,
) -> None:
    policy = DisclosurePolicy(report.k)
    n = len(ids)
    units = [p if p is not None else ("episode", i) for i, p in enumerate(persons or ids)]
    counts = {
        profile.cls: len({units[i] for i in np.flatnonzero(result.assignments == profile.cls)})
        for profile in result.profiles
    }
    hidden = suppress_cells(counts, [list(counts)], policy)
    report.profiles = tuple(
        ProfileView(p.cls, None, None, None, True)
        if p.cls in hidden
        else ProfileView(p.cls, p.share, p.n, p.items, False)
        for p in result.profiles
    )
    report.models = tuple(
        ModelRow(
            classes=m.classes,
            bic=m.bic,
            entropy=m.entropy,
            smallest_class_share=None
            if policy.too_small(round(m.smallest_class_share * n))
            else m.smallest_class_share,
            converged=m.converged,
            chosen=m.classes == result.chosen,
        )
        for m in result.models
    )
    report.lca_items, report.lca_kind = result.items, result.kind
    report.lca_n, report.lca_missing = n, result.missing_share
    report.withheld_any |= bool(hidden) or any(
        m.smallest_class_share is None for m in report.models
    )


def _cross_table(found: Agreement, k: int) -> CrossTable:
    policy = DisclosurePolicy(k)
    counts = {
        (r, c): found.table[i][j]
        for i, r in enumerate(found.rows)
        for j, c in enumerate(found.columns)
    }
    groups = [[(r, c) for c in found.columns] for r in found.rows]
    groups += [[(r, c) for r in found.rows] for c in found.columns]
    hidden = suppress_cells(counts, groups, policy)
    n = sum(counts.values())
    return CrossTable(
        ari=None if policy.too_small(n) else found.ari,
        rows=found.rows,
        columns=found.columns,
        cells=tuple(
            tuple(None if (r, c) in hidden else counts[(r, c)] for c in found.columns)
            for r in found.rows
        ),
        n=n,
    )


def workbench_report(registry: Registry, query: Query) -> WorkbenchReport:
    """The workbench report of ``query`` on ``registry``'s pooled sites, under its k."""
    report = WorkbenchReport(
        registry=registry, k=registry.k, query=query, label=_label(registry, query.classification)
    )
    if query.timepoint not in TIMEPOINTS:
        raise WorkbenchError(f"time point {query.timepoint}: one of 3, 6 or 12 months")
    scores = pooled_scores(registry)
    if scores.height == 0:
        raise WorkbenchError(_("the registry holds no pooled rows yet"))
    paired = responders(
        scores, instrument=query.outcome, timepoint=query.timepoint, definition=query.responder
    )
    if paired.height == 0:
        raise WorkbenchError(
            _("no pooled patient has %(outcome)s at baseline and at month %(month)s")
            % {"outcome": query.outcome, "month": query.timepoint}
        )
    classes = _classify(registry, query.classification, scores, query, report)
    ids = [str(p) for p in paired["patient_id"].to_list()]
    flags = paired["responder"].to_list()
    validity = class_validity(
        [classes.get(p) if classes.get(p) not in NO_CLASS else None for p in ids],
        flags,
        paired["followup"].to_list(),
        paired["baseline"].to_list(),
        seed=query.seed,
        persons=person_ids(scores, ids),
    )
    report.validity = protect(validity, registry.k)
    report.withheld_any |= report.validity.withheld or any(
        c.withheld for c in report.validity.per_class
    )
    if query.second:
        report.second_label = _label(registry, query.second)
        other = _classify(registry, query.second, scores, query, report)
        _compare(report, classes, other, dict(zip(ids, flags, strict=True)))
    return report


def _compare(
    report: WorkbenchReport,
    classes: Mapping[str, str],
    other: Mapping[str, str],
    flags: Mapping[str, bool],
) -> None:
    policy = DisclosurePolicy(report.k)
    both = sorted(
        p for p in classes.keys() & other.keys() if {classes[p], other[p]}.isdisjoint(NO_CLASS)
    )
    if not both:
        report.notes.append(_("no patient has both classifications"))
        return
    report.agreement = _cross_table(
        agreement([classes[p] for p in both], [other[p] for p in both]), report.k
    )
    report.withheld_any |= report.agreement.ari is None or any(
        cell is None for row in report.agreement.cells for cell in row
    )
    paired = [p for p in both if p in flags]
    report.nri_n = len(paired)
    if policy.too_small(len(paired)):
        report.withheld_any = True
        return
    try:
        report.nri = net_reclassification(
            [other[p] for p in paired], [classes[p] for p in paired], [flags[p] for p in paired]
        )
    except PainpathError as error:
        report.notes.append(str(error))


__all__ = [
    "DRAFT_UPLOADED",
    "REPORT_EXPORTED",
    "REPORT_VIEWED",
    "Choice",
    "LcaQuery",
    "Query",
    "RuleSetError",
    "WorkbenchError",
    "WorkbenchReport",
    "apply_ruleset",
    "choices",
    "upload_draft",
    "workbench_report",
]
