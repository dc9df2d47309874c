"""``painpath fhir``: a registry extract as FHIR R4, and QuestionnaireResponses back in.

``export`` reads an extract (a directory or .zip, as ``painpath registry extract`` writes it)
and writes one Bundle (``collection``, or ``transaction`` with a PUT per resource) or, with
``--ndjson``, a directory of ``<Type>.ndjson`` files (FHIR bulk data style). ``import`` reads a
Bundle (or such a directory), checks every QuestionnaireResponse against painpath's
Questionnaires, scores it, and writes the extract's ``answers`` and ``scores`` tables. What
each resource holds: :mod:`painpath.core.fhir`. Bad input exits with code 2 and one line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from painpath.cli.streams import MAX_LINES_BYTES, fail, parse_json, read_text, shorten, write_output


def export_command(
    extract: Annotated[
        Path, typer.Option("--input", "-i", help="The extract: a directory or a .zip file.")
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="bundle.json ('-' for standard output), or with --ndjson a directory.",
        ),
    ],
    ndjson: Annotated[
        bool, typer.Option("--ndjson", help="Write <Type>.ndjson files into the -o directory.")
    ] = False,
    kind: Annotated[
        str, typer.Option("--type", help="Bundle type: collection or transaction.")
    ] = "collection",
    registry: Annotated[
        str | None,
        typer.Option(
            "--registry", help="Registry code for the identifier systems (default: the manifest's)."
        ),
    ] = None,
) -> None:
    """Export a pooled extract as a FHIR R4 Bundle or as NDJSON files."""
    from painpath.core.errors import PainpathError
    from painpath.core.fhir import to_bundle, write_ndjson
    from painpath.core.registry.extract import read_extract

    if kind not in ("collection", "transaction"):
        fail(f"--type must be collection or transaction, not {kind!r}")
    if ndjson and kind != "collection":
        fail("--type applies to a Bundle; NDJSON files have no bundle type (drop --type)")
    if not extract.exists():
        fail(f"cannot read {shorten(extract)}: no such file or directory")
    try:
        tables = read_extract(extract)
        if ndjson:
            if output.exists() and not output.is_dir():
                fail(f"{shorten(output)} is a file; --ndjson writes into a directory")
            counts = write_ndjson(tables, output, registry=registry)
        else:
            bundle = to_bundle(
                tables,
                registry=registry,
                kind="transaction" if kind == "transaction" else "collection",
            )
    except PainpathError as error:
        fail(str(error))
    except OSError as error:
        fail(f"cannot write {shorten(output)}: {error.strerror or error}")
    if ndjson:
        summary = ", ".join(f"{name} {count}" for name, count in counts.items())
        typer.echo(f"wrote {output}: {summary}", err=True)
        return
    text = json.dumps(bundle, ensure_ascii=False, indent=1) + "\n"
    write_output(None if str(output) == "-" else output, text)
    if str(output) != "-":
        typer.echo(f"wrote {output}: {len(bundle['entry'])} resources ({kind})", err=True)


def import_command(
    source: Annotated[
        Path,
        typer.Argument(
            metavar="BUNDLE",
            help="bundle.json, or a directory of NDJSON files ('-' for standard input).",
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Directory for answers and scores.")
    ],
    fmt: Annotated[str, typer.Option("--format", "-f", help="parquet or csv.")] = "parquet",
) -> None:
    """Check and score the QuestionnaireResponses of a Bundle; write answers and scores."""
    from painpath.core.errors import PainpathError
    from painpath.core.fhir import import_bundle, import_ndjson

    if fmt not in ("parquet", "csv"):
        fail(f"--format must be parquet or csv, not {fmt!r}")
    if output.exists() and not output.is_dir():
        fail(f"{shorten(output)} is a file; -o takes a directory")
    try:
        if source.is_dir():
            imported = import_ndjson(source)
        else:
            if str(source) != "-" and not source.exists():
                fail(f"cannot read {shorten(source)}: no such file or directory")
            text = read_text(source, limit=MAX_LINES_BYTES)
            imported = import_bundle(parse_json(text, shorten(source)))
    except PainpathError as error:
        fail(str(error))
    try:
        output.mkdir(parents=True, exist_ok=True)
        for name, frame in (("answers", imported.answers), ("scores", imported.scores)):
            path = output / f"{name}.{fmt}"
            if fmt == "parquet":
                frame.write_parquet(path)
            else:
                frame.write_csv(path)
    except OSError as error:
        fail(f"cannot write {shorten(output)}: {error.strerror or error}")
    typer.echo(
        f"{imported.scores.height} responses scored, {imported.answers.height} answers: "
        f"wrote {output / f'answers.{fmt}'} and {output / f'scores.{fmt}'}",
        err=True,
    )


def register(app: typer.Typer) -> None:
    """Add the ``fhir`` group to the ``painpath`` command."""
    fhir = typer.Typer(
        help="Export a registry extract as FHIR R4; import QuestionnaireResponses.",
        no_args_is_help=True,
    )
    fhir.command("export")(export_command)
    fhir.command("import")(import_command)
    app.add_typer(fhir, name="fhir")
