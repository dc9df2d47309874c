"""The report PDF: rendered by WeasyPrint, every page turned into an image and checked to
show something, and its text carrying the outcome table's figures (synthetic registry)."""

from __future__ import annotations

import ctypes.util
import os

import ibis
import pytest

from painpath.analytics.render import render_pdf
from painpath.analytics.report import Options, build
from painpath.core.synthetic import generate


def _pango_missing() -> str | None:
    if ctypes.util.find_library("pango-1.0") is None:
        return "Pango is not installed (apt-get install libpango-1.0-0 libpangoft2-1.0-0)"
    try:
        import pypdfium2  # noqa: F401
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:
        return f"weasyprint/pypdfium2 not usable: {error}"
    return None


@pytest.fixture(scope="module")
def pdf_and_report() -> tuple[bytes, object]:
    reason = _pango_missing()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must render the PDF: {reason}")
        pytest.skip(f"PDF TEST NOT RUN: {reason}")
    synthetic = generate(250, seed=5)
    table = ibis.memtable(synthetic.scores.join(synthetic.patients, on="patient_id"))
    report = build(table, ["age=25..75"], Options(instruments=("nrs", "odi"), timepoints=(3, 12)))
    return render_pdf(report, language="en"), report


def test_every_page_of_the_pdf_shows_something(pdf_and_report: tuple[bytes, object]) -> None:
    import pypdfium2 as pdfium

    pdf, _ = pdf_and_report
    document = pdfium.PdfDocument(pdf)
    assert len(document) >= 2
    for number in range(len(document)):
        image = document[number].render(scale=0.5).to_pil().convert("L")
        histogram = image.histogram()
        not_white = sum(histogram[:250])
        assert not_white > 0.002 * image.width * image.height, f"page {number + 1} is blank"


def test_the_pdf_text_carries_the_outcome_table(pdf_and_report: tuple[bytes, object]) -> None:
    import pypdfium2 as pdfium

    pdf, report = pdf_and_report
    document = pdfium.PdfDocument(pdf)
    text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    assert "Outcome report" in text and "Missing as failure" in text
    for row in report.rows:  # type: ignore[attr-defined]
        assert f"{row.followup_mean:.1f} ± {row.followup_sd:.1f}" in text
        assert f"{row.n_followed} (" in text
