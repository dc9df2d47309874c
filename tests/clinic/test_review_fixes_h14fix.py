"""A clinician's review of the issue-14 patient page (all synthetic data): the blood-thinner
tile says in words which line is only the pause table's suggestion and which one a doctor
decided; a worsening score is not given an improvement's MIC verdict."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from tests.clinic.test_patient_page_scale import _episode

from painpath.accounts.models import Profile
from painpath.pathway.services import classify_episode
from painpath.patients import services
from painpath.patients.models import Clinic, Episode, Medication

pytestmark = pytest.mark.django_db


@pytest.fixture
def ready(clinic: Clinic) -> Episode:
    episode = _episode(clinic, "Review Patient (synthetic)")
    classify_episode(episode)
    return episode


def _tile(client: Client, episode: Episode, tile: str) -> str:
    url = reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])
    body = client.get(url).content.decode()
    return body.split(f'id="{tile}"')[1].split("</article>")[0]


def test_the_tables_suggestion_says_it_is_not_decided(
    clinician_client: Client, ready: Episode
) -> None:
    tile = _tile(clinician_client, ready, "overview-thinners")
    # Warfarin before a gold implantation: the table suggests a pause nobody agreed yet.
    assert "Not decided — the pause table suggests: pause" in tile
    assert "decided by" not in tile


def test_the_tables_suggestion_says_it_is_not_decided_in_danish(
    clinician: User, verified_client: Callable[[User], Client], ready: Episode
) -> None:
    Profile.objects.update_or_create(user=clinician, defaults={"language": "da"})
    tile = _tile(verified_client(clinician), ready, "overview-thinners")
    assert "Ikke besluttet — pausetabellen foreslår: pause" in tile
    assert "Not decided" not in tile


def test_an_agreed_decision_says_who_decided_and_no_suggestion(
    clinician_client: Client, clinician: User, ready: Episode
) -> None:
    warfarin = Medication.objects.get(episode=ready, code="warfarin")
    services.decide_medication(warfarin, decision="pause", days=5, reason="INR 2.4", user=clinician)
    tile = _tile(clinician_client, ready, "overview-thinners")
    assert f"pause 5 days — decided by {clinician.get_username()}" in tile
    assert "Not decided" not in tile and "suggests" not in tile
