"""Benchmark: the full outcome report for 1,000,000 synthetic patients × 5 time points.

painpath's report (Ibis expressions run on DuckDB, plus the confidence intervals) against
one hand-written DuckDB SQL query computing the same figures, in the same process on the
same table; then each once more in a fresh process for its peak memory (resident set).
The two results are compared before any time is reported.

    python -m benchmarks.report [--patients N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import ibis

from painpath.core.analytics import outcome_table, responder_definitions
from painpath.core.instruments import REGISTRY
from painpath.core.synthetic import generate

INSTRUMENTS = ("nrs", "odi", "eq5d5l")
TIMEPOINTS = (3, 6, 12, 24)
REPEATS = 3


def _meta_values() -> str:
    rows = []
    thresholds = {d.id: d.thresholds for d in responder_definitions()}
    for code in INSTRUMENTS:
        cls = REGISTRY[code]
        low, high = cls.score_range
        mic_abs = cls.mic.absolute if cls.mic and cls.mic.absolute is not None else "NULL"
        mic_rel = cls.mic.relative if cls.mic and cls.mic.relative is not None else "NULL"

        def thr(definition: str, code: str = code) -> Any:
            return thresholds[definition].get(code, "NULL")

        rows.append(
            f"('{code}', {str(cls.higher_is_better).upper()}, {low}, {high}, {mic_abs}, "
            f"{mic_rel}, {thr('reduction_50')}, {thr('resolution')}, {thr('improvement_20')}, "
            f"{thr('reduction_30')})"
        )
    return ",\n      ".join(rows)


def hand_written_sql() -> str:
    """What an analyst would write by hand for the same table."""
    points = ", ".join(map(str, TIMEPOINTS))
    names = ", ".join(f"'{c}'" for c in INSTRUMENTS)
    return f"""
    WITH meta(instrument, hib, low, high, mic_abs, mic_rel, thr50, thr_res, thr20, thr30) AS (
      VALUES {_meta_values()}
    ),
    base AS (SELECT patient_id, instrument, score AS baseline FROM scores
             WHERE timepoint = 0 AND instrument IN ({names})),
    paired AS (
      SELECT b.instrument, f.timepoint, b.baseline, f.score AS followup, m.*,
             CASE WHEN m.hib THEN f.score - b.baseline ELSE b.baseline - f.score END AS imp,
             CASE WHEN m.hib THEN m.high - b.baseline ELSE b.baseline - m.low END AS room
      FROM base b
      JOIN scores f ON f.patient_id = b.patient_id AND f.instrument = b.instrument
                   AND f.timepoint IN ({points})
      JOIN meta m ON m.instrument = b.instrument
    ),
    flagged AS (
      SELECT *, CASE WHEN room = 0 THEN NULL ELSE imp * 100.0 / room END AS pct FROM paired
    ),
    points AS (
      SELECT instrument, timepoint, count(*) AS n_followed,
        avg(baseline) AS baseline_mean, stddev_samp(baseline) AS baseline_sd,
        quantile_cont(baseline, 0.5) AS baseline_median,
        quantile_cont(baseline, 0.25) AS baseline_q1, quantile_cont(baseline, 0.75) AS baseline_q3,
        avg(followup) AS followup_mean, stddev_samp(followup) AS followup_sd,
        quantile_cont(followup, 0.5) AS followup_median,
        quantile_cont(followup, 0.25) AS followup_q1, quantile_cont(followup, 0.75) AS followup_q3,
        avg(followup - baseline) AS change_mean, stddev_samp(followup - baseline) AS change_sd,
        sum(CASE WHEN imp >= mic_abs OR pct >= mic_rel * 100 THEN 1 ELSE 0 END) AS k_mic,
        sum(CASE WHEN pct >= thr50 THEN 1 ELSE 0 END) AS k_reduction_50,
        sum(CASE WHEN pct >= thr30 THEN 1 ELSE 0 END) AS k_reduction_30,
        sum(CASE WHEN followup <= thr_res THEN 1 ELSE 0 END) AS k_resolution,
        sum(CASE WHEN imp >= thr20 THEN 1 ELSE 0 END) AS k_improvement_20,
        sum(CASE WHEN -imp >= mic_abs THEN 1 ELSE 0 END) AS k_deterioration
      FROM flagged GROUP BY instrument, timepoint
    ),
    baseline_all AS (
      SELECT instrument, count(*) AS n_baseline, avg(baseline) AS baseline_all_mean,
             stddev_samp(baseline) AS baseline_all_sd
      FROM base GROUP BY instrument
    )
    SELECT * FROM points JOIN baseline_all USING (instrument) ORDER BY instrument, timepoint
    """


def _write(patients: int, directory: Path) -> Path:
    path = directory / "scores.parquet"
    generate(patients, seed=2026).scores.write_parquet(path)
    return path


def _load(parquet: Path) -> duckdb.DuckDBPyConnection:
    # The registry's export is Parquet and DuckDB reads it in place, as a clinic's report
    # would: a view, not a copy held in memory.
    con = duckdb.connect()
    con.execute(f"CREATE VIEW scores AS SELECT * FROM read_parquet('{parquet}')")
    return con


def run_painpath(con: duckdb.DuckDBPyConnection) -> list[Any]:
    scores = ibis.duckdb.from_connection(con).table("scores")
    return outcome_table(scores, instruments=INSTRUMENTS, timepoints=TIMEPOINTS)


def run_sql(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    return con.execute(hand_written_sql()).fetchall()


def _agree(rows: list[Any], sql_rows: list[tuple[Any, ...]], columns: list[str]) -> None:
    by_key = {(r.instrument, r.timepoint): r for r in rows}
    for raw in sql_rows:
        record = dict(zip(columns, raw, strict=True))
        row = by_key[(record["instrument"], record["timepoint"])]
        shares = {s.definition: s.responders for s in row.responders}
        checks = {
            "n_followed": row.n_followed,
            "n_baseline": row.n_baseline,
            "change_mean": row.change_mean,
            "followup_median": row.followup_median,
            "baseline_q3": row.baseline_q3,
        }
        for name, value in checks.items():
            if abs(float(record[name]) - float(value)) > 1e-9:
                raise AssertionError(f"{record['instrument']}@{record['timepoint']}: {name}")
        for definition, k in shares.items():
            if int(record[f"k_{definition}"]) != k:
                raise AssertionError(f"{record['instrument']}@{record['timepoint']}: {definition}")


def _best(fn: Any, *args: Any) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def _peak_child(which: str, parquet: Path) -> float:
    """Peak resident memory (MB) of a fresh process that loads the table and runs ``which``."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.report", "--parquet", str(parquet), "--peak", which],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def main(patients: int = 1_000_000) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        return _measure(patients, _write(patients, Path(directory)))


