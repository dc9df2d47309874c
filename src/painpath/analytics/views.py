"""The outcome report: pseudonymised, aggregate, for clinicians and researchers. Each view
is audited (no patient: the report is about a cohort)."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from painpath.accounts.decorators import verified_staff
from painpath.analytics import render as document
from painpath.analytics import services
from painpath.analytics.forms import ReportForm
from painpath.analytics.report import Options, Report, build
from painpath.analytics.services import REPORT_EXPORTED, REPORT_VIEWED
from painpath.audit.services import record
from painpath.core.analytics.cohort import CohortError

PERMISSION = "audit.view_analytics"


def _report(request: HttpRequest) -> tuple[ReportForm, Report | None, str]:
    frame = services.export_registry()
    # First visit: an unbound form showing the defaults, and the whole registry's report.
    form = ReportForm(request.GET or None, frame)
    if form.is_bound and not form.is_valid():
        return form, None, ""
    filters, options = (form.filters(), form.options()) if form.is_bound else ([], Options())
    try:
        report = build(services.registry_table(frame), filters, options)
    except CohortError as error:
        return form, None, str(error)
    return form, report, ""


@verified_staff
@permission_required(PERMISSION, raise_exception=True)
def report(request: HttpRequest) -> HttpResponse:
    form, built, error = _report(request)
    record(
        request,
        REPORT_VIEWED,
        object_type="analytics",
        report="outcomes",
        filters=built.filters if built else [],
        patients_in_cohort=built.n_patients if built else 0,
    )
    context = {"form": form, "report": built, "error": error}
    if built is not None:
        context |= document.context(built)
    return render(request, "analytics/report.html", context)


@verified_staff
@permission_required(PERMISSION, raise_exception=True)
def report_pdf(request: HttpRequest) -> HttpResponse:
    form, built, error = _report(request)
    if built is None:
        return render(
            request,
            "analytics/report.html",
            {"form": form, "report": None, "error": error},
            status=400,
        )
    pdf = document.render_pdf(built)
    record(
        request,
        REPORT_EXPORTED,
        object_type="analytics",
        report="outcomes",
        format="pdf",
        filters=built.filters,
        patients_in_cohort=built.n_patients,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"painpath-outcomes-{timezone.localdate():%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
