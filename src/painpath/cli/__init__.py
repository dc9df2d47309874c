"""The ``painpath`` command: scoring, classifying, questionnaires, outcome reports.

Every command reads and writes plain files or standard streams so that it composes with
other tools; usage errors exit with code 2 and a message that names the line or option.

One module per command group, each with a ``register(app)`` that adds its commands; what
they read, write and fail with is in :mod:`painpath.cli.streams`. A command imports what is
heavy (Ibis, DuckDB, SciPy, Django, the rule engine, FHIR resources) inside its function,
so that ``painpath score`` starts without them (tests/cli/test_startup.py holds it there).
"""

from __future__ import annotations

from typing import Annotated

import typer

from painpath import __version__
from painpath.cli import backup, fhir, questionnaires, registry, report, rules, score, workbench
from painpath.cli.streams import OneLineErrors

app = typer.Typer(
    name="painpath",
    cls=OneLineErrors,
    help="painpath: clinical pathway and outcomes registry for chronic musculoskeletal pain.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    add_completion=False,
)


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


# In the order `painpath --help` lists them.
score.register(app)
rules.register(app)
questionnaires.register(app)
report.register(app)
backup.register(app)
registry.register(app)
workbench.register(app)
fhir.register(app)

__all__ = ["app"]
