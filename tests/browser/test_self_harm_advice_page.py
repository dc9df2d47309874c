"""The Danish done page after PHQ-9 item 9 above "not at all" on a 360 px phone (issue 15):
the self-harm advice comes first, readable, its numbers tappable, nothing wider than the
screen, no accessibility violation (axe-core, WCAG 2.0/2.1 A and AA)."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page, expect

from painpath.patients.models import Clinic, Episode, Patient
from painpath.questionnaires import services
from painpath.questionnaires.forms import RED_FLAGS, TREATMENTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def test_the_danish_done_page_shows_the_self_harm_advice_first_on_a_phone(
    live_server: Any, page: Page
) -> None:
    clinic = Clinic.objects.get_or_create(code="test", defaults={"name": "Test (synthetic)"})[0]
    clinic.phone = "33 12 34 56"  # synthetic
    clinic.save(update_fields=["phone"])
    patient = Patient.objects.create(
        name="Browser Patient (synthetic)",
        date_of_birth=dt.date(1968, 3, 2),
        sex="male",
        synthetic=True,
        clinic=clinic,
    )
    episode = Episode.objects.create(patient=patient, complaint="Lændesmerter", region="low_back")
    link, path = services.issue_link(episode, ["nrs", "phq9"], "da", None)
    answers: dict[str, dict[str, Any]] = {
        "regions": {"regions": ["low_back"]},
        "duration": {"duration_value": "8", "duration_unit": "months", "pattern": "constant"},
        "red_flags": {code: "no" for code, _question in RED_FLAGS},
        "medications": {"takes_medicine": "no"},
        "treatments": {f"treatment_{code}": "not_tried" for code, _name in TREATMENTS},
        "instrument:nrs": {"nrs": "6"},
        "instrument:phq9": {f"phq{n}": "1" for n in range(1, 9)} | {"phq9": "2"},
    }
    services.submit(
        link,
        {
            key: {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
            for key, fields in answers.items()
        },
        uuid.uuid4(),
    )
    token = path.rstrip("/").rsplit("/", 1)[-1]
    page.set_viewport_size({"width": 360, "height": 740})  # a small phone
    page.goto(live_server.url + reverse("questionnaires:done", args=[token]))
    advice = page.locator("#self-harm-advice")
    expect(advice).to_be_visible()
    expect(advice.get_by_role("heading")).to_have_text(
        "Hvis du har tanker om døden eller om at skade dig selv"
    )
    expect(advice.locator('a[href="tel:70201201"]')).to_be_visible()
    expect(advice.locator('a[href="tel:112"]')).to_be_visible()
    expect(advice.locator('a[href="tel:33123456"]')).to_be_visible()
    # First in the page's content, above the fold on a phone.
    box = advice.bounding_box()
    assert box is not None and box["y"] < 740
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "self-harm-advice-da-360.png"), full_page=True)
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG}})
    assert results.violations_count == 0, results.generate_report()
