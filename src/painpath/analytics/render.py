"""The outcome report as a document: self-contained HTML (static SVG charts, inline CSS) and
the PDF WeasyPrint makes of it. Used by the app's PDF download and by
``painpath report --format html|pdf``; needs Django's template engine, not the database."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from painpath import __version__
from painpath.analytics import charts
from painpath.analytics.report import Report
from painpath.core.analytics import WORDING_ORDER, OutcomeRow

CSS = Path(__file__).parent / "static" / "analytics" / "document.css"


@cache
def _responder_words(lang: str) -> dict[str, str]:
    """The responder definitions' English labels and notes → their ``lang`` text (the
    definitions' ``da:`` blocks in core/data/analytics/responders.yaml)."""
    text = resources.files("painpath.core.data").joinpath("analytics/responders.yaml")
    out: dict[str, str] = {}
    for raw in yaml.safe_load(text.read_text(encoding="utf-8"))["definitions"]:
        words = raw.get(lang) or {}
        for key in ("label", "note"):
            if raw.get(key) and words.get(key):
                out[" ".join(str(raw[key]).split())] = " ".join(str(words[key]).split())
    return out


def responder_text(text: str) -> str:
    """A responder definition's label or note in the screen's language, else as written."""
    lang = (translation.get_language() or "en")[:2]
    if not text or lang == "en":
        return text
    return _responder_words(lang).get(" ".join(text.split()), text)


def stratum_label(column: str) -> str:
    labels = {
        "axis_startback": _("STarT Back risk group"),
        "startback": _("STarT Back risk group"),
        "step": _("stepped-care step"),
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
        lines.append(f"{charts.instrument_title(code)}: {parts}")
    return lines


def _withheld(row: OutcomeRow) -> bool:
    return row.n_baseline < 0 or row.n_followed < 0


def sections(report: Report) -> list[dict[str, Any]]:
    """The outcome table's sections as printed: each with its instrument's proper name, only
    the time points someone answered at (a time point without answers would print as
    "– ± –", and its deterioration share missing as failure as every patient), those left
    out named once, and the responder lines grouped per time point (one block each, so a
    page break never parts a time point from its label)."""
    out = []
    for section in report.sections:
        rows = [r for r in section["list"] if r.n_followed != 0]
        empty = [r.timepoint for r in section["list"] if r.n_followed == 0]
        blocks: dict[int, dict[str, Any]] = {}
        for line in section["responder_lines"]:
            row = line["row"]
            if row.n_followed == 0:
                continue
            block = blocks.setdefault(
                row.timepoint, {"row": row, "withheld": _withheld(row), "lines": []}
            )
            block["lines"].append(line)
        out.append(
            section
            | {
                "title": charts.instrument_title(section["grouper"]),
                "rows": [{"row": r, "withheld": _withheld(r)} for r in rows],
                "empty_timepoints": empty,
                "responder_blocks": list(blocks.values()),
                "has_responders": any(r.responders for r in rows),
            }
        )
    return out


def _largest_wording(report: Report, code: str) -> str | None:
    present = report.wording.get(code, {})
    if code == report.options.plot_instrument and report.plot_wording in present:
        return report.plot_wording
    rank = {g: i for i, g in enumerate(WORDING_ORDER)}
    return min(present, key=lambda g: (-present[g], rank.get(g, len(rank))), default=None)


def figures(report: Report) -> list[charts.Figure]:
    """The plots in print order: each reported instrument's course (a fan of quantiles from
    the outcome table's own cells, so under disclosure control too), then the plotted
    instrument's per-patient figures where the report has them (a clinic's own report)."""
    out = []
    for code in report.instruments:
        wording = _largest_wording(report, code) if report.wording_recorded else None
        rows = [r for r in report.rows if r.instrument == code and r.wording == wording]
        figure = charts.course(rows, code)
        if figure is not None:
            if wording is not None and len(report.wording.get(code, {})) > 1:
                figure.note += " " + _("Patients who answered in %(wording)s only.") % {
                    "wording": wording_label(wording)
                }
            out.append(figure)
    out.extend(
        report.figures[key] for key in ("trajectories", "waterfall") if key in report.figures
    )
    return out


def funnel_figure(report: Report) -> charts.Figure | None:
    """The clinics' funnel plot, titled with its instrument and time point."""
    if "funnel" not in report.figures or report.overall_rate is None:
        return None
    return charts.funnel(
        report.clinics,
        report.overall_rate,
        responder_text(report.definition.label) if report.definition else report.options.definition,
        k=report.k,
        instrument=report.options.plot_instrument,
        timepoint=report.options.plot_timepoint,
    )


def context(report: Report) -> dict[str, Any]:
    return {
        "report": report,
        "stratum_label": stratum_label(report.stratum),
        "sections": sections(report),
        "figures": figures(report),
        "funnel": funnel_figure(report),
        "plot_title": charts.instrument_title(report.options.plot_instrument),
        "wording_lines": wording_lines(report),
        "plot_wording_label": wording_label(report.plot_wording),
        "pooled_wordings": any(len(groups) > 1 for groups in report.wording.values()),
        "paraphrase_only": [
            charts.instrument_title(code)
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
