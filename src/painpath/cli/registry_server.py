"""The registry commands that need this server's database (added to ``painpath registry``):

- ``init`` and ``site``: keep a registry on this server and name its sites (the key is
  written to a file once, for the sites, and stored encrypted with the field key);
- ``extract``: a clinic of this server makes its pooled extract for a registry (research-
  consented patients only; the registry's key from a file);
- ``upload``: the registry on this server receives a site's extract (.zip or a directory),
  an aggregate-only site's contribution (.json) or a FHIR Bundle or NDJSON directory of
  QuestionnaireResponses (told apart by content);
- ``status``: the registry's sites and their last uploads;
- ``pooled``: the pooled sites' data written out for ``painpath report`` and ``painpath
  workbench`` (audited as an export);
- ``combined``: the outcome table over every site, pooled and aggregate-only, under the
  registry's k.

Django is set up inside each command, as ``painpath backup`` does it.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated, Any

import typer

from painpath.cli.streams import fail

HEX_KEY = re.compile(r"^[0-9a-fA-F]{32,128}$")


def _django() -> None:
    from painpath.cli.backup import _database

    _database(backing_up=True)


def _read_key(path: Path) -> bytes:
    try:
        text = path.read_text().strip()
    except OSError as error:
        fail(f"--registry-key-file {path}: {error.strerror or error}")
    if not HEX_KEY.match(text):
        fail(f"--registry-key-file {path}: not a registry key (32 to 128 hex digits)")
    return bytes.fromhex(text)


def _registry(code: str | None) -> Any:
    from painpath.registry.models import Registry

    registries = Registry.objects.all()
    if code:
        found = registries.filter(code=code).first()
        if found is None:
            fail(f"--registry {code}: no such registry on this server")
        return found
    if registries.count() != 1:
        fail(
            "--registry: give the registry's code (this server keeps "
            f"{registries.count()} registries)"
        )
    return registries.get()


def _site(code: str, registry: str | None) -> Any:
    from painpath.registry.models import Site

    sites = Site.objects.filter(code=code).select_related("registry", "clinic")
    if registry:
        sites = sites.filter(registry__code=registry)
    found = list(sites[:2])
    if not found:
        where = f"registry {registry}" if registry else "any registry"
        fail(f"--site {code}: no such site in {where}")
    if len(found) > 1:
        fail(f"--site {code}: in several registries; give --registry")
    return found[0]


def init(
    code: Annotated[str, typer.Option("--code", help="The registry's code.")],
    name: Annotated[str, typer.Option("--name", help="The registry's name.")],
    key_file: Annotated[
        Path, typer.Option("--key-file", help="Where to write the new key (for the sites).")
    ],
    k: Annotated[int, typer.Option("--k", min=2, help="Minimum cell size.")] = 5,
    shift_days: Annotated[
        int,
        typer.Option("--shift-days", min=0, help="Shift dates per person by up to this (0: keep)."),
    ] = 0,
) -> None:
    """Keep a registry on this server: a new random key, written once to --key-file."""
    _django()
    from painpath.registry.models import Registry

    if Registry.objects.filter(code=code).exists():
        fail(f"--code {code}: this server keeps that registry already")
    if key_file.exists():
        fail(f"--key-file {key_file}: exists; the key is written to a new file only")
    registry = Registry(
        code=code,
        name=name,
        k=k,
        date_shift=Registry.DateShift.PER_PERSON if shift_days else Registry.DateShift.NONE,
        shift_days=shift_days or 180,
    )
    key = registry.set_key()
    try:
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as error:
        fail(f"--key-file {key_file}: {error.strerror or error}")
    with os.fdopen(descriptor, "w") as out:
        out.write(key.hex() + "\n")
    registry.full_clean()
    registry.save()
    typer.echo(f"registry {code} kept on this server; its key is in {key_file}")


def site(
    code: Annotated[str, typer.Option("--code", help="The site's code in the registry.")],
    name: Annotated[str, typer.Option("--name")],
    participation: Annotated[
        str, typer.Option("--participation", help="pooled or aggregate")
    ] = "pooled",
    clinic: Annotated[
        str | None, typer.Option("--clinic", help="The clinic's code, when it is on this server.")
    ] = None,
    registry: Annotated[str | None, typer.Option("--registry")] = None,
) -> None:
    """Add a site to the registry (or change its name, participation or clinic)."""
    _django()
    from painpath.patients.models import Clinic
    from painpath.registry.models import Site

    if participation not in Site.Participation.values:
        fail(f"--participation {participation}: pooled or aggregate")
    local = None
    if clinic:
        local = Clinic.objects.filter(code=clinic).first()
        if local is None:
            fail(f"--clinic {clinic}: no such clinic on this server")
    kept = _registry(registry)
    Site.objects.update_or_create(
        registry=kept,
        code=code,
        defaults={"name": name, "participation": participation, "clinic": local},
    )
    typer.echo(f"site {code} of registry {kept.code}: {participation}")


def extract(
    clinic: Annotated[str, typer.Option("--clinic", help="The clinic's code on this server.")],
    registry_key_file: Annotated[Path, typer.Option("--registry-key-file")],
    site_code: Annotated[str, typer.Option("--site", help="The clinic's site code.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The extract (.zip).")],
    registry: Annotated[
        str | None, typer.Option("--registry", help="The registry's code (in the manifest).")
    ] = None,
    shift_dates: Annotated[
        bool, typer.Option("--shift-dates", help="Shift each person's dates (the registry asks).")
    ] = False,
    shift_days: Annotated[int, typer.Option("--shift-days", min=1)] = 180,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv")] = "parquet",
) -> None:
    """Make the clinic's pooled extract: research-consented patients only."""
    key = _read_key(registry_key_file)
    if fmt not in ("parquet", "csv"):
        fail(f"--format {fmt}: parquet or csv")
    _django()
    from painpath.core.registry.extract import write_zip
    from painpath.patients.models import Clinic
    from painpath.registry import services
    from painpath.registry.models import Registry

    found = Clinic.objects.filter(code=clinic).first()
    if found is None:
        fail(f"--clinic {clinic}: no such clinic on this server")
    code = registry or (
        Registry.objects.values_list("code", flat=True).first()
        if Registry.objects.count() == 1
        else None
    )
    if not code:
        fail("--registry: give the registry's code")
    made = services.make_extract(
        found,
        registry_key=key,
        registry_code=code,
        site_code=site_code,
        date_shift=shift_days if shift_dates else None,
    )
    try:
        write_zip(made, output, fmt)
    except OSError as error:
        fail(f"--output {output}: {error.strerror or error}")
    rows = ", ".join(f"{n} {name}" for name, n in made.rows().items())
    typer.echo(f"{output}: {made.persons} persons; {rows}")


