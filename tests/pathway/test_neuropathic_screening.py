"""The neuropathic grading reads a stored DN4 as screening evidence, never as a grade (issue 15).

Finnerup NB et al. Pain 2016;157:1599–1606: screening tools are not part of the grading; a
positive DN4 (Bouhassira 2005: ≥ 4 of 10, the interview alone ≥ 3 of 7) is shown beside an
ungraded result. The rule set's own examples cover the rule; these check the path from a
stored response to it.
"""

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


def store(episode: Episode, code: str, yes: set[int], day: dt.date = DAY) -> None:
    n = len(get(code).items)
    answers = {f"dn4q{i}": int(i in yes) for i in range(1, n + 1)}
    store_scored_response(
        episode,
        code,
        answers,
        get(code).score(answers),
        source="paper",
        language="da",
        wording=UNKNOWN_WORDING,
        answered_on=day,
    )


def test_the_latest_dn4_and_dn4_interview_reach_the_episode_document(episode: Episode) -> None:
    store(episode, "dn4", {1, 2}, day=DAY - dt.timedelta(days=30))
    store(episode, "dn4", {1, 2, 3, 8, 9})
    store(episode, "dn4i", {4, 5, 6})
    doc = episode_document(episode, DAY)
    assert doc["questionnaires"]["dn4"] == {"total": 5, "interview": 3}
    assert doc["questionnaires"]["dn4_interview"] == {"total": 3}


def test_a_positive_dn4_is_shown_but_does_not_grade(episode: Episode) -> None:
    store(episode, "dn4", {1, 3, 6, 9})
    axis = classify_episode(episode, as_of=DAY).result["axes"]["neuropathic"]
    assert axis["result"] == "unknown"
    assert axis["fired"] == ["screening_positive"]
    assert "sx_nerve_lesion_history" in axis["needs"]


def test_a_positive_dn4_interview_counts_only_without_a_full_dn4(episode: Episode) -> None:
    store(episode, "dn4i", {1, 4, 5})
    axis = classify_episode(episode, as_of=DAY).result["axes"]["neuropathic"]
    assert axis["fired"] == ["screening_positive"]
    store(episode, "dn4", {1, 4, 5})  # the full DN4, 3 of 10: below its cut-off
    axis = classify_episode(episode, as_of=DAY).result["axes"]["neuropathic"]
    assert axis["fired"] == []
    assert axis["result"] == "unknown"


def test_the_patient_page_shows_the_screening_note_and_band_in_danish(
    episode: Episode, clinician_client: Client
) -> None:
    store(episode, "dn4", {1, 3, 6, 9})
    classify_episode(episode, as_of=timezone.localdate())
    url = reverse("clinic:patient", args=[episode.patient.public_id])
    page = clinician_client.get(url, HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "ikke graderet: en positiv DN4-screening tyder på neuropatiske smerter" in page
    assert "neuropatiske smerter sandsynlige" in page  # the DN4's band among the scores
