"""A patient completes the intake in Danish on a 360 px phone, with an accessibility check
(axe-core, WCAG 2.0/2.1 A and AA) on every page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Page, expect

from painpath.core.questionnaires import load
from painpath.patients.models import Clinic, Episode, Patient
from painpath.questionnaires import services
from painpath.questionnaires.forms import RED_FLAGS
from painpath.questionnaires.models import IntakeLink, QuestionnaireResponse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SHOTS = Path("/tmp/shots")


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "viewport": {"width": 360, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "da-DK",
    }


@pytest.fixture
def link_url(live_server: Any) -> tuple[str, IntakeLink]:
    patient = Patient.objects.create(
        name="Browser Patient (synthetic)",
        date_of_birth=dt.date(1968, 3, 2),
        sex="male",
        synthetic=True,
        clinic=Clinic.objects.get_or_create(code="test", defaults={"name": "Test (synthetic)"})[0],
    )
    episode = Episode.objects.create(patient=patient, complaint="Lændesmerter", region="low_back")
    link, path = services.issue_link(episode, ["nrs", "odi", "eq5d5l"], "da", None)
    return live_server.url + path, link


class Checker:
    """Checks each page with axe, collects CSP and script errors, keeps a screenshot."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.axe = Axe()
        self.count = 0
        self.console: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(str(error)))
        SHOTS.mkdir(parents=True, exist_ok=True)

    def _console(self, message: ConsoleMessage) -> None:
        # A 4xx page load is logged by Chromium; the tests check those statuses themselves.
        if message.type in ("error", "warning") and "the server responded" not in message.text:
            self.console.append(message.text)

    def __call__(self, name: str) -> None:
        self.count += 1
        shot = SHOTS / f"intake-{self.count:02d}-{name}.png"
        self.page.screenshot(path=str(shot), full_page=True)
        results = self.axe.run(self.page, options={"runOnly": {"type": "tag", "values": WCAG}})
        assert results.violations_count == 0, f"{name}: {results.generate_report()}"
        # Nothing sticks out sideways on a 360 px screen.
        overflow = self.page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"
        assert not self.console, f"{name}: {self.console}"


def next_page(page: Page) -> None:
    page.get_by_role("button", name="Næste").click()


