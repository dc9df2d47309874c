"""Use cases of the pathway: build an episode's document, classify it, log a session.

The clinical logic is the core's rule engine; this module only gathers the records into the
engine's episode document and keeps each classification it gets back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from painpath.audit.models import AuditEntry
from painpath.core.instruments import REGISTRY
from painpath.core.rules import builtin_rulesets, classify, validate_episode
from painpath.followup.services import OverdueRow
from painpath.followup.services import overdue as overdue_followups
from painpath.pathway.models import (
    Classification,
    Medication,
    ProcedureBooking,
    ReadinessItem,
    RedFlagAcknowledgement,
    TreatmentCourse,
    TreatmentSession,
)
from painpath.patients.models import Episode, ImagingStudy
from painpath.questionnaires.models import QuestionnaireResponse

# Which scored questionnaires the rule sets read, and under which names (episode schema).
_SCORE_FIELDS: dict[str, tuple[str, dict[str, str]]] = {
    "startback": ("startback", {"total": "score", "psychosocial": "psychosocial"}),
    "orebro10": ("orebro_short", {"score": "score"}),
}

_INTAKE_FIELDS = (
    "pain_regions",
    "pain_distribution",
    "reported_duration",
    "pattern",
    "trauma",
    "red_flags",
)
_FINDING_FIELDS = ("diagnoses", "sensory_findings")


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _drop_none(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if value is not None}


def _scores(episode: Episode, as_of: dt.date) -> dict[str, Any]:
    latest: dict[str, QuestionnaireResponse] = {}
    responses = episode.responses.filter(answered_on__lte=as_of, score__isnull=False)
    for response in responses.order_by("answered_on", "id"):
        latest[response.instrument] = response
    scores: dict[str, Any] = {}
    for code, (name, fields) in _SCORE_FIELDS.items():
        if code not in latest:
            continue
        response = latest[code]
        values = {"score": response.score, **response.subscales}
        scores[name] = {
            target: values[source] for target, source in fields.items() if source in values
        }
    return scores


def episode_document(episode: Episode, as_of: dt.date) -> dict[str, Any]:
    """The rule engine's episode document for ``episode``, from every record about it."""
    patient = episode.patient
    doc: dict[str, Any] = {
        "id": str(episode.public_id),
        "age": patient.age_on(as_of),
        "sex": patient.sex,
    }
    if episode.onset_date:
        doc["onset_date"] = episode.onset_date.isoformat()
    for field in _INTAKE_FIELDS:
        if field in episode.intake:
            doc[field] = episode.intake[field]
    for field in _FINDING_FIELDS:
        if field in episode.findings:
            doc[field] = episode.findings[field]
    scores = _scores(episode, as_of)
    if scores:
        doc["questionnaires"] = scores
    imaging = [
        _drop_none(
            {
                "kind": study.kind,
                "region": study.region,
                "date": _iso(study.date),
                "findings": study.findings or None,
            }
        )
        for study in episode.imaging.all()
    ]
    if imaging:
        doc["imaging"] = imaging
    medications = [
        _drop_none(
            {
                "code": med.code,
                "anticoagulant": med.anticoagulant,
                "pause_agreed_days": med.pause_agreed_days,
            }
        )
        for med in episode.medications.all()
    ]
    if medications:
        doc["medications"] = medications
    courses = []
    for course in episode.courses.prefetch_related("sessions"):
        sessions = [
            _drop_none(
                {"date": _iso(s.date), "pain_before": s.pain_before, "pain_after": s.pain_after}
            )
            for s in course.sessions.all()
        ]
        courses.append(
            _drop_none(
                {
                    "modality": course.modality,
                    "start": _iso(course.start),
                    "planned_sessions": course.planned_sessions,
                    "planned_weeks": course.planned_weeks,
                    "pain_instrument": course.pain_instrument,
                    "sessions": sessions,
                }
            )
        )
    if courses:
        doc["treatment_courses"] = courses
    procedure = getattr(episode, "procedure", None)
    if procedure is not None:
        doc["procedure"] = _drop_none(
            {
                "kind": procedure.kind,
                "region": procedure.region,
                "appointment_date": _iso(procedure.appointment_date),
            }
        )
    readiness = [
        _drop_none(
            {
                "item": item.item,
                "state": item.state,
                "date": _iso(item.date),
                "confirmed_by": item.confirmed_by.get_username() if item.confirmed_by else None,
            }
        )
        for item in episode.readiness.select_related("confirmed_by")
    ]
    if readiness:
        doc["readiness"] = readiness
    return doc


