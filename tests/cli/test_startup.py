"""`painpath score` starts without the heavy libraries the other commands need.

Each case runs the command in a fresh interpreter, as the installed script does, and lists
which of the heavy modules it imported: Ibis, DuckDB and SciPy cost about a second before
the first line is scored (STYLE.md, habit 19).
"""

import json
import subprocess
import sys

import pytest

HEAVY = (
    "ibis",
    "duckdb",
    "scipy",
    "fhir.resources",
    "fhirpathpy",
    "django",
    "weasyprint",
    "painpath.analytics",
    "painpath.core.analytics",
    "painpath.core.questionnaires",
    "painpath.core.rules",
)

RUN = """
import json, sys
from painpath.cli import app
sys.argv = ["painpath", *sys.argv[1:]]
try:
    app()
finally:
    heavy = [name for name in {heavy!r} if name in sys.modules]
    sys.stderr.write("HEAVY=" + json.dumps(heavy) + "\\n")
"""


def heavy_modules_after(args: list[str], stdin: str = "") -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", RUN.format(heavy=HEAVY), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stderr.splitlines() if line.startswith("HEAVY=")]
    return list(json.loads(line.removeprefix("HEAVY=")))


@pytest.mark.parametrize(
    ("args", "stdin"),
    [
        (["score", "--list"], ""),
        (["score", "nrs"], '{"id": "r1", "answers": {"nrs": 4}}\n'),
        (["--help"], ""),
    ],
)
def test_scoring_and_help_import_none_of_the_heavy_modules(args: list[str], stdin: str) -> None:
    assert heavy_modules_after(args, stdin) == []
