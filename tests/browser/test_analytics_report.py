"""A researcher signs in with 2FA, lands on the outcome report of a synthetic registry, sees
a plot for every instrument reported — SVG drawn on the server, so the page's strict CSP
(style-src 'self', no 'unsafe-inline') blocks nothing and the console stays empty — and the
numbers behind a plot one click away. A clinician's own report adds the spaghetti plot.
Saves the README's report screenshots and the page at 360, 768 and 1280 px."""

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

# Counted by the page itself, besides the console check every browser test has (conftest):
# a violation that Chromium does not log would still show here.
COUNT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI || "inline"}`);
});
"""


def _watch(page: Page) -> list[str]:
    problems: list[str] = []
    page.context.add_init_script(COUNT_VIOLATIONS)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None
    )
    return problems


def _clean(page: Page, problems: list[str]) -> None:
    assert page.evaluate("window.__cspViolations") == []
    assert problems == []


def test_a_researcher_sees_the_outcome_report_with_plots(
    live_server: Any, page: Page, sign_in: Any
) -> None:
    SHOTS.mkdir(exist_ok=True)
    call_command("load_demo", stdout=io.StringIO())
    load_synthetic_registry(300, seed=1, today=dt.date.today())
    problems = _watch(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    sign_in(page, live_server.url, "demo-researcher")

    expect(page).to_have_url(f"{live_server.url}/outcomes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Outcomes")
    for code in ("nrs", "odi", "eq5d5l"):
        expect(page.locator(f"table.outcome-table[data-instrument={code}]")).to_have_count(1)
        # A fan of quantiles from the table's own (protected) cells, on the whole scale.
        expect(page.locator(f"#figure-course-{code} svg")).to_be_visible()
    expect(page.locator("#outcome-eq5d5l h3")).to_contain_text("EQ-5D-5L")
    expect(page.locator("#figure-course-eq5d5l figcaption")).to_contain_text("EQ-5D-5L")
    # A researcher gets no per-patient plot (trajectories, waterfall); the funnel needs the
    # overall responder share, which disclosure control withholds in this 300-patient
    # registry (a rare combination has fewer than k responders), and says so.
    expect(page.locator("#figure-trajectories")).to_have_count(0)
    expect(page.locator("#figure-waterfall")).to_have_count(0)
    expect(page.locator("#funnel-withheld")).to_be_visible()
    expect(page.get_by_text("– ± –")).to_have_count(0)
    page.locator("#figure-course-nrs").get_by_text("Numbers behind this plot").click()
    expect(page.locator("#figure-course-nrs details[open] table")).to_be_visible()
    page.screenshot(path=str(SHOTS / "report-full.png"), full_page=True)
    _clean(page, problems)

    page.get_by_text("Choose the cohort and what to show").click()
    page.select_option("select[name=stratum]", "clinic")
    page.get_by_role("button", name="Show").click()
    # The three demo clinics (only patients who consented to research are in the registry).
    expect(page.locator("table.strata-table tbody tr")).to_have_count(3)
    _clean(page, problems)

    path = SHOTS / "report.png"
    page.screenshot(path=str(path), full_page=False)
    page.evaluate("document.querySelector('#plots').scrollIntoView()")
    page.screenshot(path=str(SHOTS / "report-plots.png"), full_page=False)
    for width in (360, 768, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.evaluate("document.querySelector('#plots').scrollIntoView()")
        page.screenshot(path=str(SHOTS / f"report-plots-{width}.png"), full_page=False)
        page.screenshot(path=str(SHOTS / f"report-full-{width}.png"), full_page=True)
        # Nothing in the report sticks out of the window (a wide table scrolls in its own box).
        wide = page.evaluate(
            "[...document.querySelectorAll('main *')]"
            ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)"
            ".filter(e => !e.closest('.table-wrap'))"
            ".map(e => e.tagName + '.' + e.className)"
        )
        assert wide == [], (width, wide)
        # A plot shrinks with the page.
        overflow = page.evaluate(
            "[...document.querySelectorAll('.plot-area svg')]"
            ".filter(s => s.getBoundingClientRect().right > document.documentElement.clientWidth)"
            ".length"
        )
        assert overflow == 0, width
    if os.environ.get("PAINPATH_UPDATE_SCREENSHOTS"):  # the README's images, on request
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / "report.png")
        shutil.copy(SHOTS / "report-plots.png", DOCS / "report-plots.png")


def test_a_clinicians_own_report_shows_trajectories_without_csp_errors(
    live_server: Any, page: Page, sign_in: Any
) -> None:
    SHOTS.mkdir(exist_ok=True)
    call_command("load_demo", stdout=io.StringIO())
    load_synthetic_registry(300, seed=1, today=dt.date.today())
    problems = _watch(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server.url, "demo-clinician")

    page.goto(f"{live_server.url}/outcomes/")
    expect(page.locator("#figure-course-nrs svg")).to_be_visible()
    # The clinic's own patients: one faint line each, the median drawn over them.
    lines = page.locator("#figure-trajectories svg polyline[stroke-opacity]")
    assert lines.count() > 50
    expect(page.locator("#figure-waterfall svg")).to_be_visible()
    page.evaluate("document.querySelector('#figure-trajectories').scrollIntoView()")
    page.screenshot(path=str(SHOTS / "report-clinician-trajectories.png"), full_page=False)
    _clean(page, problems)
