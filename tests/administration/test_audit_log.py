"""The audit log for a site administrator, who reads no patient data: patients by public id
only, found by CPR number through its keyed hash — sent by POST, never in an address, a page
or the log itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from painpath.administration import services
from painpath.audit.models import AuditEntry
from painpath.patients.models import Clinic, Episode, Patient

pytestmark = pytest.mark.django_db

CPR = "170570-1233"  # the fixture patient's synthetic number
DIGITS = "1705701233"


@pytest.fixture
def admin_client_(verified_client: Callable[[User], Client], site_admin: User) -> Client:
    return verified_client(site_admin)


@pytest.fixture
def twin(episode: Episode, other_clinic: Clinic) -> Patient:
    """The same (synthetic) person's record at another clinic."""
    record = Patient(name="Test Patient (synthetic)", date_of_birth=dt.date(1970, 5, 17))
    record.clinic = other_clinic
    record.set_cpr(CPR)
    record.save()
    return record


def entry_about(patient: Patient, user: User) -> AuditEntry:
    return AuditEntry.objects.create(
        user=user, username=user.username, action="view", patient=patient
    )


def test_a_cpr_search_finds_every_clinics_record_and_keeps_the_number_out_of_address_and_log(
    admin_client_: Client, clinician: User, episode: Episode, twin: Patient
) -> None:
    mine = entry_about(episode.patient, clinician)
    theirs = entry_about(twin, clinician)
    stranger = Patient.objects.create(
        name="Someone (synthetic)", date_of_birth=dt.date(1990, 1, 1), clinic=twin.clinic
    )
    entry_about(stranger, clinician)

    posted = admin_client_.post(reverse("administration:audit_log"), {"cpr": CPR})
    assert posted.status_code == 302
    assert DIGITS not in posted["Location"] and "1233" not in posted["Location"]
    page = admin_client_.get(posted["Location"])

    shown = {e.pk for e in page.context["page"] if e.object_type != "audit.log"}
    assert shown == {mine.pk, theirs.pk}
    body = page.content.decode()
    assert "1233" not in body
    for entry in AuditEntry.objects.all():
        assert "1233" not in f"{entry.path} {entry.detail}", entry.code
    searched = AuditEntry.objects.filter(code=services.LOG_SEARCHED_BY_CPR.code)
    assert {e.patient_id for e in searched} == {episode.patient.pk, twin.pk}


def test_the_log_names_a_patient_by_public_id_never_by_name(
    admin_client_: Client, clinician: User, episode: Episode
) -> None:
    entry_about(episode.patient, clinician)

    body = admin_client_.get(reverse("administration:audit_log")).content.decode()

    assert str(episode.patient.public_id) in body
    assert episode.patient.name not in body
    assert episode.patient.cpr_masked not in body


def test_the_log_cannot_be_searched_by_name(
    admin_client_: Client, clinician: User, episode: Episode
) -> None:
    entry_about(episode.patient, clinician)

    response = admin_client_.get(reverse("administration:audit_log"), {"patient": "test patient"})
    other = admin_client_.get(reverse("administration:audit_log"), {"patient": "no such name"})

    assert "use the CPR search" in response.content.decode()
    # The name narrows nothing: it tells the reader nothing about who is a patient.
    assert [e.pk for e in response.context["page"] if e.object_type != "audit.log"] == [
        e.pk for e in other.context["page"] if e.object_type != "audit.log"
    ]


def test_a_cpr_in_the_address_is_not_searched(
    admin_client_: Client, clinician: User, episode: Episode
) -> None:
    entry_about(episode.patient, clinician)

    response = admin_client_.get(reverse("administration:audit_log"), {"cpr": DIGITS})

    assert response.status_code == 200
    assert not AuditEntry.objects.filter(code=services.LOG_SEARCHED_BY_CPR.code).exists()
    latest = AuditEntry.objects.order_by("-id").first()
    assert latest is not None and DIGITS not in latest.path and "170570-••••" in latest.path


def test_an_invalid_or_unknown_cpr_says_so_without_echoing_it(
    admin_client_: Client, episode: Episode
) -> None:
    invalid = admin_client_.post(
        reverse("administration:audit_log"), {"cpr": "170570-1234"}, follow=True
    )
    unknown = admin_client_.post(
        reverse("administration:audit_log"), {"cpr": "010180-1235"}, follow=True
    )

    assert "Not a valid CPR number" in invalid.content.decode()
    assert "1234" not in invalid.content.decode()
    assert "No patient record in any clinic has this CPR number" in unknown.content.decode()
    assert "1235" not in unknown.content.decode()
    (searched,) = AuditEntry.objects.filter(code=services.LOG_SEARCHED_BY_CPR.code)
    assert searched.patient is None and searched.detail["records"] == []


def test_only_site_administrators_search_by_cpr(
    clinician_client: Client,
    verified_client: Callable[[User], Client],
    make_staff: Callable[..., User],
    episode: Episode,
) -> None:
    from painpath.accounts.roles import CLINIC_ADMIN

    for client in (clinician_client, verified_client(make_staff(CLINIC_ADMIN))):
        response = client.post(reverse("administration:audit_log"), {"cpr": CPR})
        assert response.status_code == 403
    assert not AuditEntry.objects.filter(code=services.LOG_SEARCHED_BY_CPR.code).exists()


def test_the_site_administrator_does_not_read_clinical_details_in_the_log(
    admin_client_: Client, clinician: User, episode: Episode
) -> None:
    AuditEntry.objects.create(
        user=clinician,
        username=clinician.username,
        code="pathway.red_flag.acknowledged",
        action="acknowledge",
        patient=episode.patient,
        detail={"red_flags": ["cauda_equina"], "grade": "emergency"},
    )
    body = admin_client_.get(reverse("administration:audit_log")).content.decode()
    assert "cauda_equina" not in body and "emergency" not in body
    assert "the details are for the patient's clinic" in body
