"""A clinician logs in with 2FA, sees the red flag first, acknowledges it, opens the patient
page, logs a treatment session and sees the stepped-care step change (demo data, synthetic)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_a_clinician_acknowledges_a_red_flag_and_sees_the_step_change(
    live_server, page: Page, clinician_on_worklist: Page
) -> None:
    SHOTS.mkdir(exist_ok=True)

    # The red flag comes first on the worklist.
    first_section = page.locator("main section").first
    expect(first_section.get_by_role("heading", level=2)).to_contain_text(
        "Red flags awaiting acknowledgement"
    )
    expect(first_section).to_contain_text("Delta Demosen (demo)")
    expect(first_section).to_contain_text("Possible cauda equina syndrome")
    expect(first_section).to_contain_text("Emergency — same day")  # the grade, first
    # The procedure that is not ready names its bleeding-risk class on the worklist too.
    expect(page.locator("#wl-ready").locator("..")).to_contain_text("intermediate bleeding risk")
    page.screenshot(path=str(SHOTS / "clinician-worklist.png"), full_page=True)

    # Acknowledging says what was done, and why, not just that someone clicked.
    first_section.get_by_label("Referred for assessment").first.check()
    first_section.get_by_label("Note").first.fill("Sent to the emergency department today")
    first_section.get_by_role(
        "button", name="Acknowledge red flag for Delta Demosen (demo)"
    ).click()
    expect(page.get_by_role("status")).to_contain_text("acknowledged")
    expect(page.locator("main section").first).to_contain_text("No red flag is waiting.")

    # The patient page: who acknowledged it and when, then log a session.
    page.get_by_role("link", name="Delta Demosen (demo)").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Delta Demosen (demo)")
    expect(page.locator("#red-flag")).to_contain_text("Acknowledged by demo-clinician")
    stepped = page.locator("#axis-stepped_care")
    expect(stepped).to_contain_text("Step 1")

    form = page.locator("form.log-session")
    form.get_by_label("dose").fill("30 min")
    form.get_by_label("pain before").fill("6")
    form.get_by_label("pain after").fill("6")
    form.get_by_role("button", name="Log session").click()

    expect(page.locator("#axis-stepped_care")).to_contain_text("Step 2")
    expect(page.locator("#axis-stepped_care")).to_contain_text("no_notable_effect")
    # The step change says itself on the card: from, to, when and why (never silent).
    expect(page.locator("#axis-stepped_care .step-change")).to_contain_text("Step 1 → Step 2 on")
    expect(page.locator("#axis-stepped_care .step-change")).to_contain_text(
        "no notable lasting fall in pain after 5 or more sessions"
    )
    expect(page.locator("#treatments table.sessions tbody tr")).to_have_count(5)
    expect(page.locator("#history")).to_contain_text("Step 1 — ordinary pain")
    page.screenshot(path=str(SHOTS / "clinician-patient-step-change.png"), full_page=True)


def test_the_patient_page_of_a_chronic_patient_before_a_procedure(
    live_server, page: Page, clinician_on_worklist: Page
) -> None:
    SHOTS.mkdir(exist_ok=True)

    page.locator("#wl-ready").locator("..").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Charlie Fiktivsen (demo)")
    expect(page.locator("#readiness")).to_contain_text("Arrange a companion")
    # Paraspinal gold implantation on warfarin: the bleeding-risk class and the table's answer.
    expect(page.locator("#blood-thinners")).to_contain_text("intermediate bleeding risk")
    expect(page.locator("#blood-thinners")).to_contain_text("pause 5 days before the procedure")
    expect(page.locator("#scores svg[role=img]")).to_have_count(4)
    expect(page.get_by_text("synthetic").first).to_be_visible()
    path = SHOTS / "clinician-patient-page.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("PAINPATH_UPDATE_SCREENSHOTS"):  # the README's images, on request
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / "patient-page.png")
