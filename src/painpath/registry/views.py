"""The registry's screens. Site administrators see the sites and their uploads and upload
an extract for a site; researchers see the combined outcome table under disclosure control
(the registry's k), never a row. Clinicians, secretaries and clinic administrators see
nothing here: the registry is not a clinic's screen."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from painpath.accounts.decorators import verified_staff
from painpath.accounts.roles import RESEARCHER, SITE_ADMIN
from painpath.audit.services import record
from painpath.core.registry.extract import InvalidExtract
from painpath.registry import services
from painpath.registry.forms import UploadForm
from painpath.registry.models import Registry, Site
from painpath.registry.workbench_views import _chosen


def _is_site_admin(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.groups.filter(name=SITE_ADMIN).exists())


def _is_researcher(request: HttpRequest) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role == RESEARCHER


def _only(check: Callable[[HttpRequest], bool]) -> Callable[..., Any]:
    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @verified_staff
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


@_only(_is_site_admin)
def overview(request: HttpRequest) -> HttpResponse:
    registries = [
        {"registry": registry, "sites": services.overview(registry)}
        for registry in Registry.objects.all()
    ]
    record(request, services.OVERVIEW_VIEWED, object_type="registry", registries=len(registries))
    return render(request, "registry/overview.html", {"registries": registries})


@_only(_is_site_admin)
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        site: Site = form.cleaned_data["site"]
        content = form.cleaned_data["file"].read()
        try:
            if site.participation == Site.Participation.AGGREGATE:
                try:
                    body = json.loads(content)
                except (ValueError, RecursionError) as error:
                    # RecursionError: JSON nested thousands deep, which json cannot parse.
                    raise InvalidExtract([]) from error
                result = services.receive_aggregate(site, body, user=request.user, request=request)
            else:
                result = services.receive_file(site, content, user=request.user, request=request)
        except InvalidExtract as error:
            errors = [str(e) for e in error.errors[:50]] or [_("The file is not JSON.")]
        else:
            if result.status == "unchanged":
                messages.info(request, _("Nothing changed: the same data as the last upload."))
            else:
                messages.success(request, _("Upload accepted for %(site)s.") % {"site": site.code})
            return redirect("registry:overview")
    return render(
        request,
        "registry/upload.html",
        {"form": form, "errors": errors},
        status=400 if errors else 200,
    )


@_only(_is_researcher)
def combined(request: HttpRequest) -> HttpResponse:
    from painpath.analytics import render as document

    # Only a registry the researcher's clinic is a site of (as the workbench): being a
    # researcher somewhere on this server is no licence to read every registry it keeps.
    registries, registry = _chosen(request)
    context: dict[str, Any] = {"registry": registry, "registries": registries}
    if registry is not None:
        table = services.combined_outcome_table(registry.k, registry)
        context["table"] = table
        if table.report is not None:
            context |= document.context(table.report) | {"report": table.report}
        if table.combined is not None:
            # All patients only: strata rows are in the JSON of 'painpath registry combine'.
            context["combined_rows"] = [r for r in table.combined.rows if r.stratum_column is None]
    record(
        request,
        services.COMBINED_VIEWED,
        object_type="registry",
        registry=registry.code if registry else "",
        disclosure_k=registry.k if registry else None,
    )
    return render(request, "registry/combined.html", context)
