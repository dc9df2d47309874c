"""Browser tests drive Debian's Chromium through Playwright (no downloaded browser build).

Every page a browser test opens must load without a console error, a content security policy
violation or an uncaught exception (issue 14): the ``context`` fixture below watches each page
of the test's browser context and fails the test at its end on any.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

CHROMIUM = os.environ.get("PAINPATH_CHROMIUM") or shutil.which("chromium")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM:
        return
    reason = "Chromium is not installed (run scripts/ensure-chromium; needs root)"
    browser_items = [item for item in items if "browser" in item.keywords]
    if browser_items and os.environ.get("CI"):
        raise pytest.UsageError(f"CI must not skip the browser tests: {reason}")
    for item in browser_items:
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ["--no-sandbox"]}


def _sign_in(page: Any, base_url: str, username: str) -> None:
    """Sign a demo login in through the real form: password, then the current TOTP code."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from painpath.web.management.commands.load_demo import DEMO_PASSWORD

    device = TOTPDevice.objects.get(user__username=username)
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0):06d}"
    page.locator("input[autocomplete=one-time-code]").first.fill(code)
    page.locator("main form button[type=submit]").first.click()


@pytest.fixture
def sign_in() -> Any:
    """``sign_in(page, live_server.url, "demo-clinician")``; needs the demo logins loaded."""
    return _sign_in


@pytest.fixture
def clinician_on_worklist(live_server: Any, page: Any, sign_in: Any) -> Any:
    """The demo clinic loaded and demo-clinician signed in on the worklist, 1280 wide."""
    import io

    from django.core.management import call_command
    from playwright.sync_api import expect

    call_command("load_demo", stdout=io.StringIO())
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, live_server.url, "demo-clinician")
    expect(page).to_have_url(f"{live_server.url}/clinic/")
    return page


# Reported to the console by the page itself, so the listener below sees it with the page's
# own errors: Chromium logs a blocked inline style, but not every violation (a report-only
# one, a blocked eval) says which directive refused what.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || document.location.href}:${event.lineNumber}`
    + (event.sample ? ` (${event.sample})` : ""));
});
"""


class BrowserErrors:
    """Console errors, CSP violations and uncaught exceptions of every page in a context."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self._documents: set[str] = set()

    def watch(self, page: Any) -> None:
        page.on("request", self._request)
        page.on("console", lambda message: self._console(page, message))
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: uncaught {error}"))

    def _request(self, request: Any) -> None:
        if request.is_navigation_request():
            self._documents.add(request.url)

    def _console(self, page: Any, message: Any) -> None:
        if message.type != "error":
            return
        # A page answered 403 or 404 on purpose (the tests check those statuses themselves)
        # is logged as a failed load of that document; a failed image or script, or a 500,
        # is an error.
        where = (message.location or {}).get("url", "")
        refused = re.match(r"Failed to load resource: .* status of 4\d\d", message.text)
        if refused and where in self._documents:
            return
        self.problems.append(f"{page.url}: {message.text}")


@pytest.fixture
def context(context: Any) -> Iterator[Any]:
    """pytest-playwright's context, with every page in it watched for errors (see above)."""
    errors = BrowserErrors()
    context.add_init_script(CSP_LISTENER)
    for page in context.pages:
        errors.watch(page)
    context.on("page", errors.watch)
    yield context
    assert not errors.problems, (
        f"{len(errors.problems)} browser console errors or CSP violations:\n"
        + "\n".join(dict.fromkeys(errors.problems))
    )
