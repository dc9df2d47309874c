"""``painpath registry pooled`` and ``painpath registry combined``: the registry's data out
for the research group's tools, from the command line (synthetic patients: the pooled tests'
world)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from tests.registry.sending import extract_both_and_aggregate_b
from typer.testing import CliRunner

from painpath.audit.models import AuditEntry
from painpath.cli import app

pytestmark = pytest.mark.django_db
runner = CliRunner()


def _run(*args: str) -> Any:
    return runner.invoke(app, ["registry", *args])


def _send_a_pooled_and_b_aggregate(world: dict[str, Any], tmp_path: Path) -> None:
    statistics = extract_both_and_aggregate_b(world, tmp_path)
    assert statistics.exit_code == 0, statistics.output
    assert _run("upload", str(tmp_path / "a.zip"), "--site", "site-a").exit_code == 0
    assert _run("upload", str(tmp_path / "b.json"), "--site", "site-b").exit_code == 0


def test_pooled_writes_what_report_and_workbench_read_and_is_audited(
    world: dict[str, Any], tmp_path: Path
) -> None:
    _send_a_pooled_and_b_aggregate(world, tmp_path)
    out = tmp_path / "pooled"
    written = _run("pooled", "-o", str(out), "--baseline", "nrs")
    assert written.exit_code == 0, written.output

    scores = pl.read_parquet(out / "scores.parquet")
    n = world["per_clinic"]
    # Only the pooled site's rows leave: the aggregate-only site sent none.
    assert set(scores["clinic"].unique().to_list()) == {"site-a"}
    assert scores.filter(pl.col("timepoint") == 0)["patient_id"].n_unique() == n
    baseline = pl.read_csv(out / "baseline.csv")
    assert baseline.height == n and "nrs" in baseline.columns
    # Every fixture person answers NRS 7 + i % 3 at baseline.
    assert sorted(baseline["nrs"].to_list()) == sorted(7 + i % 3 for i in range(n))
    assert AuditEntry.objects.filter(code="registry.pooled.exported").count() == 1

    report = runner.invoke(app, ["report", "-i", str(out), "-f", "json"])
    assert report.exit_code == 0, report.output


def test_combined_prints_every_site_under_k(world: dict[str, Any], tmp_path: Path) -> None:
    _send_a_pooled_and_b_aggregate(world, tmp_path)
    result = _run("combined", "-f", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    text = json.dumps(document)
    assert "site-b" in text and "person_id" not in text
    n = world["per_clinic"]
    rows = [
        r
        for r in document["rows"]
        if r.get("stratum_column") is None and r["instrument"] == "nrs" and r["timepoint"] == 3
    ]
    assert rows and rows[0]["n_followed"] == 2 * n, rows


def test_bad_input_exits_2_with_one_line(world: dict[str, Any], tmp_path: Path) -> None:
    bad = _run("pooled", "-o", str(tmp_path / "x"), "--baseline", "nosuch")
    assert bad.exit_code == 2 and "--baseline nosuch" in bad.output
    none_yet = _run("combined", "-f", "json")
    assert none_yet.exit_code == 2 and "Traceback" not in none_yet.output
    wrong = _run("combined", "-f", "xml")
    assert wrong.exit_code == 2 and "--format xml" in wrong.output
