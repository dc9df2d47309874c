"""Many patients filling in their intake at once, against a real multi-process server
(gunicorn, 4 workers × 4 threads, DEBUG off) on a database of its own — SQLite in the SQLite
run, PostgreSQL in the PostgreSQL run: no request fails, every answer is stored exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection
from tests.live_intake import (
    Patient,
    percentile,
    prepare,
    run_patients,
    state,
    stored_completely_or_not_at_all,
)
from tests.live_server import Gunicorn, fresh_database, server_env

PATIENTS = 20


@pytest.fixture
def live_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a server on a fresh database of the suite's vendor."""
    with fresh_database(connection.vendor, tmp_path) as url:
        yield server_env(url, tmp_path)


def test_twenty_patients_at_once_get_no_server_error_and_each_answer_is_stored_once(
    live_env: dict[str, str],
) -> None:
    links = prepare(live_env, PATIENTS)
    with Gunicorn(live_env) as server:
        patients = [Patient(server.url, link["token"]) for link in links]
        seconds = run_patients(patients)
        log = server.output()
    errors = [
        f"{r.method} {r.path}: {r.status}" for p in patients for r in p.browser.server_errors()
    ]
    assert errors == [], f"{len(errors)} server errors:\n" + "\n".join(errors) + log[-3000:]
    assert [str(p.error) for p in patients if p.error] == []
    assert "database is locked" not in log
    rows = state(live_env)
    assert len(rows) == PATIENTS
    for link in links:
        row = rows[link["link"]]
        assert row["completed"], row
        # Every instrument once, the intake, consent, medicines, one classification, one
        # audit entry, the draft gone.
        assert stored_completely_or_not_at_all(row), row
    # Every patient's whole intake (some 30 requests each) within the test's budget.
    submits = [p.submit.seconds for p in patients if p.submit is not None]
    assert seconds < 60, (seconds, percentile(submits, 50), percentile(submits, 99))
