"""Shared steps of the browser tests that send instruments on a follow-up link and walk a
patient through them in Danish (issue 15): issue the link, answer every item of each
questionnaire, check each page (axe WCAG 2.1 A/AA, no sideways scrolling, a screenshot), send.
Each instrument's test names its instruments, answers and expected scores only; the link's
language is Danish unless a test asks for another (the buttons are found by their words in
it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from painpath.core.questionnaires import load
from painpath.patients.models import Clinic, Episode, Patient
from painpath.questionnaires.models import IntakeLink, QuestionnaireResponse

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SHOTS = Path("/tmp/shots")


def follow_up(
    live_server: Any, instruments: Sequence[str], language: str = "da"
) -> tuple[str, IntakeLink]:
    clinic = Clinic.objects.get_or_create(code="test", defaults={"name": "Test (synthetic)"})[0]
    patient = Patient.objects.create(
        name="Follow-up Patient (synthetic)",
        date_of_birth=dt.date(1961, 4, 9),
        sex="female",
        synthetic=True,
        clinic=clinic,
    )
    episode = Episode.objects.create(patient=patient, complaint="Smerter", region="low_back")
    link, token = IntakeLink.issue(
        episode,
        purpose=IntakeLink.Purpose.FOLLOW_UP,
        instruments=list(instruments),
        language=language,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    return f"{live_server.url}/q/p/{token}/", link


def check(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"


def answer_and_send(
    page: Page,
    live_server: Any,
    instruments: Sequence[str],
    answer: Callable[[str, str], str],
    shot: str,
    language: str = "da",
) -> dict[str, float]:
    """Answer every item (``answer(code, linkId)`` gives the answer code), check and
    screenshot each questionnaire's page as ``<shot>-<code>``, send; the stored scores."""
    with translation.override(language):
        words = {
            text: gettext(text)
            for text in (
                "Start",
                "Next",
                "Continue to review",
                "Check your answers",
                "Send answers",
                "Thank you – your answers have been sent",
            )
        }
    url, link = follow_up(live_server, instruments, language)
    page.goto(url)
    page.get_by_role("button", name=words["Start"]).click()
    if page.locator('input[name="care"]').count():
        page.locator('input[name="care"][value="given"]').check()
        page.locator('input[name="research"][value="refused"]').check()
        page.get_by_role("button", name=words["Next"]).click()
    for code in instruments:
        questionnaire = load(code, language)
        expect(page.get_by_role("heading", level=1)).to_have_text(questionnaire["title"])
        for item in questionnaire["item"]:
            value = answer(code, item["linkId"])
            page.locator(f'input[name="{item["linkId"]}"][value="{value}"]').check()
        check(page, f"{shot}-{code}")
        last = code == instruments[-1]
        page.get_by_role("button", name=words["Continue to review" if last else "Next"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words["Check your answers"])
    page.get_by_role("button", name=words["Send answers"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        words["Thank you – your answers have been sent"]
    )
    return {r.instrument: r.score for r in QuestionnaireResponse.objects.filter(link=link)}
