"""A positive PHQ-9 item 9 (thoughts of death or of self-harm) reaches the clinician as a
red flag graded emergency, whatever the PHQ-9 total (issue 15; red-flags 2.1.0, Kroenke 2001).
The rule set's own examples cover the rule; these check the path from a stored response."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from painpath.core.instruments import get
from painpath.core.questionnaires import UNKNOWN_WORDING
from painpath.pathway.services import classify_episode, episode_document
from painpath.patients.models import Episode
from painpath.questionnaires.services import store_scored_response

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 1)


def store(episode: Episode, item9: int, others: int = 0, day: dt.date = DAY) -> None:
    answers = {f"phq{i}": others for i in range(1, 9)} | {"phq9": item9}
    store_scored_response(
        episode,
        "phq9",
        answers,
        get("phq9").score(answers),
        source="paper",
        language="da",
        wording=UNKNOWN_WORDING,
        answered_on=day,
    )


def test_the_latest_phq9_reaches_the_episode_document(episode: Episode) -> None:
    store(episode, item9=2, day=DAY - dt.timedelta(days=30))
    store(episode, item9=1, others=1)
    assert episode_document(episode, DAY)["questionnaires"]["phq9"] == {"total": 9, "item9": 1}


def test_item9_above_not_at_all_is_an_emergency_even_with_a_minimal_total(
    episode: Episode,
) -> None:
    store(episode, item9=1)  # total 1: the "minimal" band
    axis = classify_episode(episode, as_of=DAY).result["axes"]["red_flags"]
    assert axis["result"] == "emergency"
    assert "phq9_self_harm_thoughts" in axis["fired"]


def test_a_later_phq9_without_item9_clears_the_flag(episode: Episode) -> None:
    store(episode, item9=3, day=DAY - dt.timedelta(days=30))
    store(episode, item9=0, others=3)  # total 24, severe: still no self-harm flag
    axis = classify_episode(episode, as_of=DAY).result["axes"]["red_flags"]
    assert "phq9_self_harm_thoughts" not in axis["fired"]


def test_no_phq9_leaves_the_red_flags_as_they_were(episode: Episode) -> None:
    axis = classify_episode(episode, as_of=DAY).result["axes"]["red_flags"]
    assert "phq9_self_harm_thoughts" not in axis["fired"]
    assert "phq9_item9" not in axis.get("needs", [])


def test_the_patient_page_shows_the_flag_in_danish(
    episode: Episode, clinician_client: Client
) -> None:
    store(episode, item9=1, day=timezone.localdate())
    classify_episode(episode, as_of=timezone.localdate())
    url = reverse("clinic:patient", args=[episode.patient.public_id])
    page = clinician_client.get(url, HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "tanker om døden eller om at skade sig selv" in page
