"""``painpath score``: questionnaire responses in, scores out, one JSON object per line.

A row that cannot be scored gets ``"score": null`` and an ``"error"``; an unusable
invocation (unknown instrument, unreadable file, a line that is not JSON) exits with code 2
and prints no rows. This is the command people run in loops, so it imports only the
instruments (tests/cli/test_startup.py keeps Ibis, SciPy and DuckDB out).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from painpath.cli.streams import fail, print_table, read_json_lines, write_output
from painpath.core.errors import PainpathError, ScoringError

if TYPE_CHECKING:
    from painpath.core.instruments import Instrument


def list_instruments() -> None:
    from rich.table import Table

    from painpath.core.instruments import REGISTRY

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
    print_table(table)


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
    from painpath.core.instruments import get

    try:
        scorer = get(instrument, **options)
    except PainpathError as error:
        fail(str(error))

    records = read_json_lines(input, example='{"id": ..., "answers": {...}}')
    lines = [json.dumps(score_record(scorer, number, record)) for number, record in records]
    write_output(output, "".join(line + "\n" for line in lines))


def score_record(scorer: Instrument, number: int, record: dict[str, Any]) -> dict[str, Any]:
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


def register(app: typer.Typer) -> None:
    """Add ``score`` to the ``painpath`` command."""
    app.command("score")(score)
