"""The one-page summary of an episode, for the clinic's own record system: a page to read, a
PDF to file and plain text to paste.

:func:`summary_data` gathers everything into one frozen :class:`Summary`; the page, the PDF
(WeasyPrint, as the outcome report) and the text (:func:`summary_text`) are all drawn from it,
so the three never disagree. More of the record (clinical notes, diagnoses, work status,
opioid dose, allergies) joins as :class:`Section` rows: see :data:`SECTION_PROVIDERS`.

Reading only: each of the three writes its audit entry and nothing else. The classification
is the one the patient page shows (today's rerun unsaved when the stored one is older).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from painpath import __version__
from painpath.audit.services import Event, record
from painpath.clinic.answers import (
    BodyView,
    body_views,
    clinical_reading,
    duration_words,
    number,
    pattern_words,
    region_words,
    score_number,
    screen_language,
    treatment_answers,
)
from painpath.clinic.bands import band_label
from painpath.clinic.display import AXIS_ORDER, axis_card, worsening_reaches_mic
from painpath.clinic.subscales import SubscaleValue, subscale_values
from painpath.core import medicines, opioids, vocabularies
from painpath.core import questionnaires as fhir
from painpath.core.errors import PainpathError
from painpath.core.instruments import REGISTRY
from painpath.core.outcomes import change as outcome_change
from painpath.core.rules import AxisResult
from painpath.core.rules.i18n import rule_text
from painpath.pathway.models import Classification
from painpath.pathway.services import age_today, current_classification, red_flag_acknowledgement
from painpath.patients import access
from painpath.patients.forms import REGION_LABELS
from painpath.patients.models import Episode

SUMMARY_VIEWED = Event("clinic.summary.viewed", "view")
SUMMARY_EXPORTED = Event("clinic.summary.exported", "export")

CSS = Path(__file__).parent / "static" / "clinic" / "summary-document.css"


@dataclass(frozen=True)
class Line:
    """One line of a section: a label and its value (either may be empty)."""

    label: str
    value: str
    warn: bool = False


@dataclass(frozen=True)
class Section:
    """A titled block of lines, for what other parts of the record add to the summary."""

    title: str
    lines: tuple[Line, ...]
    note: str = ""


@dataclass(frozen=True)
class ScoreLine:
    code: str
    title: str
    current: str
    current_date: dt.date
    band: str
    baseline: str
    baseline_date: dt.date | None
    change: str
    """The change since the baseline, signed, with its direction in words; empty with one
    answer only."""
    important: bool | None
    """Whether the change reaches the instrument's minimal important change (improvement
    only); None when there is no change to judge or no MIC."""
    worse_by_mic: bool = False
    """A worsening at least the MIC's points in size (said as such, never "below the MIC")."""
    subscales: tuple[SubscaleValue, ...] = ()
    """The latest response's subscales, named, each with its band where the source bands it."""


@dataclass(frozen=True)
class AxisLine:
    axis: str
    title: str
    label: str
    ruleset: str
    version: str
    urgent: bool
    unknown: bool


@dataclass(frozen=True)
class RedFlagLine:
    grade: str
    finding: str
    heading: str = ""
    """The heading its rule shows it under (thoughts of self-harm apart from signs of
    serious pathology), in the reader's language; consecutive lines share it."""


@dataclass(frozen=True)
class MedicineLine:
    name: str
    blood_thinner: bool
    possible_blood_thinner: bool
    decision: str


@dataclass(frozen=True)
class TreatmentLine:
    what: str
    start: dt.date | None
    detail: str


@dataclass(frozen=True)
class Summary:
    clinic: str
    clinic_phone: str
    patient: str
    synthetic: bool
    cpr: str
    born: dt.date
    age: int | None
    sex: str
    complaint: str
    region: str
    onset: dt.date | None
    opened: dt.date
    pain_regions: list[str]
    body: list[BodyView]
    duration: str
    pattern: str
    red_flag_grade: str | None
    red_flags: list[RedFlagLine]
    red_flag_ack: str
    scores: list[ScoreLine]
    axes: list[AxisLine]
    step: str
    readiness: str
    readiness_missing: list[str]
    appointment: dt.date | None
    medicines: list[MedicineLine]
    treatments: list[TreatmentLine]
    earlier_treatments: list[str]
    as_of: dt.date | None
    sections: list[Section] = field(default_factory=list)
    """What other parts of the record add (see :data:`SECTION_PROVIDERS`), in that order."""

    @property
    def blood_thinners(self) -> list[MedicineLine]:
        return [m for m in self.medicines if m.blood_thinner or m.possible_blood_thinner]


