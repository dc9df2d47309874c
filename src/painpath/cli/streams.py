"""What every ``painpath`` command reads and writes, and the one way it gives up.

Inputs are read completely before anything is written, so an unusable input leaves no half
output; every usage error is one line on standard error and exit code 2 (:func:`fail`).
Rich and Polars are imported only by the helpers that need them.
"""

from __future__ import annotations

import itertools
import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, NoReturn, cast

import typer
from typer import Abort
from typer._click.exceptions import ClickException  # Typer 0.29 vendors Click
from typer.core import TyperGroup

if TYPE_CHECKING:
    import polars as pl
    from rich.console import Console
    from rich.table import Table

USAGE_ERROR = 2

# Sane limits on what a command reads, so that a wrong file (``/dev/zero``, a disk image) is
# refused quickly instead of filling the memory: one JSON Lines line, one JSON document,
# JSON Lines in all, and nesting (no painpath document is deeper than about ten levels).
MAX_LINE_BYTES = 1_000_000
MAX_DOCUMENT_BYTES = 16_000_000
MAX_LINES_BYTES = 256_000_000
MAX_DEPTH = 64
MAX_MESSAGE = 1_000
ECHO = 80


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True)


def shorten(text: object, width: int = ECHO) -> str:
    """``text`` (its ``str``) on one line, cut to ``width`` characters with an ellipsis: how
    a message echoes what it was given, which may be a whole file."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def one_line(message: str) -> str:
    """``message`` as the one line a usage error prints (at most :data:`MAX_MESSAGE`)."""
    return shorten(message, MAX_MESSAGE)


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on one line of standard error and exit with code 2."""
    _error_line(message)
    raise typer.Exit(USAGE_ERROR)


def warn(message: str) -> None:
    """Print ``warning: message`` on one line of standard error; the command goes on."""
    from rich.markup import escape

    # The message quotes what the user gave (a path, a value): never read as Rich markup.
    line = escape(one_line(message))
    _stderr().print(f"[yellow]warning:[/] {line}", highlight=False, soft_wrap=True)


class OneLineErrors(TyperGroup):
    """The ``painpath`` group: a usage error found by Typer itself (an unknown option, a value
    out of an option's range) is one line on standard error too, with where to find help,
    exit code 2 — not Typer's framed panel."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except ClickException as error:
            if type(error).__name__ != "NoArgsIsHelpError":  # its help is printed already
                ctx = getattr(error, "ctx", None)
                where = f" (see '{ctx.command_path} --help')" if ctx is not None else ""
                _error_line(f"{error.format_message()}{where}")
            sys.exit(error.exit_code)
        except Abort:
            _error_line("aborted")
            sys.exit(1)
        # Without standalone mode Typer returns the code of typer.Exit, or the command's
        # return value (None for every painpath command).
        sys.exit(code if isinstance(code, int) else 0)


def _error_line(message: str) -> None:
    from rich.markup import escape

    line = escape(one_line(message))
    _stderr().print(f"[bold red]error:[/] {line}", highlight=False, soft_wrap=True)


def _size(limit: int) -> str:
    return f"{limit / 1_000_000:g} MB"


class _NotFinite(ValueError):
    """NaN, Infinity or a number too large for a float: valid in Python, not in JSON."""


def _no_constant(name: str) -> Any:
    raise _NotFinite(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _NotFinite(f"{shorten(text, 20)} is too large for a number")
    return number


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (a scalar is 0; counted up to one past
    :data:`MAX_DEPTH`), level by level, without recursion."""
    depth, level = 0, [value]
    while depth <= MAX_DEPTH:
        level = [node for node in level if isinstance(node, dict | list)]
        if not level:
            break
        depth += 1
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
    return depth


def parse_json(text: str, where: str) -> Any:
    """``text`` as strict JSON (RFC 8259: no NaN or Infinity, at most :data:`MAX_DEPTH`
    levels deep); on anything else exit 2 with a message that starts with ``where``."""
    try:
        value = json.loads(text, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError as error:
        fail(f"{where}: not JSON ({error.msg} at line {error.lineno}, column {error.colno})")
    except _NotFinite as error:
        fail(f"{where}: {error}; a score or a value must be a finite number")
    except RecursionError:
        fail(f"{where}: JSON nested deeper than {MAX_DEPTH} levels")
    except ValueError as error:  # an integer of more than 4300 digits
        fail(f"{where}: not JSON ({shorten(error)})")
    if _depth(value) > MAX_DEPTH:
        fail(f"{where}: JSON nested deeper than {MAX_DEPTH} levels")
    return value


def _decode(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        byte = data[error.start]
        fail(f"{where}: not UTF-8 text (byte 0x{byte:02x} at offset {error.start})")


def _open(path: Path) -> BinaryIO:
    try:
        return path.open("rb")
    except (OSError, ValueError) as error:  # ValueError: a NUL byte in the name
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        fail(f"cannot read {shorten(path)}: {reason}")


def _stdin() -> BinaryIO:
    return cast(BinaryIO, getattr(sys.stdin, "buffer", sys.stdin))


def read_json_lines(path: Path | None, *, example: str) -> list[tuple[int, dict[str, Any]]]:
    """Every non-blank line of ``path`` (standard input if None) as a JSON object, with its
    line number; ``example`` shows the expected object in the message for any other value.
    Each line is UTF-8 of at most :data:`MAX_LINE_BYTES`, the whole at most
    :data:`MAX_LINES_BYTES`."""
    if path is None:
        return _parse_lines(_stdin(), "", example)
    with _open(path) as handle:
        return _parse_lines(handle, f"{shorten(path)}: ", example)


def _parse_lines(handle: BinaryIO, prefix: str, example: str) -> list[tuple[int, dict[str, Any]]]:
    parsed: list[tuple[int, dict[str, Any]]] = []
    total = 0
    for number in itertools.count(1):
        where = f"{prefix}line {number}"
        try:
            data = handle.readline(MAX_LINE_BYTES + 1)
        except OSError as error:
            fail(f"{where}: cannot read: {error.strerror or error}")
        if not data:
            return parsed
        if len(data) > MAX_LINE_BYTES:
            fail(f"{where}: longer than {_size(MAX_LINE_BYTES)}; one JSON object per line")
        total += len(data)
        if total > MAX_LINES_BYTES:
            fail(f"{where}: the input passes {_size(MAX_LINES_BYTES)}; split it into parts")
        line = _decode(data, where)
        if not line.strip():
            continue
        record = parse_json(line, where)
        if not isinstance(record, dict):
            fail(f"{where}: expected a JSON object like {example}")
        parsed.append((number, record))
    raise AssertionError("unreachable")  # pragma: no cover


def read_text(path: Path, *, limit: int = MAX_DOCUMENT_BYTES) -> str:
    """The UTF-8 text of ``path`` (``-`` for standard input), at most ``limit`` bytes."""
    where = shorten(path)
    handle = _stdin() if str(path) == "-" else _open(path)
    try:
        data = handle.read(limit + 1)
    except OSError as error:
        fail(f"cannot read {where}: {error.strerror or error}")
    finally:
        if handle is not _stdin():
            handle.close()
    if len(data) > limit:
        fail(f"{where}: larger than {_size(limit)}")
    return _decode(data, where)


def read_json(path: Path) -> Any:
    """One JSON document from ``path`` (``-`` for standard input), UTF-8, at most
    :data:`MAX_DOCUMENT_BYTES`."""
    return parse_json(read_text(path), shorten(path))


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
