"""``painpath classify`` and ``painpath rulesets``: the rule engine on the command line.

Output is built completely before anything is printed, so an error never leaves half a
document on standard output; usage errors and invalid episodes exit with code 2.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from painpath.cli_common import USAGE_ERROR, err, fail
from painpath.core.errors import PainpathError
from painpath.core.rules import (
    Classification,
    InvalidEpisode,
    RuleSet,
    RuleSetError,
    builtin_rulesets,
    classify,
    episode_schema,
    load_ruleset,
    run_examples,
    validate_episode,
)

TEST_FAILED = 1


def _read_episode(path: Path) -> Any:
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror or error}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        fail(f"{path}: not JSON: {error.msg} at line {error.lineno}, column {error.colno}")


def _as_of(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--as-of {text!r} is not a date (YYYY-MM-DD)")


def _select(ids: list[str] | None) -> list[RuleSet]:
    available = builtin_rulesets()
    if not ids:
        return list(available.values())
    unknown = [i for i in ids if i not in available]
    if unknown:
        fail(f"unknown rule set(s) {', '.join(unknown)}; known: {', '.join(available)}")
    return [available[i] for i in ids]


def _text(result: Classification) -> str:
    lines = [f"as of {result.as_of.isoformat()}"]
    if result.urgent:
        lines.append("!!! URGENT: red flag(s) — review before any other step !!!")
    for axis in result.axes:
        lines.append("")
        lines.append(f"{axis.axis}: {axis.result} — {axis.label}")
        lines.append(f"  rule set {axis.ruleset} {axis.version} ({axis.title})")
        if axis.fired:
            lines.append(f"  fired: {', '.join(axis.fired)}")
        for finding in axis.findings:
            lines.append(f"  - {finding}")
        for name in axis.needs:
            lines.append(f"  unknown — needs {name}")
        if axis.options:
            lines.append("  options (for the clinician's decision, not a prescription):")
            lines.extend(f"    · {option}" for option in axis.options)
        for step in axis.trace:
            if step.outcome == "fired":
                reads = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in step.reads)
                lines.append(f"  why: {step.rule} (line {step.line}) read {reads}")
    return "\n".join(lines) + "\n"


def classify_command(
    input: Annotated[
        Path | None, typer.Option("--input", "-i", help="Episode JSON file ('-' for stdin).")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date for every duration (default: today).")
    ] = None,
    ruleset: Annotated[
        list[str] | None, typer.Option("--ruleset", "-r", help="Rule set id (repeatable).")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="json or text.")] = "json",
    schema: Annotated[
        bool, typer.Option("--schema", help="Print the episode JSON Schema and exit.")
    ] = False,
) -> None:
    """Classify one episode on every axis; print one JSON object (or text, red flags first)."""
    if schema:
        sys.stdout.write(json.dumps(episode_schema(), indent=2, ensure_ascii=False) + "\n")
        return
    if output_format not in ("json", "text"):
        fail(f"--format must be 'json' or 'text', not {output_format!r}")
    if input is None:
        fail("--input EPISODE.json is required (or --schema)")
    date = _as_of(as_of)
    chosen = _select(ruleset)
    episode = _read_episode(input)
    try:
        validate_episode(episode)
    except InvalidEpisode as error:
        for pointer, message in error.problems:
            err.print(f"{input}: {pointer or '/'}: {message}", highlight=False, markup=False)
        raise typer.Exit(USAGE_ERROR) from None
    try:
        result = classify(episode, as_of=date, rulesets=chosen)
    except PainpathError as error:
        fail(str(error))
    if output_format == "text":
        sys.stdout.write(_text(result))
    else:
        sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n")


rulesets_app = typer.Typer(help="List, show, validate and test rule sets.", no_args_is_help=True)


@rulesets_app.command("list")
def list_rulesets() -> None:
    """List the shipped rule sets."""
    table = Table("id", "version", "axis", "title", "examples")
    for rs in builtin_rulesets().values():
        table.add_row(rs.id, rs.version, rs.axis, rs.title, str(len(rs.examples)))
    Console(width=200).print(table)


@rulesets_app.command("show")
def show_ruleset(ruleset_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Print one shipped rule set (sources, constants, results, rules) as JSON."""
    rs = _select([ruleset_id])[0]
    sys.stdout.write(json.dumps(rs.summary(), ensure_ascii=False, indent=2) + "\n")


def _load(file: Path) -> RuleSet:
    try:
        return load_ruleset(file)
    except RuleSetError as error:
        fail(str(error))


@rulesets_app.command("validate")
def validate_ruleset(file: Annotated[Path, typer.Argument(metavar="FILE")]) -> None:
    """Check a rule set file; exit 2 with file, rule and line if it is rejected."""
    rs = _load(file)
    typer.echo(f"{file}: ok — {rs.id} {rs.version}, {len(rs.rules)} rules")


@rulesets_app.command("test")
def test_ruleset(file: Annotated[Path, typer.Argument(metavar="FILE")]) -> None:
    """Run the examples a rule set file carries; exit 1 if any fails."""
    rs = _load(file)
    outcomes = run_examples(rs)
    failed = [o for o in outcomes if not o.passed]
    lines = [
        f"{'ok  ' if o.passed else 'FAIL'} {file}:{o.line} {o.name}"
        + ("" if o.passed else f" — {o.message}")
        for o in outcomes
    ]
    lines.append(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    sys.stdout.write("\n".join(lines) + "\n")
    if failed or not outcomes:
        raise typer.Exit(TEST_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``classify`` and the ``rulesets`` group to the ``painpath`` command."""
    app.command("classify")(classify_command)
    app.add_typer(rulesets_app, name="rulesets")
