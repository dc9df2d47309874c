"""``painpath backup`` and ``painpath restore``: the whole database in one file, and back.

A backup is a gzip-compressed tar of two members: ``manifest.json`` (painpath version, engine,
time, the migrations applied, the row count of every table, the dump's SHA-256 and a
fingerprint of the field key — never the key) and the dump — ``database.sqlite3``, a copy
through SQLite's online backup API, or ``database.pgdump``, ``pg_dump -Fc`` in the very
snapshot the row counts were taken in. Either is consistent while the server keeps writing.

Restore checks all it can before it touches the database: the archive, the checksum, SQLite's
integrity check or pg_restore's reading of the dump, the migrations against this installation
(a backup from a newer painpath is refused), the key's fingerprint (a warning). Then it replaces
the configured database in one transaction and counts every table's rows again. A database
that already has tables is replaced only with ``--force``. docs/backup.md is the operator's
guide. Django and the database drivers are imported inside the commands.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from painpath import __version__
from painpath.cli.streams import fail

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

FORMAT = "painpath-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMPS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# What the key fingerprint is a keyed hash of: it tells two keys apart and reveals neither.
FINGERPRINT_MESSAGE = b"painpath backup: field-key fingerprint, v1"
KEY_NOTE = (
    "note: the field key (PAINPATH_FIELD_KEY) is not in this backup; keep a copy of it "
    "elsewhere — without it the CPR numbers in the backup cannot be read (docs/backup.md)"
)
CHUNK = 1 << 20


@dataclass(frozen=True)
class Inventory:
    """What a database holds, as the manifest records it."""

    migrations: list[list[str]]
    row_counts: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.row_counts.values())


@dataclass(frozen=True)
class Backup:
    """A backup file read and checked: its manifest and the dump, unpacked into a work dir."""

    path: Path
    manifest: dict[str, Any]
    dump: Path

    @property
    def engine(self) -> str:
        return str(self.manifest["engine"])


def _note(message: str) -> None:
    from rich.console import Console

    Console(stderr=True).print(message, highlight=False, markup=False, soft_wrap=True)


def _database(*, backing_up: bool, connect: bool = True) -> BaseDatabaseWrapper:
    """Django set up from the environment (painpath.web.settings unless told otherwise) and
    its default database, connected unless told otherwise."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "painpath.web.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
        from django.db import DatabaseError, connection
    except ImproperlyConfigured as error:
        fail(f"settings: {error}")
    if connection.vendor not in DUMPS:
        fail(f"backup supports SQLite and PostgreSQL, not {connection.vendor}")
    # Connecting would create an empty file: a backup run from another directory than the
    # server's (the default database is ./var/painpath.sqlite3) must not look as if it worked.
    name = str(connection.settings_dict["NAME"])
    sqlite_file = connection.vendor == "sqlite" and not (
        name == ":memory:" or "mode=memory" in name
    )
    if backing_up and sqlite_file and not Path(name).is_file():
        fail(f"no database at {name}; set DATABASE_URL or PAINPATH_VAR_DIR as the server has")
    try:
        if connect:
            connection.ensure_connection()
    except DatabaseError as error:
        fail(f"cannot connect to the database: {_first_line(str(error))}")
    return connection


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), text.strip())


def _where(connection: BaseDatabaseWrapper) -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return str(settings["NAME"])
    return f"{settings['NAME']} on {settings.get('HOST') or 'the local server'}"


def key_fingerprint(key: str) -> str:
    """A keyed hash of a constant: equal for equal keys, and no help in guessing the key."""
    return hmac.new(key.encode(), FINGERPRINT_MESSAGE, hashlib.sha256).hexdigest()[:16]


def _inventory(connection: BaseDatabaseWrapper, cursor: Any) -> Inventory:
    """Every table's row count and the applied migrations, read through ``cursor`` (of this
    connection's engine, possibly on another database: the SQLite copy, the PG snapshot)."""
    counts: dict[str, int] = {}
    for table in sorted(connection.introspection.table_names(cursor)):
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
        counts[table] = int(cursor.fetchone()[0])
    migrations: list[list[str]] = []
    if "django_migrations" in counts:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        migrations = [[app, name] for app, name in cursor.fetchall()]
    return Inventory(migrations, counts)


