"""``painpath questionnaires``: the FHIR R4 Questionnaires of the instruments.

``list`` shows each instrument's languages, wording (original, paraphrase or licensed) and
licence holder; ``show`` prints one Questionnaire as JSON; ``load-wording`` checks a
licensed-wording file and installs it in ``$PAINPATH_VAR_DIR/questionnaires`` (default
``./var/questionnaires``), where ``show`` and the rest of painpath find it. Usage errors and
rejected files exit with code 2. FHIR resources are imported by each command only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from painpath.cli.streams import fail, print_table, write_output
from painpath.core.errors import PainpathError


def _check(code: str, lang: str) -> None:
    from painpath.core.instruments import REGISTRY
    from painpath.core.questionnaires import LANGUAGES

    if code not in REGISTRY:
        fail(f"unknown instrument {code!r}; known: {', '.join(REGISTRY)}")
    if lang not in LANGUAGES:
        fail(f"--lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")


def list_questionnaires() -> None:
    """List every Questionnaire: languages, wording per language, licence holder."""
    from rich.table import Table

    from painpath.core.instruments import REGISTRY
    from painpath.core.questionnaires import LANGUAGES, source, wording_status

    table = Table("code", "languages", "wording", "licence holder")
    try:
        for code in REGISTRY:
            status = {lang: wording_status(code, lang) for lang in LANGUAGES}
            wording = (
                next(iter(status.values()))
                if len(set(status.values())) == 1
                else ", ".join(f"{lang}: {value}" for lang, value in status.items())
            )
            table.add_row(code, " ".join(LANGUAGES), wording, source(code).holder)
    except PainpathError as error:
        fail(str(error))
    print_table(table, width=200)


def show_questionnaire(
    code: Annotated[str, typer.Argument(metavar="CODE", help="Instrument code, e.g. odi.")],
    lang: Annotated[str, typer.Option("--lang", "-l", help="da, en or de.")] = "en",
) -> None:
    """Print one Questionnaire as FHIR R4 JSON (the locally loaded licensed wording if any)."""
    from painpath.core.questionnaires import dumps, load

    _check(code, lang)
    try:
        resource = load(code, lang)
    except PainpathError as error:
        fail(str(error))
    write_output(None, dumps(resource))


def load_wording_command(
    code: Annotated[str, typer.Argument(metavar="CODE", help="Instrument code, e.g. odi.")],
    file: Annotated[Path, typer.Argument(metavar="FILE", help="Licensed wording, JSON or CSV.")],
    lang: Annotated[str, typer.Option("--lang", "-l", help="da, en or de.")],
    translation: Annotated[
        str | None,
        typer.Option("--translation-id", help="The validated translation's name, e.g. STarT-dk."),
    ] = None,
    translation_version: Annotated[
        str | None,
        typer.Option("--translation-version", help="Its version as the licence gives it."),
    ] = None,
) -> None:
    """Install the licensed wording of CODE in one language from FILE (see
    docs/questionnaires.md for the format); the file is checked before anything is written.
    Every answer given to it then records the translation's id and version."""
    from painpath.core.questionnaires import load, load_wording, wording_of

    _check(code, lang)
    try:
        target = load_wording(
            code,
            lang,
            file,
            translation=translation,
            translation_version=translation_version,
        )
        label = wording_of(load(code, lang)).label
    except PainpathError as error:
        fail(str(error))
    typer.echo(
        f"{code} ({lang}) now uses the licensed wording from {file}; written to {target}; "
        f"answers record it as: {label}"
    )


def register(app: typer.Typer) -> None:
    """Add the ``questionnaires`` group to the ``painpath`` command."""
    questionnaires = typer.Typer(
        help="List, show and localise the instruments' FHIR Questionnaires.", no_args_is_help=True
    )
    questionnaires.command("list")(list_questionnaires)
    questionnaires.command("show")(show_questionnaire)
    questionnaires.command("load-wording")(load_wording_command)
    app.add_typer(questionnaires, name="questionnaires")
