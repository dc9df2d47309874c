"""Links that reach the patient, in a browser at 360 px (issue 14): the issue form as a
secretary at the front desk sees it in Danish, the link sent by e-mail, and the patient's
pages — questions counted, "Ret" from the review back to the review, and the body map's tap
targets measured (WCAG 2.5.5: at least 44 × 44 CSS px)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from playwright.sync_api import ConsoleMessage, Page, expect

from painpath.patients.models import Clinic, Episode, Patient
from painpath.questionnaires import bodymap, services
from painpath.questionnaires.forms import RED_FLAGS, TREATMENTS
from painpath.questionnaires.models import IntakeLink

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTH = 360


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_context_args,
        "viewport": {"width": WIDTH, "height": 740},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "locale": "da-DK",
    }


@pytest.fixture
def demo_episode(clinic: Clinic) -> Episode:
    clinic.name = "Smerteklinikken Demo (synthetic)"
    clinic.address = "Demovej 1, 2100 København Ø (synthetic)"
    clinic.phone = "+45 55 55 55 01"
    clinic.save()
    patient = Patient.objects.create(
        name="Birgitte Browser (synthetic)",
        date_of_birth=dt.date(1968, 3, 2),
        sex="female",
        email="birgitte@example.invalid",
        synthetic=True,
        clinic=clinic,
    )
    return Episode.objects.create(patient=patient, complaint="Lændesmerter", region="low_back")


def watch(page: Page) -> list[str]:
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and "the server responded" not in message.text:
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"links-{name}-{WIDTH}.png"), full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the screen"


def as_signed_in(page: Page, base_url: str, client: Client) -> None:
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": base_url}]
    )


def test_a_secretary_sends_a_link_by_email_from_the_form_in_danish(
    page: Page,
    live_server: Any,
    demo_episode: Episode,
    make_staff: Callable[..., User],
    verified_client: Callable[[User], Client],
) -> None:
    errors = watch(page)
    as_signed_in(page, live_server.url, verified_client(make_staff("secretary")))
    page.goto(live_server.url + reverse("questionnaires:issue", args=[demo_episode.public_id]))

    # First display: the clinic's set for the low back ticked, no error anywhere.
    expect(page.get_by_role("heading", level=1)).to_have_text("Send spørgeskemaer til patienten")
    for code in ("nrs", "odi", "startback", "eq5d5l"):
        expect(page.locator(f'input[name="instruments"][value="{code}"]')).to_be_checked()
    # The others are folded away below the clinic's set.
    expect(page.locator('input[name="instruments"][value="ndi"]')).to_be_hidden()
    page.locator(".more-choices > summary").click()
    expect(page.locator('input[name="instruments"][value="ndi"]')).not_to_be_checked()
    expect(page.locator(".error, .error-summary")).to_have_count(0)
    expect(page.locator("#id_days")).to_have_value("14")
    expect(page.locator("#days-hint")).to_contain_text(re.compile(r"kl\. \d\d\.\d\d"))
    expect(page.get_by_label("Vis det her (kopiér linket, eller scan QR-koden)")).to_be_checked()
    shoot(page, "issue-form")
    wcag = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    results = Axe().run(page, options=wcag)
    assert results.violations_count == 0, results.generate_report()

    # Nothing ticked: refused, naming the field, and no link.
    for code in ("nrs", "odi", "startback", "eq5d5l"):
        page.locator(f'input[name="instruments"][value="{code}"]').uncheck()
    page.get_by_role("button", name="Opret link").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Spørgeskemaer: vælg mindst ét spørgeskema til linket.")
    shoot(page, "issue-form-error")
    assert not IntakeLink.objects.exists()

    page.locator('input[name="instruments"][value="nrs"]').check()
    page.get_by_label("Med e-mail til b•••@example.invalid").check()
    page.get_by_role("button", name="Opret link").click()
    expect(page.get_by_role("status")).to_have_text("Sendt med e-mail til b•••@example.invalid.")
    expect(page.locator(".validity")).to_have_text(
        re.compile(r"^Gyldigt til \d{1,2}\. [a-zæøå]{3}\.? \d{4} kl\. \d\d\.\d\d\.$")
    )
    shoot(page, "issued-by-email")
    (message,) = mail.outbox
    assert "Smerteklinikken Demo (synthetic)" in message.body and "+45 55 55 55 01" in message.body

    # At the clinic tablet: shown once, with a QR code that fits the phone's screen.
    page.goto(live_server.url + reverse("questionnaires:issue", args=[demo_episode.public_id]))
    page.get_by_role("button", name="Opret link").click()
    qr = page.get_by_role("img", name=re.compile("QR"))
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box is not None and 120 <= box["width"] <= WIDTH
    expect(page.locator("#patient-link")).to_have_value(re.compile(r"/q/p/[A-Za-z0-9_-]{20,}/$"))
    shoot(page, "issued-qr")
    assert IntakeLink.objects.count() == 2 and len(mail.outbox) == 1
    assert errors == []


@pytest.fixture
def link_url(live_server: Any, demo_episode: Episode) -> tuple[str, IntakeLink]:
    link, path = services.issue_link(demo_episode, ["nrs", "odi", "eq5d5l"], "da", None)
    return live_server.url + path, link


def answer_fixed_pages(page: Page) -> None:
    """From the start page to the first instrument, with answers that pass."""
    page.get_by_role("button", name="Start").click()
    page.locator('input[name="care"][value="given"]').check()
    page.locator('input[name="research"][value="refused"]').check()
    page.get_by_role("button", name="Næste").click()
    page.locator("#id_regions_low_back").check()
    page.get_by_role("button", name="Næste").click()
    page.get_by_label("Hvor længe har du haft disse smerter?").fill("14")
    page.get_by_label("Enhed").select_option("months")
    page.get_by_label("De er der hele eller næsten hele tiden").check()
    page.get_by_role("button", name="Næste").click()
    for code, _question in RED_FLAGS:
        page.locator(f'input[name="{code}"][value="no"]').check()
    page.get_by_role("button", name="Næste").click()
    page.get_by_role("group", name="Tager du fast medicin?").get_by_label("Nej").check()
    page.get_by_role("button", name="Næste").click()
    assert len(TREATMENTS) == 9  # left "Ikke prøvet"
    page.get_by_role("button", name="Næste").click()


def test_the_body_maps_tap_targets_are_at_least_44_px_on_a_phone(
    page: Page, link_url: tuple[str, IntakeLink]
) -> None:
    url, _link = link_url
    errors = watch(page)
    page.goto(url)
    page.get_by_role("button", name="Start").click()
    page.locator('input[name="care"][value="given"]').check()
    page.locator('input[name="research"][value="refused"]').check()
    page.get_by_role("button", name="Næste").click()
    expect(page.get_by_text("Spørgsmål 1 af 51")).to_be_visible()
    shoot(page, "patient-bodymap-da")

    small = []
    options = page.locator(".region-list label.option").all()
    assert len(options) == len(bodymap.values())  # one target per checkbox
    for label in options:
        box = label.bounding_box()
        assert box is not None
        if box["width"] < 44 or box["height"] < 44:
            small.append((label.inner_text(), box["width"], box["height"]))
    assert small == [], f"tap targets under 44 × 44 px at {WIDTH} px: {small}"
    # The figures mirror the list (aria-hidden): each region drawn has its own checkbox
    # target of full size in the list — WCAG 2.5.5's "equivalent" control.
    drawn = set(
        page.eval_on_selector_all(".bodymap [data-value]", "n => n.map(e => e.dataset.value)")
    )
    listed = set(page.eval_on_selector_all('input[name="regions"]', "n => n.map(e => e.value)"))
    assert drawn == listed
    for button in page.locator(".page-nav button").all():
        box = button.bounding_box()
        assert box is not None and box["height"] >= 44 and box["width"] >= 44
    assert errors == []


def test_a_patient_sees_questions_counted_and_ret_returns_to_the_review(
    page: Page, link_url: tuple[str, IntakeLink]
) -> None:
    url, link = link_url
    errors = watch(page)
    page.goto(url)
    answer_fixed_pages(page)
    # Page 6, the first instrument: after 1 + 3 + 16 + 4 + 10 questions.
    expect(page.locator("#progress-label")).to_have_text(
        re.compile(rf"^Spørgsmål {1 + 3 + len(RED_FLAGS) + 4 + 10 + 1} af 51 \(side 6 af 9\)$")
    )
    expect(page.locator(".clinic-identity")).to_contain_text("+45 55 55 55 01")
    shoot(page, "patient-page-da")
    page.locator("#id_nrs").fill("6")
    page.get_by_role("button", name="Næste").click()
    for item in range(1, 11):
        page.locator(f'input[name="odi{item}"][value="2"]').check()
    page.get_by_role("button", name="Næste").click()
    for code in ("MO", "SC", "UA", "PD", "AD"):
        page.locator(f'input[name="{code}"][value="2"]').check()
    page.locator("#id_VAS").fill("65")
    page.get_by_role("button", name="Videre til gennemsyn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tjek dine svar")

    # "Ret" on the duration, a new answer, and straight back to the review.
    section = page.locator(".review-section").nth(1)
    change = section.get_by_role("link", name=re.compile("^Ret"))
    box = change.bounding_box()
    assert box is not None and box["width"] >= 44 and box["height"] >= 44
    shoot(page, "patient-review-da")
    change.click()
    expect(page.get_by_label("Hvor længe har du haft disse smerter?")).to_have_value("14")
    page.get_by_label("Hvor længe har du haft disse smerter?").fill("20")
    page.get_by_role("button", name="Gem og gå tilbage til dine svar").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tjek dine svar")
    expect(page.locator(".review-section").nth(1)).to_contain_text("20")
    assert link.pk is not None and errors == []
