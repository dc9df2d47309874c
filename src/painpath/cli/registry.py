"""``painpath registry``: taking part in a multi-clinic registry from files (issue 16).

- ``aggregate``: a site that may not share patient-level data writes its outcome table's
  sufficient statistics under the registry's k (:mod:`painpath.core.registry.aggregate`);
- ``combine``: the registry combines sites' contributions, and optionally pooled
  patient-level data, into the outcome table (medians and quartiles from pooled data only);
- ``dictionary``: the data dictionary of the extract (:mod:`painpath.core.registry.dictionary`).

The commands the registry's server adds (Django-backed) live in ``registry_server``, added to
this group when that module exists. Polars, Ibis, DuckDB and SciPy are imported by the
commands only, when they run.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from painpath import __version__
from painpath.cli.streams import fail, print_table, read_json, warn, write_output

if TYPE_CHECKING:
    from painpath.core.registry.aggregate import CombinedRow, CombinedTable

group = typer.Typer(
    name="registry",
    help="Take part in a multi-clinic registry: aggregate-only statistics, combining, "
    "the data dictionary.",
    no_args_is_help=True,
)

COMBINE_FORMATS = ("json", "csv", "table")


def _split(text: str | None, option: str) -> list[str]:
    names = [part.strip() for part in (text or "").split(",") if part.strip()]
    if text is not None and not names:
        fail(f"{option}: give column names, comma-separated")
    return names


def _timepoints(text: str) -> list[int]:
    points = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        if not part.isdigit() or int(part) == 0:
            fail(f"--timepoints {text!r}: {part!r} is not a positive number of whole months")
        points.append(int(part))
    if not points:
        fail("--timepoints: give follow-up months, comma-separated, e.g. 3,6,12")
    return points


def _scores(source: Path, patients: Path | None) -> Any:
    """The scores as ``painpath report`` reads and checks them (a refusal exits 2 naming the
    file and line)."""
    from painpath.cli.report import _inputs

    frame, notes = _inputs(source, patients)
    for note in notes:
        warn(note)
    return frame


def aggregate(
    input: Annotated[
        Path,
        typer.Option("--input", "-i", help="Scores (.csv/.parquet/.jsonl) or an extract dir."),
    ],
    site: Annotated[str, typer.Option("--site", help="This site's code in the registry.")],
    k: Annotated[
        int, typer.Option("--k", min=2, help="The registry's minimum number of patients.")
    ],
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    patients: Annotated[
        Path | None, typer.Option("--patients", help="Patients table to join (optional).")
    ] = None,
    strata: Annotated[
        str | None,
        typer.Option("--strata", help="Cohort columns the registry asks for: COL,COL (banded)."),
    ] = None,
    registry: Annotated[str | None, typer.Option("--registry", help="The registry's code.")] = None,
    timepoints: Annotated[
        str, typer.Option("--timepoints", help="Follow-up months, comma-separated.")
    ] = "3,6,12,24",
    instrument: Annotated[
        list[str] | None, typer.Option("--instrument", help="Instrument(s); default: all.")
    ] = None,
) -> None:
    """Write this site's non-disclosive sufficient statistics (JSON) for the registry."""
    from painpath.core.registry.aggregate import (
        ContributionError,
        contribution_document,
    )
    from painpath.core.registry.aggregate import (
        aggregate as build,
    )

    points = _timepoints(timepoints)
    columns = _split(strata, "--strata")
    frame = _scores(input, patients)
    try:
        contribution = build(
            frame,
            site=site,
            k=k,
            strata=columns,
            registry=registry,
            instruments=instrument,
            timepoints=points,
        )
    except ContributionError as error:
        fail(f"{input}: {error}")
    document = contribution_document(contribution, __version__)
    write_output(output, json.dumps(document, indent=1) + "\n")
    if contribution.withheld_cells:
        warn(
            f"{len(contribution.withheld_cells)} cell(s) about fewer than {k} patients (or "
            "complementary to one) left out; listed under withheld_cells"
        )


def combine(
    contributions: Annotated[
        list[Path] | None, typer.Argument(help="Contribution files (painpath registry aggregate).")
    ] = None,
    pooled: Annotated[
        Path | None,
        typer.Option("--pooled", help="Pooled patient-level scores (file or extract dir)."),
    ] = None,
    patients: Annotated[
        Path | None, typer.Option("--patients", help="Patients table for --pooled.")
    ] = None,
    k: Annotated[
        int | None,
        typer.Option(
            "--k", min=2, help="k for the pooled data (default: the contributions' largest)."
        ),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="json|csv|table")] = "json",
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """Combine sites' contributions (and pooled data) into the outcome table."""
    from painpath.core.registry.aggregate import (
        ContributionError,
        parse_contribution,
    )
    from painpath.core.registry.aggregate import (
        combine as combine_all,
    )

    if output_format not in COMBINE_FORMATS:
        fail(f"--format must be one of {', '.join(COMBINE_FORMATS)}, not {output_format!r}")
    if not contributions and pooled is None:
        fail("give contribution files, --pooled scores, or both")
    parts = []
    for path in contributions or []:
        try:
            parts.append(parse_contribution(read_json(path), str(path)))
        except ContributionError as error:
            fail(str(error))
    frame = _scores(pooled, patients) if pooled is not None else None
    if k is None:
        k = max((part.k for part in parts if part.k is not None), default=None)
        if frame is not None and k is None:
            fail("--pooled without contributions: give --k, the registry's minimum")
    try:
        table = combine_all(parts, frame, k=k)
    except ContributionError as error:
        fail(str(error))
    if output_format == "json":
        write_output(output, json.dumps(combined_document(table), indent=1) + "\n")
    elif output_format == "csv":
        write_output(output, _csv(table))
    else:
        if output is not None:
            fail("--format table prints to the terminal; use json or csv with --output")
        print_table(_rich(table), width=140)


