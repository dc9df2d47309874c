"""Use cases for patients and episodes: find, register, update, add imaging and medicines.

Each change writes its audit entry in its own transaction. Classifying an episode is the
pathway's job, a floor above: a change that feeds the classification sends
:data:`painpath.patients.signals.episode_changed`, and the pathway reclassifies — in the same
transaction, so a change is never stored without its classification.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from painpath.audit.services import Event, record
from painpath.core import opioids
from painpath.core.cpr import InvalidCpr, parse_cpr
from painpath.core.diagnoses import DiagnosisError, load_value_set
from painpath.patients import crypto
from painpath.patients.models import (
    Allergy,
    Clinic,
    ClinicalNote,
    Diagnosis,
    Episode,
    ImagingStudy,
    Medication,
    Patient,
    WorkStatus,
)
from painpath.patients.signals import episode_changed

# Patient fields that the rule engine reads (the episode document's age and sex).
CLASSIFIED_FIELDS = frozenset({"date_of_birth", "sex"})

LIST_VIEWED = Event("patients.list.viewed", "view")
VIEWED = Event("patients.viewed", "view")
FORM_VIEWED = Event("patients.form.viewed", "view")
CREATED = Event("patients.created", "create")
CHANGED = Event("patients.changed", "change")
EPISODE_OPENED = Event("patients.episode.opened", "create")
EPISODE_CHANGED = Event("patients.episode.changed", "change")
IMAGING_ADDED = Event("patients.imaging.added", "create")
MEDICATION_ADDED = Event("patients.medication.added", "create")
MEDICATION_DECIDED = Event("patients.medication.decided", "change")

_CPR_LIKE = re.compile(r"^\d{6}-?\d{4}$")
_BIRTH_PART = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Search:
    patients: QuerySet[Patient]
    kind: str  # "all", "name", "cpr", "birth" (the first six CPR digits)
    problem: str = ""


def search_patients(patients: QuerySet[Patient], query: str) -> Search:
    """Find, among ``patients`` (the clinic's: ``painpath.patients.access.patients``), by
    part of the name, by a full CPR number (through its keyed hash — the number itself is
    never compared or stored in clear), or by the CPR's first six digits (the birth date,
    kept in the masked form)."""
    query = query.strip()
    if not query:
        return Search(patients, "all")
    if _CPR_LIKE.match(query):
        try:
            cpr = parse_cpr(query)
        except InvalidCpr as error:
            return Search(patients.none(), "cpr", str(error))
        return Search(patients.filter(cpr_hash=crypto.lookup_hash(cpr.digits)), "cpr")
    if _BIRTH_PART.match(query):
        # The whole masked form (``painpath.core.cpr.Cpr.masked``) rather than a prefix: an
        # equality the (clinic, cpr_masked) index answers whatever the database's collation.
        return Search(patients.filter(cpr_masked=f"{query}-••••"), "birth")
    return Search(patients.filter(name__icontains=query), "name")


@transaction.atomic
def save_patient(
    patient: Patient,
    *,
    cpr: str | None,
    clear_cpr: bool = False,
    fields: list[str] | None = None,
    user: Any = None,
    request: HttpRequest | None = None,
) -> Patient:
    """Save ``patient``; ``cpr`` (already validated) replaces the stored number when given.

    ``fields`` names what changed, for the audit entry (never the values)."""
    created = patient.pk is None
    if clear_cpr:
        patient.set_cpr(None)
    elif cpr:
        patient.set_cpr(cpr)
    patient.save()
    record(
        request,
        CREATED if created else CHANGED,
        user=user,
        patient=patient,
        obj=patient,
        fields=fields or [],
    )
    if not created and CLASSIFIED_FIELDS & set(fields or ()):
        # Age and sex feed every open episode's classification.
        for episode in patient.episodes.filter(status=Episode.Status.OPEN):
            _changed(episode, "patient details changed")
    return patient


@transaction.atomic
def save_episode(
    episode: Episode,
    *,
    intake: dict[str, Any],
    fields: list[str] | None = None,
    user: Any = None,
    request: HttpRequest | None = None,
) -> Episode:
    """Open or change an episode; the pathway classifies it (``episode_changed``)."""
    created = episode.pk is None
    episode.intake = intake
    episode.save()
    record(
        request,
        EPISODE_OPENED if created else EPISODE_CHANGED,
        user=user,
        patient=episode.patient,
        obj=episode,
        **({} if created else {"fields": fields or []}),
    )
    _changed(episode, "episode opened" if created else "episode changed")
    return episode


@transaction.atomic
def add_imaging(
    episode: Episode, *, user: Any = None, request: HttpRequest | None = None, **fields: Any
) -> ImagingStudy:
    study = ImagingStudy.objects.create(episode=episode, **fields)
    record(request, IMAGING_ADDED, user=user, patient=episode.patient, obj=study)
    _changed(episode, "imaging added")
    return study


@transaction.atomic
def add_medication(
    episode: Episode, *, user: Any = None, request: HttpRequest | None = None, **fields: Any
) -> Medication:
    medication = Medication.objects.create(episode=episode, **fields)
    record(request, MEDICATION_ADDED, user=user, patient=episode.patient, obj=medication)
    _changed(episode, "medication added")
    return medication


@transaction.atomic
def decide_medication(
    medication: Medication,
    *,
    decision: str,
    days: int | None = None,
    reason: str = "",
    indication: str = "",
    dose_level: str = "",
    renal_impaired: bool | None = None,
    user: Any,
    request: HttpRequest | None = None,
) -> Medication:
    """Record the doctor's decision on a blood thinner before the procedure — ``continue``, or
    ``pause`` for ``days`` days — with who, when and why, and the details the pause table
    asks for. The decision settles the drug's readiness (``painpath.core.medicines``), so the
    pathway reclassifies (``episode_changed``). The reason stays out of the audit entry."""
    if decision not in Medication.Decision.values:
        raise ValueError(f"decision must be one of {Medication.Decision.values}, not {decision!r}")
    if decision == Medication.Decision.PAUSE and not days:
        raise ValueError("a decision to pause needs the number of days")
    medication.decision = decision
    medication.decision_days = days if decision == Medication.Decision.PAUSE else None
    medication.decision_reason = reason
    medication.indication = indication
    medication.dose_level = dose_level
    medication.renal_impaired = renal_impaired
    medication.decided_by = user
    medication.decided_at = timezone.now()
    medication.save()
    episode = medication.episode
    record(
        request,
        MEDICATION_DECIDED,
        user=user,
        patient=episode.patient,
        obj=medication,
        drug=medication.code,
        decision=decision,
        days=medication.decision_days,
    )
    _changed(episode, "medication decision")
    return medication


def add_reported_medications(episode: Episode, medications: list[dict[str, Any]]) -> None:
    """Keep the medicines a patient reported at intake, each drug once per episode (the
    caller's transaction and audit entry cover it; its own signal reclassifies)."""
    known = set(episode.medications.values_list("code", flat=True))
    for medication in medications:
        code = str(medication["code"])[:60]
        if code not in known:
            Medication.objects.create(
                episode=episode, code=code, anticoagulant=bool(medication["anticoagulant"])
            )
            known.add(code)


def _changed(episode: Episode, reason: str) -> None:
    episode_changed.send(Episode, episode=episode, reason=reason)


def changed_fields(form: Any) -> list[str]:
    """Names of the fields a form changed — for the audit entry; never their values."""
    return sorted(name for name in form.changed_data if name not in ("cpr", "clear_cpr")) + (
        ["cpr"] if {"cpr", "clear_cpr"} & set(form.changed_data) else []
    )


CLINIC_SETTINGS_CHANGED = Event("patients.clinic.settings_changed", "change")


@transaction.atomic
def save_clinic_settings(
    clinic: Clinic, *, fields: list[str], user: Any = None, request: HttpRequest | None = None
) -> Clinic:
    """Store a clinic's settings (name, contact, link validity, questionnaire sets); the audit
    entry names what changed (``fields``), never the values."""
    clinic.save()
    record(
        request,
        CLINIC_SETTINGS_CHANGED,
        user=user,
        obj=clinic,
        clinic=clinic.code,
        fields=sorted(fields),
    )
    return clinic


# --------------------------------------------------------------------------- the record
# What a pain clinic records beside the pathway (issue 14): a note per visit, ICD-10 (SKS)
# diagnoses, work status and sick leave, opioids with their daily dose, allergies. None of
# it feeds the rule engine except an opioid, which is a medicine of the episode.

NOTE_ADDED = Event("patients.note.added", "create")
DIAGNOSIS_ADDED = Event("patients.diagnosis.added", "create")
DIAGNOSIS_REMOVED = Event("patients.diagnosis.removed", "delete")
WORK_STATUS_RECORDED = Event("patients.work_status.recorded", "create")
OPIOID_ADDED = Event("patients.opioid.added", "create")
ALLERGY_ADDED = Event("patients.allergy.added", "create")
RECORD_VIEWED = Event("patients.record.viewed", "view")


def _plain(number: Decimal | None) -> str:
    """A dose for the audit entry: 40, 2.5 (however it was typed or stored)."""
    return "" if number is None else format(number.normalize(), "f")


class RecordError(ValueError):
    """Refused record input: ``field`` names the form field, ``message`` says what to do
    (in the user's language: the views show it as it is)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@transaction.atomic
def add_note(
    episode: Episode,
    *,
    visit_date: dt.date,
    text: str,
    user: Any,
    request: HttpRequest | None = None,
) -> ClinicalNote:
    """A clinician's note of one visit. The audit entry says a note was written, never what."""
    text = text.strip()
    if not text:
        raise RecordError("text", _("A note needs some text."))
    note = ClinicalNote.objects.create(
        episode=episode, visit_date=visit_date, text=text, author=user
    )
    record(
        request,
        NOTE_ADDED,
        user=user,
        patient=episode.patient,
        obj=note,
        visit_date=visit_date.isoformat(),
    )
    return note


@transaction.atomic
def add_diagnosis(
    episode: Episode,
    *,
    code: str,
    primary: bool = False,
    user: Any,
    request: HttpRequest | None = None,
) -> Diagnosis:
    """Record an ICD-10 (SKS) diagnosis from the value set. A new primary diagnosis makes
    the one before secondary, in the same transaction (one primary per episode)."""
    try:
        load_value_set().get(code)
    except DiagnosisError as error:
        raise RecordError(
            "code", _("%(code)s is not in the ICD-10 value set.") % {"code": code}
        ) from error
    if Diagnosis.objects.filter(episode=episode, code=code).exists():
        raise RecordError("code", _("%(code)s is already recorded.") % {"code": code})
    if primary:
        Diagnosis.objects.filter(episode=episode, primary=True).update(primary=False)
    try:
        with transaction.atomic():
            diagnosis = Diagnosis.objects.create(
                episode=episode, code=code, primary=primary, recorded_by=user
            )
    except IntegrityError:
        # Another request stored the same code, or another primary, between the check above
        # and this insert: the unique indexes refuse it; say so rather than fail.
        raise RecordError(
            "code",
            _("%(code)s could not be recorded: the record changed meanwhile.") % {"code": code},
        ) from None
    record(
        request,
        DIAGNOSIS_ADDED,
        user=user,
        patient=episode.patient,
        obj=diagnosis,
        code=code,
        primary=primary,
    )
    return diagnosis


@transaction.atomic
def remove_diagnosis(
    diagnosis: Diagnosis, *, reason: str, user: Any, request: HttpRequest | None = None
) -> None:
    """Mark a diagnosis as entered in error: kept with who, when and why, out of the current
    diagnoses; the audit entry keeps its code."""
    _mark_removed(diagnosis, reason, user)
    episode = diagnosis.episode
    record(
        request,
        DIAGNOSIS_REMOVED,
        user=user,
        patient=episode.patient,
        obj=diagnosis,
        code=diagnosis.code,
    )


@transaction.atomic
def record_work_status(
    patient: Patient,
    *,
    status: str,
    sick_listed_since: dt.date | None = None,
    hours_per_week: int | None = None,
    user: Any,
    request: HttpRequest | None = None,
) -> WorkStatus:
    """The patient's work situation from today; the one before stays as history."""
    if status not in WorkStatus.Status.values:
        raise RecordError("status", _("Choose one of the listed work statuses."))
    sick = status in WorkStatus.SICK_LEAVE
    if sick and sick_listed_since is None:
        raise RecordError("sick_listed_since", _("Sick leave needs the date it began."))
    if sick_listed_since is not None and sick_listed_since > timezone.localdate():
        raise RecordError("sick_listed_since", _("The date cannot be in the future."))
    if hours_per_week is not None and not 0 <= hours_per_week <= WorkStatus.MAX_HOURS_PER_WEEK:
        raise RecordError(
            "hours_per_week",
            _("Hours per week must be between 0 and %(max)s.")
            % {"max": WorkStatus.MAX_HOURS_PER_WEEK},
        )
    entry = WorkStatus.objects.create(
        patient=patient,
        status=status,
        sick_listed_since=sick_listed_since if sick else None,
        hours_per_week=hours_per_week,
        recorded_by=user,
    )
    record(request, WORK_STATUS_RECORDED, user=user, patient=patient, obj=entry, status=status)
    return entry


@transaction.atomic
def add_opioid(
    episode: Episode,
    *,
    opioid: str,
    dose: Any,
    user: Any,
    request: HttpRequest | None = None,
) -> Medication:
    """An opioid the patient takes, as a medicine of the episode with its daily dose in the
    OME table's unit for it (``painpath.core.opioids``), which the record converts."""
    try:
        opioids.load_table().get(opioid)
    except opioids.OpioidError as error:
        raise RecordError("opioid", _("Choose an opioid from the list.")) from error
    try:
        conversion = opioids.convert(opioid, dose, refuse_implausible=True)
    except opioids.ImplausibleDose as error:
        language = (translation.get_language() or "en").split("-")[0]
        raise RecordError(
            "dose",
            _(
                "%(dose)s %(unit)s of %(drug)s a day is above painpath's plausibility limit "
                "(%(max)s %(unit)s): check the unit and that it is the daily total."
            )
            % {
                "dose": _plain(error.dose),
                "unit": error.opioid.unit,
                "drug": error.opioid.label(language),
                "max": _plain(error.opioid.plausible_max),
            },
        ) from error
    except opioids.OpioidError as error:
        raise RecordError(
            "dose",
            _("The daily dose must be above 0 and at most %(max)s.") % {"max": opioids.MAX_DOSE},
        ) from error
    medication = Medication.objects.create(
        episode=episode,
        code=conversion.opioid.label("en")[:60],
        opioid=opioid,
        opioid_dose=conversion.dose,
    )
    record(
        request,
        OPIOID_ADDED,
        user=user,
        patient=episode.patient,
        obj=medication,
        opioid=opioid,
        dose=_plain(conversion.dose),
        unit=conversion.opioid.unit,
    )
    _changed(episode, "medication added")
    return medication


@transaction.atomic
def add_allergy(
    patient: Patient,
    *,
    substance: str,
    reaction: str = "",
    severity: str = Allergy.Severity.UNKNOWN,
    user: Any,
    request: HttpRequest | None = None,
) -> Allergy:
    substance = substance.strip()
    if not substance:
        raise RecordError("substance", _("Name the substance."))
    if severity not in Allergy.Severity.values:
        raise RecordError("severity", _("Choose one of the listed severities."))
    allergy = Allergy.objects.create(
        patient=patient,
        substance=substance,
        reaction=reaction.strip(),
        severity=severity,
        recorded_by=user,
    )
    record(request, ALLERGY_ADDED, user=user, patient=patient, obj=allergy, severity=severity)
    return allergy


OPIOID_STOPPED = Event("patients.opioid.stopped", "delete")
ALLERGY_REMOVED = Event("patients.allergy.removed", "delete")


@transaction.atomic
def stop_opioid(medication: Medication, *, user: Any, request: HttpRequest | None = None) -> None:
    """The patient no longer takes this opioid (or it was recorded in error): kept with who
    stopped it and when, out of the current medicines and the OME total; the audit entry keeps
    the drug, dose and unit. A changed dose is a stop and a new entry."""
    if not medication.opioid:
        raise RecordError(
            "medication", _("Only an opioid recorded with its dose can be stopped here.")
        )
    if medication.stopped_at is not None:
        raise RecordError("medication", _("This opioid is already stopped."))
    medication.stopped_at = timezone.now()
    medication.stopped_by = user if getattr(user, "pk", None) else None
    medication.save(update_fields=["stopped_at", "stopped_by"])
    episode = medication.episode
    record(
        request,
        OPIOID_STOPPED,
        user=user,
        patient=episode.patient,
        obj=medication,
        opioid=medication.opioid,
        dose=_plain(medication.opioid_dose),
    )
    _changed(episode, "medication removed")


@transaction.atomic
def remove_allergy(
    allergy: Allergy, *, reason: str, user: Any, request: HttpRequest | None = None
) -> None:
    """Mark an allergy as entered in error: kept with who, when and why, out of the current
    allergies; the audit entry keeps the substance's severity."""
    _mark_removed(allergy, reason, user)
    record(
        request,
        ALLERGY_REMOVED,
        user=user,
        patient=allergy.patient,
        obj=allergy,
        severity=allergy.severity,
    )


def _mark_removed(entry: Diagnosis | Allergy, reason: str, user: Any) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise RecordError("reason", _("Say why the entry is removed."))
    if entry.removed_at is not None:
        raise RecordError("reason", _("This entry is already removed."))
    entry.removed_at = timezone.now()
    entry.removed_by = user if getattr(user, "pk", None) else None
    entry.removal_reason = reason
    entry.save(update_fields=["removed_at", "removed_by", "removal_reason"])
