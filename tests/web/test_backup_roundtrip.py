"""`painpath backup` and `painpath restore` on the engine this run uses: SQLite in the first
run, PostgreSQL (pg_dump and pg_restore) when `make pytest` runs the database tests again.

The demo clinic, backed up, wiped and restored: every row of every table comes back. The file
database, the refusals and damaged backups are tests/cli/test_backup.py.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from typer.testing import CliRunner

from painpath.cli import app

runner = CliRunner()


def every_row() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order (JSON columns compared as text)."""
    with connection.cursor() as cursor:
        rows = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            rows[table] = sorted(cursor.fetchall(), key=repr)
        return rows


@pytest.mark.django_db(transaction=True)
def test_backup_wipe_restore_gives_back_every_row_on_the_current_engine(tmp_path: Path) -> None:
    call_command("load_demo", stdout=io.StringIO())
    before = every_row()
    assert len(before["patients_patient"]) == 5 and before["questionnaires_questionnaireresponse"]

    made = runner.invoke(app, ["backup", "-o", str(tmp_path)])
    assert made.exit_code == 0, made.output
    backup = Path(made.stdout.strip())
    with tarfile.open(backup) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["engine"] == connection.vendor
    assert manifest["row_counts"] == {table: len(rows) for table, rows in before.items()}

    call_command("flush", interactive=False, verbosity=0)
    wiped = every_row()
    assert not wiped["patients_patient"] and not wiped["audit_auditentry"]
    refused = runner.invoke(app, ["restore", str(backup)])
    assert refused.exit_code == 2 and "pass --force" in refused.stderr
    assert every_row() == wiped

    restored = runner.invoke(app, ["restore", "--force", str(backup)])
    assert restored.exit_code == 0, restored.output
    assert "row counts verified" in restored.stderr
    assert every_row() == before