# --- PostgreSQL client tools -------------------------------------------------------------


def pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        fail(
            f"{name} is not on PATH: install the PostgreSQL client tools of the server's "
            "version (Debian/Ubuntu: postgresql-client) or put their bin directory on PATH"
        )
    return found


def _pg_env(settings: dict[str, Any]) -> dict[str, str]:
    """The connection settings as libpq's environment, so no password is on a command line."""
    options = settings.get("OPTIONS") or {}
    values = {
        "PGHOST": settings.get("HOST"),
        "PGPORT": settings.get("PORT"),
        "PGUSER": settings.get("USER"),
        "PGPASSWORD": settings.get("PASSWORD"),
        "PGDATABASE": settings.get("NAME"),
        "PGSSLMODE": options.get("sslmode"),
        "PGSSLROOTCERT": options.get("sslrootcert"),
        "PGSSLCERT": options.get("sslcert"),
        "PGSSLKEY": options.get("sslkey"),
        "PGPASSFILE": options.get("passfile"),
        "PGSERVICE": options.get("service"),
    }
    return {name: str(value) for name, value in values.items() if value}


def pg_problem(tool: str, stderr: str) -> str:
    """pg_dump's or pg_restore's complaint as one line that says what to do."""
    if "server version mismatch" in stderr:
        found = re.search(r"server version: ([\d.]+)[^;]*;\s*\S+ version: ([\d.]+)", stderr)
        if found is None:
            return (
                f"{tool} is older than the PostgreSQL server: install the client tools of the "
                "server's version and put their bin directory first on PATH"
            )
        server, own = found.groups()
        major = server.split(".")[0]
        return (
            f"{tool} {own} cannot dump a PostgreSQL {server} server: install the client tools "
            f"of version {major} (Debian/Ubuntu: postgresql-client-{major}) and put their bin "
            "directory first on PATH"
        )
    if "unsupported version" in stderr and "file header" in stderr:
        return (
            f"{tool} is older than the pg_dump that made this backup: install the client tools "
            "of the backup's PostgreSQL version (or newer) and put them first on PATH"
        )
    errors = [line for line in stderr.splitlines() if "error:" in line]
    detail = _first_line(errors[0] if errors else stderr) or "failed"
    return f"{tool}: {detail.split('error:', 1)[-1].strip()}"


