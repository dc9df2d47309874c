"""A researcher signs in with 2FA, lands on the outcome report of a synthetic registry, sees
the plots drawn by the locally served Plotly (no CSP violation) and the numbers behind a
plot one click away. Saves the README's report screenshot."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from painpath.analytics.demo import load_synthetic_registry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_a_researcher_sees_the_outcome_report_with_plots(
    live_server, page: Page, sign_in: Any
) -> None:
    SHOTS.mkdir(exist_ok=True)
    call_command("load_demo", stdout=io.StringIO())
    load_synthetic_registry(300, seed=1, today=dt.date.today())
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    page.set_viewport_size({"width": 1280, "height": 900})

    sign_in(page, live_server.url, "demo-researcher")

    expect(page).to_have_url(f"{live_server.url}/outcomes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes")
    for code in ("nrs", "odi", "eq5d5l"):
        expect(page.locator(f"table.outcome-table[data-instrument={code}]")).to_have_count(1)
    expect(page.locator(".plot-area .main-svg").first).to_be_visible()
    # A researcher gets no per-patient plot (trajectories, waterfall), only the means; the
    # funnel needs the overall responder share, which disclosure control withholds in this
    # 300-patient registry (a rare combination has fewer than k responders), and says so.
    expect(page.locator("figure.plot")).to_have_count(1)
    expect(page.locator("#figure-mean")).to_have_count(1)
    expect(page.locator("#funnel-withheld")).to_be_visible()
    page.locator("#figure-mean").locator("..").get_by_text("Numbers behind this plot").click()
    expect(page.locator("figure.plot details[open] table")).to_be_visible()
    # Plotly inserts a <style> element for its own rules (mode bar, hover); style-src 'self'
    # blocks it, which costs those cosmetics only. Scripts must never be blocked.
    scripts_blocked = [p for p in problems if "script-src" in p or "Refused to execute" in p]
    assert not scripts_blocked, problems
    assert not [p for p in problems if p.startswith(("4", "5")) and "/static/" in p], problems

    page.get_by_text("Choose the cohort and what to show").click()
    page.select_option("select[name=stratum]", "clinic")
    page.get_by_role("button", name="Show").click()
    # The three demo clinics (only patients who consented to research are in the registry).
    expect(page.locator("table.strata-table tbody tr")).to_have_count(3)

    path = SHOTS / "report.png"
    page.screenshot(path=str(path), full_page=False)
    page.locator("#plots").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    page.screenshot(path=str(SHOTS / "report-plots.png"), full_page=False)
    if os.environ.get("PAINPATH_UPDATE_SCREENSHOTS"):  # the README's images, on request
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / "report.png")
        shutil.copy(SHOTS / "report-plots.png", DOCS / "report-plots.png")