def _starts_like_json(source: Path) -> bool:
    if not source.is_file():
        return False
    with source.open("rb") as handle:
        return handle.read(64).lstrip().startswith(b"{")


def upload(
    source: Annotated[
        Path,
        typer.Argument(
            help="An extract (.zip or directory), an aggregate .json, or FHIR "
            "QuestionnaireResponses (a Bundle .json or an NDJSON directory)."
        ),
    ],
    site_code: Annotated[str, typer.Option("--site")],
    registry: Annotated[str | None, typer.Option("--registry")] = None,
) -> None:
    """Receive a site's extract or aggregate contribution into this server's registry."""
    if not source.exists():
        fail(f"{source}: no such file")
    _django()
    from painpath.core.registry.extract import InvalidExtract, read_extract
    from painpath.registry import services

    target = _site(site_code, registry)
    try:
        if source.is_dir() and (source / "QuestionnaireResponse.ndjson").is_file():
            result = services.receive_fhir(target, source, client="cli")
        elif source.suffix == ".json" or _starts_like_json(source):
            try:
                body = json.loads(source.read_text())
            except ValueError as error:
                fail(f"{source}: not JSON ({error})")
            # By content: a FHIR Bundle, else an aggregate-only site's contribution.
            if isinstance(body, dict) and body.get("resourceType") == "Bundle":
                result = services.receive_fhir(target, body, client="cli")
            else:
                result = services.receive_aggregate(target, body, client="cli")
        else:
            content: Path | bytes = source if source.is_dir() else source.read_bytes()
            result = services.receive_extract(target, read_extract(content), client="cli")
    except InvalidExtract as error:
        fail(f"{source}: refused, nothing stored: {error}")
    counts = ", ".join(f"{n} {name}" for name, n in result.rows.items())
    removed = f"; {result.removed_persons} persons removed" if result.removed_persons else ""
    typer.echo(f"{site_code}: {result.status} ({counts}){removed}")