def _run_pg(tool: str, args: list[str], settings: dict[str, Any]) -> str:
    binary = pg_tool(tool)
    done = subprocess.run(
        [binary, *args],
        env={**os.environ, **_pg_env(settings)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        fail(pg_problem(tool, done.stderr))
    return done.stdout


# --- backup ------------------------------------------------------------------------------


def _dump_sqlite(connection: BaseDatabaseWrapper, dump: Path) -> tuple[Inventory, str]:
    import sqlite3

    try:
        with closing(sqlite3.connect(dump)) as copy:
            # One step, so the copy is one consistent state however the server writes.
            connection.connection.backup(copy)
            # Self-contained: a copy of a WAL database would otherwise want its -wal file.
            copy.execute("PRAGMA journal_mode=DELETE")
            inventory = _inventory(connection, copy.cursor())
    except sqlite3.Error as error:
        fail(f"cannot copy the database {_where(connection)}: {error}")
    return inventory, sqlite3.sqlite_version


def _dump_postgres(connection: BaseDatabaseWrapper, dump: Path) -> tuple[Inventory, str]:
    from psycopg import Error, IsolationLevel

    pg_tool("pg_dump")
    try:
        raw = connection.get_new_connection(connection.get_connection_params())
    except Error as error:
        fail(f"cannot connect to the database: {_first_line(str(error))}")
    try:
        # The counts and pg_dump read the same snapshot, so the manifest describes the dump
        # exactly while the server keeps writing.
        raw.isolation_level = IsolationLevel.REPEATABLE_READ
        raw.read_only = True
        with raw.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server_version = cursor.fetchone()
            inventory = _inventory(connection, cursor)
        _run_pg(
            "pg_dump",
            ["--format=custom", f"--snapshot={snapshot}", f"--file={dump}"],
            connection.settings_dict,
        )
    except Error as error:
        fail(f"cannot read the database {_where(connection)}: {_first_line(str(error))}")
    finally:
        raw.close()
    return inventory, str(server_version).split(" ")[0]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _write_archive(target: Path, manifest: dict[str, Any], dump: Path) -> None:
    """The tar, written beside ``target``, readable by its owner only (it holds patient data)
    and renamed into place only when complete."""
    partial = target.with_name(f".{target.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            with tarfile.open(fileobj=handle, mode="w:gz", compresslevel=6) as tar:
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
                tar.addfile(info, io.BytesIO(data))
                info = tarfile.TarInfo(manifest["dump"])
                info.size, info.mtime, info.mode = dump.stat().st_size, int(time.time()), 0o600
                with dump.open("rb") as source:
                    tar.addfile(info, source)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)


def _target(output: Path, engine: str) -> Path:
    if output.is_dir():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        output = output / f"painpath-{engine}-{stamp}.tar.gz"
    if output.exists():
        fail(f"{output} exists; a backup never overwrites a file, choose another name")
    if not output.parent.is_dir():
        fail(f"cannot write {output}: no such directory {output.parent}")
    return output


def backup(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="File to write, or a directory to write painpath-ENGINE-TIME.tar.gz in.",
        ),
    ] = Path("."),
) -> None:
    """Back up the whole database (SQLite or PostgreSQL) to one file, while the server runs.

    Prints the file's path; the field key (PAINPATH_FIELD_KEY) is not in it — keep it apart.
    """
    from django.conf import settings

    started = time.perf_counter()
    connection = _database(backing_up=True)
    engine = connection.vendor
    target = _target(output, engine)
    dump_sqlite_or_postgres: Callable[[BaseDatabaseWrapper, Path], tuple[Inventory, str]] = (
        _dump_sqlite if engine == "sqlite" else _dump_postgres
    )
    try:
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".painpath-backup-") as work:
            dump = Path(work) / DUMPS[engine]
            inventory, server_version = dump_sqlite_or_postgres(connection, dump)
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "painpath_version": __version__,
                "engine": engine,
                "server_version": server_version,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "dump": DUMPS[engine],
                "dump_bytes": dump.stat().st_size,
                "sha256": _sha256(dump),
                "migrations": inventory.migrations,
                "row_counts": inventory.row_counts,
                "field_key_included": False,
                "field_key_fingerprint": key_fingerprint(settings.FIELD_KEY),
            }
            _write_archive(target, manifest, dump)
    except OSError as error:
        fail(f"cannot write {target}: {error.strerror or error}")
    seconds = time.perf_counter() - started
    typer.echo(str(target))
    _note(KEY_NOTE)
    _note(
        f"backed up {ENGINE_NAMES[engine]} {_where(connection)}: "
        f"{len(inventory.row_counts)} tables, {inventory.rows} rows, "
        f"{target.stat().st_size / 1e6:.2f} MB in {seconds:.1f} s"
    )


# --- restore -----------------------------------------------------------------------------


def _check_manifest(path: Path, manifest: Any) -> dict[str, Any]:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        fail(f"{path}: not a painpath backup (its manifest.json is not painpath's)")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        fail(
            f"{path}: made by a newer painpath ({manifest.get('painpath_version')}, backup "
            f"format {version}); install that version or newer to restore it"
        )
    engine = manifest.get("engine")
    shapes = {
        "sha256": str,
        "dump": str,
        "migrations": list,
        "row_counts": dict,
        "field_key_fingerprint": str,
    }
    wrong = [key for key, shape in shapes.items() if not isinstance(manifest.get(key), shape)]
    if engine not in DUMPS or manifest.get("dump") != DUMPS[str(engine)] or wrong:
        fail(f"{path}: its manifest.json is damaged ({', '.join(wrong) or 'engine'})")
    return manifest