def test_a_patient_completes_the_intake_in_danish_on_a_phone(
    page: Page, link_url: tuple[str, IntakeLink]
) -> None:
    url, link = link_url
    check = Checker(page)

    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Spørgsmål før dit besøg")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    check("start")
    expect(page.get_by_label("Dansk")).to_be_checked()
    page.get_by_role("button", name="Start").click()

    # 0. Consent, before the questions: who sees what, and the patient's choice.
    expect(page.get_by_role("heading", level=1)).to_have_text("Dit samtykke")
    page.locator('input[name="care"][value="given"]').check()
    page.locator('input[name="research"][value="refused"]').check()
    check("consent")
    page.get_by_role("button", name="Næste").click()

    # 1. The body map: a missing answer first, then the figures and the list.
    expect(page.get_by_text("Spørgsmål 1 af 51 (side 1 af 9)")).to_be_visible()
    next_page(page)
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Vælg mindst ét sted, hvor du har smerter.")
    check("regions-error")
    back_view = page.locator(".bodymap-back")
    back_view.locator('[data-value="low_back"]').click()
    expect(page.locator("#id_regions_low_back")).to_be_checked()
    expect(back_view.locator('[data-value="low_back"]')).to_have_class(re.compile("is-selected"))
    # The patient's left knee is on the viewer's right in the front view.
    page.locator(".bodymap-front").locator('[data-value="knee:left"]').click()
    expect(page.get_by_role("checkbox", name="Knæ, Venstre")).to_be_checked()
    page.get_by_role("checkbox", name="Balde, Højre").check()
    expect(back_view.locator('[data-value="buttock:right"]')).to_have_class(
        re.compile("is-selected")
    )
    check("regions")
    next_page(page)

    # 2. Duration and pattern.
    expect(page.get_by_text("Spørgsmål 2–4 af 51 (side 2 af 9)")).to_be_visible()
    page.get_by_label("Hvor længe har du haft disse smerter?").fill("14")
    page.get_by_label("Enhed").select_option("months")
    page.get_by_label("De er der hele eller næsten hele tiden").check()
    check("duration")
    next_page(page)

    # 3. Red flags: every question answered, one with "Don't know".
    expect(page.get_by_role("heading", level=1)).to_have_text("Vigtige helbredsspørgsmål")
    for code, _question in RED_FLAGS:
        page.locator(f'input[name="{code}"][value="no"]').check()
    page.locator('input[name="history_of_cancer"][value="unknown"]').check()
    check("red-flags")
    next_page(page)

    # 4. Medicines, with a blood thinner.
    page.get_by_role("group", name="Tager du fast medicin?").get_by_label("Ja").check()
    page.get_by_role("checkbox", name="Apixaban (Eliquis)").check()
    page.get_by_label("Anden medicin").fill("Paracetamol")
    check("medications")
    next_page(page)

    # 5. Treatments tried.
    page.get_by_label("Fysioterapi eller genoptræning").select_option("short_effect")
    check("treatments")
    next_page(page)

    # 6. NRS: an out-of-range number is refused with a message at the question.
    nrs = load("nrs", "da")["item"][0]["text"]
    page.get_by_label(nrs).fill("12")
    next_page(page)
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.locator("#id_nrs_error")).to_contain_text("Skriv et helt tal fra 0 til 10.")
    check("nrs-error")
    page.get_by_label(nrs).fill("6")
    next_page(page)

    # 7. ODI, rendered from its FHIR Questionnaire in Danish.
    odi = load("odi", "da")
    expect(page.get_by_role("heading", level=1)).to_have_text(odi["title"])
    for item in odi["item"]:
        page.locator(f'input[name="{item["linkId"]}"][value="2"]').check()
    check("odi")
    next_page(page)

    # 8. EQ-5D-5L.
    for code in ("MO", "SC", "UA", "PD", "AD"):
        page.locator(f'input[name="{code}"][value="2"]').check()
    page.locator("#id_VAS").fill("65")
    check("eq5d5l")
    page.get_by_role("button", name="Videre til gennemsyn").click()

    # 9. Review, then send: a double tap sends once.
    expect(page.get_by_role("heading", level=1)).to_have_text("Tjek dine svar")
    expect(page.get_by_text("Alle 51 spørgsmål (side 9 af 9)")).to_be_visible()
    expect(page.locator(".review-section").first).to_contain_text("Lænd")
    check("review")
    page.get_by_role("button", name="Send svar").dblclick()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tak – dine svar er sendt")
    check("done")

    link.refresh_from_db()
    assert link.completed_at is not None
    scores = {r.instrument: r.score for r in QuestionnaireResponse.objects.filter(link=link)}
    assert scores["nrs"] == 6
    assert scores["odi"] == pytest.approx(40.0)
    assert "eq5d5l" in scores
    intake = link.episode.__class__.objects.get(pk=link.episode_id).intake
    assert {"region": "low_back", "laterality": "midline"} in intake["pain_regions"]
    assert {"region": "knee", "laterality": "left"} in intake["pain_regions"]
    assert {"region": "buttock", "laterality": "right"} in intake["pain_regions"]


def test_a_stale_link_shows_its_message_in_the_browser_and_passes_axe(
    page: Page, link_url: tuple[str, IntakeLink]
) -> None:
    url, link = link_url
    IntakeLink.objects.filter(pk=link.pk).update(expires_at=link.created_at)
    check = Checker(page)
    page.goto(url)
    expect(page.locator(".link-problem")).to_have_text(
        "Linket er udløbet. Bed venligst klinikken om et nyt link."
    )
    check("expired")