def status(
    fmt: Annotated[str, typer.Option("--format", "-f", help="json or table")] = "table",
    registry: Annotated[str | None, typer.Option("--registry")] = None,
) -> None:
    """The registry's sites and their last uploads."""
    if fmt not in ("json", "table"):
        fail(f"--format {fmt}: json or table")
    _django()
    from painpath.registry import services

    report = services.status(_registry(registry) if registry else None)
    if fmt == "json":
        typer.echo(json.dumps(report, indent=2))
        return
    for reg in report:
        typer.echo(f"{reg['registry']} (k={reg['k']}, dates: {reg['date_shift']})")
        for line in reg["sites"]:
            last = line["last_upload"]
            when = f"{last['status']} {last['received_at']}" if last else "no upload"
            typer.echo(
                f"  {line['site']:<16} {line['participation']:<10} {when}; "
                f"{line['score_rows']} score rows, {line['persons']} persons"
            )


def pooled(
    output: Annotated[Path, typer.Option("--output", "-o", help="A directory.")],
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            help="Instruments whose baseline items go to baseline.csv (comma-separated).",
        ),
    ] = None,
    registry: Annotated[str | None, typer.Option("--registry")] = None,
) -> None:
    """Write the pooled sites' scores (scores.parquet) and baseline items (baseline.csv)."""
    instruments = [i.strip() for i in (baseline or "").split(",") if i.strip()]
    from painpath.core.instruments import REGISTRY

    unknown = [i for i in instruments if i not in REGISTRY]
    if unknown:
        fail(f"--baseline {unknown[0]}: not an instrument (painpath score --list)")
    if output.exists() and not output.is_dir():
        fail(f"--output {output}: not a directory")
    _django()
    from painpath.registry.pooled import write_pooled

    try:
        written = write_pooled(
            output, _registry(registry) if registry else None, instruments=instruments
        )
    except OSError as error:
        fail(f"--output {output}: {error.strerror or error}")
    items = f"; baseline.csv: {len(written.items)} items" if instruments else ""
    typer.echo(f"{output}: {written.score_rows} score rows, {written.patients} episodes{items}")


def combined(
    fmt: Annotated[str, typer.Option("--format", "-f", help="json, csv or table")] = "table",
    registry: Annotated[str | None, typer.Option("--registry")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
) -> None:
    """The outcome table over every site, pooled and aggregate-only, under the registry's k."""
    if fmt not in ("json", "csv", "table"):
        fail(f"--format {fmt}: json, csv or table")
    _django()
    from painpath.cli import registry as files
    from painpath.cli.streams import write_output
    from painpath.registry import services
    from painpath.registry.models import Registry

    kept = _registry(registry) if registry else Registry.objects.first()
    if kept is None:
        fail("no registry on this server (painpath registry init)")
    result = services.combined_outcome_table(kept.k, kept)
    if result.combined is None:
        fail(
            result.note
            or "no aggregate-only contribution yet: painpath report -i on "
            "'painpath registry pooled' gives the pooled sites' table"
        )
    if fmt == "json":
        write_output(output, json.dumps(files.combined_document(result.combined), indent=1) + "\n")
    elif fmt == "csv":
        write_output(output, files._csv(result.combined))
    else:
        from rich.console import Console

        Console().print(files._rich(result.combined))


def register(group: typer.Typer) -> None:
    group.command("init")(init)
    group.command("site")(site)
    group.command("extract")(extract)
    group.command("upload")(upload)
    group.command("status")(status)
    group.command("pooled")(pooled)
    group.command("combined")(combined)
