"""The workbench's screens, for the researchers of a registry only: a researcher of a clinic
that is one of the registry's sites. The report is a GET (reading writes only its audit
entry) and its PDF the same question; drafts are uploaded by POST."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from painpath.accounts.decorators import verified_staff
from painpath.accounts.roles import RESEARCHER
from painpath.audit.services import record
from painpath.core.errors import PainpathError
from painpath.registry import workbench
from painpath.registry.models import Registry
from painpath.registry.workbench_forms import DraftForm, ReportForm
from painpath.registry.workbench_models import DraftRuleSet


def _registries(request: HttpRequest) -> QuerySet[Registry]:
    membership = getattr(request, "membership", None)
    if membership is None or membership.role != RESEARCHER:
        raise PermissionDenied
    return Registry.objects.filter(sites__clinic=request.clinic).distinct().order_by("code")  # type: ignore[attr-defined]


def _chosen(request: HttpRequest) -> tuple[list[Registry], Registry | None]:
    registries = list(_registries(request))
    wanted = request.GET.get("registry", "")
    chosen = next((r for r in registries if r.code == wanted), None)
    return registries, chosen or (registries[0] if registries else None)


def _report(request: HttpRequest, registry: Registry) -> tuple[ReportForm, Any, str]:
    bound = "classification" in request.GET
    form = ReportForm(registry, request.GET if bound else None)
    report, error = None, ""
    if bound and form.is_valid():
        try:
            report = workbench.workbench_report(registry, form.query())
        except PainpathError as failure:
            error = str(failure)
    return form, report, error


@verified_staff
def report(request: HttpRequest) -> HttpResponse:
    registries, registry = _chosen(request)
    context: dict[str, Any] = {
        "registries": registries,
        "registry": registry,
        "shipped": workbench.shipped_from_pooled(),
    }
    status = 200
    if registry is not None:
        form, found, error = _report(request, registry)
        context |= {"form": form, "report": found, "error": error, "query": request.GET.urlencode()}
        status = 400 if error or form.errors else 200
        if found is not None:
            record(request, workbench.REPORT_VIEWED, object_type="registry", **found.summary())
    return render(request, "registry/workbench.html", context, status=status)


@verified_staff
def report_pdf(request: HttpRequest) -> HttpResponse:
    _, registry = _chosen(request)
    found = _report(request, registry)[1] if registry is not None else None
    if found is None:
        # No question asked, or a wrong one: the page says what is wrong.
        return redirect(f"{_url('registry:workbench')}?{request.GET.urlencode()}")
    pdf = render_pdf(found)
    record(request, workbench.REPORT_EXPORTED, object_type="registry", **found.summary())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'attachment; filename="painpath-workbench.pdf"'
    return response


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@verified_staff
def drafts(request: HttpRequest) -> HttpResponse:
    registries, registry = _chosen(request)
    form = DraftForm(request.POST or None, request.FILES or None)
    error = ""
    if request.method == "POST" and registry is not None and form.is_valid():
        filename, text = form.cleaned_data["file"]
        try:
            draft, created = workbench.upload_draft(
                registry, text, filename=filename, user=request.user, request=request
            )
        except PainpathError as failure:
            error = str(failure)
        else:
            if created:
                messages.success(request, _("Draft %(name)s %(version)s kept.") % _named(draft))
            else:
                messages.info(request, _("Draft %(name)s %(version)s: unchanged.") % _named(draft))
            return redirect(f"{_url('registry:workbench_drafts')}?registry={registry.code}")
    kept = DraftRuleSet.objects.filter(registry=registry) if registry is not None else []
    if request.method == "GET" and registry is not None:
        record(request, workbench.DRAFTS_VIEWED, object_type="registry", registry=registry.code)
    return render(
        request,
        "registry/workbench_drafts.html",
        {
            "registries": registries,
            "registry": registry,
            "form": form,
            "error": error,
            "drafts": kept,
        },
        status=400 if error or form.errors else 200,
    )


def _named(draft: DraftRuleSet) -> dict[str, str]:
    return {"name": draft.name, "version": draft.version}


def render_document(found: workbench.WorkbenchReport, language: str | None = None) -> str:
    from django.template.loader import render_to_string
    from django.utils import timezone, translation

    from painpath import __version__
    from painpath.analytics.render import CSS

    with translation.override(language or translation.get_language() or "en"):
        return render_to_string(
            "registry/workbench_document.html",
            {
                "report": found,
                "css": CSS.read_text(encoding="utf-8"),
                "version": __version__,
                "generated": timezone.now().strftime("%Y-%m-%d %H:%M UTC"),
                "language": translation.get_language(),
            },
        )


def render_pdf(found: workbench.WorkbenchReport, language: str | None = None) -> bytes:
    from weasyprint import HTML  # imported here: it loads Pango, which only the PDF needs

    pdf = HTML(string=render_document(found, language)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