def _read_backup(path: Path, work: Path) -> Backup:
    """The manifest and the dump, unpacked into ``work`` and checked against the checksum."""
    if not path.is_file():
        fail(f"cannot read {path}: no such file")
    try:
        tar = tarfile.open(path, "r:*")  # noqa: SIM115 (closed by the `with` below)
    except tarfile.ReadError:
        fail(f"{path}: not a painpath backup (not a tar.gz file)")
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror or error}")
    try:
        with tar:
            first = tar.next()
            handle = tar.extractfile(first) if first and first.name == MANIFEST else None
            if handle is None:
                fail(f"{path}: not a painpath backup (no manifest.json at its start)")
            manifest = _check_manifest(path, json.loads(handle.read()))
            member = tar.next()
            source = tar.extractfile(member) if member and member.name == manifest["dump"] else None
            if source is None:
                fail(f"{path}: the database dump is missing; the backup is incomplete")
            dump, digest = work / manifest["dump"], hashlib.sha256()
            with source, dump.open("wb") as out:
                while block := source.read(CHUNK):
                    digest.update(block)
                    out.write(block)
    except (tarfile.TarError, EOFError, zlib.error, ValueError) as error:
        # A truncated or damaged file: gzip and tar each say so in their own words.
        fail(f"{path}: the backup is incomplete or damaged ({_first_line(str(error))})")
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror or error}")
    if digest.hexdigest() != manifest["sha256"]:
        fail(f"{path}: the database dump does not match its checksum; the backup is damaged")
    return Backup(path, manifest, dump)


def _verify_sqlite_dump(connection: BaseDatabaseWrapper, backup: Backup) -> None:
    import sqlite3

    try:
        with closing(sqlite3.connect(backup.dump)) as copy:
            (result,) = copy.execute("PRAGMA integrity_check").fetchone()
            inventory = _inventory(connection, copy.cursor())
    except sqlite3.DatabaseError as error:
        fail(f"{backup.path}: the SQLite dump cannot be read: {error}")
    if result != "ok":
        fail(f"{backup.path}: the SQLite dump fails its integrity check: {result}")
    _compare(backup, inventory, what="its dump")


def _compare(backup: Backup, inventory: Inventory, *, what: str) -> None:
    expected: dict[str, int] = backup.manifest["row_counts"]
    differ = sorted(
        table
        for table in set(expected) | set(inventory.row_counts)
        if expected.get(table) != inventory.row_counts.get(table)
    )
    if differ:
        table = differ[0]
        fail(
            f"{backup.path}: {what} does not match the manifest: table {table} has "
            f"{inventory.row_counts.get(table, 'no')} rows, the manifest says "
            f"{expected.get(table, 'none')} ({len(differ)} tables differ)"
        )


