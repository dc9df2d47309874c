"""Benchmark: how long the ``painpath`` command takes to start, cold.

Each run is a fresh ``python`` process that imports ``painpath.cli`` and runs one command,
as the installed ``painpath`` script does: ``painpath score --list`` and ``painpath score
nrs`` with one JSON line on standard input. The baseline, in the same run, is a Typer app
with one empty command, started the same way. The three are run in turn, so that a busy
moment on the machine falls on all of them; the median and the fastest run of each are
reported, and each command's ratio to the baseline (the aim is below 2×).

    python -m benchmarks.cli_startup [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Any

REPEATS = 15

# What the installed `painpath` script runs (see [project.scripts] in pyproject.toml).
PAINPATH = "import sys; from painpath.cli import app; sys.argv[0] = 'painpath'; app()"
BASELINE = """
import sys, typer
app = typer.Typer()
@app.command()
def main() -> None:
    '''Do nothing.'''
sys.argv[0] = 'baseline'; app()
"""
NRS_LINE = json.dumps({"id": "r1", "answers": {"nrs": 4}}) + "\n"

CASES: dict[str, tuple[list[str], str]] = {
    "baseline": ([sys.executable, "-c", BASELINE], ""),
    "painpath score --list": ([sys.executable, "-c", PAINPATH, "score", "--list"], ""),
    "painpath score nrs": ([sys.executable, "-c", PAINPATH, "score", "nrs"], NRS_LINE),
}


def _run_once(command: list[str], stdin: str) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, input=stdin, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise AssertionError(f"{command[3:]} exited {done.returncode}: {done.stderr}")
    return elapsed


def main(repeats: int = REPEATS) -> dict[str, Any]:
    for command, stdin in CASES.values():  # warm the file cache; not timed
        _run_once(command, stdin)
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(repeats):
        for name, (command, stdin) in CASES.items():
            times[name].append(_run_once(command, stdin))
    base = statistics.median(times["baseline"])
    result = {
        name: {
            "median_s": statistics.median(runs),
            "min_s": min(runs),
            "ratio_median": statistics.median(runs) / base,
            "ratio_min": min(runs) / min(times["baseline"]),
        }
        for name, runs in times.items()
    }
    print(f"cli_startup: cold start in a fresh process, {repeats} runs each")
    for name, figures in result.items():
        print(
            f"  {name:<22} median {figures['median_s'] * 1000:4.0f} ms, "
            f"min {figures['min_s'] * 1000:4.0f} ms, "
            f"{figures['ratio_median']:.1f}× the baseline (min: {figures['ratio_min']:.1f}×)"
        )
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=REPEATS)
    main(parser.parse_args().repeats)
