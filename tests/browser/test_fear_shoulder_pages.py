"""TSK-17, FABQ, SPADI and QuickDASH on a follow-up link in Danish at 360, 768 and 1280 px: each
page passes axe (WCAG 2.1 A/AA), nothing scrolls sideways, and the answers are scored (issue
15). Screenshots in /tmp/shots/fear-shoulder-<width>-<code>.png."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page
from tests.browser.followup_pages import answer_and_send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWERS = {"tsk": "2", "fabq": "3", "spadi": "5", "quickdash": "3"}


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "da-DK"}


@pytest.mark.parametrize("width", [360, 768, 1280])
def test_fear_and_shoulder_questionnaires_on_a_follow_up_link(
    page: Page, live_server: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    scores = answer_and_send(
        page,
        live_server,
        list(ANSWERS),
        lambda code, _link_id: ANSWERS[code],
        f"fear-shoulder-{width}",
    )
    # TSK-17: 13 × 2 + the four reversed items 4 × (5 − 2) = 38; FABQ physical activity
    # 4 × 3 = 12; SPADI 5 of 10 everywhere = 50 %; QuickDASH ((33 / 11) − 1) × 25 = 50.
    assert scores == {"tsk": 38, "fabq": 12, "spadi": 50, "quickdash": 50}
