"""The outcome report: pseudonymised, aggregate, for clinicians and researchers. Each view
is audited (no patient: the report is about a cohort).

Who sees what (docs/disclosure.md): a clinician sees their own clinic's patients, whom they
may see anyway, without disclosure control; everyone else with the report's permission (a
researcher) sees the registry under it — rare combinations withheld, banded filters, small
cells suppressed, no per-patient figure."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from painpath.accounts.decorators import verified_staff
from painpath.accounts.roles import CLINICIAN
from painpath.analytics import disclosure, services
from painpath.analytics import render as document
from painpath.analytics.forms import ReportForm
from painpath.analytics.report import Options, Report, build
from painpath.analytics.services import REPORT_EXPORTED, REPORT_VIEWED
from painpath.audit.services import record
from painpath.core.analytics.cohort import CohortError
from painpath.core.analytics.disclosure import DisclosurePolicy, Withheld
from painpath.patients import access
from painpath.patients.models import Clinic

PERMISSION = "audit.view_analytics"


def _own_clinic(request: HttpRequest) -> Clinic | None:
    # A clinician's report holds their own clinic's patients under its quality-work rules;
    # every other clinic's patients, and everything a researcher sees, only with research
    # consent (docs/consent.md).
    return access.clinic_of(request) if request.user.has_perm("patients.view_episode") else None


@dataclass(frozen=True)
class Audience:
    frame: pl.DataFrame
    policy: DisclosurePolicy | None = None
    columns: tuple[str, ...] | None = None
    withheld: Withheld | None = None


def _audience(request: HttpRequest) -> Audience:
    membership = getattr(request, "membership", None)
    if membership is not None and membership.role == CLINICIAN:
        # Their own clinic only: never another clinic's patients, and then nothing to hide.
        # Only that clinic is read from the database.
        own = services.export_registry(own_clinic=_own_clinic(request), clinic=membership.clinic)
        return Audience(own.filter(pl.col("clinic") == membership.clinic.code))
    frame = services.export_registry(own_clinic=_own_clinic(request))
    policy = disclosure.policy()
    columns = disclosure.research_columns()
    cohort, withheld = disclosure.research_cohort(frame, columns, policy)
    present = tuple(c for c in columns if c in cohort.columns)
    return Audience(cohort, policy, present, withheld)


def _report(request: HttpRequest) -> tuple[ReportForm, Report | None, str, Audience]:
    audience = _audience(request)
    frame = audience.frame
    # First visit: an unbound form showing the defaults, and the whole registry's report.
    form = ReportForm(request.GET or None, frame, research_columns=audience.columns)
    if form.is_bound and not form.is_valid():
        return form, None, "", audience
    filters = form.filters() if form.is_bound else []
    options = form.options() if form.is_bound else Options(stratum=form["stratum"].initial)
    try:
        report = build(
            services.registry_table(frame),
            filters,
            options,
            policy=audience.policy,
            dimensions=audience.columns,
        )
    except CohortError as error:
        return form, None, str(error), audience
    report.withheld = audience.withheld
    return form, report, "", audience


def _context(report: Report, audience: Audience) -> dict[str, object]:
    columns = [*(audience.columns or ()), disclosure.WORDING_SIGNATURE]
    return document.context(report) | {
        "withheld_columns": ", ".join(document.stratum_label(c) for c in columns),
    }


@verified_staff
@permission_required(PERMISSION, raise_exception=True)
def report(request: HttpRequest) -> HttpResponse:
    form, built, error, audience = _report(request)
    record(
        request,
        REPORT_VIEWED,
        object_type="analytics",
        report="outcomes",
        filters=built.filters if built else [],
        patients_in_cohort=built.n_patients if built else 0,
        disclosure_k=audience.policy.k if audience.policy else None,
    )
    context: dict[str, object] = {"form": form, "report": built, "error": error}
    if built is not None:
        context |= _context(built, audience)
    return render(request, "analytics/report.html", context)


@verified_staff
@permission_required(PERMISSION, raise_exception=True)
def report_pdf(request: HttpRequest) -> HttpResponse:
    form, built, error, audience = _report(request)
    if built is None:
        return render(
            request,
            "analytics/report.html",
            {"form": form, "report": None, "error": error},
            status=400,
        )
    pdf = document.render_pdf(built, extra=_context(built, audience))
    record(
        request,
        REPORT_EXPORTED,
        object_type="analytics",
        report="outcomes",
        format="pdf",
        filters=built.filters,
        patients_in_cohort=built.n_patients,
        disclosure_k=audience.policy.k if audience.policy else None,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"painpath-outcomes-{timezone.localdate():%Y-%m-%d}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
