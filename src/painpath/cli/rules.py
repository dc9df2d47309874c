"""``painpath classify`` and ``painpath rulesets``: the rule engine on the command line.

Output is built completely before anything is printed, so an error never leaves half a
document on standard output; usage errors and invalid episodes exit with code 2. The rule
engine (FHIRPath, JSON Schema, YAML) is imported by each command, not by ``painpath``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from painpath.cli.streams import (
    fail,
    print_table,
    read_json,
    read_text,
    shorten,
    write_output,
)
from painpath.core.errors import PainpathError

if TYPE_CHECKING:
    from painpath.core.rules import AxisResult, Classification, RuleSet

TEST_FAILED = 1
# --as-of is the date of a consultation: durations are counted up to it and back from it,
# which the calendar cannot do near its ends (year 1 and 9999).
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)
SHOWN_PROBLEMS = 10
MAX_RULESET_BYTES = 1_000_000  # the largest shipped rule set is 19 kB


def _as_of(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        fail(f"--as-of {shorten(repr(text))} is not a date (YYYY-MM-DD)")
    if not EARLIEST <= date <= LATEST:
        fail(f"--as-of {text}: give a date from {EARLIEST} to {LATEST}")
    return date


def _select(ids: list[str] | None) -> list[RuleSet]:
    from painpath.core.rules import builtin_rulesets

    available = builtin_rulesets()
    if not ids:
        return list(available.values())
    unknown = [i for i in ids if i not in available]
    if unknown:
        fail(f"unknown rule set(s) {', '.join(unknown)}; known: {', '.join(available)}")
    return [available[i] for i in ids]


def _text(result: Classification, notes: dict[str, list[str]] | None = None) -> str:
    """``notes``: extra lines per axis (the procedure's bleeding risk under readiness)."""
    lines = [f"as of {result.as_of.isoformat()}"]
    if result.urgent:
        lines.append(_urgent_banner(result))
    for axis in result.axes:
        lines.append("")
        lines.append(f"{axis.axis}: {axis.result} — {axis.label}")
        lines.append(f"  rule set {axis.ruleset} {axis.version} ({axis.title})")
        lines.extend(f"  {note}" for note in (notes or {}).get(axis.axis, ()))
        if axis.fired:
            lines.append(f"  fired: {', '.join(axis.fired)}")
        lines.extend(f"  because: {note}" for note in _reasons(axis))
        lines.extend(f"  - {finding}" for finding in _graded_findings(axis))
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


def _reasons(axis: AxisResult) -> list[str]:
    """Why a first-match result was chosen: the notes of the rules that gave it (a step, a
    code left to the clinician). Collected results say it in their findings instead."""
    if axis.findings:
        return []
    return [step.note for step in axis.trace if step.outcome == "fired" and step.note]


def _urgent_banner(result: Classification) -> str:
    """The first line after the date: the red flags' grade when they are graded."""
    grade = next((a.result for a in result.axes if a.urgent and a.grades), None)
    if grade is None:
        return "!!! URGENT: red flag(s) — review before any other step !!!"
    when = {"emergency": "same day", "urgent": "within days"}.get(grade, "")
    return f"!!! {grade.upper()} ({when}): red flag(s) — review before any other step !!!"


def _graded_findings(axis: AxisResult) -> list[str]:
    """Findings, each after its grade (``[emergency] …``) when the rule set grades them."""
    if not axis.grades:
        return list(axis.findings)
    grades = [step.result for step in axis.trace if step.outcome == "fired"]
    return [f"[{grade}] {finding}" for grade, finding in zip(grades, axis.findings, strict=False)]


def _blood_thinner_notes(episode: dict[str, object], date: dt.date) -> dict[str, list[str]]:
    """The procedure's bleeding-risk class and, per blood thinner, what the pause table says
    and what the doctor decided — shown under the readiness axis."""
    from painpath.core.rules import derive

    doc = derive(episode, date)
    if not doc.get("procedure_planned"):
        return {}
    risk = doc.get("procedure_bleeding_risk", "not classified — the doctor decides")
    lines = [f"bleeding risk of the procedure: {risk}"]
    lines += [
        f"blood thinner: {advice}" for advice in doc.get("anticoagulant_guideline_advice", ())
    ]
    lines += [f"decided: {decision}" for decision in doc.get("anticoagulant_decisions", ())]
    lines += [
        f"possible blood thinner — confirm: {t}" for t in doc.get("anticoagulants_to_confirm", ())
    ]
    return {"readiness": lines}


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


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
    from painpath.core.rules import InvalidEpisode, classify, episode_schema, validate_episode

    if schema:
        write_output(None, _json(episode_schema()))
        return
    if output_format not in ("json", "text"):
        fail(f"--format must be 'json' or 'text', not {output_format!r}")
    if input is None:
        fail("--input EPISODE.json is required (or --schema)")
    date = _as_of(as_of)
    chosen = _select(ruleset)
    episode = read_json(input)
    try:
        validate_episode(episode)
    except InvalidEpisode as error:
        problems = [f"{pointer or '/'}: {message}" for pointer, message in error.problems]
        more = len(problems) - SHOWN_PROBLEMS
        shown = "; ".join(problems[:SHOWN_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        fail(f"{input}: invalid episode: {shown}")
    try:
        result = classify(episode, as_of=date, rulesets=chosen)
    except PainpathError as error:
        fail(str(error))
    if output_format == "text":
        write_output(None, _text(result, _blood_thinner_notes(episode, date)))
    else:
        write_output(None, _json(result.as_dict()))


def list_rulesets() -> None:
    """List the shipped rule sets."""
    from rich.table import Table

    from painpath.core.rules import builtin_rulesets

    table = Table("id", "version", "axis", "title", "examples")
    for rs in builtin_rulesets().values():
        table.add_row(rs.id, rs.version, rs.axis, rs.title, str(len(rs.examples)))
    print_table(table, width=200)


def show_ruleset(ruleset_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Print one shipped rule set (sources, constants, results, rules) as JSON."""
    write_output(None, _json(_select([ruleset_id])[0].summary()))


def _load(file: Path) -> RuleSet:
    from painpath.core.rules import RuleSetError, load_ruleset_text

    text = read_text(file, limit=MAX_RULESET_BYTES)
    try:
        return load_ruleset_text(text, str(file))
    except RuleSetError as error:
        fail(str(error))
    except RecursionError:
        fail(f"{shorten(file)}: YAML nested too deeply to be a rule set")


def validate_ruleset(file: Annotated[Path, typer.Argument(metavar="FILE")]) -> None:
    """Check a rule set file; exit 2 with file, rule and line if it is rejected."""
    rs = _load(file)
    typer.echo(f"{file}: ok — {rs.id} {rs.version}, {len(rs.rules)} rules")


def test_ruleset(file: Annotated[Path, typer.Argument(metavar="FILE")]) -> None:
    """Run the examples a rule set file carries; exit 1 if any fails."""
    from painpath.core.rules import run_examples

    rs = _load(file)
    outcomes = run_examples(rs)
    failed = [o for o in outcomes if not o.passed]
    lines = [
        f"{'ok  ' if o.passed else 'FAIL'} {file}:{o.line} {o.name}"
        + ("" if o.passed else f" — {o.message}")
        for o in outcomes
    ]
    lines.append(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    write_output(None, "\n".join(lines) + "\n")
    if failed or not outcomes:
        raise typer.Exit(TEST_FAILED)


def register(app: typer.Typer) -> None:
    """Add ``classify`` and the ``rulesets`` group to the ``painpath`` command."""
    app.command("classify")(classify_command)
    rulesets = typer.Typer(help="List, show, validate and test rule sets.", no_args_is_help=True)
    rulesets.command("list")(list_rulesets)
    rulesets.command("show")(show_ruleset)
    rulesets.command("validate")(validate_ruleset)
    rulesets.command("test")(test_ruleset)
    app.add_typer(rulesets, name="rulesets")
