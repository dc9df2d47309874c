"""What the clinician's screens show, built from stored records: each classification axis
in plain words, scores over time as chart geometry, the readiness checklist.

Nothing here decides anything clinical; it reads the engine's stored result and the rule
sets it names, so the words on screen are the rule set's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone, translation
from django.utils.formats import date_format, get_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from painpath.clinic.bands import band_label
from painpath.clinic.subscales import SubscaleValue, subscale_values
from painpath.core import medicines
from painpath.core.charts import Box, Canvas, Frame, extent_ticks, number_label, tick_label
from painpath.core.charts import points as polyline_points
from painpath.core.errors import PainpathError
from painpath.core.instruments import REGISTRY
from painpath.core.outcomes import Change as OutcomeChange
from painpath.core.outcomes import change as outcome_change
from painpath.core.rules import INPUTS, AxisResult, builtin_rulesets
from painpath.core.rules.i18n import rule_text
from painpath.followup import services as followup
from painpath.followup.forms import StartPlanForm
from painpath.pathway.forms import (
    AcknowledgeForm,
    CourseForm,
    ImagingForm,
    MedicationDecisionForm,
    MedicationForm,
    ProcedureForm,
    SessionForm,
)
from painpath.pathway.models import Classification, ReadinessItem, TreatmentCourse
from painpath.pathway.services import (
    latest_classification,
    medication_entry,
    red_flag_acknowledgement,
    step_changes,
)
from painpath.patients.forms import RED_FLAG_QUESTIONS
from painpath.patients.models import Episode, Medication

RED_FLAG_LABELS = dict(RED_FLAG_QUESTIONS)

# The order of the cards: what a clinician acts on first, then the descriptive axes.
AXIS_ORDER = (
    "red_flags",
    "stepped_care",
    "readiness",
    "chronicity_seed004",
    "chronicity_iasp",
    "lbp_duration",
    "mechanism",
    "neuropathic",
    "nociplastic",
    "startback",
    "orebro",
    "icd11_code",
)

OUTCOME_WORDS = {
    "fired": gettext_lazy("applies"),
    "not_fired": gettext_lazy("does not apply"),
    "unknown": gettext_lazy("cannot tell yet"),
    "skipped": gettext_lazy("not looked at (an earlier rule already decided)"),
    "error": gettext_lazy("could not be evaluated"),
}


def _value_words(value: Any) -> str:
    if value is None:
        return _("not recorded")
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, float):
        # The rule trace is read, not parsed: "167,9" on a Danish screen.
        return f"{value:g}".replace(".", str(get_format("DECIMAL_SEPARATOR")))
    if isinstance(value, list):
        return "; ".join(_value_words(v) for v in value) if value else _("none")
    return str(value)


def _words(text: str) -> str:
    """A rule set's English words in the screen's language (painpath.core.rules.i18n)."""
    return rule_text(text, translation.get_language())


def describe_input(name: str) -> str:
    """The input's plain description: the screening question's own words for a red flag,
    else the engine's catalogue (without its pointers to the code), else the name."""
    if name.startswith("rf_") and name[3:] in RED_FLAG_LABELS:
        return str(RED_FLAG_LABELS[name[3:]])
    text = INPUTS.get(name, name.replace("_", " "))
    return _words(text.replace(" (see module docstring)", ""))


@dataclass(frozen=True)
class Read:
    name: str
    description: str
    value: str
    recorded: bool
    raw: Any = None


@dataclass(frozen=True)
class Step:
    rule: str
    line: int
    outcome: str
    outcome_words: str
    explanation: str
    source: str
    reads: list[Read]
    needs: list[Read]
    result: str | None = None
    """The result the rule gave when it fired (a red flag's grade)."""
    heading: str = ""
    """The words of the heading its finding is shown under (the rule set's ``headings``)."""


