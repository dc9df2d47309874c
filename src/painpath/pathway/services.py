"""Use cases of the pathway: build an episode's document, classify it, log a session.

The clinical logic is the core's rule engine; this module only gathers the records into the
engine's episode document and keeps each classification it gets back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from painpath.core.rules import classify, validate_episode
from painpath.pathway.models import (
    Classification,
    TreatmentCourse,
    TreatmentSession,
)
from painpath.patients.models import Episode
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
