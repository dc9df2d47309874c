"""Sending the pooled tests' world to its registry through the command line: clinic A's
extract as rows, clinic B's as statistics only (``painpath registry aggregate`` on its own
extract, which never leaves it)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from painpath.cli import app
from painpath.registry.models import Site

runner = CliRunner()


def run(*args: str) -> Any:
    return runner.invoke(app, ["registry", *args])


def extract_both_and_aggregate_b(world: dict[str, Any], tmp_path: Path) -> Any:
    """Make A's and B's extracts (a.zip, b.zip) and B's statistics (b.json); B becomes an
    aggregate-only site. Returns the ``aggregate`` command's result."""
    registry = world["registry"]
    Site.objects.filter(code="site-b").update(participation="aggregate")
    key = tmp_path / "key"
    key.write_text(registry.key().hex())
    for site in ("a", "b"):
        made = run(
            "extract", "--clinic", f"reg-{site}", "--registry-key-file", str(key),
            "--site", f"site-{site}", "-o", str(tmp_path / f"{site}.zip"),
        )  # fmt: skip
        assert made.exit_code == 0, made.output
    with zipfile.ZipFile(tmp_path / "b.zip") as archive:
        archive.extractall(tmp_path / "b")
    return run(
        "aggregate", "-i", str(tmp_path / "b"), "--site", "site-b", "--registry", "lbp",
        "--k", str(registry.k), "-o", str(tmp_path / "b.json"),
    )  # fmt: skip
