"""Benchmark: the pages of a clinic at the size of a real one, single client (issue 13).

Against the database in ``DATABASE_URL`` (``var/bench/scale.sqlite3`` if unset); when it
holds no generated clinic, one is built first (``painpath.web.scale``, ``--patients``). Each
page is measured in a fresh process, signed in through Django's test client as a clinician
of clinic A with a verified second factor (the researcher for the outcome report), warmed
up once, then requested ``--repeats`` times: median, p95 and max wall time, SQL queries and
rows fetched per request (a wrapper on every query and cursor fetch), and the process's peak
resident memory. The baseline, in the same run, is a bare Django view that runs one one-row
query (``/health/``); every page is given as a multiple of it.

For the registry export on PostgreSQL, the same process then times ``COPY … TO STDOUT`` of
the same rows through psycopg (:func:`copy_sql`; read to the end, never held) as many times
as the export ran: both in rows per second and their ratio, the aim being an export within
2× of it.

A page that runs past ``--timeout`` seconds or ``--max-rss`` MB is stopped and reported so:
today's outcome page needs minutes and gigabytes at 20,000 patients, and the machine is
shared.

    DATABASE_URL=postgres://…/painpath_scale python -m benchmarks.pages [--patients 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# (name, what, heavy): a heavy page is requested --heavy-repeats times.
PAGES: tuple[tuple[str, str, bool], ...] = (
    ("baseline", "bare view, one one-row query (/health/)", False),
    ("profile", "trivial page (/accounts/profile/)", False),
    ("patients", "patients list (/patients/)", False),
    ("patient", "patient page (5 patients in turn)", False),
    ("worklist", "worklist (/clinic/)", True),
    ("outcomes", "outcomes page (/outcomes/, researcher)", True),
    ("pdf", "outcome report PDF (/outcomes/report.pdf)", True),
    ("export", "registry export (analytics.services.export_registry)", True),
)
PAGE_NAMES = tuple(name for name, _, _ in PAGES)


def _setup() -> None:
    # Never the developers' demo database: a file of its own unless DATABASE_URL names one.
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'scale.sqlite3'}")
    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    # The development keys (the generated clinic's CPR numbers are encrypted with them) and
    # static files served as in development (no collectstatic), but no debug machinery in
    # what is measured.
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "painpath.web.settings_test")
    import django

    django.setup()
    import logging

    from django.conf import settings

    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    logging.disable(logging.WARNING)


# --------------------------------------------------------------------------- counting


class Counter:
    queries = 0
    rows = 0


@contextmanager
def counting() -> Iterator[None]:
    """Count every query and every row fetched from a cursor while inside."""
    from django.db import connection
    from django.db.backends.utils import CursorWrapper

    def on_query(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        Counter.queries += 1
        return execute(sql, params, many, context)

    def fetchone(self: Any) -> Any:
        row = self.cursor.fetchone()
        Counter.rows += row is not None
        return row

    def fetchmany(self: Any, size: int | None = None) -> Any:
        rows = self.cursor.fetchmany(size) if size is not None else self.cursor.fetchmany()
        Counter.rows += len(rows)
        return rows

    def fetchall(self: Any) -> Any:
        rows = self.cursor.fetchall()
        Counter.rows += len(rows)
        return rows

    def iterate(self: Any) -> Iterator[Any]:
        for row in self.cursor:
            Counter.rows += 1
            yield row

    patched = {
        "fetchone": fetchone,
        "fetchmany": fetchmany,
        "fetchall": fetchall,
        "__iter__": iterate,
    }
    saved: dict[str, Any] = {name: CursorWrapper.__dict__.get(name) for name in patched}
    for name, method in patched.items():
        setattr(CursorWrapper, name, method)
    try:
        with connection.execute_wrapper(on_query):
            yield
    finally:
        for name, method in saved.items():
            if method is None:
                delattr(CursorWrapper, name)
            else:
                setattr(CursorWrapper, name, method)


# --------------------------------------------------------------------------- the child


def _client(user: Any) -> Any:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=user).first().persistent_id
    session.save()
    return client


def _requests(page: str) -> Callable[[int], Any]:
    """What one request of ``page`` does, given the request's number."""
    from painpath.patients.models import Clinic, Patient
    from painpath.web import scale

    clinic = Clinic.objects.get(code="clinic-a")
    clinician = _client(scale.clinician_of(clinic))
    researcher = _client(scale.researcher())

    def get(client: Any, url: str) -> Callable[[int], Any]:
        def request(_: int) -> Any:
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code}")
            # A streamed download is read to the end: that is the work.
            return b"".join(response.streaming_content) if response.streaming else response.content

        return request

    if page == "patient":
        with_open = (
            Patient.objects.filter(clinic=clinic, episodes__status="open")
            .order_by("pk")
            .values_list("public_id", flat=True)
            .distinct()
        )
        ids = list(with_open[:: max(1, with_open.count() // 5)][:5])
        pages = [get(clinician, f"/patients/{public_id}/") for public_id in ids]
        return lambda n: pages[n % len(pages)](n)
    if page == "export":
        from painpath.analytics import services

        def export(_: int) -> Any:
            frame = services.export_registry()
            # A streamed export is read to the end; its rows are counted.
            return frame.height if hasattr(frame, "height") else sum(1 for _ in frame)

        return export
    urls = {
        "baseline": (clinician, "/health/"),
        "profile": (clinician, "/accounts/profile/"),
        "patients": (clinician, "/patients/"),
        "worklist": (clinician, "/clinic/"),
        "outcomes": (researcher, "/outcomes/"),
        "pdf": (researcher, "/outcomes/report.pdf"),
    }
    return get(*urls[page])


COPY_SQL = """
COPY (
  WITH e AS MATERIALIZED ({episodes}),
  -- Each axis's code once per episode, as the export reads them (not once per answer: the
  -- classification's JSON is large, and each extraction reads it whole).
  axes AS MATERIALIZED (
    SELECT c.episode_id, {axes}
    FROM pathway_classification c
    WHERE c.is_latest AND c.episode_id IN (SELECT id FROM e)
  )
  SELECT r.episode_id, r.id, r.instrument, r.answered_on, r.score, r.wording::text, e.*, axes.*
  FROM questionnaires_questionnaireresponse r
  JOIN e ON e.id = r.episode_id
  LEFT JOIN axes ON axes.episode_id = r.episode_id
  WHERE r.score IS NOT NULL
) TO STDOUT
"""


def copy_sql() -> str:
    """The export's rows as one ``COPY … TO`` (issue 13's yardstick for the export): every
    scored answer of the exported episodes beside the columns the export reads of its
    episode and patient (the same queryset, consent filter included) and the result code of
    each axis of the episode's latest classification. What the export does besides — the
    answer's time point in the follow-up schedule, pseudonyms, the wording's label, the
    sort — has no part in it."""
    from django.db import connection

    from painpath.analytics.services import Registry

    registry = Registry()
    sql, params = registry.episodes.query.sql_with_params()
    axes = ", ".join(
        f"c.result #>> '{{axes,{name},result}}' AS axis_{name}" for name in registry.axes
    )
    episodes = connection.ops.compose_sql(sql, params)
    return COPY_SQL.format(axes=axes or "NULL AS no_axes", episodes=episodes)


def copy_out(sql: str) -> tuple[int, int]:
    """Run the COPY, reading its output to the end in blocks (never held): rows and bytes."""
    from django.db import connection

    rows = size = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for block in copy:
            size += len(block)
            rows += bytes(block).count(b"\n")
    return rows, size


def child(page: str, repeats: int) -> dict[str, Any]:
    """Measure one page in this process; print the result as JSON."""
    request = _requests(page)
    request(0)  # warm: templates compiled, rule sets and translations loaded
    times, queries, rows = [], [], []
    produced = None
    for n in range(1, repeats + 1):
        Counter.queries = Counter.rows = 0
        with counting():
            start = time.perf_counter()
            produced = request(n)
            times.append(time.perf_counter() - start)
        queries.append(Counter.queries)
        rows.append(Counter.rows)
    ordered = sorted(times)
    extra: dict[str, Any] = {}
    if page == "export":
        extra = {"rows_out": int(produced)}
        from django.db import connection

        if connection.vendor == "postgresql":
            sql = copy_sql()
            copy_out(sql)  # warm, as the export was
            copies = []
            for _ in range(repeats):
                start = time.perf_counter()
                copy_rows, copy_bytes = copy_out(sql)
                copies.append(time.perf_counter() - start)
            extra |= {
                "copy_median_ms": statistics.median(copies) * 1000,
                "copy_rows": copy_rows,
                "copy_bytes": copy_bytes,
            }
    return extra | {
        "page": page,
        "repeats": repeats,
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": (statistics.quantiles(times, n=20)[18] if len(times) > 1 else times[0]) * 1000,
        "max_ms": ordered[-1] * 1000,
        "queries": [min(queries), max(queries)],
        "rows": [min(rows), max(rows)],
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


# --------------------------------------------------------------------------- the parent


def _rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(page: str, repeats: int, timeout: float, max_rss: float) -> dict[str, Any]:
    """Run ``page`` in a fresh process; stop it past ``timeout`` s or ``max_rss`` MB."""
    command = [sys.executable, "-m", "benchmarks.pages", "--child", page, "--repeats", str(repeats)]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    start, peak, stopped = time.monotonic(), 0.0, ""
    while process.poll() is None:
        peak = max(peak, _rss_mb(process.pid))
        if peak > max_rss:
            stopped = f"stopped at {peak:,.0f} MB"
        elif time.monotonic() - start > timeout:
            stopped = f"stopped after {timeout:.0f} s"
        if stopped:
            process.kill()
            process.wait()
            return {"page": page, "stopped": stopped, "peak_rss_mb": peak}
        time.sleep(0.2)
    out, err = process.communicate()
    if process.returncode:
        return {"page": page, "stopped": f"failed: {err.strip().splitlines()[-1:]}"}
    return dict(json.loads(out.strip().splitlines()[-1]))


def ensure_clinic(patients: int, audit_rows: int | None) -> dict[str, Any]:
    """The generated clinic's size, building it first when the database holds none."""
    from django.core.management import call_command
    from django.db import connection

    from painpath.audit.models import AuditEntry
    from painpath.pathway.models import Classification
    from painpath.patients.models import Episode, Patient
    from painpath.web import scale

    call_command("migrate", verbosity=0)
    built = None
    if not scale.already_built():
        if Patient.objects.exists():
            # Someone's own data (the demo, a developer's database): never fill it.
            raise SystemExit(
                f"{connection.settings_dict['NAME']} holds patients but no generated clinic; "
                "point DATABASE_URL at an empty database (or one built by load_demo --patients)"
            )
        print(f"building a clinic of {patients:,} patients …", file=sys.stderr)
        built = scale.build_clinic(
            patients=patients,
            audit_rows=50 * patients if audit_rows is None else audit_rows,
            progress=lambda message: print(f"  {message}", file=sys.stderr),
        )
    return {
        "database": connection.vendor,
        "name": Path(str(connection.settings_dict["NAME"])).stem,
        "patients": Patient.objects.count(),
        "episodes": Episode.objects.count(),
        "open_episodes": Episode.objects.filter(status="open").count(),
        "classifications": Classification.objects.count(),
        "audit_rows": AuditEntry.objects.count(),
        "built_in_s": built.seconds if built else None,
    }


def _copy_line(result: dict[str, Any]) -> str:
    """The export beside ``COPY … TO`` of the same rows: times, rows/s, the ratio."""
    if "copy_median_ms" not in result:
        return ""
    export_s, copy_s = result["median_ms"] / 1000, result["copy_median_ms"] / 1000
    return (
        f"export {result['rows_out']:,} rows in {export_s:,.1f} s "
        f"({result['rows_out'] / export_s:,.0f} rows/s, peak {result['peak_rss_mb']:,.0f} MB); "
        f"COPY … TO STDOUT {result['copy_rows']:,} rows ({result['copy_bytes'] / 1e6:,.0f} MB) "
        f"in {copy_s:,.2f} s ({result['copy_rows'] / copy_s:,.0f} rows/s); "
        f"export / COPY {export_s / copy_s:,.1f}× the time"
    )


def _cell(result: dict[str, Any], base: float) -> str:
    if "stopped" in result:
        return f"| {result['page']} | {result['stopped']} | | | | | |"
    low_q, high_q = result["queries"]
    low_r, high_r = result["rows"]
    queries = f"{low_q}" if low_q == high_q else f"{low_q}–{high_q}"
    rows = f"{low_r:,}" if low_r == high_r else f"{low_r:,}–{high_r:,}"
    return (
        f"| {result['page']} | {result['median_ms']:,.1f} ms | {result['p95_ms']:,.1f} ms | "
        f"{result['median_ms'] / base:,.0f}× | {queries} | {rows} | "
        f"{result['peak_rss_mb']:,.0f} MB |"
    )


def _code() -> str:
    """The commit measured, and whether the source had changes not yet committed."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout

    dirty = " + uncommitted changes" if git("status", "--porcelain", "--", "src").strip() else ""
    return git("rev-parse", "--short", "HEAD").strip() + dirty


def main(
    patients: int = 20_000,
    *,
    audit_rows: int | None = None,
    repeats: int = 15,
    heavy_repeats: int = 3,
    pages: tuple[str, ...] = PAGE_NAMES,
    timeout: float = 300.0,
    max_rss: float = 4000.0,
    out: Path | None = None,
) -> dict[str, Any]:
    _setup()
    clinic = ensure_clinic(patients, audit_rows)
    heavy = {p for p, _, is_heavy in PAGES if is_heavy}
    results = []
    for page in ("baseline", *(p for p in pages if p != "baseline")):
        result = measure(page, heavy_repeats if page in heavy else repeats, timeout, max_rss)
        done = result.get("stopped") or f"{result['median_ms']:,.1f} ms"
        print(f"  {page}: {done}", file=sys.stderr)
        results.append(result)
    base = results[0]["median_ms"]
    lines = [
        f"pages: {clinic['database']}, {clinic['patients']:,} patients, "
        f"{clinic['episodes']:,} episodes ({clinic['open_episodes']:,} open), "
        f"{clinic['classifications']:,} classifications, {clinic['audit_rows']:,} audit rows; "
        f"code {_code()}",
        "| page | median | p95 | × baseline | SQL queries | rows fetched | peak memory |",
        "|---|---|---|---|---|---|---|",
        *(_cell(r, base) for r in results),
        *(line for line in map(_copy_line, results) if line),
    ]
    print("\n".join(lines))
    report = {
        "clinic": clinic,
        "code": _code(),
        "pages": results,
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    name = f"pages-{clinic['database']}-{clinic['name']}-{clinic['patients']}.json"
    out = out or ROOT / "var" / "bench" / name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(f"written to {out}")
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=20_000, help="if a clinic is built")
    parser.add_argument("--audit-rows", type=int, help="if built (default 50 per patient)")
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--heavy-repeats", type=int, default=3, help="worklist and reports")
    parser.add_argument("--pages", help="comma-separated: " + ", ".join(PAGE_NAMES))
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per page")
    parser.add_argument("--max-rss", type=float, default=4000.0, help="MB per page")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _setup()
        print(json.dumps(child(args.child, args.repeats)))
    else:
        main(
            args.patients,
            audit_rows=args.audit_rows,
            repeats=args.repeats,
            heavy_repeats=args.heavy_repeats,
            pages=tuple(args.pages.split(",")) if args.pages else PAGE_NAMES,
            timeout=args.timeout,
            max_rss=args.max_rss,
            out=args.out,
        )
