"""A KOOS's subscales on its answers page — the five and the KOOS-12 scales derived from the
same answers (issue 15) — named in the clinician's language, never by the core's codes
(synthetic answers)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from painpath.clinic.answers import response_answers
from painpath.core.instruments import get
from painpath.patients.models import Episode
from painpath.questionnaires.models import QuestionnaireResponse
from painpath.questionnaires.services import store_answers_as_shown

pytestmark = pytest.mark.django_db


def koos(episode: Episode) -> QuestionnaireResponse:
    """Synthetic: every KOOS item 1, the KOOS-12 pain items (P1, P8, P5, P6) 3, QOL Q1 4."""
    answers = {item.code: 1 for item in get("koos").items}
    answers |= dict.fromkeys(("koos_p1", "koos_p8", "koos_p5", "koos_p6"), 3) | {"koos_q1": 4}
    return store_answers_as_shown(
        episode, "koos", answers, source="paper", language="da", answered_on=timezone.localdate()
    )


def test_the_answers_page_shows_the_koos12_scales_in_danish(
    episode: Episode, clinician_client: Client
) -> None:
    response = koos(episode)
    # Hand-computed: KOOS-12 Pain all 3 → 100 − 75 = 25; Function all 1 → 75; QOL 4, 1, 1, 1 →
    # mean 1.75 → 56.25; summary (25 + 75 + 56.25) / 3 = 52.083….
    assert response.subscales["koos12_pain"] == 25.0
    assert response.subscales["koos12_qol"] == 56.25
    with translation.override("da"):
        rows = dict(response_answers(response).subscales)
    assert rows["KOOS-12 smerter"] == "25"
    assert rows["KOOS-12 funktion"] == "75"
    assert rows["KOOS-12 livskvalitet"] == "56,25"
    assert rows["KOOS-12 samlet score"] == "52,08"
    assert rows["Livskvalitet"] == "56,25"  # the KOOS's own QOL: the same four items
    assert len(rows) == 9
    url = reverse("clinic:answers", args=[episode.public_id, response.submission_id])
    page = clinician_client.get(url, HTTP_ACCEPT_LANGUAGE="da").content.decode()
    assert "KOOS-12 samlet score <strong>52,08</strong>" in page
    assert "koos12_" not in page and "sport_rec" not in page


def test_the_phq9s_item_9_is_named_on_its_answers_page(episode: Episode) -> None:
    # Every instrument's subscales are named now (tests/clinic/test_subscales_everywhere.py).
    answers = {f"phq{i}": 1 for i in range(1, 10)}
    phq9 = store_answers_as_shown(
        episode, "phq9", answers, source="paper", language="da", answered_on=timezone.localdate()
    )
    assert phq9.subscales == {"item9": 1.0}
    with translation.override("da"):
        assert response_answers(phq9).subscales == [
            ("Spørgsmål 9 (tanker om død eller selvskade)", "1")
        ]
