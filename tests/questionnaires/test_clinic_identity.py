"""Every patient page names the clinic that asks, and how to reach it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from painpath.patients.models import Episode
from painpath.questionnaires import services

pytestmark = pytest.mark.django_db


def test_the_patient_pages_name_the_clinic_and_its_phone(episode: Episode, clinician: User) -> None:
    clinic = episode.patient.clinic
    clinic.address, clinic.phone = "Demovej 1, 2100 København Ø (synthetic)", "+45 55 55 55 01"
    clinic.save()
    _link, path = services.issue_link(episode, ["nrs"], "da", clinician)

    body = Client().get(path).content.decode()

    assert clinic.name in body
    assert "Demovej 1, 2100 København Ø" in body
    assert 'href="tel:+4555555501"' in body


def test_an_unusable_link_still_names_the_clinic(episode: Episode, clinician: User) -> None:
    link, path = services.issue_link(episode, ["nrs"], "da", clinician)
    link.revoked_at = link.created_at
    link.save(update_fields=["revoked_at"])

    body = Client().get(path).content.decode()

    assert episode.patient.clinic.name in body
