"""The ``painpath`` command: scoring, and (as they arrive) classifying, import/export, reports.

Every command reads and writes plain files or standard streams so that it composes with
other tools; usage errors exit with code 2 and a message that names the line or option.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from painpath import __version__
from painpath.cli_analytics import register as register_analytics
from painpath.cli_common import fail
from painpath.cli_questionnaires import register as register_questionnaires
from painpath.cli_rules import register as register_rules
from painpath.core.errors import PainpathError, ScoringError
from painpath.core.instruments import REGISTRY, get

app = typer.Typer(
    name="painpath",
    help="painpath: clinical pathway and outcomes registry for chronic musculoskeletal pain.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    add_completion=False,
)


@contextmanager
def open_input(path: Path | None) -> Iterator[IO[str]]:
    if path is None:
        yield sys.stdin
        return
    try:
        with path.open(encoding="utf-8") as handle:
            yield handle
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror or error}")


def write_output(path: Path | None, lines: list[str]) -> None:
    text = "".join(line + "\n" for line in lines)
    if path is None:
        sys.stdout.write(text)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        fail(f"cannot write {path}: {error.strerror or error}")


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"painpath {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=version_callback, is_eager=True, help="Show version."),
    ] = False,
) -> None:
    """painpath: clinical pathway and outcomes registry for chronic musculoskeletal pain."""


def list_instruments() -> None:
    table = Table(title="Instruments painpath scores")
    for column in ("code", "instrument", "items", "score", "missing rule", "source"):
        table.add_column(column, overflow="fold")
    for code, cls in REGISTRY.items():
        items = cls.items
        table.add_row(
            code,
            f"{cls.title} {cls.version}",
            f"{items[0].code}…{items[-1].code}" if len(items) > 1 else items[0].code,
            f"{cls.score_range[0]:g}–{cls.score_range[1]:g} {cls.score_unit}",
            f"≤ {cls.max_missing} missing ({cls.missing_rule})",
            cls.source,
        )
    Console().print(table)


def parse_lines(handle: IO[str]) -> list[tuple[int, Any]]:
    """Parse every line before scoring any, so an unusable input prints nothing."""
    parsed: list[tuple[int, Any]] = []
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            fail(f"line {number}: not JSON ({error.msg} at column {error.colno})")
        if not isinstance(record, dict):
            fail(f'line {number}: expected a JSON object like {{"id": ..., "answers": {{...}}}}')
        parsed.append((number, record))
    return parsed


@app.command()
def score(
    instrument: Annotated[
        str | None, typer.Argument(help="Instrument code, e.g. odi (see --list).")
    ] = None,
    value_set: Annotated[
        str | None,
        typer.Option("--value-set", help="EQ-5D-5L value set: dk (default), england, us."),
    ] = None,
    max_missing: Annotated[
        int | None,
        typer.Option(help="Override the missing-answer limit where the manual allows a choice."),
    ] = None,
    input: Annotated[
        Path | None, typer.Option("--input", "-i", help="JSON Lines file (default: stdin).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="JSON Lines file (default: stdout).")
    ] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the instruments and exit.")] = False,
) -> None:
    """Score questionnaire responses, one JSON object per line.

    Input lines look like {"id": "r1", "answers": {"odi1": 2, "odi2": null}}; each output line
    gives id, score, subscales, band, n_answered and error (null when scored).
    """
    if list_:
        list_instruments()
        return
    if instrument is None:
        fail("name an instrument, e.g. `painpath score odi`, or list them with --list")
    options: dict[str, Any] = {}
    if value_set is not None:
        if instrument != "eq5d5l":
            fail(f"--value-set applies to eq5d5l only, not {instrument}")
        options["value_set"] = value_set
    if max_missing is not None:
        options["max_missing"] = max_missing
    try:
        scorer = get(instrument, **options)
    except PainpathError as error:
        fail(str(error))

    with open_input(input) as handle:
        records = parse_lines(handle)

    lines = [json.dumps(score_record(scorer, number, record)) for number, record in records]
    write_output(output, lines)


def score_record(scorer: Any, number: int, record: dict[str, Any]) -> dict[str, Any]:
    answers = record.get("answers")
    result: dict[str, Any] = {
        "id": record.get("id"),
        "score": None,
        "subscales": {},
        "band": None,
        "n_answered": 0,
        "error": None,
    }
    if not isinstance(answers, dict):
        result["error"] = f"line {number}: 'answers' must be an object of answer codes"
        return result
    result["n_answered"] = sum(value is not None for value in answers.values())
    try:
        scored = scorer.score(answers)
    except ScoringError as error:
        result["error"] = str(error)
        return result
    result.update(scored.as_dict())
    return result


# Command groups live in their own modules; registered last so `--help` lists scoring first.
register_rules(app)
register_questionnaires(app)
register_analytics(app)

if __name__ == "__main__":  # pragma: no cover
    app()
