"""The outcome report as a document: self-contained HTML (static SVG charts, inline CSS) and
the PDF WeasyPrint makes of it. Used by the app's PDF download and by
``painpath report --format html|pdf``; needs Django's template engine, not the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from painpath import __version__
from painpath.analytics.report import Report

CSS = Path(__file__).parent / "static" / "analytics" / "document.css"


def stratum_label(column: str) -> str:
    labels = {
        "axis_startback": _("STarT Back risk group"),
        "axis_stepped_care": _("stepped-care step"),
        "multifidus_fat_grade": _("multifidus fat-infiltration grade"),
        "treatment": _("treatment"),
        "procedure": _("procedure"),
        "clinic": _("clinic"),
        "sex": _("sex"),
        "age_band": _("age band"),
        "index_year": _("index year"),
        "wording_signature": _("wording"),
    }
    if column in labels:
        return labels[column]
    if column.startswith("axis_"):
        return _("classification: %(axis)s") % {"axis": column.removeprefix("axis_")}
    return column


def wording_label(group: str | None) -> str:
    """A wording group (``painpath.core.analytics.WORDING_ORDER``) in the reader's words."""
    labels = {
        "licensed": _("licensed wording (validated version)"),
        "original": _("the instrument's own wording"),
        "paraphrase": _("painpath's paraphrase (not the validated instrument)"),
        "unknown": _("wording not recorded"),
        "mixed": _("mixed: answers in more than one wording"),
    }
    return labels.get(group or "", str(group or ""))


def wording_lines(report: Report) -> list[str]:
    """One line per instrument: how many patients answered it in which wording."""
    lines = []
    for code, groups in report.wording.items():
        parts = ", ".join(
            _("%(n)s in %(wording)s") % {"n": n, "wording": wording_label(group)}
            for group, n in groups.items()
        )
        lines.append(f"{code.upper()}: {parts}")
    return lines


def context(report: Report) -> dict[str, Any]:
    return {
        "report": report,
        "stratum_label": stratum_label(report.stratum),
        "plot_keys": ("mean", "trajectories", "waterfall"),
        "wording_lines": wording_lines(report),
        "plot_wording_label": wording_label(report.plot_wording),
        "pooled_wordings": any(len(groups) > 1 for groups in report.wording.values()),
        "paraphrase_only": [
            code.upper()
            for code, groups in report.wording.items()
            if not any(group in ("licensed", "original") for group in groups)
        ],
    }


def render_document(
    report: Report, language: str | None = None, *, extra: dict[str, Any] | None = None
) -> str:
    with translation.override(language or translation.get_language() or "en"):
        return render_to_string(
            "analytics/report_document.html",
            {
                **context(report),
                **(extra or {}),
                "css": CSS.read_text(encoding="utf-8"),
                "version": __version__,
                "generated": timezone.now().strftime("%Y-%m-%d %H:%M UTC"),
                "language": translation.get_language(),
            },
        )


def render_pdf(
    report: Report, language: str | None = None, *, extra: dict[str, Any] | None = None
) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only the PDF needs

    pdf = HTML(string=render_document(report, language, extra=extra)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