def _migration_gap(backup: Backup) -> list[str]:
    """Refuse a backup from a newer painpath; name the migrations this one has beyond it."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True, load=True)
    on_disk = set(loader.disk_migrations)
    applied = {
        (app, name)
        for app, name in map(tuple, backup.manifest["migrations"])
        if app in loader.migrated_apps
    }
    newer = sorted(f"{app}.{name}" for app, name in applied - on_disk)
    if newer:
        shown = ", ".join(newer[:3]) + (f" and {len(newer) - 3} more" if len(newer) > 3 else "")
        fail(
            f"{backup.path} is from a newer painpath ({backup.manifest.get('painpath_version')}"
            f"; migrations unknown here: {shown}); install that version or newer to restore it"
        )
    return sorted(f"{app}.{name}" for app, name in on_disk - applied)


def _restore_sqlite(connection: BaseDatabaseWrapper, backup: Backup) -> None:
    import sqlite3

    # Through the backup API into the open database rather than a rename over its file: a
    # running server keeps its connections on the file and its -wal would belong to another
    # database. This way the restore is one write transaction that every connection sees
    # whole, and it replaces every page, so tables the backup lacks go too.
    with closing(sqlite3.connect(backup.dump)) as source:
        try:
            source.backup(connection.connection)
        except sqlite3.DatabaseError as error:
            fail(f"cannot restore into {_where(connection)}: {error}; it is unchanged")


def _restore_postgres(connection: BaseDatabaseWrapper, backup: Backup, tables: list[str]) -> None:
    # pg_restore --clean drops only what the dump has; a table a later migration made would
    # stay and break the next migrate, so the database is made to hold the backup's tables only.
    extra = sorted(set(tables) - set(backup.manifest["row_counts"]))
    if extra:
        with connection.cursor() as cursor:
            names = ", ".join(connection.ops.quote_name(table) for table in extra)
            cursor.execute(f"DROP TABLE IF EXISTS {names} CASCADE")
    _run_pg(
        "pg_restore",
        [
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            # All or nothing: a failed restore leaves the database as it was.
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={connection.settings_dict['NAME']}",
            str(backup.dump),
        ],
        connection.settings_dict,
    )


def restore(
    source: Annotated[Path, typer.Argument(help="A file made by `painpath backup`.")],
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace the database even though it already has tables."),
    ] = False,
    check: Annotated[
        bool,
        typer.Option("--check", help="Only verify the backup; connect to no database."),
    ] = False,
) -> None:
    """Restore a backup into the configured database (stop the server first).

    Checks it all before it changes anything; replaces a database with tables only with --force.
    """
    from django.conf import settings

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="painpath-restore-") as work:
        backup = _read_backup(source, Path(work))
        manifest = backup.manifest
        connection = _database(backing_up=False, connect=not check)
        if backup.engine != connection.vendor:
            fail(
                f"{source} is a {ENGINE_NAMES[backup.engine]} backup and the configured "
                f"database is {ENGINE_NAMES[connection.vendor]}; restore it into "
                f"{ENGINE_NAMES[backup.engine]}"
            )
        if backup.engine == "sqlite":
            _verify_sqlite_dump(connection, backup)
        else:
            _run_pg("pg_restore", ["--list", str(backup.dump)], connection.settings_dict)
        behind = _migration_gap(backup)
        if manifest["field_key_fingerprint"] != key_fingerprint(settings.FIELD_KEY):
            _note(
                "warning: this backup was made with another field key (PAINPATH_FIELD_KEY); "
                "with the current one its CPR numbers cannot be read — set the key it was "
                "made with"
            )
        summary = (
            f"{len(manifest['row_counts'])} tables, {sum(manifest['row_counts'].values())} "
            f"rows, made {manifest.get('created')} by painpath {manifest.get('painpath_version')}"
        )
        if check:
            _note(f"{source} is a whole {ENGINE_NAMES[backup.engine]} backup: {summary}")
            return
        tables = connection.introspection.table_names()
        if tables and not force:
            fail(
                f"the database {_where(connection)} already has {len(tables)} tables; "
                "restoring replaces all of it — stop the server, then pass --force"
            )
        if backup.engine == "sqlite":
            _restore_sqlite(connection, backup)
        else:
            _restore_postgres(connection, backup, tables)
    with connection.cursor() as cursor:
        _compare(backup, _inventory(connection, cursor), what="the restored database")
    seconds = time.perf_counter() - started
    _note(
        f"restored {source} into {_where(connection)}: {summary}; row counts verified, "
        f"{seconds:.1f} s"
    )
    if behind:
        _note(
            f"note: the backup predates {len(behind)} migration(s) of this painpath; run "
            "`python -m painpath.web.manage migrate` before starting the server"
        )


def register(app: typer.Typer) -> None:
    app.command("backup")(backup)
    app.command("restore")(restore)
