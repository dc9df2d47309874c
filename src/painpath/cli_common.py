"""What every ``painpath`` command shares: the error console and the usage-error exit."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

USAGE_ERROR = 2
err = Console(stderr=True)


def fail(message: str) -> NoReturn:
    """Print ``error: message`` on standard error and exit with the usage-error code 2."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(USAGE_ERROR)