SectionProvider = Callable[[Episode], "Section | None"]

SECTION_PROVIDERS: list[SectionProvider] = []
"""Functions ``episode -> Section | None`` that add their part of the record to the summary,
shown after the treatments in the page, the PDF and the text, in this order. The clinical
record (notes, ICD-10 diagnoses, work status, opioid dose as OME, allergies) adds its sections
here: append a provider (or call :func:`add_section_provider`) in the module that owns that
data. A provider reads through the episode it is given (already clinic-scoped) and returns
None when it has nothing to say."""


def add_section_provider(provider: SectionProvider) -> SectionProvider:
    """Register ``provider`` once (usable as a decorator)."""
    if provider not in SECTION_PROVIDERS:
        SECTION_PROVIDERS.append(provider)
    return provider


# --------------------------------------------------------------------------- building


def _words(text: str) -> str:
    return rule_text(text, translation.get_language())


def _title(code: str) -> str:
    try:
        return str(fhir.load(code, screen_language())["title"])
    except PainpathError:
        cls = REGISTRY.get(code)
        return cls.title if cls else code.upper()


def _signed(value: float) -> str:
    if abs(value) < 1e-9:
        return score_number(0)
    return f"{'+' if value > 0 else '−'}{score_number(abs(value))}"


def score_lines(episode: Episode) -> list[ScoreLine]:
    """Per instrument with a score: the latest, the first (the baseline) and the change, in
    the registry's order."""
    by_code: dict[str, list[Any]] = {}
    for response in episode.responses.filter(score__isnull=False).order_by("answered_on", "id"):
        by_code.setdefault(response.instrument, []).append(response)
    lines = []
    for code in [c for c in REGISTRY if c in by_code] + [c for c in by_code if c not in REGISTRY]:
        first, last = by_code[code][0], by_code[code][-1]
        cls = REGISTRY.get(code)
        change, important, worse_by_mic = "", None, False
        if last is not first:
            delta = last.score - first.score
            better = bool(cls and cls.higher_is_better)
            improved = delta > 0 if better else delta < 0
            direction = (
                _("no change") if abs(delta) < 1e-9 else _("better") if improved else _("worse")
            )
            change = f"{_signed(delta)} ({direction})"
            # The verdict the patient page gives (core.outcomes.change: either MIC reached,
            # the relative one on the room the baseline left), never a second reckoning.
            with contextlib.suppress(PainpathError):
                found = outcome_change(code, first.score, last.score)
                important = found.improved_importantly
                worse_by_mic = worsening_reaches_mic(found)
        lines.append(
            ScoreLine(
                code=code,
                title=_title(code),
                current=score_number(last.score),
                current_date=last.answered_on,
                band=band_label(code, last.band) if last.band else "",
                baseline=score_number(first.score) if last is not first else "",
                baseline_date=first.answered_on if last is not first else None,
                change=change,
                important=important,
                worse_by_mic=worse_by_mic,
                subscales=tuple(subscale_values(code, last.subscales or {}, score=last.score)),
            )
        )
    return lines


def axis_lines(classification: Classification | None) -> list[AxisLine]:
    if classification is None:
        return []
    axes = classification.axes
    ordered = [a for a in AXIS_ORDER if a in axes] + [a for a in axes if a not in AXIS_ORDER]
    return [_axis_line(axes[name]) for name in ordered]


def _axis_line(axis: AxisResult) -> AxisLine:
    return AxisLine(
        axis=axis.axis,
        title=_words(axis.title or axis.axis),
        label=_words(axis.label),
        ruleset=axis.ruleset,
        version=axis.version,
        urgent=axis.urgent,
        unknown=axis.result == "unknown",
    )


def _red_flags(classification: Classification | None) -> tuple[str | None, list[RedFlagLine]]:
    axis = classification.axis("red_flags") if classification is not None else None
    if axis is None or not axis.fired:
        return None, []
    lines = [
        RedFlagLine(grade, finding, heading)
        for heading, findings in axis_card(axis).finding_groups
        for grade, finding in findings
    ]
    return axis.result, lines


