"""The API stands on the apps and the core, never on the command line: `painpath.cli` is a
program, not a library (its report's JSON lives in painpath.core.analytics.document)."""

from __future__ import annotations

import ast
from pathlib import Path

import painpath.api

API = Path(painpath.api.__file__).parent


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_api_imports_nothing_from_the_cli() -> None:
    sources = sorted(API.rglob("*.py"))
    assert len(sources) > 5
    wrong = {
        str(path.relative_to(API)): cli
        for path in sources
        if (cli := sorted(m for m in _imports(path) if m.startswith("painpath.cli")))
    }
    assert wrong == {}


def test_the_cli_and_the_api_write_the_same_report_document() -> None:
    from painpath.cli import report
    from painpath.core.analytics import document

    # One function, not two copies that could drift apart.
    assert not hasattr(report, "report_document")
    assert "report_document" in document.__all__