@dataclass(frozen=True)
class AxisCard:
    axis: str
    ruleset: str
    version: str
    title: str
    as_of: str
    result: str
    label: str
    urgent: bool
    fired: list[str]
    findings: list[str]
    needs: list[Read]
    options: list[str]
    options_note: str
    why: list[Step]
    other_steps: list[Step]
    sources: list[str]

    @property
    def unknown(self) -> bool:
        return self.result == "unknown"

    @property
    def needs_input(self) -> bool:
        """No rule could decide yet, or the rule set names inputs it still lacks: the card
        goes with "needs input", apart from the decided ones."""
        return self.result in ("unknown", "incomplete") or bool(self.needs)

    @property
    def graded_findings(self) -> list[tuple[str, str]]:
        """``(grade, finding)`` per finding; the grade is the one its rule gave (red flags),
        empty where the rule set does not grade."""
        grades = [step.result or "" for step in self.why]
        return list(zip(grades, self.findings, strict=False))

    @property
    def finding_groups(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """``(heading, [(grade, finding), …])``: the findings under the headings their rules
        name (thoughts of self-harm apart from signs of serious pathology), each heading
        where its first finding comes; one group headed "" where the rule set has none."""
        groups: dict[str, list[tuple[str, str]]] = {}
        for index, finding in enumerate(self.findings):
            step = self.why[index] if index < len(self.why) else None
            graded = (step.result or "", finding) if step else ("", finding)
            groups.setdefault(step.heading if step else "", []).append(graded)
        return list(groups.items())


def _rule_info(ruleset_id: str) -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """The shipped rule set's rules by id, its citations by source id and its headings."""
    ruleset = builtin_rulesets().get(ruleset_id)
    if ruleset is None:  # a rule set that is no longer shipped: show the stored words only
        return {}, {}, {}
    return (
        {rule.id: rule for rule in ruleset.rules},
        {s.id: s.citation for s in ruleset.sources},
        dict(ruleset.headings),
    )


def _reads(reads: dict[str, Any]) -> list[Read]:
    return [
        Read(name, describe_input(name), _value_words(value), value is not None, value)
        for name, value in reads.items()
    ]


def axis_card(axis: AxisResult) -> AxisCard:
    rules, citations, headings = _rule_info(axis.ruleset)
    steps = []
    for step in axis.trace:
        rule = rules.get(step.rule)
        explanation = step.note or ""
        source = heading = ""
        if rule is not None:
            explanation = explanation or rule.finding or rule.note or ""
            source = citations.get(rule.source or "", rule.source or "")
            heading = _words(headings.get(rule.heading or "", ""))
        steps.append(
            Step(
                rule=step.rule,
                line=step.line,
                outcome=step.outcome,
                outcome_words=str(OUTCOME_WORDS.get(step.outcome, step.outcome)),
                explanation=_words(explanation),
                source=source,
                reads=_reads(dict(step.reads)),
                needs=_needs(step.needs),
                result=step.result,
                heading=heading,
            )
        )
    return AxisCard(
        axis=axis.axis,
        ruleset=axis.ruleset,
        version=axis.version,
        title=_words(axis.title or axis.axis),
        as_of=date_format(axis.as_of, "SHORT_DATE_FORMAT"),
        result=axis.result,
        label=_words(axis.label),
        urgent=axis.urgent,
        fired=list(axis.fired),
        findings=[_words(f) for f in axis.findings],
        needs=_needs(axis.needs),
        options=[_words(o) for o in axis.options],
        options_note=_words(axis.options_note) if axis.options else "",
        why=[s for s in steps if s.outcome == "fired"],
        other_steps=[s for s in steps if s.outcome != "fired"],
        sources=sorted(set(citations.values())),
    )


def _needs(names: Iterable[str]) -> list[Read]:
    return [Read(name, describe_input(name), _("not recorded"), False) for name in names]


def axis_cards(classification: Classification | None) -> dict[str, AxisCard]:
    """Every axis of a classification as a card, red flags and stepped care first."""
    if classification is None:
        return {}
    axes = classification.axes
    ordered = [a for a in AXIS_ORDER if a in axes] + [a for a in axes if a not in AXIS_ORDER]
    return {name: axis_card(axes[name]) for name in ordered}


# --------------------------------------------------------------------------- charts


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    date: dt.date
    value: float
    label: str


CHART_FRAME = Frame(width=360, height=150, left=40, right=12, top=12, bottom=26)


def _chart_canvas(first: dt.date, last: dt.date, low: float, high: float) -> Canvas:
    """A score chart: days from the first to the last answer across, the instrument's whole
    score range up (from its floor, so a small change does not look like a large one)."""
    return CHART_FRAME.canvas((first.toordinal(), last.toordinal()), (low, high), x_inset=6)


@dataclass(frozen=True)
class Chart:
    code: str
    title: str
    unit: str
    higher_is_better: bool
    low: float
    high: float
    points: list[Point]
    rows: list[dict[str, Any]]
    canvas: Canvas
    subscales: list[SubscaleValue] = field(default_factory=list)
    """The latest response's subscales, named (``clinic.subscales``)."""

    @property
    def width(self) -> int:
        return self.canvas.frame.width

    @property
    def height(self) -> int:
        return self.canvas.frame.height

    @property
    def polyline(self) -> str:
        return polyline_points((p.x, p.y) for p in self.points)

    @property
    def y_ticks(self) -> list[dict[str, Any]]:
        return [
            {"y": self.canvas.y(v), "label": tick_label(v)}
            for v in extent_ticks(self.low, self.high)
        ]

    @property
    def plot(self) -> Box:
        return self.canvas.frame.plot

    @property
    def summary(self) -> str:
        if not self.points:
            return ""
        first, last = self.points[0], self.points[-1]
        if first is last:
            return _("%(title)s: %(value)s on %(date)s") % {
                "title": self.title,
                "value": first.label,
                "date": date_format(first.date, "SHORT_DATE_FORMAT"),
            }
        return _("%(title)s from %(first)s (%(first_date)s) to %(last)s (%(last_date)s)") % {
            "title": self.title,
            "first": first.label,
            "first_date": date_format(first.date, "SHORT_DATE_FORMAT"),
            "last": last.label,
            "last_date": date_format(last.date, "SHORT_DATE_FORMAT"),
        }


def score_charts(episode: Episode) -> list[Chart]:
    """One chart per instrument with a scored response, in the registry's order."""
    by_code: dict[str, list[Any]] = {}
    for response in episode.responses.filter(score__isnull=False).order_by("answered_on", "id"):
        by_code.setdefault(response.instrument, []).append(response)
    charts = []
    for code in [c for c in REGISTRY if c in by_code] + [c for c in by_code if c not in REGISTRY]:
        responses = by_code[code]
        cls = REGISTRY.get(code)
        low, high = cls.score_range if cls else (0.0, max(r.score for r in responses) or 1.0)
        canvas = _chart_canvas(responses[0].answered_on, responses[-1].answered_on, low, high)
        points = [
            Point(
                canvas.x(r.answered_on.toordinal()),
                canvas.y(r.score),
                r.answered_on,
                r.score,
                number_label(r.score),
            )
            for r in responses
        ]
        rows = [
            {
                "date": r.answered_on,
                "score": number_label(r.score),
                "band": band_label(code, r.band) if r.band else "",
                "source": r.source,
            }
            for r in responses
        ]
        charts.append(
            Chart(
                code=code,
                title=cls.title if cls else code,
                unit=cls.score_unit if cls else "",
                higher_is_better=bool(cls and cls.higher_is_better),
                low=float(low),
                high=float(high),
                points=points,
                rows=rows,
                canvas=canvas,
                subscales=subscale_values(
                    code, responses[-1].subscales or {}, score=responses[-1].score
                ),
            )
        )
    return charts


SPARK_FRAME = Frame(width=120, height=32, left=2, right=2, top=2, bottom=2)


@dataclass(frozen=True)
class Sparkline:
    before: str
    after: str
    width: int = SPARK_FRAME.width
    height: int = SPARK_FRAME.height


def sparkline(values: Sequence[tuple[float | None, float | None]], high: float) -> Sparkline:
    """Two small lines, pain before and after each session, on the scale 0–``high``."""
    canvas = SPARK_FRAME.canvas((0, max(len(values) - 1, 1)), (0, high))

    def line(series: Iterable[float | None]) -> str:
        return canvas.points((i, v) for i, v in enumerate(series) if v is not None)

    return Sparkline(line(v[0] for v in values), line(v[1] for v in values))


@dataclass(frozen=True)
class CourseView:
    course: TreatmentCourse
    sessions: list[Any]
    spark: Sparkline | None
    scale: str


def course_views(episode: Episode) -> list[CourseView]:
    views = []
    for course in episode.courses.prefetch_related("sessions__logged_by").order_by("start", "id"):
        sessions = list(course.sessions.all())
        high = 100.0 if course.pain_instrument == "vas" else 10.0
        spark = (
            sparkline([(s.pain_before, s.pain_after) for s in sessions], high)
            if len(sessions) > 1
            else None
        )
        views.append(CourseView(course, sessions, spark, "0–100 mm" if high == 100 else "0–10"))
    return views


# --------------------------------------------------------------------------- readiness

# Which rule of the readiness rule set speaks about which checklist item.
_RULE_ITEMS = {
    "not_booked": ReadinessItem.Item.BOOKED,
    "images_not_requested": ReadinessItem.Item.REQUESTED,
    "images_not_received_in_time": ReadinessItem.Item.RECEIVED,
    "anticoagulant_pause_not_agreed": ReadinessItem.Item.PAUSE,
    "possible_blood_thinner": ReadinessItem.Item.PAUSE,
    "no_companion": ReadinessItem.Item.COMPANION,
}


@dataclass(frozen=True)
class ChecklistRow:
    item: str
    label: str
    state: str
    state_label: str
    date: dt.date | None
    confirmed_by: str
    missing: str


def readiness_checklist(
    episode: Episode, card: AxisCard | None, items: Sequence[ReadinessItem] | None = None
) -> list[ChecklistRow]:
    """The five checklist items with their state, and what the rule set says is missing."""
    if items is None:
        items = list(episode.readiness.select_related("confirmed_by"))
    stored = {r.item: r for r in items}
    missing: dict[str, str] = {}
    if card is not None:
        for step in card.why:
            item = _RULE_ITEMS.get(step.rule)
            if item is not None:
                missing[item] = step.explanation
    rows = []
    for item in ReadinessItem.Item:
        record = stored.get(item.value)
        state = record.state if record else ReadinessItem.State.PENDING
        rows.append(
            ChecklistRow(
                item=item.value,
                label=str(item.label),
                state=state,
                state_label=str(ReadinessItem.State(state).label),
                date=record.date if record else None,
                confirmed_by=record.confirmed_by.get_username()
                if record and record.confirmed_by
                else "",
                missing=missing.get(item.value, ""),
            )
        )
    return rows


# --------------------------------------------------------------------------- blood thinners


@dataclass(frozen=True)
class BloodThinnerRow:
    """One blood thinner on the readiness card: what the pause table says for this procedure
    and what the doctor decided, in the screen's language, with the form to decide."""

    medication: Medication
    drug: str
    to_confirm: bool
    to_confirm_words: str
    advice: str
    decision: str
    settled: bool
    asks: str  # the detail the table answers this drug by: indication / dose / renal_function
    form: MedicationDecisionForm


@dataclass(frozen=True)
class BloodThinnerCard:
    risk_class: str | None
    risk_words: str
    reason: str
    table: str
    source: str
    rows: list[BloodThinnerRow]


def _decision_initial(med: Medication) -> dict[str, Any]:
    return {
        "medication": med.pk,
        "decision": med.decision or Medication.Decision.CONTINUE,
        "days": med.decision_days,
        "reason": med.decision_reason,
        "indication": med.indication,
        "dose_level": med.dose_level,
        "renal_impaired": med.renal_impaired,
    }


def blood_thinner_card(
    episode: Episode,
    as_of: dt.date,
    meds: Sequence[Medication] | None = None,
    items: Sequence[ReadinessItem] | None = None,
) -> BloodThinnerCard | None:
    """The procedure's bleeding-risk class and each blood thinner with the guideline's answer
    and the doctor's decision (``painpath.core.medicines``, the rule set's own source)."""
    procedure = getattr(episode, "procedure", None)
    if procedure is None:
        return None
    if meds is None:
        meds = list(episode.medications.select_related("decided_by").order_by("pk"))
    if items is None:
        items = list(episode.readiness.all())
    ticked = any(
        item.item == ReadinessItem.Item.PAUSE
        and item.state in (ReadinessItem.State.DONE, ReadinessItem.State.NOT_APPLICABLE)
        for item in items
    )
    table = medicines.load_pause_table()
    plan = medicines.plan(
        [medication_entry(med) for med in meds],
        {"kind": procedure.kind, "region": procedure.region},
        as_of,
        pause_agreed_ticked=ticked,
        table=table,
    )
    lang = translation.get_language()
    rows = []
    for drug in plan.drugs:
        med = meds[drug.index]
        row = table.drugs.get(drug.code or "")
        rows.append(
            BloodThinnerRow(
                medication=med,
                drug=drug.code or "",
                to_confirm=drug.to_confirm,
                to_confirm_words=medicines.to_confirm_words(lang),
                advice=drug.advice_words(plan.risk_class, lang),
                decision=drug.decision.words(lang) if drug.decision else "",
                settled=drug.settled,
                asks=(row.by or "") if row else "",
                form=MedicationDecisionForm(
                    initial=_decision_initial(med), auto_id=f"id_m{med.pk}_%s"
                ),
            )
        )
    return BloodThinnerCard(
        risk_class=plan.risk_class,
        risk_words=plan.risk_words(lang),
        reason=table.reason(procedure.kind, translation.get_language()),
        table=table.label,
        source=table.source,
        rows=rows,
    )


def medication_flags(episode: Episode, meds: Sequence[Medication] | None = None) -> dict[int, str]:
    """Medication id → "possible blood thinner — confirm", for each medicine written as free
    text that names a blood thinner and has no decision yet."""
    words = medicines.to_confirm_words(translation.get_language())
    if meds is None:
        meds = list(episode.medications.all())
    found = [(med, medicines.recognise(med.code)) for med in meds]
    # A decision is about the drug: it confirms every entry of it (as in medicines.plan).
    decided = {r.code for med, r in found if r is not None and med.decision}
    return {
        med.pk: words for med, r in found if r is not None and not r.exact and r.code not in decided
    }


# --------------------------------------------------------------------------- above the fold

TREND_FRAME = Frame(width=96, height=28, left=3, right=3, top=3, bottom=3)


@dataclass(frozen=True)
class ScoreTrend:
    """The latest score of one instrument beside its first (the baseline), the change read
    the instrument's way round and whether it reaches the instrument's cited MIC
    (``painpath.core.outcomes.change``), with a small line through every score."""

    code: str
    title: str
    latest: Point
    baseline: Point | None
    change: str
    direction: str  # "better", "worse", "same"; "" with one score
    mic: bool | None  # None: one score, or no MIC cited for the instrument
    mic_value: str
    mic_source: str
    spark: str
    worse_by_mic: bool = False  # a worsening at least as large as the MIC's points
    subscales: list[SubscaleValue] = field(default_factory=list)  # the latest's, named
    width: int = TREND_FRAME.width
    height: int = TREND_FRAME.height

    @property
    def latest_label(self) -> str:
        return _local(self.latest.label)

    @property
    def baseline_label(self) -> str:
        return _local(self.baseline.label) if self.baseline else ""


def _local(number: str) -> str:
    """A number written by ``number_label`` with the screen language's decimal mark."""
    return number.replace(".", str(get_format("DECIMAL_SEPARATOR")))


def _mic_value(absolute: float | None, relative: float | None) -> str:
    parts = []
    if absolute is not None:
        parts.append(_local(number_label(absolute)))
    if relative is not None:
        parts.append(f"{relative * 100:g} %")
    return _(" or ").join(parts)


def score_trends(charts: Sequence[Chart]) -> list[ScoreTrend]:
    trends = []
    for chart in charts:
        first, last = chart.points[0], chart.points[-1]
        canvas = TREND_FRAME.canvas(
            (first.date.toordinal(), max(last.date.toordinal(), first.date.toordinal() + 1)),
            (chart.low, chart.high),
        )
        spark = canvas.points((p.date.toordinal(), p.value) for p in chart.points)
        baseline = first if len(chart.points) > 1 else None
        change, direction, mic, mic_value, mic_source = "", "", None, "", ""
        worse_by_mic = False
        if baseline is not None:
            delta = last.value - first.value
            sign = "+" if delta > 0 else "−" if delta < 0 else "±"
            change = sign + _local(number_label(abs(delta)))
            try:
                found = outcome_change(chart.code, first.value, last.value)
            except PainpathError:  # an instrument the core does not know: no verdict
                found = None
            if found is not None:
                better = found.improvement
                direction = "better" if better > 0 else "worse" if better < 0 else "same"
                mic = found.improved_importantly
                mic_value = _mic_value(found.mic_absolute, found.mic_relative)
                mic_source = found.mic_source or ""
                worse_by_mic = worsening_reaches_mic(found)
                if better < 0:
                    # The MIC is a threshold for improvement: a worsening "below the MIC"
                    # reads as unimportant. Only its size beside the MIC's points is said.
                    mic = None
                    mic_value = _mic_value(found.mic_absolute, None)
        trends.append(
            ScoreTrend(
                code=chart.code,
                title=chart.title,
                latest=last,
                baseline=baseline,
                change=change,
                direction=direction,
                mic=mic,
                mic_value=mic_value,
                mic_source=mic_source,
                spark=spark,
                worse_by_mic=worse_by_mic,
                subscales=chart.subscales,
            )
        )
    return trends


def worsening_reaches_mic(found: OutcomeChange) -> bool:
    """Whether a worsening is at least the instrument's absolute MIC in size (the relative
    MIC is a share of the room left for improvement, so it does not measure a worsening)."""
    return (
        found.improvement < 0
        and found.mic_absolute is not None
        and -found.improvement >= found.mic_absolute
    )


@dataclass(frozen=True)
class ThinnerLine:
    """A blood thinner of the episode on the first screen: what it is and where the
    decision before a procedure stands."""

    name: str
    words: str
    settled: bool
    to_confirm: str


def blood_thinner_lines(
    medications: Sequence[Medication], card: BloodThinnerCard | None
) -> list[ThinnerLine]:
    """Each medicine marked as an anticoagulant or recognised as a blood thinner; with a
    procedure booked, the table's advice or the doctor's decision from its card."""
    if card is not None:
        return [
            ThinnerLine(
                row.medication.code,
                # The table's answer is a suggestion: said in words, not only by the badge's
                # colour, so it never reads as an agreed pause (painpath does not prescribe).
                row.decision
                or _("Not decided — the pause table suggests: %(advice)s") % {"advice": row.advice},
                row.settled,
                row.to_confirm_words if row.to_confirm else "",
            )
            for row in card.rows
        ]
    lines = []
    words = medicines.to_confirm_words(translation.get_language())
    for med in medications:
        found = medicines.recognise(med.code)
        if found is None and not med.anticoagulant:
            continue
        pause = ""
        if med.pause_agreed_days is not None:
            pause = ngettext(
                "pause of %(days)s day agreed",
                "pause of %(days)s days agreed",
                med.pause_agreed_days,
            ) % {"days": med.pause_agreed_days}
        confirm = words if found is not None and not found.exact and not med.decision else ""
        lines.append(ThinnerLine(med.code, pause, bool(med.decision), confirm))
    return lines


@dataclass(frozen=True)
class NextPoint:
    months: int
    target: dt.date
    overdue: bool


def next_followup(card: dict[str, Any], today: dt.date) -> NextPoint | None:
    """The earliest follow-up time point still open in an active plan."""
    points = [
        NextPoint(view.point.months, view.point.target, view.overdue)
        for plan in card["plans"]
        if plan.plan.status == "active"
        for view in plan.points
        if view.point.status in ("scheduled", "sent")
    ]
    return min(points, key=lambda p: p.target, default=None)


def overview(panel: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """What the first screen shows, from the panel's own sections (no query of its own)."""
    procedure = panel["procedure"]
    missing = [row for row in panel["checklist"] if row.missing] if procedure else []
    days = None
    if procedure is not None and procedure.appointment_date:
        days = (procedure.appointment_date - today).days
    return {
        "trends": score_trends(panel["charts"]),
        "thinners": blood_thinner_lines(panel["medications"], panel["blood_thinners"]),
        "next_followup": next_followup(panel["followup"], today),
        "procedure_days": days,
        "procedure_days_ago": -days if days is not None and days < 0 else None,
        "procedure_missing": missing,
        "decided_cards": [card for card in panel["other_cards"] if not card.needs_input],
        "input_cards": [card for card in panel["other_cards"] if card.needs_input],
    }


# --------------------------------------------------------------------------- the page


SESSION_IDS = "id_session_%s"

STEP_CHANGES_SHOWN = 10
"""The newest step changes the stepped-care card lists (the history holds the rest)."""


def episode_panel(episode: Episode, classification: Classification | None) -> dict[str, Any]:
    """Everything the patient page shows about one episode (one query set per section).

    ``classification`` may be today's unsaved rerun (see ``current_classification``); an
    acknowledgement then goes to the latest stored run, which holds the same red flags
    (``stored``)."""
    cards = axis_cards(classification)
    red = cards.pop("red_flags", None)
    stepped = cards.pop("stepped_care", None)
    readiness = cards.pop("readiness", None)
    procedure = getattr(episode, "procedure", None)
    # Read once for the checklist, the blood-thinner card and the medication list.
    meds = list(episode.medications.select_related("decided_by").order_by("pk"))
    items = list(episode.readiness.select_related("confirmed_by"))
    stored = classification
    if classification is not None and classification.pk is None:
        stored = latest_classification(episode)
    return {
        "episode": episode,
        "classification": classification,
        "stored_classification": stored,
        "red_flag_card": red,
        "red_flag_ack": red_flag_acknowledgement(classification) if classification else None,
        "ack_form": AcknowledgeForm(),
        "stepped_card": stepped,
        "stepped_changes": step_changes(episode, current=classification, limit=STEP_CHANGES_SHOWN)
        if stepped
        else [],
        "readiness_card": readiness,
        "checklist": readiness_checklist(episode, readiness, items),
        "other_cards": list(cards.values()),
        "charts": score_charts(episode),
        "courses": course_views(episode),
        "imaging": list(episode.imaging.all()),
        "medications": meds,
        "medication_flags": medication_flags(episode, meds),
        "blood_thinners": blood_thinner_card(
            episode, classification.as_of if classification else timezone.localdate(), meds, items
        ),
        "procedure": procedure,
        # Its own ids: the page holds other forms with a date or a dose field.
        "session_form": SessionForm(episode=episode, auto_id=SESSION_IDS),
        "course_form": CourseForm(),
        "imaging_form": ImagingForm(),
        "medication_form": MedicationForm(),
        "procedure_form": ProcedureForm(instance=procedure),
        "followup": followup_card(episode),
    }


def followup_card(episode: Episode) -> dict[str, Any]:
    """The follow-up card: every plan with its points, and the form to start one."""
    plans = followup.plans_of(episode)
    active = any(view.plan.status == "active" for view in plans)
    return {
        "plans": plans,
        "active": active,
        "start_form": None if active else StartPlanForm(episode=episode),
    }
