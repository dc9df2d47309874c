"""A clinician reads what a patient answered and the one-page summary, in Danish, on a phone
and on a desktop; the summary's PDF is rendered to an image (synthetic demo data).

Screenshots go to var/screenshots/ (answers-*.png, summary-*.png, summary-pdf.png)."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from painpath.patients.models import Episode
from painpath.questionnaires import services
from painpath.questionnaires.forms import RED_FLAGS, TREATMENTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
WIDTHS = (360, 1280)


def _intake(episode: Episode) -> None:
    """Charlie's intake sent through a patient link, in Danish, with one red flag answered
    yes and a blood thinner."""
    treatments = {f"treatment_{code}": "not_tried" for code, _name in TREATMENTS}
    treatments |= {"treatment_massage": "short_effect", "treatment_injection": "no_effect"}
    data: dict[str, dict[str, Any]] = {
        "regions": {"regions": ["low_back", "buttock:left", "thigh:left"]},
        "duration": {"duration_value": "14", "duration_unit": "years", "pattern": "constant"},
        "red_flags": {code: "no" for code, _q in RED_FLAGS}
        | {"history_of_cancer": "unknown", "unexplained_weight_loss": "yes"},
        "medications": {
            "takes_medicine": "yes",
            "anticoagulants": ["warfarin"],
            "other_medicines": "paracetamol",
        },
        "treatments": treatments | {"other_treatments": "varmepude om aftenen"},
        "instrument:nrs": {"nrs": "7"},
        "instrument:odi": {f"odi{i}": "2" for i in range(1, 11)},
    }
    user = User.objects.get(username="demo-clinician")
    link, _path = services.issue_link(episode, ["nrs", "odi"], "da", user, days=14)
    services.choose_language(link, "da")
    draft = {
        page: {k: v if isinstance(v, list) else [v] for k, v in fields.items()}
        for page, fields in data.items()
    }
    services.submit(link, draft, uuid.uuid4())


def _no_sideways_scroll(page: Page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert wide <= 0, f"{page.url} scrolls sideways by {wide} px"


def _shoot(page: Page, name: str) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        _no_sideways_scroll(page)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_clinician_reads_the_answers_and_the_summary_in_danish(
    live_server: Any, page: Page, clinician_on_worklist: Page
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    episode = Episode.objects.get(patient__name="Charlie Fiktivsen (demo)")
    _intake(episode)
    page.goto(
        f"{live_server.url}/patients/{episode.patient.public_id}/episodes/{episode.public_id}/"
    )
    history = page.locator("#answers")
    expect(history).to_contain_text("What the patient answered")
    odi = history.get_by_role("link", name="ODI").first
    answers_url = odi.get_attribute("href")
    odi.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("What the patient answered")

    page.set_extra_http_headers({"Accept-Language": "da"})
    page.goto(f"{live_server.url}{answers_url}")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Hvad patienten svarede")
    expect(page.locator(".answers-intake .alert")).to_contain_text(
        "Uforklaret vægttab"
    )  # yes, first
    expect(page.locator(".answers-red-flags tbody tr").first).to_have_class("is-yes")
    expect(page.locator(".answers-bodymap .region.is-selected")).to_have_count(4)
    expect(page.locator(".answers-items tbody tr")).to_have_count(10)
    expect(page.locator("main")).to_contain_text("painpaths omskrivning")
    expect(page.locator("main")).to_contain_text("Warfarin")
    _shoot(page, "answers")

    page.goto(f"{live_server.url}/clinic/episodes/{episode.public_id}/summary/")
    expect(page.locator(".sum-red")).to_be_visible()
    expect(page.locator(".summary-sheet")).to_contain_text("BLODFORTYNDENDE")
    expect(page.locator("#summary-text")).to_contain_text("200662-••••")
    expect(page.get_by_role("button", name="Kopiér teksten")).to_be_visible()
    _shoot(page, "summary")

    pdf = page.request.get(
        f"{live_server.url}/clinic/episodes/{episode.public_id}/summary.pdf",
        headers={"Accept-Language": "da"},
    )
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf.body())
    for number in range(len(document)):
        suffix = f"-{number + 1}" if number else ""
        document[number].render(scale=2).to_pil().save(SHOTS / f"summary-pdf{suffix}.png")
    assert len(document) == 1, "the summary fits one page"
    text = document[0].get_textpage().get_text_range()
    assert "Charlie Fiktivsen (demo)" in text and "BLODFORTYNDENDE" in text
