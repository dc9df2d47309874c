"""The outcome table on Spark equals the table on DuckDB (same synthetic registry).

Runs on a local Spark session (pyspark needs Java 17+). Skipped, loudly, where pyspark or
Java is missing — except in CI, where a skip would hide that the report no longer runs on
Spark, so there it fails instead.
"""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ibis
import pytest

from painpath.core.analytics import outcome_table, stratified_outcome_table
from painpath.core.synthetic import generate

pytestmark = pytest.mark.spark

INSTRUMENTS = ["nrs", "odi", "eq5d5l"]
POINTS = [3, 6, 12, 24]


def _missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install -e '.[test]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java is not installed (Spark needs a JDK 17+; apt-get install openjdk-17-jre)"
    return None


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the Spark test: {reason}")
        pytest.skip(f"SPARK TEST NOT RUN: {reason}")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("painpath-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def close(a: Any, b: Any, path: str = "") -> list[str]:
    """Differences between two results, numbers compared to 1e-9."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return [
            d
            for f in dataclasses.fields(a)
            for d in close(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")
        ]
    if isinstance(a, tuple | list):
        if len(a) != len(b):
            return [f"{path}: length {len(a)} != {len(b)}"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in close(x, y, f"{path}[{i}]")
        ]
    if isinstance(a, float) and isinstance(b, float):
        return [] if math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9) else [f"{path}: {a} != {b}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def test_the_report_on_spark_equals_the_report_on_duckdb(spark: Any, tmp_path: Path) -> None:
    synthetic = generate(500, seed=11)
    frame = synthetic.scores.join(synthetic.patients, on="patient_id")
    # Through Parquet, as a registry larger than one machine would be handed to Spark.
    frame.write_parquet(tmp_path / "registry.parquet")
    con = ibis.pyspark.connect(spark)
    spark.read.parquet(str(tmp_path / "registry.parquet")).createOrReplaceTempView("registry")
    on_spark = con.table("registry")
    on_duckdb = ibis.duckdb.connect().create_table("registry", frame.to_arrow())

    spark_rows = outcome_table(on_spark, instruments=INSTRUMENTS, timepoints=POINTS)
    duckdb_rows = outcome_table(on_duckdb, instruments=INSTRUMENTS, timepoints=POINTS)

    assert len(spark_rows) == len(INSTRUMENTS) * len(POINTS)
    assert spark_rows[0].n_followed > 0
    assert close(spark_rows, duckdb_rows) == []

    spark_strata = stratified_outcome_table(
        on_spark, "startback", instruments=["odi"], timepoints=[12]
    )
    duckdb_strata = stratified_outcome_table(
        on_duckdb, "startback", instruments=["odi"], timepoints=[12]
    )
    assert list(spark_strata) == list(duckdb_strata)
    assert close(list(spark_strata.values()), list(duckdb_strata.values())) == []
