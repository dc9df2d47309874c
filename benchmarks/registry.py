"""Benchmark: the registry at scale (issue 16), four parts, each checked before it is timed.

- ``pooled``: 1,000,000 synthetic patients pooled from five sites (``core.synthetic.generate``,
  NRS, ODI and EQ-5D-5L at 0–24 months). The **outcome table** through painpath (Ibis) on
  DuckDB and on a local Spark session, against the hand-written DuckDB SQL of
  benchmarks/report.py; the **prognostic-validity table** of the STarT Back group for the ODI
  at 12 months (``mic`` responders) through painpath (``workbench.validity``: the responder
  flags by the report's own Ibis expressions, then per-class rates, Wilson intervals, AUC with
  DeLong's interval, R²) on DuckDB and on Spark, against hand-written DuckDB SQL for what SQL
  can do (per-class counts, rates, Wilson intervals, and the AUC from the per-class counts).
  Both results must agree with the SQL before a time is reported. Then each DuckDB run again
  in a fresh process for its peak memory (resident set): it must stay under 2 GB.
- ``aggregate``: the same registry as five aggregate-only sites — each site's sufficient
  statistics (``core.registry.aggregate.aggregate``, k = 5), combined by the registry
  (``combine``) — against the outcome table of the pooled rows: every count, mean, SD, mean
  change with its interval and responder count compared.
- ``lca``: latent class analysis on 100,000 planted patients × 20 categorical items (answers
  0–4, 4 planted classes, 5 % of answers missing), models of 1 to 5 classes, in a fresh
  process: time, peak memory, the number of classes BIC chose and the adjusted Rand index
  against the planted classes.
- ``upload``: a 50,000-patient extract (a zip of Parquet files) received into a fresh SQLite
  database, in a fresh process (the server's peak memory); then the same extract again, which
  must come back ``unchanged``. Through ``POST /api/v1/registry/extracts`` with the Django test
  client where that endpoint exists, else through ``registry.services.receive_extract``
  directly (the result says which).

All data are synthetic. Results: printed, and written to var/bench/registry-<patients>.json.

    python -m benchmarks.registry [--patients N] [--parts pooled,aggregate,lca,upload]

``--patients`` sets the pooled registry's size; unless given, the LCA runs on a tenth of it
and the upload on a twentieth (the full sizes: 1,000,000, 100,000 and 50,000).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import ibis
import numpy as np
import polars as pl

from benchmarks import report
from painpath.core.analytics import outcome_table, responder_definitions
from painpath.core.analytics.stats import Z_95
from painpath.core.synthetic import generate

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("pooled", "aggregate", "lca", "upload")
SITES = 5
SEED = 2026
OUTCOME, MONTHS, DEFINITION, CLASSIFICATION = "odi", 12, "mic", "startback"
MEMORY_LIMIT_MB = 2048
AGGREGATE_K = 5
LCA_ITEMS, LCA_CLASSES, LCA_CATEGORIES, LCA_FITTED = 20, 4, 5, (1, 2, 3, 4, 5)
LCA_STARTS = 5  # the CLI's default (painpath workbench lca --starts)
REPEATS = report.REPEATS


# -- the pooled registry ---------------------------------------------------------------------


def _write_pooled(patients: int, directory: Path) -> Path:
    """scores.parquet (the report's long table, with ``site``) and patients.parquet (the
    classification) in ``directory``."""
    registry = generate(patients, seed=SEED, clinics=SITES)
    people = registry.patients.select("patient_id", "startback", site="clinic")
    registry.scores.join(people.select("patient_id", "site"), on="patient_id").write_parquet(
        directory / "scores.parquet"
    )
    people.write_parquet(directory / "patients.parquet")
    return directory


def _connect(directory: Path) -> duckdb.DuckDBPyConnection:
    con = report._load(directory / "scores.parquet")
    con.execute(
        f"CREATE VIEW patients AS SELECT * FROM read_parquet('{directory / 'patients.parquet'}')"
    )
    return con


def validity_sql() -> str:
    """Per class: n, responders, the rate and its Wilson interval; and the AUC of the class
    rates (ties counting half), from the per-class counts — what an analyst would write."""
    z = Z_95
    return f"""
    WITH meta(instrument, hib, low, high, mic_abs, mic_rel, thr50, thr_res, thr20, thr30) AS (
      VALUES {report._meta_values()}
    ),
    flagged AS (
      SELECT p.{CLASSIFICATION} AS cls,
        CASE WHEN m.hib THEN f.score - b.score ELSE b.score - f.score END AS imp,
        CASE WHEN m.hib THEN m.high - b.score ELSE b.score - m.low END AS room, m.*
      FROM scores b
      JOIN scores f ON f.patient_id = b.patient_id AND f.instrument = b.instrument
                   AND f.timepoint = {MONTHS}
      JOIN meta m ON m.instrument = b.instrument
      JOIN patients p ON p.patient_id = b.patient_id
      WHERE b.timepoint = 0 AND b.instrument = '{OUTCOME}' AND p.{CLASSIFICATION} IS NOT NULL
    ),
    classes AS (
      SELECT cls, count(*) AS n,
        sum(CASE WHEN imp >= mic_abs OR imp * 100.0 / nullif(room, 0) >= mic_rel * 100
                 THEN 1 ELSE 0 END) AS k
      FROM flagged GROUP BY cls
    ),
    rated AS (
      SELECT *, k * 1.0 / n AS rate, n - k AS non, {z}::DOUBLE * {z} AS z2 FROM classes
    ),
    auc AS (
      SELECT sum(a.k * b.non * CASE WHEN a.rate > b.rate THEN 1.0
                                    WHEN a.rate = b.rate THEN 0.5 ELSE 0.0 END)
             / (SELECT sum(k) * sum(non) FROM rated) AS auc
      FROM rated a CROSS JOIN rated b
    )
    SELECT cls, n, k, rate,
      greatest(0.0, (rate + z2 / (2 * n)) / (1 + z2 / n)
        - {z} * sqrt(rate * (1 - rate) / n + z2 / (4.0 * n * n)) / (1 + z2 / n)) AS lo,
      least(1.0, (rate + z2 / (2 * n)) / (1 + z2 / n)
        + {z} * sqrt(rate * (1 - rate) / n + z2 / (4.0 * n * n)) / (1 + z2 / n)) AS hi,
      (SELECT auc FROM auc) AS auc
    FROM rated ORDER BY cls
    """


def _definition() -> Any:
    (chosen,) = [d for d in responder_definitions() if d.id == DEFINITION]
    return chosen


def _class_validity(paired: pl.DataFrame, patients: pl.DataFrame) -> Any:
    from painpath.core.workbench.validity import class_validity

    joined = paired.join(patients.select("patient_id", CLASSIFICATION), on="patient_id", how="left")
    return class_validity(
        joined[CLASSIFICATION].to_list(),
        joined["responder"].to_list(),
        joined["followup"].to_list(),
        joined["baseline"].to_list(),
    )


def validity_painpath(directory: Path) -> Any:
    """As ``painpath workbench validate -i DIR --classification startback`` does it: the whole
    scores table read, the responders by the report's expressions (DuckDB), then the figures."""
    from painpath.core.workbench.validity import responders

    scores = pl.read_parquet(directory / "scores.parquet")
    paired = responders(scores, instrument=OUTCOME, timepoint=MONTHS, definition=DEFINITION)
    del scores
    return _class_validity(paired, pl.read_parquet(directory / "patients.parquet"))