def classify_episode(
    episode: Episode, *, as_of: dt.date | None = None, trigger: str = ""
) -> Classification:
    """Run every shipped rule set on the episode and keep the result."""
    as_of = as_of or timezone.localdate()
    document = validate_episode(episode_document(episode, as_of))
    result = classify(document, as_of=as_of)
    return Classification.objects.create(
        episode=episode, as_of=as_of, result=result.as_dict(), urgent=result.urgent, trigger=trigger
    )


@transaction.atomic
def log_session(
    course: TreatmentCourse,
    *,
    date: dt.date,
    pain_before: float | None,
    pain_after: float | None,
    dose: str = "",
    user: Any = None,
) -> tuple[TreatmentSession, Classification]:
    """Record a treatment session and reclassify, so the stepped-care step updates at once."""
    session = TreatmentSession.objects.create(
        course=course,
        date=date,
        pain_before=pain_before,
        pain_after=pain_after,
        dose=dose,
        logged_by=user,
    )
    return session, classify_episode(course.episode, trigger="treatment session")


# --------------------------------------------------------------------------- reading


def latest_classification(episode: Episode) -> Classification | None:
    return episode.classifications.order_by("-created_at", "-id").first()


def current_classification(episode: Episode, *, today: dt.date | None = None) -> Classification:
    """The latest classification, rerun first when it is older than today.

    Durations grow with the calendar (ordinary pain becomes chronic without any new record),
    so a result computed on an earlier day may no longer hold; the rerun is kept like any
    other, and the history shows only the runs where something changed.
    """
    today = today or timezone.localdate()
    latest = latest_classification(episode)
    if latest is None or latest.as_of < today:
        latest = classify_episode(episode, as_of=today, trigger="refreshed for today")
    return latest


def _red_flag_rules(classification: Classification) -> frozenset[str]:
    axis = classification.result.get("axes", {}).get("red_flags", {})
    return frozenset(axis.get("fired", ()))


def red_flag_acknowledgement(classification: Classification) -> RedFlagAcknowledgement | None:
    """The acknowledgement that covers this urgent classification's red flags, if any.

    A red flag stays in the record, so every rerun (after each logged session) is urgent
    again; an acknowledgement of an earlier run covers it as long as no new red flag has
    appeared since — a new one must be acknowledged on its own.
    """
    if not classification.urgent:
        return None
    fired = _red_flag_rules(classification)
    acknowledged = (
        RedFlagAcknowledgement.objects.filter(
            classification__episode_id=classification.episode_id,
            classification__created_at__lte=classification.created_at,
        )
        .select_related("classification", "user")
        .order_by("-at", "-id")
    )
    for ack in acknowledged:
        if fired <= _red_flag_rules(ack.classification):
            return ack
    return None


@transaction.atomic
def acknowledge_red_flag(
    classification: Classification, *, user: Any, note: str = ""
) -> RedFlagAcknowledgement:
    """Record who acknowledged the red flags of ``classification``, and when (once)."""
    existing = red_flag_acknowledgement(classification)
    if existing is not None:
        return existing
    ack, _ = RedFlagAcknowledgement.objects.get_or_create(
        classification=classification, defaults={"user": user, "note": note}
    )
    return ack


# Stepped-care rules that move a Step-1 course on to Step 2 (stepped-care-seed004.yaml);
# chronic_pain is not one of them: that patient starts in Step 2.
ESCALATION_RULES = frozenset(
    {"no_notable_effect", "pain_returns_after_each_treatment", "exercise_without_effect"}
)


