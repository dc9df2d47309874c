"""Shared test setup: environment for Django, and a loud list of what was skipped and why."""

from __future__ import annotations

import os
from collections import Counter

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls in that same
# thread are still synchronous, so the async-safety guard is a false alarm in tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = bool(os.environ.get("CI"))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons: Counter[str] = Counter()
    for report in skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    bar = "!" * 78
    terminalreporter.write_line("")
    terminalreporter.write_line(bar, red=True, bold=True)
    terminalreporter.write_line(f"!! SKIPPED {len(skipped)} tests:", red=True, bold=True)
    for reason, count in reasons.most_common():
        terminalreporter.write_line(f"!!   {count} × {reason}", red=True, bold=True)
    terminalreporter.write_line(bar, red=True, bold=True)
