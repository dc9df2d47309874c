"""No page scrolls sideways on a phone, a tablet or a desktop (issue 14).

Every GET page of the persona table (``tests/web/test_url_access.py``) is opened in Chromium
by every demo login the table allows, in Danish (the longer words), and the patient's link
page by page; at 360, 768 and 1280 px wide the page must be no wider than the window
(``document.documentElement.scrollWidth <= window.innerWidth``). A failure names the
elements that stick out. The browser conftest also fails the test on any console error or
CSP violation on any of these pages. A Danish staff page and a Danish patient page at 360 px
are saved in var/screenshots/ to look at.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page
from tests.conftest import sign_in_verified
from tests.web.test_staff_danish import DEMO_LOGIN, demo_world, url_kwargs
from tests.web.test_url_access import ACCESS, ANONYMOUS, World

from painpath.accounts.models import Profile
from painpath.questionnaires import services as intake
from painpath.questionnaires.models import IntakeDraft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (360, 768, 1280)
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# Not pages: a PDF, a download, the health check.
NOT_A_PAGE = frozenset(
    {
        "analytics:report_pdf",
        "api:openapi-json",
        "clinic:protocol_export",
        "clinic:summary_pdf",
        "clinic:summary_txt",
        "health",
    }
)

# Pages saved at 360 px to look at: a staff page, a wide list stacked as cards, a patient page.
SCREENSHOTS = {
    "clinic:episode as clinician": "layout-staff-da-360.png",
    "administration:staff as site_admin": "layout-staff-list-da-360.png",
    "clinic:protocols as clinic_admin": "layout-protocols-da-360.png",
    "questionnaires:page 2": "layout-patient-da-360.png",
}

# The elements whose right edge is beyond the window, innermost first, as "tag.class".
STICKING_OUT = """
() => {
  const width = window.innerWidth;
  const out = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 0.5) continue;
    if ([...element.children].some((child) => child.getBoundingClientRect().right > width + 0.5))
      continue;
    const name = element.tagName.toLowerCase()
      + (element.className && typeof element.className === "string"
         ? "." + element.className.trim().split(/\\s+/).join(".") : "");
    out.push(`${name} (${Math.round(box.right)}px)`);
  }
  return out.slice(0, 5);
}
"""


def _pages(world: World) -> Iterator[tuple[str, str | None, str]]:
    """(label, demo login or None for signed out, path) of every page to measure."""
    for name, access in sorted(ACCESS.items()):
        if access.method != "get" or name in NOT_A_PAGE or name.startswith("questionnaires:"):
            continue
        path = reverse(name, kwargs=url_kwargs(name, world))
        for persona, login in DEMO_LOGIN.items():
            if persona in access.allowed:
                yield f"{name} as {persona}", login, path
        if ANONYMOUS in access.allowed:
            yield f"{name} signed out", None, path
    issue = reverse("questionnaires:issue", kwargs=url_kwargs("questionnaires:issue", world))
    yield "questionnaires:issue as clinician", DEMO_LOGIN["clinician"], issue
    token = world.token
    yield "questionnaires:start", None, reverse("questionnaires:start", args=[token])
    yield "questionnaires:consent", None, reverse("questionnaires:consent", args=[token])
    link = intake.resolve(token)
    count = len(intake.pages_of(link, "da"))
    IntakeDraft.objects.update_or_create(link=link, defaults={"language": "da", "page": count})
    for number in range(1, count + 1):
        path = reverse("questionnaires:page", args=[token, number])
        yield f"questionnaires:page {number}", None, path
    yield "questionnaires:review", None, reverse("questionnaires:review", args=[token])


def _sign_in_as(page: Page, base_url: str, login: str | None) -> None:
    """The demo login's verified session as the browser's cookie (no sign-in form: faster)."""
    page.context.clear_cookies()
    if login is None:
        return
    user = User.objects.get(username=login)
    Profile.objects.update_or_create(user=user, defaults={"language": "da"})
    session = sign_in_verified(user).cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}]
    )


def test_no_page_scrolls_sideways_at_360_768_or_1280_px(live_server: Any, page: Page) -> None:
    call_command("load_demo", stdout=io.StringIO())
    world = demo_world()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.context.set_extra_http_headers({"Accept-Language": "da"})

    problems: list[str] = []
    measured = 0
    current: str | bool | None = False
    for label, login, path in _pages(world):
        if login != current:
            _sign_in_as(page, live_server.url, login)
            current = login
        page.set_viewport_size({"width": WIDTHS[0], "height": 800})
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status < 500, (label, response)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            measured += 1
            if overflow > 0:
                wide = ", ".join(page.evaluate(STICKING_OUT))
                problems.append(f"{label} at {width}px: {overflow}px too wide ({wide})")
                shot = (
                    SHOTS / "overflow" / f"{label.replace(' ', '-').replace(':', '-')}-{width}.png"
                )
                shot.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(shot), full_page=True)
        if label in SCREENSHOTS:
            page.set_viewport_size({"width": 360, "height": 800})
            page.screenshot(path=str(SHOTS / SCREENSHOTS[label]), full_page=True)

    assert measured > 3 * 40, measured  # every page, not a few
    assert not problems, f"{len(problems)} pages scroll sideways:\n" + "\n".join(problems)


def test_the_header_fits_360_px_in_english_for_every_demo_login(
    live_server: Any, page: Page
) -> None:
    # English has the longer role names in the clinic switcher ("Demo Clinic A (synthetic)
    # (researcher)"): the Danish run above does not see it.
    call_command("load_demo", stdout=io.StringIO())
    page.context.set_extra_http_headers({"Accept-Language": "en"})
    page.set_viewport_size({"width": 360, "height": 800})
    problems = []
    for login in DEMO_LOGIN.values():
        _sign_in_as(page, live_server.url, login)
        Profile.objects.filter(user__username=login).update(language="en")
        response = page.goto(f"{live_server.url}/")
        assert response is not None and response.status < 500, login
        assert page.locator("html[lang=en] .site-header").count() == 1, login
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        header = page.evaluate(
            "Math.max(...[...document.querySelectorAll('.site-header *')]"
            ".map((e) => e.getBoundingClientRect().right)) - window.innerWidth"
        )
        if overflow > 0 or header > 0.5:
            wide = ", ".join(page.evaluate(STICKING_OUT))
            problems.append(f"{login}: {max(overflow, header):.0f}px too wide ({wide})")
            page.screenshot(path=str(SHOTS / f"header-en-360-{login}.png"))
    assert not problems, "\n".join(problems)
