"""Serves ``analytics/plotly.min.js`` from the installed ``plotly`` package, so the 4 MB
bundle is neither committed nor fetched from a CDN (clinics are often offline). Listed in
STATICFILES_FINDERS; ``collectstatic`` copies it like any other static file."""

from __future__ import annotations

from importlib import resources
from typing import Any

from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage

PATH = "analytics/plotly.min.js"


def _folder() -> str | None:
    try:
        folder = resources.files("plotly") / "package_data"
    except ModuleNotFoundError:
        return None
    return str(folder) if (folder / "plotly.min.js").is_file() else None


class PlotlyFinder(BaseFinder):
    def check(self, **kwargs: Any) -> list[Error]:
        if _folder() is None:
            return [
                Error(
                    "plotly is not installed: the outcome plots need its plotly.min.js",
                    hint="pip install plotly",
                    id="analytics.E001",
                )
            ]
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:
        folder = _folder()
        if path != PATH or folder is None:
            return [] if find_all else ""
        found = f"{folder}/plotly.min.js"
        return [found] if find_all else found

    def list(self, ignore_patterns: Any) -> Any:
        folder = _folder()
        if folder is None:
            return
        storage = FileSystemStorage(location=folder)
        storage.prefix = "analytics"  # type: ignore[attr-defined]
        yield "plotly.min.js", storage
