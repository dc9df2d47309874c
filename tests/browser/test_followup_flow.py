"""A clinician sees overdue follow-ups on the worklist, opens the patient's follow-up card and
records a missed follow-up taken by phone, which is kept and flagged (demo data, synthetic)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from painpath.core.followup import builtin_protocols

DEFAULT_VERSION = builtin_protocols()["default"].version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def test_a_clinician_records_an_overdue_follow_up_by_phone(
    live_server, page: Page, clinician_on_worklist: Page
) -> None:
    SHOTS.mkdir(exist_ok=True)

    overdue = page.locator("section", has=page.get_by_role("heading", name="Overdue follow-ups"))
    expect(overdue).to_contain_text("Bravo Eksempelsen (demo)")
    expect(overdue).to_contain_text("not answered")
    expect(overdue).to_contain_text("Charlie Fiktivsen (demo)")
    expect(overdue).to_contain_text("outside window")
    overdue.scroll_into_view_if_needed()
    overdue.screenshot(path=str(SHOTS / "followup-worklist.png"))

    overdue.get_by_role("link", name="Charlie Fiktivsen (demo)").click()
    card = page.locator("#followup")
    expect(card).to_contain_text(f"protocol version {DEFAULT_VERSION}")
    expect(card).to_contain_text("outside window, +21 days")
    card.screenshot(path=str(SHOTS / "followup-card-late.png"))

    page.goto(live_server.url + "/clinic/")
    overdue.get_by_role("link", name="Bravo Eksempelsen (demo)").click()
    card = page.locator("#followup")
    card.screenshot(path=str(SHOTS / "followup-card-overdue.png"))
    card.get_by_role("link", name="Record a follow-up taken by phone or on paper").click()

    page.get_by_label("By phone").check()
    for select in page.locator("fieldset.instrument select").all():
        select.select_option(index=2)
    for number in page.locator("fieldset.instrument input[type=number]").all():
        number.fill("5")
    page.screenshot(path=str(SHOTS / "followup-record.png"), full_page=True)
    page.get_by_role("button", name="Record follow-up").click()

    expect(page.locator("#followup")).to_contain_text("by phone")
    expect(page.locator("#followup")).to_contain_text("outside window")
    page.locator("#followup").screenshot(path=str(SHOTS / "followup-card-recorded.png"))
