"""DN4-interview, painDETECT and the BPI on a follow-up link in Danish at 360, 768 and 1280 px:
each page passes axe (WCAG 2.1 A/AA), nothing scrolls sideways, and the answers are scored
(issue 15). Screenshots in /tmp/shots/neuropathic-<width>-<code>.png."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page
from tests.browser.followup_pages import answer_and_send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWERS = {"dn4i": "1", "paindetect": "2", "bpi": "4"}
# painDETECT's two items that are not a 0–5 scale: the course picture and radiating pain.
PAINDETECT_OTHER = {"pd_course": "4", "pd_radiating": "1"}


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "da-DK"}


def _answer(code: str, link_id: str) -> str:
    return PAINDETECT_OTHER.get(link_id, ANSWERS[code])


@pytest.mark.parametrize("width", [360, 768, 1280])
def test_the_screening_questionnaires_on_a_follow_up_link(
    page: Page, live_server: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    scores = answer_and_send(page, live_server, list(ANSWERS), _answer, f"neuropathic-{width}")
    # dn4i: 7 × yes; painDETECT: 7 × 2 + 1 (attacks with pain between) + 2 (radiating) = 17;
    # BPI interference: the mean of seven 4s.
    assert scores == {"dn4i": 7, "paindetect": 17, "bpi": 4}