def _withheld(n: int | None) -> int | None:
    return None if n is None or n < 0 else n


def _row_json(row: CombinedRow) -> dict[str, Any]:
    from painpath.core.registry.aggregate import NOT_COMBINABLE

    data = row.outcome.as_dict()
    for name in NOT_COMBINABLE:
        del data[name]
    data["withheld"] = row.outcome.n_baseline < 0
    data["n_baseline"] = _withheld(row.outcome.n_baseline)
    data["n_followed"] = _withheld(row.outcome.n_followed)
    for share in data["responders"]:
        share["withheld"] = share["responders"] < 0
        share["responders"] = _withheld(share["responders"])
    return {
        "stratum_column": row.stratum_column,
        "stratum": row.stratum,
        **data,
        "sites": list(row.sites),
        "withheld_by": list(row.withheld_by),
        "partial": {name: dict(value) for name, value in row.partial.items()},
        "pooled_only": dict(row.pooled_only) if row.pooled_only is not None else None,
    }


def combined_document(table: CombinedTable) -> dict[str, Any]:
    """The combined outcome table as JSON (shape in docs/registry.md)."""
    from painpath.core.analytics import responder_definitions
    from painpath.core.registry.aggregate import (
        COMBINED_FORMAT,
        NOT_COMBINABLE,
        NOT_COMBINABLE_NOTE,
    )

    return {
        "format": COMBINED_FORMAT,
        "painpath_version": __version__,
        "registry": table.registry,
        "sites": [dict(site) for site in table.sites],
        "disclosure": {"k": table.k},
        "timepoints": list(table.timepoints),
        "definitions": [
            {"id": d.id, "label": d.label, "source": d.source}
            for d in table.definitions or responder_definitions()
        ],
        "not_combinable": {
            "figures": list(NOT_COMBINABLE),
            "shown_as": "pooled sites only",
            "note": NOT_COMBINABLE_NOTE,
        },
        "rows": [_row_json(row) for row in table.rows],
    }


def _csv(table: CombinedTable) -> str:
    """One line per row; responder shares as columns ``<definition>_<figure>``; the pooled-only
    medians and quartiles as ``pooled_only_<figure>``."""
    records = []
    for row in table.rows:
        data = _row_json(row)
        flat = {
            key: value
            for key, value in data.items()
            if key not in ("responders", "change_ci", "partial", "pooled_only", "sites")
        }
        flat["withheld_by"] = ";".join(row.withheld_by)
        flat["sites"] = ";".join(row.sites)
        flat["partial"] = ";".join(row.partial)
        low, high = row.outcome.change_ci or (None, None)
        flat |= {"change_ci_low": low, "change_ci_high": high}
        for share in data["responders"]:
            for field in ("responders", "complete_case", "missing_as_failure"):
                flat[f"{share['definition']}_{field}"] = share[field]
        for name, value in (row.pooled_only or {}).items():
            if name != "sites":
                flat[f"pooled_only_{name}"] = value
        records.append(flat)
    import polars as pl

    return pl.from_dicts(records, infer_schema_length=None).write_csv()


def _rich(table: CombinedTable) -> Any:
    from rich.table import Table

    out = Table(title=f"Combined outcome table ({len(table.sites)} sites)")
    for name in ("stratum", "instrument", "wording", "month", "n base", "n fu", "change (95 % CI)"):
        out.add_column(name)
    out.add_column("sites")
    for row in table.rows:
        r = row.outcome
        change = "–"
        if r.change_mean is not None:
            ci = f" ({r.change_ci[0]:.2f} to {r.change_ci[1]:.2f})" if r.change_ci else ""
            change = f"{r.change_mean:.2f}{ci}"
        out.add_row(
            f"{row.stratum_column}={row.stratum}" if row.stratum_column else "all",
            r.instrument,
            r.wording or "",
            str(r.timepoint),
            str(_withheld(r.n_baseline) if r.n_baseline >= 0 else f"< {table.k}"),
            str(_withheld(r.n_followed) if r.n_followed >= 0 else f"< {table.k}"),
            change,
            ", ".join(row.sites)
            + (f" (withheld: {', '.join(row.withheld_by)})" if row.withheld_by else ""),
        )
    return out


def dictionary(
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory to write.")],
) -> None:
    """Write the data dictionary (dictionary.csv and dictionary.html) and print its version."""
    from painpath.core.registry.dictionary import build, to_csv, to_html, version_of

    entries = build()
    text = to_csv(entries)
    version = version_of(text)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror or error}")
    write_output(output / "dictionary.csv", text)
    write_output(output / "dictionary.html", to_html(entries, version))
    typer.echo(f"data dictionary {version}: {len(entries)} variables → {output}")


group.command("aggregate")(aggregate)
group.command("combine")(combine)
group.command("dictionary")(dictionary)


def register(app: typer.Typer) -> None:
    """Add the ``registry`` group to the ``painpath`` command, with the server's commands
    (``registry_server``) when that module is installed."""
    if importlib.util.find_spec("painpath.cli.registry_server") is not None:
        importlib.import_module("painpath.cli.registry_server").register(group)
    app.add_typer(group, name="registry")
