"""PHQ-9, GAD-7, HADS and CSI on a follow-up link in Danish at 360, 768 and 1280 px: each page
passes axe (WCAG 2.1 A/AA), nothing scrolls sideways, and the answers are scored (issue 15).
Screenshots in /tmp/shots/mood-<width>-<code>.png."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page
from tests.browser.followup_pages import answer_and_send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWERS = {"phq9": "1", "gad7": "1", "hads": "2", "csi": "2"}


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "da-DK"}


@pytest.mark.parametrize("width", [360, 768, 1280])
def test_the_mood_and_sensitisation_questionnaires_on_a_follow_up_link(
    page: Page, live_server: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    scores = answer_and_send(
        page, live_server, list(ANSWERS), lambda code, _link_id: ANSWERS[code], f"mood-{width}"
    )
    # PHQ-9: 9 × 1; GAD-7: 7 × 1; HADS: 14 × 2; CSI: 25 × 2.
    assert scores == {"phq9": 9, "gad7": 7, "hads": 28, "csi": 50}
