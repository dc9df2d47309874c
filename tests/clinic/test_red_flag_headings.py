"""A PHQ-9 item 9 red flag is shown under its own heading — thoughts of death or self-harm —
on the patient page's red-flag card, in the summary (page and text) and on the PHQ-9's answers
page, never under the heading of serious pathology (issue 15; red-flags 2.2.0 headings)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from painpath.clinic.answers import red_flags_of
from painpath.clinic.summary import summary_data, summary_text
from painpath.pathway.services import classify_episode
from painpath.patients.models import Episode
from painpath.questionnaires.models import QuestionnaireResponse
from painpath.questionnaires.services import store_answers_as_shown

pytestmark = pytest.mark.django_db

SELF_HARM_DA = "Tanker om døden eller om selvskade"
PATHOLOGY_DA = "Tegn på mulig alvorlig patologi"


def phq9(episode: Episode, item9: int, *, with_cancer: bool = False) -> QuestionnaireResponse:
    """A PHQ-9 with ``item9`` alone above 0, the episode classified; ``with_cancer``: a
    history of cancer answered at the intake as well (an urgent spinal flag)."""
    if with_cancer:
        episode.intake = {"red_flags": {"history_of_cancer": True}}
        episode.save()
    answers = {f"phq{i}": 0 for i in range(1, 9)} | {"phq9": item9}
    response = store_answers_as_shown(
        episode, "phq9", answers, source="paper", language="da", answered_on=timezone.localdate()
    )
    classify_episode(episode)
    return response


def page(client: Client, episode: Episode) -> str:
    url = reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])
    return client.get(url, HTTP_ACCEPT_LANGUAGE="da").content.decode()


def red_flag_card(html: str) -> str:
    start = html.index('id="red-flag"')
    return html[start : html.index("</section>", start)]


def test_self_harm_alone_is_not_called_serious_pathology_on_the_patient_page(
    episode: Episode, clinician_client: Client
) -> None:
    phq9(episode, item9=2)
    card = red_flag_card(page(clinician_client, episode))
    assert SELF_HARM_DA in card
    assert "patologi" not in card  # neither a heading nor the grade's label


def test_with_a_spinal_flag_each_finding_stands_under_its_own_heading(
    episode: Episode, clinician_client: Client
) -> None:
    phq9(episode, item9=1, with_cancer=True)
    card = red_flag_card(page(clinician_client, episode))
    # The emergency (self-harm) comes first, then the urgent spinal flag under its heading.
    self_harm, pathology = card.index(SELF_HARM_DA), card.index(PATHOLOGY_DA)
    assert self_harm < card.index("selvmordsrisikoen") < pathology
    assert pathology < card.index("kræft")


def test_the_summary_page_and_text_carry_the_heading(
    episode: Episode, clinician_client: Client
) -> None:
    phq9(episode, item9=3, with_cancer=True)
    with translation.override("da"):
        data = summary_data(episode)
        text = summary_text(data)
    headings = [line.heading for line in data.red_flags]
    assert headings == [SELF_HARM_DA, PATHOLOGY_DA]
    lines = text.splitlines()
    assert lines.index(f"{SELF_HARM_DA}:") < lines.index(f"{PATHOLOGY_DA}:")
    html = clinician_client.get(
        reverse("clinic:summary", args=[episode.public_id]), HTTP_ACCEPT_LANGUAGE="da"
    ).content.decode()
    assert f'<h3 class="sum-red-heading">{SELF_HARM_DA}</h3>' in html


def test_the_phq9_answers_page_shows_the_flag_under_its_heading(
    episode: Episode, clinician_client: Client
) -> None:
    response = phq9(episode, item9=1)
    with translation.override("da"):
        assert [heading for heading, _f in red_flags_of(response)] == [SELF_HARM_DA]
    url = reverse("clinic:answers", args=[episode.public_id, response.submission_id])
    html = clinician_client.get(url, HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert SELF_HARM_DA in html and "patologi" not in html


def test_a_phq9_without_item9_or_another_instrument_raises_nothing_on_its_page(
    episode: Episode,
) -> None:
    assert red_flags_of(phq9(episode, item9=0)) == []
    nrs = QuestionnaireResponse.objects.create(
        episode=episode, instrument="nrs", answers={"nrs": 9}, score=9
    )
    assert red_flags_of(nrs) == []
