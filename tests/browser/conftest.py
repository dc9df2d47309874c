"""Browser tests drive Debian's Chromium through Playwright (no downloaded browser build)."""

from __future__ import annotations

import os
import shutil
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
