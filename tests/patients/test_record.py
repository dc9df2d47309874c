"""The record (issue 14): notes, ICD-10 diagnoses, work status, opioids, allergies — each
change audited in its own transaction, bad input refused by field with nothing written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from painpath.audit.models import AuditEntry
from painpath.patients import services
from painpath.patients.forms import DiagnosisForm, OpioidForm, WorkStatusForm
from painpath.patients.models import (
    Allergy,
    ClinicalNote,
    Diagnosis,
    Episode,
    Medication,
    WorkStatus,
)
from painpath.patients.services import RecordError

pytestmark = pytest.mark.django_db


def _entries(code: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(code=code))


def test_a_note_is_kept_with_its_author_and_audited_without_its_text(
    episode: Episode, clinician: User
) -> None:
    note = services.add_note(
        episode,
        visit_date=timezone.localdate(),
        text="  Better since the course.  ",
        user=clinician,
    )
    assert (note.text, note.author) == ("Better since the course.", clinician)
    (entry,) = _entries("patients.note.added")
    assert entry.patient == episode.patient and entry.user == clinician
    assert "Better" not in str(entry.detail)


def test_an_empty_note_is_refused_and_nothing_is_written(episode: Episode, clinician: User) -> None:
    with pytest.raises(RecordError) as refused:
        services.add_note(episode, visit_date=timezone.localdate(), text="   ", user=clinician)
    assert refused.value.field == "text"
    assert not ClinicalNote.objects.exists() and not _entries("patients.note.added")


def test_notes_come_newest_visit_first(episode: Episode, clinician: User) -> None:
    today = timezone.localdate()
    services.add_note(
        episode, visit_date=today - dt.timedelta(days=30), text="first", user=clinician
    )
    services.add_note(episode, visit_date=today, text="second", user=clinician)
    assert [n.text for n in episode.notes.all()] == ["second", "first"]


def test_a_new_primary_diagnosis_makes_the_one_before_secondary(
    episode: Episode, clinician: User
) -> None:
    services.add_diagnosis(episode, code="DM54.5", primary=True, user=clinician)
    services.add_diagnosis(episode, code="DM51.1", primary=True, user=clinician)
    assert list(episode.diagnoses.values_list("code", "primary")) == [
        ("DM51.1", True),
        ("DM54.5", False),
    ]
    assert [e.detail["code"] for e in _entries("patients.diagnosis.added")] == [
        "DM51.1",
        "DM54.5",
    ]


def test_a_code_outside_the_value_set_is_refused_by_field(
    episode: Episode, clinician: User
) -> None:
    with pytest.raises(RecordError) as refused:
        services.add_diagnosis(episode, code="M54.5", user=clinician)
    assert refused.value.field == "code" and "M54.5" in str(refused.value)
    assert not Diagnosis.objects.exists() and not _entries("patients.diagnosis.added")


def test_the_same_code_twice_is_refused(episode: Episode, clinician: User) -> None:
    services.add_diagnosis(episode, code="DM54.5", user=clinician)
    with pytest.raises(RecordError, match="already"):
        services.add_diagnosis(episode, code="DM54.5", user=clinician)
    assert Diagnosis.objects.count() == 1


def test_the_database_holds_one_primary_per_episode(episode: Episode) -> None:
    Diagnosis.objects.create(episode=episode, code="DM54.5", primary=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Diagnosis.objects.create(episode=episode, code="DM79.7", primary=True)


def test_removing_a_diagnosis_is_audited_with_its_code(episode: Episode, clinician: User) -> None:
    diagnosis = services.add_diagnosis(episode, code="DM79.7", user=clinician)
    services.remove_diagnosis(diagnosis, reason="wrong patient's code", user=clinician)
    assert not Diagnosis.objects.exists()
    (entry,) = _entries("patients.diagnosis.removed")
    assert (entry.action, entry.detail["code"]) == ("delete", "DM79.7")


def test_a_removed_diagnosis_is_kept_readable_with_who_when_and_why(
    episode: Episode, clinician: User
) -> None:
    diagnosis = services.add_diagnosis(episode, code="DM79.7", primary=True, user=clinician)
    services.remove_diagnosis(diagnosis, reason="entered in error", user=clinician)
    kept = Diagnosis.all_objects.get(pk=diagnosis.pk)
    assert (kept.code, kept.removed_by, kept.removal_reason) == (
        "DM79.7",
        clinician,
        "entered in error",
    )
    assert kept.removed_at is not None
    assert not episode.diagnoses.exists()
    # The same code, and a primary one, may be recorded again after the removal.
    again = services.add_diagnosis(episode, code="DM79.7", primary=True, user=clinician)
    assert list(episode.diagnoses.all()) == [again]


def test_a_removal_without_a_reason_is_refused_and_nothing_changes(
    episode: Episode, clinician: User
) -> None:
    diagnosis = services.add_diagnosis(episode, code="DM79.7", user=clinician)
    allergy = services.add_allergy(episode.patient, substance="Latex", user=clinician)
    with pytest.raises(RecordError) as refused:
        services.remove_diagnosis(diagnosis, reason="  ", user=clinician)
    assert refused.value.field == "reason"
    with pytest.raises(RecordError):
        services.remove_allergy(allergy, reason="", user=clinician)
    assert Diagnosis.objects.filter(pk=diagnosis.pk).exists()
    assert Allergy.objects.filter(pk=allergy.pk).exists()
    assert not _entries("patients.diagnosis.removed")


def test_sick_leave_is_counted_in_whole_weeks_from_its_first_day(
    episode: Episode, clinician: User
) -> None:
    today = timezone.localdate()
    status = services.record_work_status(
        episode.patient,
        status="sick_listed",
        sick_listed_since=today - dt.timedelta(days=7 * 9 + 3),
        user=clinician,
    )
    assert status.sick_leave_weeks(today) == 9
    (entry,) = _entries("patients.work_status.recorded")
    assert entry.detail["status"] == "sick_listed"


def test_sick_leave_without_its_date_is_refused_by_field(episode: Episode, clinician: User) -> None:
    with pytest.raises(RecordError) as refused:
        services.record_work_status(episode.patient, status="sick_listed", user=clinician)
    assert refused.value.field == "sick_listed_since"
    assert not WorkStatus.objects.exists()


def test_the_latest_work_status_is_the_current_and_a_date_is_dropped_when_working(
    episode: Episode, clinician: User
) -> None:
    today = timezone.localdate()
    services.record_work_status(
        episode.patient, status="sick_listed", sick_listed_since=today, user=clinician
    )
    services.record_work_status(
        episode.patient,
        status="part_time",
        sick_listed_since=today,
        hours_per_week=20,
        user=clinician,
    )
    current = episode.patient.work_statuses.first()
    assert (current.status, current.sick_listed_since, current.sick_leave_weeks(today)) == (
        "part_time",
        None,
        None,
    )


def test_an_opioid_is_a_medicine_of_the_episode_with_its_daily_dose(
    episode: Episode, clinician: User
) -> None:
    medication = services.add_opioid(
        episode, opioid="oxycodone_oral", dose=Decimal("40"), user=clinician
    )
    assert (medication.code, medication.opioid, medication.opioid_dose) == (
        "oxycodone (oral)",
        "oxycodone_oral",
        Decimal("40"),
    )
    (entry,) = _entries("patients.opioid.added")
    assert entry.detail == {"opioid": "oxycodone_oral", "dose": "40", "unit": "mg/day"}


@pytest.mark.parametrize(
    ("opioid", "dose", "field"), [("heroin", 10, "opioid"), ("tramadol_oral", 0, "dose")]
)
def test_an_unknown_opioid_or_a_zero_dose_is_refused_by_field(
    episode: Episode, clinician: User, opioid: str, dose: int, field: str
) -> None:
    with pytest.raises(RecordError) as refused:
        services.add_opioid(episode, opioid=opioid, dose=dose, user=clinician)
    assert refused.value.field == field
    assert not Medication.objects.exists() and not _entries("patients.opioid.added")


def test_an_allergy_is_kept_with_reaction_and_severity(episode: Episode, clinician: User) -> None:
    allergy = services.add_allergy(
        episode.patient,
        substance="Penicillin",
        reaction="urticaria",
        severity="moderate",
        user=clinician,
    )
    assert (allergy.substance, allergy.reaction, allergy.get_severity_display()) == (
        "Penicillin",
        "urticaria",
        "moderate",
    )
    assert _entries("patients.allergy.added")[0].detail == {"severity": "moderate"}


def test_an_allergy_without_a_substance_is_refused(episode: Episode, clinician: User) -> None:
    with pytest.raises(RecordError) as refused:
        services.add_allergy(episode.patient, substance=" ", user=clinician)
    assert refused.value.field == "substance"
    assert not Allergy.objects.exists()


def test_the_diagnosis_form_offers_the_value_set_in_danish() -> None:
    from django.utils import translation

    with translation.override("da"):
        choices = dict(DiagnosisForm().fields["code"].choices)
    assert choices["DM54.5"] == "DM54.5 Lændesmerter"


def test_the_opioid_form_reads_a_danish_decimal_comma() -> None:
    from django.utils import translation

    with translation.override("da"):
        form = OpioidForm({"opioid": "hydromorphone_oral", "dose": "2,5"})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["dose"] == Decimal("2.5")


def test_the_work_status_form_names_the_missing_date() -> None:
    form = WorkStatusForm({"status": "partly_sick_listed"})
    assert not form.is_valid()
    assert list(form.errors) == ["sick_listed_since"]


def test_the_work_status_form_refuses_a_sick_leave_from_the_future() -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    form = WorkStatusForm({"status": "sick_listed", "sick_listed_since": tomorrow.isoformat()})
    assert not form.is_valid()
    assert "sick_listed_since" in form.errors


def test_stopping_an_opioid_takes_it_out_and_the_audit_keeps_drug_and_dose(
    episode: Episode, clinician: User
) -> None:
    medication = services.add_opioid(episode, opioid="tramadol_oral", dose=200, user=clinician)
    services.stop_opioid(medication, user=clinician)
    assert not Medication.objects.exists()
    (entry,) = _entries("patients.opioid.stopped")
    assert (entry.action, entry.detail) == ("delete", {"opioid": "tramadol_oral", "dose": "200"})
    # Kept in the history with who stopped it and when; out of the current medicines.
    kept = Medication.all_objects.get(pk=medication.pk)
    assert kept.stopped_by == clinician and kept.stopped_at is not None
    assert kept.opioid_dose == 200
    assert not episode.medications.exists()
    with pytest.raises(RecordError):
        services.stop_opioid(kept, user=clinician)


def test_a_medicine_that_is_not_a_recorded_opioid_is_not_stopped_here(
    episode: Episode, clinician: User
) -> None:
    warfarin = services.add_medication(episode, code="warfarin", anticoagulant=True)
    with pytest.raises(RecordError):
        services.stop_opioid(warfarin, user=clinician)
    assert Medication.objects.filter(pk=warfarin.pk).exists()


def test_removing_an_allergy_is_audited(episode: Episode, clinician: User) -> None:
    allergy = services.add_allergy(episode.patient, substance="Latex", user=clinician)
    services.remove_allergy(allergy, reason="another patient's", user=clinician)
    assert not Allergy.objects.exists() and not episode.patient.allergies.exists()
    kept = Allergy.all_objects.get(pk=allergy.pk)
    assert (kept.substance, kept.removed_by, kept.removal_reason) == (
        "Latex",
        clinician,
        "another patient's",
    )
    assert _entries("patients.allergy.removed")[0].detail == {"severity": "unknown"}


def test_a_diagnosis_stored_meanwhile_by_another_request_is_a_refusal_not_an_error(
    episode: Episode, clinician: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    create = Diagnosis.objects.create

    def raced(**fields: object) -> Diagnosis:
        create(episode=episode, code="DM54.5", primary=True)  # the other request's insert
        return create(**fields)

    monkeypatch.setattr(Diagnosis.objects, "create", raced)
    with pytest.raises(RecordError) as refused:
        services.add_diagnosis(episode, code="DM51.1", primary=True, user=clinician)
    assert refused.value.field == "code" and "meanwhile" in refused.value.message
    assert not _entries("patients.diagnosis.added")


def test_a_working_week_beyond_80_hours_is_refused_by_field(
    episode: Episode, clinician: User
) -> None:
    with pytest.raises(RecordError) as refused:
        services.record_work_status(
            episode.patient, status="full_time", hours_per_week=168, user=clinician
        )
    assert refused.value.field == "hours_per_week"
    assert not WorkStatus.objects.exists()
