"""A new intake on the worklist links to the patient's intake answers (issue 14): the
clinician reads what came in without first opening the patient page (which marks it seen)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from painpath.patients.models import Episode
from painpath.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db


def test_a_new_intake_row_links_to_the_intake_answers(
    clinician_client: Client, episode: Episode
) -> None:
    QuestionnaireResponse.objects.create(episode=episode, instrument="odi", answers={}, score=40)
    page = clinician_client.get(reverse("clinic:worklist")).content.decode()
    section = page.split('id="wl-new"', 1)[1].split("</section>", 1)[0]
    answers = reverse("clinic:intake_answers", args=[episode.public_id])

    assert f'href="{answers}"' in section
    assert clinician_client.get(answers).status_code == 200
