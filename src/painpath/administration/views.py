"""The audit log for site administrators. Searching the log is itself logged."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from painpath.accounts.decorators import verified_staff
from painpath.administration.forms import AuditSearchForm
from painpath.audit import services
from painpath.patients.models import Patient

PAGE_SIZE = 50


def _patient_named(text: str) -> Patient | None:
    """The patient a search names exactly (by public id), for filing the search under them."""
    public_id = services.as_uuid(text)
    return None if public_id is None else Patient.objects.filter(public_id=public_id).first()


@verified_staff
@permission_required("audit.view_auditentry", raise_exception=True)
def log(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    entries = services.search(**filters)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    # Fetch the page before logging this search, so that the entry for it does not push
    # a result off the page the user asked for.
    page.object_list = list(page.object_list)
    services.record(
        request,
        services.LOG_SEARCHED,
        patient=_patient_named(filters.get("patient", "")),
        object_type="audit.log",
        filters=form.filters(),
        page=page.number,
    )
    return render(request, "administration/audit_log.html", {"form": form, "page": page})
