"""TSK-17, FABQ, SPADI and QuickDASH on a follow-up link in Danish at 360, 768 and 1280 px: each
page passes axe (WCAG 2.1 A/AA), nothing scrolls sideways, and the answers are scored (issue
15). Screenshots in /tmp/shots/fear-shoulder-*.png."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from painpath.core.questionnaires import load
from painpath.patients.models import Clinic, Episode, Patient
from painpath.questionnaires.models import IntakeLink, QuestionnaireResponse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SHOTS = Path("/tmp/shots")
INSTRUMENTS = ["tsk", "fabq", "spadi", "quickdash"]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "locale": "da-DK"}


def follow_up(live_server: Any) -> tuple[str, IntakeLink]:
    clinic = Clinic.objects.get_or_create(code="test", defaults={"name": "Test (synthetic)"})[0]
    patient = Patient.objects.create(
        name="Shoulder Patient (synthetic)",
        date_of_birth=dt.date(1961, 4, 9),
        sex="female",
        synthetic=True,
        clinic=clinic,
    )
    episode = Episode.objects.create(patient=patient, complaint="Skuldersmerter", region="shoulder")
    link, token = IntakeLink.issue(
        episode,
        purpose=IntakeLink.Purpose.FOLLOW_UP,
        instruments=INSTRUMENTS,
        language="da",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    return f"{live_server.url}/q/p/{token}/", link


def check(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"fear-shoulder-{name}.png"), full_page=True)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"


@pytest.mark.parametrize("width", [360, 768, 1280])
def test_fear_and_shoulder_questionnaires_on_a_follow_up_link(
    page: Page, live_server: Any, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    url, link = follow_up(live_server)
    page.goto(url)
    page.get_by_role("button", name="Start").click()
    if page.locator('input[name="care"]').count():
        page.locator('input[name="care"][value="given"]').check()
        page.locator('input[name="research"][value="refused"]').check()
        page.get_by_role("button", name="Næste").click()
    answers = {"tsk": "2", "fabq": "3", "spadi": "5", "quickdash": "3"}
    for code in INSTRUMENTS:
        questionnaire = load(code, "da")
        expect(page.get_by_role("heading", level=1)).to_have_text(questionnaire["title"])
        for item in questionnaire["item"]:
            value = answers[code]
            page.locator(f'input[name="{item["linkId"]}"][value="{value}"]').check()
        check(page, f"{code}-{width}")
        if code == INSTRUMENTS[-1]:
            page.get_by_role("button", name="Videre til gennemsyn").click()
        else:
            page.get_by_role("button", name="Næste").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tjek dine svar")
    page.get_by_role("button", name="Send svar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tak – dine svar er sendt")

    scores = {r.instrument: r.score for r in QuestionnaireResponse.objects.filter(link=link)}
    # TSK-17: 13 × 2 + the four reversed items 4 × (5 − 2) = 38; FABQ physical activity
    # 4 × 3 = 12; SPADI 5 of 10 everywhere = 50 %; QuickDASH ((33 / 11) − 1) × 25 = 50.
    assert scores == {"tsk": 38, "fabq": 12, "spadi": 50, "quickdash": 50}