def validity_spark(spark: Any, directory: Path) -> Any:
    """The same, the pairing and responder flags by the same Ibis expressions on Spark."""
    from painpath.core.analytics.report import _paired

    table = ibis.pyspark.connect(spark).table("scores")
    _, paired, _ = _paired(table, [OUTCOME], [MONTHS], [_definition()], None)
    frame = pl.from_arrow(
        paired.select("patient_id", "baseline", "followup", f"r_{DEFINITION}").to_pyarrow()
    )
    assert isinstance(frame, pl.DataFrame)
    frame = frame.select(
        "patient_id", "baseline", "followup", responder=pl.col(f"r_{DEFINITION}").cast(pl.Boolean)
    ).sort("patient_id")
    return _class_validity(frame, pl.read_parquet(directory / "patients.parquet"))


def _agree_validity(ours: Any, sql_rows: list[tuple[Any, ...]], where: str) -> None:
    by_class = {c.cls: c for c in ours.per_class}
    if sorted(by_class) != sorted(str(r[0]) for r in sql_rows):
        raise AssertionError(f"{where}: classes {sorted(by_class)} differ from SQL's")
    for cls, n, k, rate, lo, hi, auc in sql_rows:
        row = by_class[str(cls)]
        if (row.n, row.responders) != (n, k):
            raise AssertionError(f"{where}: class {cls}: n/responders {row.n}/{row.responders}")
        pairs = (("rate", row.rate, rate), ("ci", row.ci, (lo, hi)), ("auc", ours.auc, auc))
        for name, a, b in pairs:
            if not np.allclose(a, b, rtol=0, atol=1e-9):
                raise AssertionError(f"{where}: class {cls}: {name} {a} != SQL's {b}")


