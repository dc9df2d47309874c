"""The clinic administrator's screen for the clinic's API clients: the list, a new client
(its token shown once, on the page that answers the form, never stored or redirected), and
revoking one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from painpath.accounts.decorators import verified_staff
from painpath.api import services
from painpath.api.forms import ClientForm
from painpath.api.models import ApiClient
from painpath.patients import access
from painpath.patients.models import Clinic

# The clinic's settings are the clinic administrator's; its integrations are part of them.
PERMISSION = "patients.change_clinic"


def _clinic(request: HttpRequest) -> Clinic:
    clinic = access.clinic_of(request)
    if clinic is None:
        raise Http404("not working in a clinic")
    return clinic


@verified_staff
@permission_required(PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def clients(request: HttpRequest) -> HttpResponse:
    clinic = _clinic(request)
    form = ClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        client, token = services.create_client(
            form.cleaned_data["name"],
            clinic=clinic,
            scopes=form.cleaned_data["scopes"],
            user=request.user,
            request=request,
        )
        return render(request, "api/client_created.html", {"client": client, "token": token})
    listed = services.with_last_use(
        ApiClient.objects.filter(clinic=clinic).select_related("created_by")
    )
    return render(
        request,
        "api/clients.html",
        {"clinic": clinic, "clients": listed, "form": form},
        status=400 if form.is_bound else 200,
    )


@verified_staff
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def revoke(request: HttpRequest, client_id: int) -> HttpResponse:
    client = ApiClient.objects.filter(clinic=_clinic(request), pk=client_id).first()
    if client is None:
        raise Http404("no such client")
    services.revoke_client(client, user=request.user, request=request)
    messages.success(request, _("The client's token no longer works."))
    return HttpResponseRedirect(reverse("api_clients:list"))