def _acknowledged(classification: Classification | None) -> str:
    if classification is None:
        return ""
    ack = red_flag_acknowledgement(classification)
    if ack is None:
        return ""
    who = ack.user.get_username() if getattr(ack, "user", None) else ""
    return _("acknowledged by %(who)s on %(date)s") % {
        "who": who or _("someone"),
        "date": date_format(timezone.localtime(ack.at).date(), "SHORT_DATE_FORMAT"),
    }


def medicine_lines(episode: Episode) -> list[MedicineLine]:
    """The episode's medicines, blood thinners first: those recorded as one or chosen from the
    list, and — to be confirmed — any typed as free text that names one."""
    lang = translation.get_language()
    drugs = {drug.code: drug for drug in vocabularies.drugs()}
    lines = []
    for med in episode.medications.order_by("pk"):
        recognised = medicines.recognise(med.code)
        decision = ""
        if med.decision:
            decision = str(med.get_decision_display())
            if med.decision_days:
                decision = _("%(decision)s, %(days)s days") % {
                    "decision": decision,
                    "days": med.decision_days,
                }
        drug = drugs.get(med.code)
        name = drug.label.in_language(lang) if drug is not None else med.code
        if med.opioid:
            # The record stores an opioid under the table's English name: say it as the
            # opioid section below does.
            with contextlib.suppress(opioids.OpioidError):
                name = opioids.load_table().get(med.opioid).label((lang or "en")[:2])
        sure = med.anticoagulant or bool(recognised and (recognised.exact or med.decision))
        lines.append(
            MedicineLine(
                name=name,
                blood_thinner=sure,
                possible_blood_thinner=recognised is not None and not sure,
                decision=decision,
            )
        )
    return sorted(lines, key=lambda m: not (m.blood_thinner or m.possible_blood_thinner))


def treatment_lines(episode: Episode) -> list[TreatmentLine]:
    lines = []
    for course in episode.courses.prefetch_related("sessions").order_by("start", "id"):
        sessions = sorted(course.sessions.all(), key=lambda s: (s.date, s.pk))
        detail = (
            ngettext("%(n)s session", "%(n)s sessions", len(sessions)) % {"n": len(sessions)}
            if sessions
            else _("no session yet")
        )
        befores = [s.pain_before for s in sessions if s.pain_before is not None]
        afters = [s.pain_after for s in sessions if s.pain_after is not None]
        if befores and afters:
            detail += "; " + _("pain %(first)s before the first, %(last)s after the last") % {
                "first": number(befores[0]),
                "last": number(afters[-1]),
            }
        if course.planned_dose:
            detail += f"; {course.planned_dose}"
        lines.append(
            TreatmentLine(capfirst(str(course.get_modality_display())), course.start, detail)
        )
    procedure = getattr(episode, "procedure", None)
    if procedure is not None:
        region = str(REGION_LABELS.get(procedure.region, procedure.region))
        lines.append(
            TreatmentLine(
                capfirst(str(procedure.get_kind_display())),
                procedure.appointment_date,
                _("booked, %(region)s") % {"region": region},
            )
        )
    return lines


