"""What every ``painpath`` command reads and writes, and the one way it gives up.

Inputs are read completely before anything is written, so an unusable input leaves no half
output; every usage error is one line on standard error and exit code 2 (:func:`fail`).
Rich and Polars are imported only by the helpers that need them.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console
    from rich.table import Table

USAGE_ERROR = 2


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on standard error and exit with the usage-error code 2."""
    _stderr().print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(USAGE_ERROR)


def fail_lines(lines: Iterable[str]) -> NoReturn:
    """Print each problem as it is (``file: /pointer: message``) and exit with code 2."""
    console = _stderr()
    for line in lines:
        console.print(line, highlight=False, markup=False)
    raise typer.Exit(USAGE_ERROR)


def read_json_lines(path: Path | None, *, example: str) -> list[tuple[int, dict[str, Any]]]:
    """Every non-blank line of ``path`` (standard input if None) as a JSON object, with its
    line number; ``example`` shows the expected object in the message for any other value."""
    if path is None:
        return _parse_lines(sys.stdin, example)
    try:
        with path.open(encoding="utf-8") as handle:
            return _parse_lines(handle, example)
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror or error}")


def _parse_lines(handle: IO[str], example: str) -> list[tuple[int, dict[str, Any]]]:
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            fail(f"line {number}: not JSON ({error.msg} at column {error.colno})")
        if not isinstance(record, dict):
            fail(f"line {number}: expected a JSON object like {example}")
        parsed.append((number, record))
    return parsed


def read_json(path: Path) -> Any:
    """One JSON document from ``path`` (``-`` for standard input)."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror or error}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        fail(f"{path}: not JSON: {error.msg} at line {error.lineno}, column {error.colno}")


def read_table(path: Path) -> pl.DataFrame:
    """A table from a .csv, .parquet or .jsonl/.ndjson file."""
    import polars as pl

    if not path.exists():
        fail(f"cannot read {path}: no such file or directory")
    try:
        if path.suffix == ".parquet":
            return pl.read_parquet(path)
        if path.suffix in (".jsonl", ".ndjson"):
            return pl.read_ndjson(path)
        if path.suffix == ".csv":
            return pl.read_csv(path, infer_schema_length=10_000)
    except (pl.exceptions.PolarsError, OSError) as error:
        fail(f"cannot read {path}: {error}")
    fail(f"{path}: use .csv, .parquet or .jsonl")


def write_output(output: Path | None, data: str | bytes) -> None:
    """Write ``data`` to the file ``output``, or (as text) to standard output if None."""
    if output is None:
        sys.stdout.write(data if isinstance(data, str) else data.decode("utf-8"))
        return
    try:
        if isinstance(data, str):
            output.write_text(data, encoding="utf-8")
        else:
            output.write_bytes(data)
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror or error}")


def print_table(table: Table, *, width: int | None = None) -> None:
    """Print a Rich table on standard output (``width`` fixes it for lists meant to be read
    whole, wherever they are printed)."""
    from rich.console import Console

    Console(width=width).print(table)
