"""The Danish done page after PHQ-9 item 9 above "not at all" on a 360 px phone (issue 15):
the self-harm advice comes first, its numbers tappable, nothing wider than the screen, no
accessibility violation (axe-core, WCAG 2.0/2.1 A and AA)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.browser.followup_pages import check, follow_up

from painpath.questionnaires import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_the_danish_done_page_shows_the_self_harm_advice_first_on_a_phone(
    live_server: Any, page: Page
) -> None:
    url, link = follow_up(live_server, ["phq9"])
    clinic = link.episode.patient.clinic
    clinic.phone = "33 12 34 56"  # synthetic
    clinic.save(update_fields=["phone"])
    answers = {f"phq{n}": ["1"] for n in range(1, 9)} | {"phq9": ["2"]}
    services.submit(link, {"instrument:phq9": answers}, uuid.uuid4())
    page.set_viewport_size({"width": 360, "height": 740})  # a small phone
    page.goto(f"{url}done/")
    advice = page.locator("#self-harm-advice")
    expect(advice.get_by_role("heading")).to_have_text(
        "Hvis du har tanker om døden eller om at skade dig selv"
    )
    for number in ("112", "70201201", "33123456"):
        expect(advice.locator(f'a[href="tel:{number}"]')).to_be_visible()
    # First in the page's content: it starts on the phone's first screen.
    box = advice.bounding_box()
    assert box is not None and box["y"] < 740
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "self-harm-advice-da-360.png"), full_page=True)
    check(page, "self-harm-advice-da-360")