def summary_data(episode: Episode, *, today: dt.date | None = None) -> Summary:
    """Everything the one-page summary shows about ``episode`` (fetched through the
    clinic-scoped accessors by the caller)."""
    patient = episode.patient
    classification = current_classification(episode, today=today)
    intake = dict(episode.intake or {})
    grade, red_flags = _red_flags(classification)
    step = classification.axis("stepped_care") if classification else None
    readiness = classification.axis("readiness") if classification else None
    procedure = getattr(episode, "procedure", None)
    sections = [s for provider in SECTION_PROVIDERS if (s := provider(episode)) is not None]
    earlier = [
        f"{t.modality}: {t.effect}" for t in treatment_answers(intake.get("prior_treatments"))
    ]
    if intake.get("prior_treatments_other"):
        earlier.append(str(intake["prior_treatments_other"]))
    return Summary(
        clinic=patient.clinic.name,
        clinic_phone=patient.clinic.phone,
        patient=patient.name,
        synthetic=patient.synthetic,
        cpr=patient.cpr_masked,
        born=patient.date_of_birth,
        age=age_today(patient, today=today),
        sex=str(patient.get_sex_display()),
        complaint=episode.complaint,
        region=str(REGION_LABELS.get(episode.region, episode.region)),
        onset=episode.onset_date,
        opened=timezone.localtime(episode.created_at).date(),
        pain_regions=region_words(intake.get("pain_regions", [])),
        body=body_views(intake.get("pain_regions", [])),
        duration=duration_words(intake),
        pattern=pattern_words(intake.get("pattern")) if intake.get("pattern") else "",
        red_flag_grade=grade,
        red_flags=red_flags,
        red_flag_ack=_acknowledged(classification) if grade else "",
        scores=score_lines(episode),
        axes=axis_lines(classification),
        step=_words(step.label) if step else "",
        readiness=_words(readiness.label) if readiness else "",
        readiness_missing=[_words(f) for f in readiness.findings] if readiness else [],
        appointment=procedure.appointment_date if procedure else None,
        medicines=medicine_lines(episode),
        treatments=treatment_lines(episode),
        earlier_treatments=earlier,
        as_of=classification.as_of if classification else None,
        sections=sections,
    )


# --------------------------------------------------------------------------- plain text


def grade_words(grade: str | None) -> str:
    return {
        "emergency": _("Emergency — same day"),
        "urgent": _("Urgent — within days"),
        "review": _("Review"),
    }.get(grade or "", grade or "")


def _date(value: dt.date | None) -> str:
    return date_format(value, "SHORT_DATE_FORMAT") if value else "—"


def summary_text(summary: Summary) -> str:
    """The summary as plain text to paste into another record system: short labelled lines,
    no markup, in the reader's language."""
    s = summary
    out: list[str] = []

    def head(title: str) -> None:
        out.extend(["", title.upper()])

    out.append(f"{s.patient}" + (f" ({_('synthetic')})" if s.synthetic else ""))
    facts = [f"{_('CPR')} {s.cpr or '—'}", f"{_('born')} {_date(s.born)}"]
    if s.age is not None:
        facts.append(ngettext("%(n)s year", "%(n)s years", s.age) % {"n": s.age})
    facts.append(s.sex)
    out.append(", ".join(facts))
    out.append(f"{s.clinic}" + (f", {_('phone')} {s.clinic_phone}" if s.clinic_phone else ""))

    head(_("Complaint"))
    out.append(f"{s.complaint} ({s.region or '—'})")
    out.append(f"{_('Onset')}: {_date(s.onset)}; {_('Duration')}: {s.duration or '—'}")
    if s.pattern:
        out.append(f"{_('Pattern')}: {s.pattern}")
    out.append(f"{_('Where it hurts')}: {', '.join(s.pain_regions) or '—'}")

    head(_("Red flags"))
    if s.red_flags:
        out.append(
            f"{grade_words(s.red_flag_grade)}" + (f" ({s.red_flag_ack})" if s.red_flag_ack else "")
        )
        heading = ""
        for line in s.red_flags:
            if line.heading and line.heading != heading:
                out.append(f"{line.heading}:")
            heading = line.heading
            grade = line.grade and line.grade != s.red_flag_grade
            out.append(f"- {line.finding}" + (f" [{grade_words(line.grade)}]" if grade else ""))
    else:
        out.append(_("none raised"))

    head(_("Scores"))
    for score in s.scores:
        text = f"{score.title}: {score.current} ({_date(score.current_date)})"
        if score.band:
            text += f", {score.band}"
        if score.subscales:
            text += " — " + ", ".join(str(sub) for sub in score.subscales)
        if score.change:
            text += "; " + _("baseline %(value)s (%(date)s), change %(change)s") % {
                "value": score.baseline,
                "date": _date(score.baseline_date),
                "change": score.change,
            }
            if score.important:
                text += ", " + _("important change")
            elif score.worse_by_mic:
                text += ", " + _("worsening at least the MIC's size")
        out.append(text)
    if not s.scores:
        out.append(_("No scored questionnaire yet."))

    head(_("Classification"))
    if s.as_of:
        out.append(_("as of %(date)s") % {"date": _date(s.as_of)})
    out.extend(f"{a.title}: {a.label} [{a.ruleset} {a.version}]" for a in s.axes)
    if not s.axes:
        out.append(_("Not classified yet."))
    out.append(f"{_('Step')}: {s.step or '—'}")
    readiness = s.readiness or "—"
    if s.appointment:
        readiness += f" ({_('appointment')} {_date(s.appointment)})"
    out.append(f"{_('Readiness')}: {readiness}")
    out.extend(f"- {missing}" for missing in s.readiness_missing)

    head(_("Medicines"))
    for med in s.medicines:
        text = f"- {med.name}"
        if med.blood_thinner:
            text += f" [{_('BLOOD THINNER')}]"
        elif med.possible_blood_thinner:
            text += f" [{_('possible blood thinner — confirm')}]"
        if med.decision:
            text += f"; {med.decision}"
        out.append(text)
    if not s.medicines:
        out.append(_("none recorded"))

    head(_("Treatments"))
    out.extend(f"- {t.what}, {_date(t.start)}: {t.detail}" for t in s.treatments)
    if not s.treatments:
        out.append(_("none recorded"))
    if s.earlier_treatments:
        out.append(f"{_('Before this clinic')}: " + "; ".join(s.earlier_treatments))

    for section in s.sections:
        head(section.title)
        out.extend(
            (f"{line.label}: {line.value}" if line.label else line.value) for line in section.lines
        )
        if section.note:
            out.append(section.note)

    out.extend(
        [
            "",
            _("painpath %(version)s, %(date)s. Supports clinicians; does not prescribe.")
            % {"version": __version__, "date": _date(timezone.localdate())},
        ]
    )
    return "\n".join(out).strip() + "\n"


