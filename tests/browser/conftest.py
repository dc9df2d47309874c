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