def _measure(patients: int, parquet: Path) -> dict[str, Any]:
    con = _load(parquet)
    rows = con.execute("SELECT count(*) FROM scores").fetchone()
    assert rows is not None
    ours = run_painpath(con)
    cursor = con.execute(hand_written_sql())
    columns = [d[0] for d in cursor.description]
    _agree(ours, cursor.fetchall(), columns)
    t_ours = _best(run_painpath, con)
    t_sql = _best(run_sql, con)
    result = {
        "patients": patients,
        "score_rows": rows[0],
        "painpath_s": t_ours,
        "sql_s": t_sql,
        "ratio": t_ours / t_sql,
        "painpath_peak_mb": _peak_child("painpath", parquet),
        "sql_peak_mb": _peak_child("sql", parquet),
    }
    print(
        f"report: {patients:,} patients, {rows[0]:,} score rows — painpath {t_ours:.2f} s, "
        f"hand-written SQL {t_sql:.2f} s, ratio {t_ours / t_sql:.2f}×; peak memory "
        f"{result['painpath_peak_mb']:.0f} MB / {result['sql_peak_mb']:.0f} MB (best of {REPEATS})"
    )
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--peak", choices=["painpath", "sql"])
    parser.add_argument("--parquet", type=Path)
    args = parser.parse_args()
    if args.peak:
        connection = _load(args.parquet)
        (run_painpath if args.peak == "painpath" else run_sql)(connection)
        # VmHWM, not ru_maxrss: Linux carries a forked child's ru_maxrss over from the parent's
        # size at the fork, so a child of a large parent would report the parent's peak.
        status = Path("/proc/self/status").read_text()
        (line,) = [x for x in status.splitlines() if x.startswith("VmHWM:")]
        print(int(line.split()[1]) / 1024)
    else:
        main(args.patients)