# --------------------------------------------------------------------------- the PDF


def render_document(summary: Summary, text: str) -> str:
    """The summary as a self-contained HTML page (inline CSS and SVG) for WeasyPrint."""
    return render_to_string(
        "clinic/summary_document.html",
        {
            "s": summary,
            "css": CSS.read_text(encoding="utf-8"),
            "language": translation.get_language(),
            "version": __version__,
            "generated": timezone.localtime(),
        },
    )


def render_pdf(summary: Summary) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only the PDF needs

    pdf = HTML(string=render_document(summary, "")).write_pdf()
    assert pdf is not None
    return bytes(pdf)


# --------------------------------------------------------------------------- views


def _file_name(summary: Summary, episode: Episode, extension: str) -> str:
    return (
        f"painpath-summary-{str(episode.public_id)[:8]}-{timezone.localdate():%Y-%m-%d}.{extension}"
    )


def _summary_of(request: HttpRequest, episode_id: uuid.UUID, event: Event, **detail: Any) -> Any:
    episode = access.episode(request, episode_id)
    summary = summary_data(episode)
    record(
        request,
        event,
        patient=episode.patient,
        obj=episode,
        sections=[s.title for s in summary.sections],
        **detail,
    )
    return episode, summary


@clinical_reading
def summary_view(request: HttpRequest, episode_id: uuid.UUID) -> HttpResponse:
    episode, summary = _summary_of(request, episode_id, SUMMARY_VIEWED)
    return render(
        request,
        "clinic/summary.html",
        {
            "patient": episode.patient,
            "episode": episode,
            "s": summary,
            "text": summary_text(summary),
        },
    )


def _as_pdf(summary: Summary) -> tuple[bytes | str, str]:
    return render_pdf(summary), "application/pdf"


def _as_text(summary: Summary) -> tuple[bytes | str, str]:
    return summary_text(summary), "text/plain; charset=utf-8"


FILE_FORMATS: dict[str, Callable[[Summary], tuple[bytes | str, str]]] = {
    "pdf": _as_pdf,
    "txt": _as_text,
}


@clinical_reading
def summary_file(request: HttpRequest, episode_id: uuid.UUID, file_format: str) -> HttpResponse:
    """The summary as a file to download: ``pdf`` or ``txt`` (the URL decides which)."""
    episode, summary = _summary_of(request, episode_id, SUMMARY_EXPORTED, format=file_format)
    content, content_type = FILE_FORMATS[file_format](summary)
    response = HttpResponse(content, content_type=content_type)
    name = _file_name(summary, episode, file_format)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
