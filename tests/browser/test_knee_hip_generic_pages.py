"""KOOS, HOOS and RAND-36 on a follow-up link in Danish, English and German at 360 px: each
page shows the Questionnaire of that language, passes axe (WCAG 2.1 A/AA), nothing scrolls
sideways, and the answers sent are scored (issue 15; the layout sweep covers other widths).
Screenshots in /tmp/shots/knee-hip-generic-<language>-<code>.png."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page
from tests.browser.followup_pages import answer_and_send

from painpath.questionnaires.models import QuestionnaireResponse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# KOOS and HOOS: "moderate" (2 of 0–4) everywhere; RAND-36: the first answer printed (1).
ANSWERS = {"koos": "2", "hoos": "2", "rand36": "1"}


@pytest.mark.parametrize("language", ["da", "en", "de"])
def test_knee_hip_and_generic_health_questionnaires_in_each_language(
    page: Page, live_server: Any, language: str
) -> None:
    page.set_viewport_size({"width": 360, "height": 800})
    scores = answer_and_send(
        page,
        live_server,
        list(ANSWERS),
        lambda code, _link_id: ANSWERS[code],
        f"knee-hip-generic-{language}",
        language,
    )
    # KOOS and HOOS: each subscale 100 − mean × 25 = 100 − 2 × 25 = 50, and painpath's score is
    # the Pain subscale (Roos 2003 user's guide formula). RAND-36: answer 1 on items 21 and 22
    # recodes to 100 each (RAND's Table 1), so the Pain scale is 100.
    assert scores == {"koos": 50, "hoos": 50, "rand36": 100}
    rand36 = QuestionnaireResponse.objects.get(instrument="rand36")
    assert rand36.language == language
    # RAND's Table 1 recodes answer 1 to 0 on items 3–19, 24, 25, 28, 29, 31, 32, 33, 35 and
    # to 100 on items 1, 2, 20–23, 26, 27, 30, 34, 36; Table 2 averages each scale's items.
    assert rand36.subscales == {
        "physical_functioning": 0,
        "role_physical": 0,
        "role_emotional": 0,
        "energy_fatigue": 50,  # 23, 27 → 100; 29, 31 → 0
        "emotional_wellbeing": 40,  # 26, 30 → 100; 24, 25, 28 → 0
        "social_functioning": 50,  # 20 → 100; 32 → 0
        "pain": 100,
        "general_health": 60,  # 1, 34, 36 → 100; 33, 35 → 0
        "health_change": 100,  # item 2, in no scale
    }
    koos = QuestionnaireResponse.objects.get(instrument="koos")
    assert set(koos.subscales.values()) == {50}
