"""What the clinician's screens show, built from stored records: each classification axis
in plain words, scores over time as chart geometry, the readiness checklist.

Nothing here decides anything clinical; it reads the engine's stored result and the rule
sets it names, so the words on screen are the rule set's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from painpath.core.instruments import REGISTRY
from painpath.core.rules import INPUTS, builtin_rulesets
from painpath.core.rules.i18n import rule_text
from painpath.followup import services as followup
from painpath.followup.forms import StartPlanForm
from painpath.pathway.forms import (
    CourseForm,
    ImagingForm,
    MedicationForm,
    ProcedureForm,
    SessionForm,
)
from painpath.pathway.models import Classification, ReadinessItem, TreatmentCourse
from painpath.pathway.services import red_flag_acknowledgement
from painpath.patients.forms import RED_FLAG_QUESTIONS
from painpath.patients.models import Episode

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

NEEDS_PREFIX = "unknown — needs "


def _value_words(value: Any) -> str:
    if value is None:
        return _("not recorded")
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    if isinstance(value, float):
        return f"{value:g}"
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


def _rule_info(ruleset_id: str) -> tuple[dict[str, Any], dict[str, str]]:
    ruleset = builtin_rulesets().get(ruleset_id)
    if ruleset is None:  # a rule set that is no longer shipped: show the stored words only
        return {}, {}
    return {rule.id: rule for rule in ruleset.rules}, {s.id: s.citation for s in ruleset.sources}


def _reads(reads: dict[str, Any]) -> list[Read]:
    return [
        Read(name, describe_input(name), _value_words(value), value is not None, value)
        for name, value in reads.items()
    ]


def axis_card(name: str, axis: dict[str, Any]) -> AxisCard:
    rules, citations = _rule_info(axis.get("ruleset", ""))
    steps = []
    for step in axis.get("trace", ()):
        rule = rules.get(step["rule"])
        explanation = step.get("note") or ""
        source = ""
        if rule is not None:
            explanation = explanation or rule.finding or rule.note or ""
            source = citations.get(rule.source or "", rule.source or "")
        needs = step.get("needs", ())
        steps.append(
            Step(
                rule=step["rule"],
                line=step.get("line", 0),
                outcome=step["outcome"],
                outcome_words=str(OUTCOME_WORDS.get(step["outcome"], step["outcome"])),
                explanation=_words(explanation),
                source=source,
                reads=_reads(step.get("reads", {})),
                needs=[Read(n, describe_input(n), _("not recorded"), False) for n in needs],
            )
        )
    needs = [
        n.removeprefix(NEEDS_PREFIX) if isinstance(n, str) else str(n)
        for n in axis.get("needs", ())
    ]
    return AxisCard(
        axis=name,
        ruleset=axis.get("ruleset", ""),
        version=axis.get("version", ""),
        title=_words(axis.get("title", name)),
        as_of=axis.get("as_of", ""),
        result=axis.get("result", ""),
        label=_words(axis.get("label", "")),
        urgent=bool(axis.get("urgent")),
        fired=list(axis.get("fired", ())),
        findings=[_words(f) for f in axis.get("findings", ())],
        needs=[Read(n, describe_input(n), _("not recorded"), False) for n in needs],
        options=[_words(o) for o in axis.get("options", ())],
        options_note=_words(axis.get("options_note", "")),
        why=[s for s in steps if s.outcome == "fired"],
        other_steps=[s for s in steps if s.outcome != "fired"],
        sources=sorted(set(citations.values())),
    )


def axis_cards(classification: Classification | None) -> dict[str, AxisCard]:
    """Every axis of a stored classification as a card, red flags and stepped care first."""
    if classification is None:
        return {}
    axes = classification.result.get("axes", {})
    ordered = [a for a in AXIS_ORDER if a in axes] + [a for a in axes if a not in AXIS_ORDER]
    return {name: axis_card(name, axes[name]) for name in ordered}


# --------------------------------------------------------------------------- charts

CHART_W, CHART_H = 360, 150
PAD_L, PAD_R, PAD_T, PAD_B = 40, 12, 12, 26


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    date: dt.date
    value: float
    label: str


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
    width: int = CHART_W
    height: int = CHART_H

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)

    @property
    def y_ticks(self) -> list[dict[str, Any]]:
        mid = 0.0 if self.low < 0 < self.high else (self.low + self.high) / 2
        return [
            {"y": _scale_y(v, self.low, self.high), "label": f"{v:g}"}
            for v in (self.high, mid, self.low)
        ]

    @property
    def plot(self) -> dict[str, float]:
        return {"left": PAD_L, "right": CHART_W - PAD_R, "top": PAD_T, "bottom": CHART_H - PAD_B}

    @property
    def summary(self) -> str:
        if not self.points:
            return ""
        first, last = self.points[0], self.points[-1]
        if first is last:
            return _("%(title)s: %(value)s on %(date)s") % {
                "title": self.title,
                "value": first.label,
                "date": first.date.isoformat(),
            }
        return _("%(title)s from %(first)s (%(first_date)s) to %(last)s (%(last_date)s)") % {
            "title": self.title,
            "first": first.label,
            "first_date": first.date.isoformat(),
            "last": last.label,
            "last_date": last.date.isoformat(),
        }


def _scale_y(value: float, low: float, high: float, height: int = CHART_H) -> float:
    span = (high - low) or 1.0
    top, bottom = PAD_T, height - PAD_B
    return bottom - (value - low) / span * (bottom - top)


def _scale_x(day: dt.date, first: dt.date, last: dt.date) -> float:
    left, right = PAD_L + 6, CHART_W - PAD_R - 6
    span = (last - first).days
    if span <= 0:
        return (left + right) / 2
    return left + (day - first).days / span * (right - left)


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 2 else f"{value:.4g}"


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
        first, last = responses[0].answered_on, responses[-1].answered_on
        points = [
            Point(
                _scale_x(r.answered_on, first, last),
                _scale_y(r.score, low, high),
                r.answered_on,
                r.score,
                _fmt(r.score),
            )
            for r in responses
        ]
        rows = [
            {"date": r.answered_on, "score": _fmt(r.score), "band": r.band, "source": r.source}
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
            )
        )
    return charts


SPARK_W, SPARK_H = 120, 32


@dataclass(frozen=True)
class Sparkline:
    before: str
    after: str
    width: int = SPARK_W
    height: int = SPARK_H


def sparkline(values: Sequence[tuple[float | None, float | None]], high: float) -> Sparkline:
    """Two small lines, pain before and after each session, on the scale 0–``high``."""

    def line(series: Iterable[float | None]) -> str:
        pts = [(i, v) for i, v in enumerate(series) if v is not None]
        n = max(len(values) - 1, 1)
        return " ".join(
            f"{2 + i / n * (SPARK_W - 4):.1f},{SPARK_H - 2 - v / high * (SPARK_H - 4):.1f}"
            for i, v in pts
        )

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


def readiness_checklist(episode: Episode, card: AxisCard | None) -> list[ChecklistRow]:
    """The five checklist items with their state, and what the rule set says is missing."""
    stored = {r.item: r for r in episode.readiness.select_related("confirmed_by")}
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


# --------------------------------------------------------------------------- the page


def episode_panel(episode: Episode, classification: Classification | None) -> dict[str, Any]:
    """Everything the patient page shows about one episode (one query set per section)."""
    cards = axis_cards(classification)
    red = cards.pop("red_flags", None)
    stepped = cards.pop("stepped_care", None)
    readiness = cards.pop("readiness", None)
    procedure = getattr(episode, "procedure", None)
    return {
        "episode": episode,
        "classification": classification,
        "red_flag_card": red,
        "red_flag_ack": red_flag_acknowledgement(classification) if classification else None,
        "stepped_card": stepped,
        "readiness_card": readiness,
        "checklist": readiness_checklist(episode, readiness),
        "other_cards": list(cards.values()),
        "charts": score_charts(episode),
        "courses": course_views(episode),
        "imaging": list(episode.imaging.all()),
        "medications": list(episode.medications.all()),
        "procedure": procedure,
        "session_form": SessionForm(episode=episode),
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
