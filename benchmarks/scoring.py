"""Vectorised scoring of 1,000,000 EQ-5D-5L and 1,000,000 ODI responses.

Each case times painpath's columnar path (``Instrument.score_frame`` on a Polars table:
validation, the missing-answer rule, the arithmetic, bands and the output table) against a
bare NumPy computation of the same scores on the same data, in the same process, best of
several runs. Peak memory is each path's growth of the peak resident set size, measured in
a fresh child process so one path's allocations cannot hide another's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
from rich.console import Console
from rich.table import Table

from painpath.core.instruments import get
from painpath.core.instruments.eq5d5l import DIMENSIONS, decrement_table

ROWS = 1_000_000
REPEATS = 5


def make_frame(case: str, rows: int, seed: int = 20261125) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    if case == "eq5d5l":
        data = {d: rng.integers(1, 6, rows) for d in DIMENSIONS}
        return pl.DataFrame(data)
    values = rng.integers(0, 6, (rows, 10)).astype(float)
    # One section unanswered in 5 % of responses, as in clinical ODI data.
    holes = rng.random(rows) < 0.05
    values[holes, rng.integers(0, 10, int(holes.sum()))] = np.nan
    return pl.DataFrame({f"odi{i + 1}": values[:, i] for i in range(10)}).fill_nan(None)


def numpy_baseline(case: str, frame: pl.DataFrame) -> Callable[[], np.ndarray[Any, Any]]:
    if case == "eq5d5l":
        table = decrement_table("dk")
        levels = [frame.get_column(d).to_numpy() for d in DIMENSIONS]

        def eq5d() -> np.ndarray[Any, Any]:
            total = table[0, levels[0]].copy()
            for d in range(1, 5):
                total += table[d, levels[d]]
            return (1000 - total) / 1000.0

        return eq5d
    x = frame.to_numpy().astype(float)

    def odi() -> np.ndarray[Any, Any]:
        answered = ~np.isnan(x)
        return np.nansum(x, axis=1) * 100.0 / (5.0 * answered.sum(axis=1))

    return odi


def best_of(function: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def peak_memory_mb(case: str, path: str, rows: int) -> float:
    """Growth of peak RSS while running one path once, in a fresh interpreter.

    Linux resets the peak (VmHWM) to the current RSS when 5 is written to clear_refs, so the
    figure excludes building the input table.
    """
    code = (
        "import json\n"
        "def rss(key):\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith(key): return int(line.split()[1]) / 1024\n"
        "from benchmarks.scoring import make_frame, numpy_baseline\n"
        "from painpath.core.instruments import get\n"
        f"frame = make_frame({case!r}, {rows})\n"
        f"fn = numpy_baseline({case!r}, frame) if {path!r} == 'numpy' "
        f"else (lambda: get({case!r}).score_frame(frame))\n"
        "fn()\n"
        "open('/proc/self/clear_refs', 'w').write('5')\n"
        "before = rss('VmRSS')\n"
        "fn()\n"
        "print(json.dumps(rss('VmHWM') - before))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return float(json.loads(out.strip().splitlines()[-1]))


def run(rows: int = ROWS) -> list[dict[str, Any]]:
    results = []
    for case in ("eq5d5l", "odi"):
        frame = make_frame(case, rows)
        scorer = get(case)
        baseline = numpy_baseline(case, frame)
        ours = scorer.score_frame(frame)["score"].to_numpy()
        reference = baseline()
        # Equal where painpath scored (rows it refused carry an error instead of a score).
        scored = ~np.isnan(ours)
        assert np.array_equal(ours[scored], reference[scored]), case
        t_numpy = best_of(baseline)
        t_ours = best_of(lambda scorer=scorer, frame=frame: scorer.score_frame(frame))
        results.append(
            {
                "case": case,
                "rows": rows,
                "painpath_s": t_ours,
                "numpy_s": t_numpy,
                "painpath_rows_per_s": rows / t_ours,
                "numpy_rows_per_s": rows / t_numpy,
                "ratio": t_ours / t_numpy,
                "painpath_peak_mb": peak_memory_mb(case, "painpath", rows),
                "numpy_peak_mb": peak_memory_mb(case, "numpy", rows),
            }
        )
    return results


def main() -> None:
    console = Console()
    with console.status("scoring 1,000,000 rows per instrument…"):
        results = run()
    table = Table(title=f"Vectorised scoring, {ROWS:,} rows, best of {REPEATS}")
    for column in ("instrument", "painpath rows/s", "NumPy rows/s", "ratio", "peak MB (pp / np)"):
        table.add_column(column, justify="right")
    for r in results:
        table.add_row(
            r["case"],
            f"{r['painpath_rows_per_s']:,.0f}",
            f"{r['numpy_rows_per_s']:,.0f}",
            f"{r['ratio']:.2f}×",
            f"{r['painpath_peak_mb']:.0f} / {r['numpy_peak_mb']:.0f}",
        )
    console.print(table)
    console.print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
