"""A date of birth stored before the form checked it (1850, 9999): the patient page says the
age cannot be computed, and the reclassifying actions keep working with the age unknown."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from painpath.pathway import services
from painpath.pathway.models import Classification
from painpath.patients.models import Episode, Patient

BAD_BIRTHS = [dt.date(1850, 1, 1), dt.date(9999, 12, 31)]


def _stored_wrongly(episode: Episode, born: dt.date) -> Patient:
    # As an existing row: written past the form, which now refuses such a date.
    Patient.objects.filter(pk=episode.patient.pk).update(date_of_birth=born)
    episode.patient.refresh_from_db()
    return episode.patient


@pytest.mark.parametrize("born", BAD_BIRTHS)
def test_the_patient_page_says_the_age_cannot_be_computed(
    episode: Episode, clinician_client: Client, born: dt.date
) -> None:
    services.classify_episode(episode, as_of=dt.date.today() - dt.timedelta(days=2))
    patient = _stored_wrongly(episode, born)

    response = clinician_client.get(reverse("clinic:patient", args=[patient.public_id]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "The age cannot be computed from the date of birth" in page
    assert born.isoformat() in page
    assert "-7974" not in page and "176 years" not in page


def test_a_possible_date_of_birth_shows_the_age_and_no_notice(
    episode: Episode, clinician_client: Client
) -> None:
    response = clinician_client.get(reverse("clinic:patient", args=[episode.patient.public_id]))
    assert "The age cannot be computed" not in response.content.decode()
    assert services.age_notice(episode.patient) is None
    assert services.age_today(episode.patient, today=dt.date(2026, 5, 17)) == 56


@pytest.mark.parametrize("born", BAD_BIRTHS)
def test_a_reclassifying_action_is_stored_and_classified_without_the_age(
    episode: Episode, clinician_client: Client, born: dt.date
) -> None:
    _stored_wrongly(episode, born)
    before = Classification.objects.filter(episode=episode).count()

    response = clinician_client.post(
        reverse("clinic:add_course", args=[episode.public_id]),
        {
            "modality": "acupuncture",
            "start": dt.date.today().isoformat(),
            "planned_sessions": "6",
            "pain_instrument": "nrs",
        },
    )

    assert response.status_code == 302
    assert episode.courses.count() == 1
    assert Classification.objects.filter(episode=episode).count() == before + 1
    assert "age" not in services.episode_document(episode, dt.date.today())


def test_the_red_flags_rules_read_a_wrong_birth_date_as_age_not_recorded(
    episode: Episode,
) -> None:
    _stored_wrongly(episode, dt.date(1850, 1, 1))
    episode.intake = {**episode.intake, "red_flags": {"constant_night_pain": True}}
    episode.save()

    classification = services.classify_episode(episode)

    axis = classification.axis("red_flags")
    assert axis is not None
    assert any("age not recorded" in finding for finding in axis.findings)
