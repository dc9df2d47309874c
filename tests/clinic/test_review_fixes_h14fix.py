"""A clinician's review of the issue-14 patient page (all synthetic data): the blood-thinner
tile says in words which line is only the pause table's suggestion and which one a doctor
decided; a worsening score is not given an improvement's MIC verdict."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.clinic.test_patient_page_scale import _episode

from painpath.accounts.models import Profile
from painpath.clinic.summary import summary_data, summary_text
from painpath.pathway.services import classify_episode
from painpath.patients import services
from painpath.patients.models import Clinic, Episode, Medication
from painpath.questionnaires.models import QuestionnaireResponse

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


def _answer(episode: Episode, instrument: str, score: float) -> None:
    QuestionnaireResponse.objects.create(
        episode=episode,
        instrument=instrument,
        answers={},
        score=score,
        answered_on=timezone.localdate() - dt.timedelta(days=1),
    )


def test_a_worsening_is_called_worse_never_below_the_mic(
    clinician_client: Client, ready: Episode
) -> None:
    # NRS 7 → 10 (3 points worse, at least the MIC's 2 points); ODI 44 → 50 (6 points worse,
    # less than the MIC's 10 points: said to be worse, and nothing about the MIC).
    _answer(ready, "nrs", 10.0)
    _answer(ready, "odi", 50.0)
    tile = _tile(clinician_client, ready, "overview")
    nrs = tile.split(">NRS<")[1].split("</li>")[0]
    odi = tile.split(">ODI<")[1].split("</li>")[0]
    assert "worse" in nrs and "+3 since baseline (7)" in nrs
    assert "worsening at least the MIC's size (2)" in nrs
    assert "worse" in odi and "+6 since baseline (44)" in odi
    for line in (nrs, odi):
        assert "below the MIC" not in line and "MIC reached" not in line
        assert "no MIC cited" not in line
    assert "MIC's size" not in odi


def test_the_summary_says_a_worsening_the_same_way(
    clinician_client: Client, ready: Episode
) -> None:
    _answer(ready, "nrs", 10.0)
    lines = {line.code: line for line in summary_data(ready).scores}
    assert lines["nrs"].change.endswith("(worse)") and not lines["nrs"].important
    assert lines["nrs"].worse_by_mic is True and lines["odi"].worse_by_mic is False
    text = summary_text(summary_data(ready))
    assert "worsening at least the MIC's size" in text