def _spark_session() -> Any:
    from pyspark.sql import SparkSession

    # Both cores, as a one-machine registry would run it; the driver holds the table's
    # partitions between stages.
    session = (
        SparkSession.builder.master("local[2]")
        .appName("painpath-bench")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.driver.memory", "4g")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def _timed(fn: Callable[..., Any], *args: Any, repeats: int = REPEATS) -> float:
    return min(_once(fn, *args) for _ in range(repeats))


def _once(fn: Callable[..., Any], *args: Any) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def peak_mb() -> float:
    """This process's peak resident memory (MB): ``VmHWM``, which, unlike ``ru_maxrss``, starts
    afresh at exec — ``ru_maxrss`` of a child forked from a large parent reports the parent's."""
    status = Path("/proc/self/status").read_text()
    (line,) = [x for x in status.splitlines() if x.startswith("VmHWM:")]
    return int(line.split()[1]) / 1024


def _peak(which: str, directory: Path) -> float:
    """Peak resident memory (MB) of a fresh process that runs ``which`` on the registry."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.registry", "--peak", which, "--dir", str(directory)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return float(out.stdout.strip().splitlines()[-1])


PEAK_RUNS: dict[str, Callable[[Path], Any]] = {
    "outcome-painpath": lambda d: report.run_painpath(_connect(d)),
    "outcome-sql": lambda d: report.run_sql(_connect(d)),
    "validity-painpath": validity_painpath,
    "validity-sql": lambda d: _connect(d).execute(validity_sql()).fetchall(),
}


def pooled(patients: int, directory: Path, *, spark: bool) -> dict[str, Any]:
    con = _connect(directory)
    rows = con.execute("SELECT count(*) FROM scores").fetchone()
    assert rows is not None
    cursor = con.execute(report.hand_written_sql())
    columns = [d[0] for d in cursor.description]
    sql_outcome = cursor.fetchall()
    report._agree(report.run_painpath(con), sql_outcome, columns)
    sql_validity = con.execute(validity_sql()).fetchall()
    ours = validity_painpath(directory)
    _agree_validity(ours, sql_validity, "validity on DuckDB")
    result: dict[str, Any] = {
        "patients": patients,
        "sites": SITES,
        "score_rows": rows[0],
        "outcome": {
            "painpath_duckdb_s": _timed(report.run_painpath, con),
            "sql_s": _timed(report.run_sql, con),
        },
        "validity": {
            "classification": CLASSIFICATION,
            "outcome": f"{OUTCOME} at {MONTHS} months, {DEFINITION} responders",
            "n": ours.n,
            "auc": ours.auc,
            "auc_ci": ours.auc_ci,
            "r2": ours.r2,
            "per_class": [
                {"class": c.cls, "n": c.n, "rate": c.rate, "ci": c.ci} for c in ours.per_class
            ],
            "painpath_duckdb_s": _timed(validity_painpath, directory),
            "sql_s": _timed(lambda: con.execute(validity_sql()).fetchall()),
        },
    }
    if spark:
        session = _spark_session()
        try:
            session.read.parquet(str(directory / "scores.parquet")).createOrReplaceTempView(
                "scores"
            )
            table = ibis.pyspark.connect(session).table("scores")

            def on_spark() -> Any:
                return outcome_table(
                    table, instruments=report.INSTRUMENTS, timepoints=report.TIMEPOINTS
                )

            report._agree(on_spark(), sql_outcome, columns)
            _agree_validity(validity_spark(session, directory), sql_validity, "validity on Spark")
            # Spark's runs are long and the first warms the JVM: best of two after the check.
            result["outcome"]["painpath_spark_s"] = _timed(on_spark, repeats=2)
            result["validity"]["painpath_spark_s"] = _timed(
                validity_spark, session, directory, repeats=2
            )
        finally:
            session.stop()
    for part in ("outcome", "validity"):
        figures = result[part]
        figures["ratio_duckdb"] = figures["painpath_duckdb_s"] / figures["sql_s"]
        if "painpath_spark_s" in figures:
            figures["ratio_spark"] = figures["painpath_spark_s"] / figures["sql_s"]
        for who in ("painpath", "sql"):
            figures[f"{who}_peak_mb"] = _peak(f"{part}-{who}", directory)
    result["memory_limit_mb"] = MEMORY_LIMIT_MB
    result["over_limit"] = [
        f"{part} ({who}) on DuckDB peaked at {result[part][f'{who}_peak_mb']:.0f} MB"
        for part in ("outcome", "validity")
        for who in ("painpath", "sql")
        if result[part][f"{who}_peak_mb"] >= MEMORY_LIMIT_MB
    ]
    return result


# -- aggregate-only sites --------------------------------------------------------------------


def _agree_combined(combined: Any, pooled_rows: list[Any]) -> int:
    """Every figure a combined row can carry equals the pooled table's; returns the number
    of rows compared."""
    by_key = {(r.instrument, r.timepoint): r for r in pooled_rows}
    compared = 0
    for crow in combined.rows:
        if crow.stratum_column is not None:
            continue
        mine, theirs = crow.outcome, by_key[(crow.outcome.instrument, crow.outcome.timepoint)]
        for name in ("n_baseline", "n_followed"):
            if getattr(mine, name) != getattr(theirs, name):
                raise AssertionError(f"{mine.instrument}@{mine.timepoint}: {name}")
        for name in (
            "baseline_all_mean",
            "baseline_all_sd",
            "baseline_mean",
            "baseline_sd",
            "followup_mean",
            "followup_sd",
            "change_mean",
            "change_sd",
            "change_ci",
        ):
            a, b = getattr(mine, name), getattr(theirs, name)
            if not np.allclose(a, b, rtol=1e-9, atol=1e-9):
                raise AssertionError(f"{mine.instrument}@{mine.timepoint}: {name} {a} != {b}")
        shares = {s.definition: s.responders for s in theirs.responders}
        if {s.definition: s.responders for s in mine.responders} != shares:
            raise AssertionError(f"{mine.instrument}@{mine.timepoint}: responder counts")
        compared += 1
    return compared


def aggregate_sites(directory: Path) -> dict[str, Any]:
    from painpath.core.registry.aggregate import aggregate, combine

    scores = pl.read_parquet(directory / "scores.parquet")
    options: dict[str, Any] = {
        "instruments": report.INSTRUMENTS,
        "timepoints": report.TIMEPOINTS,
    }
    site_seconds, contributions = {}, []
    for (site,), frame in sorted(scores.partition_by("site", as_dict=True).items()):
        start = time.perf_counter()
        contributions.append(aggregate(frame, site=str(site), k=AGGREGATE_K, **options))
        site_seconds[str(site)] = time.perf_counter() - start
    start = time.perf_counter()
    combined = combine(contributions, instruments=report.INSTRUMENTS)
    combine_s = time.perf_counter() - start
    con = _connect(directory)
    pooled_rows = report.run_painpath(con)
    compared = _agree_combined(combined, pooled_rows)
    return {
        "sites": len(contributions),
        "k": AGGREGATE_K,
        "rows_compared": compared,
        "withheld_cells": sum(len(c.withheld_cells) for c in contributions),
        "site_aggregate_s": site_seconds,
        "sites_total_s": sum(site_seconds.values()),
        "combine_s": combine_s,
        "pooled_duckdb_s": _timed(report.run_painpath, con),
        "contribution_bytes": sum(len(json.dumps(_document(c))) for c in contributions),
    }


def _document(contribution: Any) -> dict[str, Any]:
    from painpath import __version__
    from painpath.core.registry.aggregate import contribution_document

    return contribution_document(contribution, __version__)


# -- latent classes --------------------------------------------------------------------------


def lca_child(patients: int, starts: int) -> dict[str, Any]:
    from painpath.core.workbench.lca import agreement, fit_lca
    from painpath.core.workbench.planted import PlantedSpec, item_columns, planted_registry

    spec = PlantedSpec(
        n=patients,
        classes=LCA_CLASSES,
        items=LCA_ITEMS,
        categories=LCA_CATEGORIES,
        separation=0.5,
        summaries=(),
        timepoints=(12,),
        missing=0.05,
        seed=16,
    )
    planted = planted_registry(spec)
    items = item_columns(LCA_ITEMS)
    data = planted.baseline.select(items).to_numpy().astype(float)
    start, cpu = time.perf_counter(), time.process_time()
    fitted = fit_lca(data, items, kind="categorical", classes=LCA_FITTED, seed=1, n_init=starts)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "patients": patients,
        "items": LCA_ITEMS,
        "answers": f"0–{LCA_CATEGORIES - 1}",
        "planted_classes": LCA_CLASSES,
        "separation": spec.separation,
        "missing": spec.missing,
        "models": list(LCA_FITTED),
        "random_starts": starts,
        "fit_s": seconds,
        "fit_cpu_s": cpu,
        "chosen": fitted.chosen,
        "bic": {m.classes: m.bic for m in fitted.models},
        "entropy": next(m.entropy for m in fitted.models if m.classes == fitted.chosen),
        "ari": agreement(list(fitted.assignments), list(planted.truth)).ari,
        "peak_mb": peak_mb(),
    }


# -- an extract through the API --------------------------------------------------------------

KEY = b"synthetic benchmark registry key!"
REGISTRY, SITE = "bench", "bench-site"


def synthetic_extract(patients: int) -> Any:
    """A pooled extract of ``patients`` synthetic patients: their scores (NRS, ODI, EQ-5D-5L
    at 0–24 months, with the cohort columns), the NRS answer behind each NRS score, a
    diagnosis each and the procedure of those whose treatment is one."""
    from painpath.core.registry import extract as ex
    from painpath.core.registry.schema import EXTRACT_FORMAT

    registry = generate(patients, seed=SEED + 1, clinics=1)
    ids = registry.patients["patient_id"].to_list()
    episode = pl.DataFrame(
        {
            "patient_id_n": ids,
            "patient_id": [ex.pseudonym(KEY, "episode", f"e{i}") for i in ids],
            "person_id": [ex.pseudonym(KEY, "person", f"p{i}") for i in ids],
        }
    )
    index = dt.date(2024, 1, 1)
    people = registry.patients.rename({"patient_id": "patient_id_n"}).join(
        episode, on="patient_id_n"
    )
    scores = registry.scores.rename({"patient_id": "patient_id_n"}).join(people, on="patient_id_n")
    scores = scores.select(
        "patient_id",
        "person_id",
        site=pl.lit(SITE),
        instrument="instrument",
        timepoint="timepoint",
        score="score",
        wording=pl.lit("paraphrase"),
        wording_id=pl.concat_str(pl.lit("paraphrase "), "instrument", pl.lit("-da 1.0.0")),
        answered_on=pl.lit(index) + pl.duration(days=pl.col("timepoint") * 30),
        in_window=pl.lit(True),
        days_from_target=pl.lit(0, dtype=pl.Int64),
        sex="sex",
        age="age",
        # The generator's "treatment" is a step-1 modality or, at step 2, a procedure kind:
        # the extract keeps them apart (the data dictionary's codes, which the registry checks).
        treatment=pl.when(pl.col("step") == "step_1").then("treatment"),
        procedure=pl.when(pl.col("step") == "step_2").then("treatment"),
        index_date=pl.lit(index),
        index_event=pl.when(pl.col("step") == "step_2")
        .then(pl.lit("procedure_date"))
        .otherwise(pl.lit("first_visit")),
        protocol=pl.lit("default"),
        multifidus_fat_grade="multifidus_fat_grade",
        synthetic=pl.lit(True),
        axis_startback="startback",
    )
    answers = scores.filter(pl.col("instrument") == "nrs").select(
        "patient_id",
        "instrument",
        "timepoint",
        item=pl.lit("nrs"),
        value=pl.col("score").cast(pl.Int64).cast(pl.String),
        wording_id="wording_id",
    )
    conditions = people.select(
        "patient_id",
        system=pl.lit("ICD-10"),
        code=pl.lit("DM545"),
        primary=pl.lit(True),
        recorded_on=pl.lit(index),
    )
    procedures = people.filter(pl.col("step") == "step_2").select(
        "patient_id", kind="treatment", performed_on=pl.lit(index + dt.timedelta(days=14))
    )
    tables = {"scores": scores, "answers": answers, "conditions": conditions}
    tables["procedures"] = procedures
    return ex.Extract(
        **tables,
        manifest={
            "format": EXTRACT_FORMAT,
            "site": SITE,
            "registry": REGISTRY,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "painpath_version": "bench",
            "dictionary_version": "bench",
            "date_shift": "none",
            "rows": {name: frame.height for name, frame in tables.items()},
        },
    )


UPLOAD_CHILD = """
import json, time
from pathlib import Path
from django.core.management import call_command
from django.urls import Resolver404, resolve
from painpath.core.registry import extract as ex
from painpath.registry import services
from painpath.registry.models import Registry, Site

call_command("migrate", verbosity=0)
registry = Registry(code=REGISTRY, name="Benchmark registry (synthetic)", k=5)
registry.set_key(KEY)
registry.save()
site = Site.objects.create(registry=registry, code=SITE, name="Benchmark site (synthetic)",
                           participation="pooled")
ready_mb = peak_mb()
body = Path(ZIP).read_bytes()
try:
    resolve(API_PATH)
    via = "api"
except Resolver404:
    via = "services"
if via == "api":
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from painpath.api import services as api
    _, token = api.create_client(
        "benchmark", clinic=None, scopes=["registry:upload"], site_code=site.code
    )
    client = Client()

    def send():
        upload = SimpleUploadedFile("extract.zip", body, content_type="application/zip")
        response = client.post(API_PATH, data={"file": upload},
                               HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code in (200, 201), (response.status_code, response.content[:500])
        return response.json()["status"]
else:
    def send():
        return services.receive_extract(site, ex.read_extract(body)).status

runs = []
for _ in range(2):
    start, cpu = time.perf_counter(), time.process_time()
    status = send()
    runs.append({"status": status, "seconds": time.perf_counter() - start,
                 "cpu_seconds": time.process_time() - cpu})
result = {"via": via, "runs": runs, "peak_mb": peak_mb(), "ready_mb": ready_mb}
"""

API_PATH = "/api/v1/registry/extracts"


def upload(patients: int, directory: Path) -> dict[str, Any]:
    from painpath.core.registry import extract as ex

    sys.path.insert(0, str(ROOT))
    from tests.live_server import run_django

    made = time.perf_counter()
    extract = synthetic_extract(patients)
    ex.validate(extract)  # the benchmark's own extract must be one the registry accepts
    path = directory / "extract.zip"
    buffer = io.BytesIO()
    ex.write_zip(extract, buffer)
    path.write_bytes(buffer.getvalue())
    made = time.perf_counter() - made
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "DATABASE_URL"))
    }
    env |= {
        "DEBUG": "1",
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "painpath.web.settings",
        "DATABASE_URL": f"sqlite:///{directory / 'registry.sqlite3'}",
        "PAINPATH_VAR_DIR": str(directory),
        "PYTHONPATH": str(ROOT),
    }
    code = (
        f"REGISTRY, SITE, KEY = {REGISTRY!r}, {SITE!r}, {KEY!r}\n"
        f"ZIP, API_PATH = {str(path)!r}, {API_PATH!r}\n"
        "from benchmarks.registry import peak_mb\n" + UPLOAD_CHILD
    )
    child = run_django(code, env, timeout=3600)
    first, second = child["runs"]
    if (first["status"], second["status"]) != ("accepted", "unchanged"):
        raise AssertionError(f"upload: {first['status']}, then {second['status']}")
    rows = extract.rows()
    return {
        "patients": patients,
        "via": child["via"],
        "database": "SQLite (fresh file)",
        "rows": rows,
        "zip_bytes": path.stat().st_size,
        "made_s": made,
        "first_s": first["seconds"],
        "first_cpu_s": first["cpu_seconds"],
        "score_rows_per_s": rows["scores"] / first["seconds"],
        "all_rows_per_s": sum(rows.values()) / first["seconds"],
        "unchanged_s": second["seconds"],
        "unchanged_cpu_s": second["cpu_seconds"],
        "server_peak_mb": child["peak_mb"],
        "server_ready_mb": child["ready_mb"],
    }


# -- the whole run ---------------------------------------------------------------------------


def _lines(result: dict[str, Any]) -> list[str]:
    out = []
    if "pooled" in result:
        p = result["pooled"]
        for part, title in (("outcome", "outcome table"), ("validity", "prognostic validity")):
            f = p[part]
            spark = (
                f", Spark {f['painpath_spark_s']:.2f} s ({f['ratio_spark']:.1f}×)"
                if "painpath_spark_s" in f
                else ""
            )
            out.append(
                f"pooled {p['patients']:,} patients ({p['score_rows']:,} score rows), {title}: "
                f"painpath DuckDB {f['painpath_duckdb_s']:.2f} s ({f['ratio_duckdb']:.2f}×), "
                f"hand-written SQL {f['sql_s']:.2f} s{spark}; peak "
                f"{f['painpath_peak_mb']:.0f} / {f['sql_peak_mb']:.0f} MB"
            )
    if "aggregate" in result:
        a = result["aggregate"]
        out.append(
            f"aggregate-only: {a['sites']} sites' statistics {a['sites_total_s']:.2f} s in all, "
            f"combined in {a['combine_s'] * 1000:.1f} ms, equal to the pooled table "
            f"({a['rows_compared']} rows; pooled {a['pooled_duckdb_s']:.2f} s)"
        )
    if "lca" in result:
        m = result["lca"]
        out.append(
            f"LCA {m['patients']:,} patients × {m['items']} items, {len(m['models'])} models: "
            f"{m['random_starts']} random start(s) each, {m['fit_s']:.1f} s, "
            f"peak {m['peak_mb']:.0f} MB, chose {m['chosen']} "
            f"(planted {m['planted_classes']}), ARI {m['ari']:.3f}"
        )
    if "upload" in result:
        u = result["upload"]
        out.append(
            f"upload of {u['patients']:,} patients ({u['rows']['scores']:,} score rows) via "
            f"{u['via']}: {u['first_s']:.1f} s ({u['score_rows_per_s']:,.0f} score rows/s), "
            f"again (unchanged) {u['unchanged_s']:.1f} s; server peak {u['server_peak_mb']:.0f} MB"
        )
    return out


def main(
    patients: int = 1_000_000,
    *,
    lca_patients: int | None = None,
    upload_patients: int | None = None,
    parts: tuple[str, ...] = PARTS,
    spark: bool = True,
    lca_starts: int = LCA_STARTS,
) -> dict[str, Any]:
    result: dict[str, Any] = {"machine": f"{os.cpu_count()} cores, shared"}
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        if {"pooled", "aggregate"} & set(parts):
            _write_pooled(patients, directory)
        if "pooled" in parts:
            result["pooled"] = pooled(patients, directory, spark=spark)
        if "aggregate" in parts:
            result["aggregate"] = aggregate_sites(directory)
        if "lca" in parts:
            size = lca_patients or max(patients // 10, 200)
            result["lca"] = _child_json(["--lca", str(size), "--lca-starts", str(lca_starts)])
        if "upload" in parts:
            result["upload"] = upload(upload_patients or max(patients // 20, 100), directory)
    text = "\n".join(_lines(result))
    print(text)
    print(json.dumps(result, indent=1, default=str))
    name = f"registry-{patients}" + ("" if parts == PARTS else "-" + "-".join(parts))
    out = ROOT / "var" / "bench" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=str))
    out.with_suffix(".txt").write_text(text + "\n")
    over = result.get("pooled", {}).get("over_limit")
    if over:
        raise AssertionError(f"over {MEMORY_LIMIT_MB} MB: {'; '.join(over)}")
    return result


def _child_json(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.registry", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--lca-patients", type=int)
    parser.add_argument("--upload-patients", type=int)
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--peak", choices=sorted(PEAK_RUNS))
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--lca-starts", type=int, default=LCA_STARTS)
    parser.add_argument("--lca", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peak:
        PEAK_RUNS[args.peak](args.dir)
        print(peak_mb())
    elif args.lca:
        print(json.dumps(lca_child(args.lca, args.lca_starts)))
    else:
        chosen = tuple(p for p in args.parts.split(",") if p)
        unknown = [p for p in chosen if p not in PARTS]
        if unknown:
            parser.error(f"--parts: unknown {', '.join(unknown)}; known: {', '.join(PARTS)}")
        main(
            args.patients,
            lca_patients=args.lca_patients,
            upload_patients=args.upload_patients,
            parts=chosen,
            spark=not args.no_spark,
            lca_starts=args.lca_starts,
        )
