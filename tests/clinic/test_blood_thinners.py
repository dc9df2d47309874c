"""The readiness section's blood thinners: the procedure's bleeding-risk class, per drug what
the guideline says, the flag on a free-text blood thinner, and the doctor's decision form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from painpath.pathway import services as pathway
from painpath.patients import services
from painpath.patients.models import Episode, Medication, Patient

pytestmark = pytest.mark.django_db


def _page(episode: Episode) -> str:
    return reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])


@pytest.fixture
def booked(episode: Episode) -> Episode:
    pathway.book_procedure(
        episode,
        kind="gold_implantation",
        region="low_back",
        appointment_date=timezone.localdate() + dt.timedelta(days=20),
    )
    return episode


def test_the_page_shows_the_bleeding_risk_and_what_the_table_says_per_drug(
    clinician_client: Client, booked: Episode
) -> None:
    services.add_medication(booked, code="clopidogrel", anticoagulant=True)
    services.add_medication(booked, code="Hjertemagnyl 75 mg")
    page = clinician_client.get(_page(booked)).content.decode()
    assert "Bleeding risk of the procedure" in page
    assert "intermediate bleeding risk" in page
    assert "pause 7 days before the procedure" in page  # clopidogrel, intermediate risk
    # Hjertemagnyl: aspirin of unknown indication, intermediate risk — no stop suggested.
    assert "no fixed pause: shared assessment with the prescribing doctor" in page
    # The first screen, the readiness card and the medication list.
    assert page.count("possible blood thinner — confirm") == 3
    assert reverse("clinic:decide_medication", args=[booked.public_id]) in page


def test_a_danish_clinician_reads_the_blood_thinner_advice_in_danish(
    clinician: User, verified_client: Callable[[User], Client], booked: Episode
) -> None:
    from painpath.accounts.models import Profile

    Profile.objects.update_or_create(user=clinician, defaults={"language": "da"})
    services.add_medication(booked, code="Eliquis 5 mg")
    page = verified_client(clinician).get(_page(booked)).content.decode()
    assert "mellem blødningsrisiko" in page
    assert "pause 3 dage før indgrebet" in page
    assert "muligvis blodfortyndende — bekræft" in page
    assert "Indgrebets blødningsrisiko" in page


def test_recording_a_decision_saves_it_and_the_page_shows_it(
    clinician_client: Client, clinician: User, booked: Episode
) -> None:
    warfarin = services.add_medication(booked, code="Marevan 2,5 mg")
    response = clinician_client.post(
        reverse("clinic:decide_medication", args=[booked.public_id]),
        {"medication": warfarin.pk, "decision": "pause", "days": "5", "reason": "INR 2.4"},
    )
    assert response.status_code == 302
    warfarin.refresh_from_db()
    assert (warfarin.decision, warfarin.decision_days, warfarin.decided_by) == (
        "pause",
        5,
        clinician,
    )
    page = clinician_client.get(_page(booked)).content.decode()
    assert f"pause 5 days — decided by {clinician.get_username()}" in page
    assert "possible blood thinner — confirm" not in page


def test_a_pause_without_days_is_refused_with_a_message(
    clinician_client: Client, booked: Episode
) -> None:
    warfarin = services.add_medication(booked, code="warfarin", anticoagulant=True)
    response = clinician_client.post(
        reverse("clinic:decide_medication", args=[booked.public_id]),
        {"medication": warfarin.pk, "decision": "pause"},
        follow=True,
    )
    assert "A pause needs the number of days." in response.content.decode()
    assert Medication.objects.get().decision == ""


def test_a_medicine_of_another_episode_cannot_be_decided_through_this_one(
    clinician_client: Client, booked: Episode
) -> None:
    other_patient = Patient.objects.create(
        name="Other (synthetic)",
        date_of_birth=dt.date(1960, 1, 1),
        synthetic=True,
        clinic=booked.patient.clinic,
    )
    other = Episode.objects.create(patient=other_patient, complaint="Knee pain", region="knee")
    theirs = services.add_medication(other, code="warfarin", anticoagulant=True)
    response = clinician_client.post(
        reverse("clinic:decide_medication", args=[booked.public_id]),
        {"medication": theirs.pk, "decision": "continue"},
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.decision == ""
