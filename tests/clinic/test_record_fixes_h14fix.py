"""A clinician's review of the issue-14 record (all synthetic data): an opioid is named in the
reader's language wherever the page shows it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from painpath.patients import services
from painpath.patients.models import Episode

pytestmark = pytest.mark.django_db


def _page(client: Client, episode: Episode, language: str = "en") -> str:
    url = reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_an_opioid_is_named_in_danish_in_the_medicine_list(
    clinician_client: Client, clinician: User, episode: Episode
) -> None:
    services.add_opioid(episode, opioid="oxycodone_oral", dose="20", user=clinician)
    page = _page(clinician_client, episode, "da")
    assert "oxycodone (oral)" not in page
    medicines = page.split('id="readiness"')[1]
    assert "oxycodon (peroral)" in medicines
    assert "oxycodone (oral)" in _page(clinician_client, episode, "en")
