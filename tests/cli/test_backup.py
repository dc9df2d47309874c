"""`painpath backup` and `painpath restore` on a SQLite file: every row comes back, bad input
changes nothing.

The demo clinic is built once in a file database (migrate + load_demo, run as an operator
would); each test works on its own copy, and runs the commands as the installed script does,
in a fresh interpreter with the settings taken from the environment. The same round trip on
PostgreSQL is tests/web/test_backup_roundtrip.py, which runs on whichever engine the run uses.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import typer

from painpath.cli.backup import key_fingerprint, pg_problem, pg_tool

Run = Callable[..., subprocess.CompletedProcess[str]]


def environment(database: Path, **extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in ("SECRET_KEY", "PAINPATH_FIELD_KEY", "DATABASE_URL")
    }
    return env | {
        "DJANGO_SETTINGS_MODULE": "painpath.web.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"sqlite:///{database}",
        "PAINPATH_VAR_DIR": str(database.parent / "var"),
        **extra,
    }


def run_in(database: Path) -> Run:
    def run(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            env=environment(database, **extra),
            cwd=database.parent,
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = tmp_path_factory.mktemp("demo") / "painpath.sqlite3"
    run = run_in(database)
    for command in (["migrate", "--noinput"], ["load_demo"]):
        done = run("-m", "painpath.web.manage", *command)
        assert done.returncode == 0, done.stderr
    return database


@pytest.fixture
def database(demo_database: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(demo_database, tmp_path / "painpath.sqlite3"))


@pytest.fixture
def painpath(database: Path) -> Run:
    run = run_in(database)
    return lambda *args, **extra: run("-m", "painpath.cli", *args, **extra)


def every_row(database: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (SQLite's own sqlite_sequence too), in a stable order."""
    with closing(sqlite3.connect(database)) as db:
        tables = [
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {t: sorted(db.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr) for t in tables}


def change(database: Path, *statements: str) -> dict[str, list[tuple[Any, ...]]]:
    """Change the database after its backup was made; every row it then holds."""
    with closing(sqlite3.connect(database)) as db, db:
        for statement in statements:
            db.execute(statement)
    return every_row(database)


def make_backup(painpath: Run, directory: Path) -> Path:
    done = painpath("backup", "-o", str(directory))
    assert done.returncode == 0, done.stderr
    return Path(done.stdout.strip())


def members(backup: Path) -> dict[str, bytes]:
    with tarfile.open(backup) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def write_backup(path: Path, manifest: dict[str, Any], dump: bytes) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (
            ("manifest.json", json.dumps(manifest).encode()),
            (manifest["dump"], dump),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_backup_wipe_restore_gives_back_every_row_of_every_table(
    painpath: Run, database: Path, tmp_path: Path
) -> None:
    before = every_row(database)
    assert len(before["patients_patient"]) == 5 and before["audit_auditentry"]
    done = painpath("backup", "-o", str(tmp_path))
    assert done.returncode == 0, done.stderr
    backup = Path(done.stdout.strip())
    assert backup.parent == tmp_path and backup.name.startswith("painpath-sqlite-")
    assert backup.stat().st_mode & 0o077 == 0  # it holds patient data: its owner's only
    assert "PAINPATH_FIELD_KEY) is not in this backup" in done.stderr

    database.unlink()
    restored = painpath("restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    assert "row counts verified" in restored.stderr
    assert every_row(database) == before


def test_the_manifest_describes_the_dump_and_holds_no_key(painpath: Run, tmp_path: Path) -> None:
    backup = make_backup(painpath, tmp_path)
    files = members(backup)
    assert list(files) == ["manifest.json", "database.sqlite3"]
    manifest = json.loads(files["manifest.json"])
    dump = tmp_path / "dump.sqlite3"
    dump.write_bytes(files["database.sqlite3"])
    rows = every_row(dump)
    assert manifest["row_counts"] == {t: len(r) for t, r in rows.items() if t != "sqlite_sequence"}
    assert manifest["sha256"] == hashlib.sha256(files["database.sqlite3"]).hexdigest()
    assert ["patients", "0001_initial"] in manifest["migrations"]
    assert (manifest["engine"], manifest["field_key_included"]) == ("sqlite", False)
    development_key = "development-only-field-key-not-for-production"
    assert manifest["field_key_fingerprint"] == key_fingerprint(development_key)
    assert development_key.encode() not in gzip.decompress(backup.read_bytes())


def test_restore_replaces_a_database_with_tables_only_with_force(
    painpath: Run, database: Path, tmp_path: Path
) -> None:
    before = every_row(database)
    backup = make_backup(painpath, tmp_path)
    changed = change(
        database,
        "DELETE FROM audit_auditentry",
        "UPDATE patients_patient SET name = 'Changed after the backup'",
        "CREATE TABLE made_later (id integer)",
    )

    refused = painpath("restore", str(backup))
    assert refused.returncode == 2
    assert refused.stderr.strip().splitlines() == [
        f"error: the database {database} already has {len(changed) - 1} tables; restoring "
        "replaces all of it — stop the server, then pass --force"
    ]
    assert every_row(database) == changed

    forced = painpath("restore", "--force", str(backup))
    assert forced.returncode == 0, forced.stderr
    assert every_row(database) == before  # made_later is gone too


def test_check_verifies_a_backup_and_changes_nothing(
    painpath: Run, database: Path, tmp_path: Path
) -> None:
    backup = make_backup(painpath, tmp_path)
    changed = change(database, "DELETE FROM audit_auditentry")
    done = painpath("restore", "--check", str(backup))
    assert done.returncode == 0, done.stderr
    assert "is a whole SQLite backup" in done.stderr
    assert every_row(database) == changed
    nowhere = tmp_path / "nowhere.sqlite3"
    elsewhere = painpath("restore", "--check", str(backup), DATABASE_URL=f"sqlite:///{nowhere}")
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert not nowhere.exists()


def test_restore_warns_when_the_field_key_differs(painpath: Run, tmp_path: Path) -> None:
    backup = make_backup(painpath, tmp_path)
    other = painpath("restore", "--check", str(backup), PAINPATH_FIELD_KEY="another key")
    assert other.returncode == 0, other.stderr
    assert "made with another field key" in other.stderr
    same = painpath("restore", "--check", str(backup))
    assert "field key" not in same.stderr


def test_backup_never_overwrites_a_file(painpath: Run, tmp_path: Path) -> None:
    existing = tmp_path / "backup.tar.gz"
    existing.write_text("an earlier backup")
    done = painpath("backup", "-o", str(existing))
    assert done.returncode == 2
    assert "exists; a backup never overwrites a file" in done.stderr
    assert existing.read_text() == "an earlier backup"


def test_backup_of_a_database_that_is_not_there_fails_and_creates_none(
    painpath: Run, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere" / "var" / "painpath.sqlite3"
    elsewhere.parent.mkdir(parents=True)
    done = painpath("backup", "-o", str(tmp_path), DATABASE_URL=f"sqlite:///{elsewhere}")
    assert done.returncode == 2
    assert done.stderr.strip() == (
        f"error: no database at {elsewhere}; set DATABASE_URL or PAINPATH_VAR_DIR as the server has"
    )
    assert not elsewhere.exists() and not list(tmp_path.glob("*.tar.gz"))


def damaged_backups(backup: Path, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    files = members(backup)
    manifest = json.loads(files["manifest.json"])
    dump = files["database.sqlite3"]
    newer = manifest | {"migrations": [*manifest["migrations"], ["patients", "9999_future"]]}
    flipped = bytearray(dump)
    flipped[len(dump) // 2] ^= 0xFF
    not_sqlite = b"not a database" * 100
    whole = backup.read_bytes()
    (tmp_path / "notes.txt").write_text("not a backup")
    (tmp_path / "truncated.tar.gz").write_bytes(whole[: len(whole) // 2])
    return {
        "missing": (tmp_path / "nowhere.tar.gz", "no such file"),
        "not a backup": (tmp_path / "notes.txt", "not a painpath backup"),
        "truncated": (tmp_path / "truncated.tar.gz", "incomplete or damaged"),
        "damaged dump": (
            write_backup(tmp_path / "flipped.tar.gz", manifest, bytes(flipped)),
            "does not match its checksum",
        ),
        "not SQLite": (
            write_backup(
                tmp_path / "garbage.tar.gz",
                manifest | {"sha256": hashlib.sha256(not_sqlite).hexdigest()},
                not_sqlite,
            ),
            "cannot be read",
        ),
        "from a newer painpath": (
            write_backup(tmp_path / "newer.tar.gz", newer, dump),
            "from a newer painpath",
        ),
        "counts not as the manifest says": (
            write_backup(
                tmp_path / "counts.tar.gz",
                manifest | {"row_counts": manifest["row_counts"] | {"patients_patient": 6}},
                dump,
            ),
            "table patients_patient has 5 rows, the manifest says 6",
        ),
    }


def test_a_bad_backup_exits_2_with_one_line_and_leaves_the_database_untouched(
    painpath: Run, database: Path, tmp_path: Path
) -> None:
    backup = make_backup(painpath, tmp_path)
    changed = change(database, "DELETE FROM audit_auditentry")
    for case, (path, message) in damaged_backups(backup, tmp_path).items():
        done = painpath("restore", "--force", str(path))
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2, (case, done.stderr)
        assert len(lines) == 1 and lines[0].startswith("error: "), (case, lines)
        assert message in lines[0], (case, lines)
        assert every_row(database) == changed, case


# pg_dump and pg_restore's failures, without a server: the PostgreSQL round trip itself is in
# tests/web/test_backup_roundtrip.py.


def test_a_pg_dump_older_than_the_server_says_which_client_to_install() -> None:
    stderr = (
        "pg_dump: error: aborting because of server version mismatch\n"
        "pg_dump: detail: server version: 17.2 (Debian 17.2-1.pgdg120+1); "
        "pg_dump version: 15.20 (Debian 15.20-0+deb12u1)\n"
    )
    assert pg_problem("pg_dump", stderr) == (
        "pg_dump 15.20 cannot dump a PostgreSQL 17.2 server: install the client tools of "
        "version 17 (Debian/Ubuntu: postgresql-client-17) and put their bin directory first "
        "on PATH"
    )


def test_other_pg_tool_errors_are_one_line() -> None:
    old = "pg_restore: error: unsupported version (1.16) in file header\n"
    assert "older than the pg_dump that made this backup" in pg_problem("pg_restore", old)
    refused = (
        'pg_dump: error: connection to server at "db" (10.0.0.5), port 5432 failed: '
        'FATAL:  password authentication failed for user "painpath"\n'
    )
    assert pg_problem("pg_dump", refused) == (
        'pg_dump: connection to server at "db" (10.0.0.5), port 5432 failed: FATAL:  password '
        'authentication failed for user "painpath"'
    )


def test_a_missing_pg_tool_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(typer.Exit) as exit_:
        pg_tool("pg_dump")
    assert exit_.value.exit_code == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("error: pg_dump is not on PATH: install the PostgreSQL client tools")