def escalation_rules(classification: Classification) -> list[str]:
    axis = classification.result.get("axes", {}).get("stepped_care", {})
    if axis.get("result") != "step_2":
        return []
    return [rule for rule in axis.get("fired", ()) if rule in ESCALATION_RULES]


def last_reviewed(episode: Episode) -> dt.datetime | None:
    """When a clinician last opened the patient's page (from the audit log)."""
    entry = (
        AuditEntry.objects.filter(
            patient_id=episode.patient_id, action="view", object_type=PATIENT_PAGE
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return entry


# The object type the patient page writes to the audit log; the worklist reads it back to
# tell which questionnaire answers no one has looked at yet.
PATIENT_PAGE = "patients.patient"


@dataclass(frozen=True)
class WorklistRow:
    episode: Episode
    classification: Classification | None
    detail: list[str] = dataclass_field(default_factory=list)
    when: dt.date | dt.datetime | None = None


@dataclass(frozen=True)
class Worklist:
    red_flags: list[WorklistRow]
    new_intakes: list[WorklistRow]
    not_ready: list[WorklistRow]
    escalations: list[WorklistRow]
    days: int
    overdue_followups: list[OverdueRow] = dataclass_field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.red_flags
            or self.new_intakes
            or self.not_ready
            or self.escalations
            or self.overdue_followups
        )


def upcoming_days() -> int:
    return int(getattr(settings, "PAINPATH_UPCOMING_DAYS", 30))


def worklist(*, today: dt.date | None = None, days: int | None = None) -> Worklist:
    """What needs a clinician, in this order: red flags awaiting acknowledgement (always
    first), new intakes, patients not ready for a procedure within ``days``, and escalation
    suggestions not yet acted on.

    - *new intake*: an open episode with a questionnaire response submitted after anyone
      last opened the patient's page (or never opened);
    - *not ready*: the readiness axis says ``not_ready`` and the appointment is within
      ``days`` days from today;
    - *escalation suggestion*: the stepped-care axis says Step 2 because a Step-1 course
      had no effect (an escalation rule fired) and no procedure has been booked since;
    - *overdue follow-up*: a follow-up time point whose window closed unanswered, or an
      answer that came outside its window (``painpath.followup.services.overdue``).
    """
    today = today or timezone.localdate()
    days = upcoming_days() if days is None else days
    episodes = list(
        Episode.objects.filter(status=Episode.Status.OPEN)
        .select_related("patient", "procedure")
        .order_by("created_at", "id")
    )
    latest: dict[int, Classification] = {}
    for item in Classification.objects.filter(episode__in=episodes).order_by(
        "episode_id", "-created_at", "-id"
    ):
        latest.setdefault(item.episode_id, item)
    last_response: dict[int, Any] = {}
    for response in QuestionnaireResponse.objects.filter(episode__in=episodes).order_by(
        "submitted_at"
    ):
        last_response[response.episode_id] = response.submitted_at
    reviewed: dict[int, dt.datetime] = {}
    for patient_id, at in (
        AuditEntry.objects.filter(
            patient_id__in={e.patient_id for e in episodes},
            action="view",
            object_type=PATIENT_PAGE,
        )
        .order_by("at")
        .values_list("patient_id", "at")
    ):
        reviewed[patient_id] = at

    red, new, not_ready, escalations = [], [], [], []
    for episode in episodes:
        result = latest.get(episode.pk)
        if result is not None and result.urgent and red_flag_acknowledgement(result) is None:
            findings = result.result["axes"].get("red_flags", {}).get("findings", [])
            red.append(WorklistRow(episode, result, list(findings), result.created_at))
        submitted = last_response.get(episode.pk)
        seen = reviewed.get(episode.patient_id)
        if submitted is not None and (seen is None or submitted > seen):
            unseen = QuestionnaireResponse.objects.filter(episode=episode)
            if seen is not None:
                unseen = unseen.filter(submitted_at__gt=seen)
            codes = set(unseen.values_list("instrument", flat=True))
            instruments = [REGISTRY[c].title for c in REGISTRY if c in codes]
            instruments += sorted(codes - set(REGISTRY))
            new.append(WorklistRow(episode, result, instruments, submitted))
        if result is None:
            continue
        axes = result.result.get("axes", {})
        procedure = getattr(episode, "procedure", None)
        readiness = axes.get("readiness", {})
        if (
            readiness.get("result") == "not_ready"
            and procedure is not None
            and procedure.appointment_date is not None
            and today <= procedure.appointment_date <= today + dt.timedelta(days=days)
        ):
            not_ready.append(
                WorklistRow(
                    episode, result, list(readiness.get("findings", [])), procedure.appointment_date
                )
            )
        rules = escalation_rules(result)
        if rules and procedure is None:
            escalations.append(
                WorklistRow(episode, result, [_rule_words(result, r) for r in rules], result.as_of)
            )
    not_ready.sort(key=lambda row: row.when or today)
    return Worklist(red, new, not_ready, escalations, days, overdue_followups(today))


def _rule_words(classification: Classification, rule_id: str) -> str:
    """A rule's own note or finding (from its rule set), else its id."""
    axis = classification.result["axes"].get("stepped_care", {})
    ruleset = builtin_rulesets().get(axis.get("ruleset", ""))
    for rule in ruleset.rules if ruleset else ():
        if rule.id == rule_id:
            return rule.note or rule.finding or rule_id
    return rule_id


# --------------------------------------------------------------------------- changing


def _reclassify(episode: Episode, trigger: str) -> Classification:
    return classify_episode(episode, trigger=trigger)


@transaction.atomic
def start_course(episode: Episode, **fields: Any) -> tuple[TreatmentCourse, Classification]:
    course = TreatmentCourse.objects.create(episode=episode, **fields)
    return course, _reclassify(episode, "treatment course started")


@transaction.atomic
def add_imaging(episode: Episode, **fields: Any) -> tuple[ImagingStudy, Classification]:
    study = ImagingStudy.objects.create(episode=episode, **fields)
    return study, _reclassify(episode, "imaging added")


@transaction.atomic
def add_medication(episode: Episode, **fields: Any) -> tuple[Medication, Classification]:
    medication = Medication.objects.create(episode=episode, **fields)
    return medication, _reclassify(episode, "medication added")


@transaction.atomic
def book_procedure(episode: Episode, **fields: Any) -> tuple[ProcedureBooking, Classification]:
    booking, _ = ProcedureBooking.objects.update_or_create(episode=episode, defaults=fields)
    return booking, _reclassify(episode, "procedure booked")


@transaction.atomic
def set_readiness(
    episode: Episode,
    item: str,
    *,
    state: str,
    date: dt.date | None = None,
    user: Any = None,
) -> tuple[ReadinessItem, Classification]:
    """Set one checklist item's state; who confirmed it and when go with it."""
    if state == ReadinessItem.State.DONE and date is None:
        date = timezone.localdate()
    readiness, _ = ReadinessItem.objects.update_or_create(
        episode=episode,
        item=item,
        defaults={
            "state": state,
            "date": date,
            "confirmed_by": user if state != ReadinessItem.State.PENDING else None,
        },
    )
    return readiness, _reclassify(episode, "readiness checklist")


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class Change:
    axis: str
    title: str
    before: str | None
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    classification: Classification
    changes: list[Change]


def history(episode: Episode) -> list[HistoryEntry]:
    """Classifications of the episode, newest first, each with the axes that changed.

    Runs where no axis result changed (a rerun on a later day, a session that changed
    nothing) are left out; the first run lists every axis.
    """
    runs = list(episode.classifications.order_by("created_at", "id"))
    entries: list[HistoryEntry] = []
    before: dict[str, dict[str, Any]] = {}
    for run in runs:
        axes = run.result.get("axes", {})
        changes = []
        for name, axis in axes.items():
            old = before.get(name)
            if old is None or old.get("result") != axis.get("result"):
                changes.append(
                    Change(
                        name,
                        axis.get("title", name),
                        old.get("label") if old else None,
                        axis.get("label", axis.get("result", "")),
                    )
                )
        if changes:
            entries.append(HistoryEntry(run, changes))
        before = axes
    entries.reverse()
    return entries
