"""The administrators' screens: the audit log (site administrators) and staff management (site
and clinic administrators). No patient data on any of them: the audit log names a patient's
record by its public id only.

Searching the log is itself logged; a CPR search is sent by POST and answered with a redirect
to the records it found (their public ids), so the number is never in an address or a page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from painpath.accounts.decorators import verified_staff
from painpath.accounts.roles import SITE_ADMIN
from painpath.administration import services
from painpath.administration.forms import (
    AccountActiveForm,
    AuditSearchForm,
    ConfirmForm,
    CprSearchForm,
    InviteForm,
    MembershipForm,
)
from painpath.audit import services as audit
from painpath.patients.models import Patient

PAGE_SIZE = 50


# --------------------------------------------------------------------------- the audit log


def _patients_named(text: str) -> list[Patient]:
    """The patient records a search names by public id, for filing the search under them."""
    ids = [public_id for part in text.split() if (public_id := audit.as_uuid(part))]
    return list(Patient.objects.filter(public_id__in=ids)) if ids else []


@verified_staff
@permission_required("audit.view_auditentry", raise_exception=True)
def log(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _search_by_cpr(request)
    form = AuditSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    # Pages by their neighbour's edge, not numbered: numbering would count the whole log.
    page = audit.log_page(
        audit.search(**filters),
        before=request.GET.get("before"),
        after=request.GET.get("after"),
        size=PAGE_SIZE,
    )
    named = _patients_named(filters.get("patient", ""))
    audit.record(
        request,
        audit.LOG_SEARCHED,
        patient=named[0] if len(named) == 1 else None,
        object_type="audit.log",
        filters=form.filters(),
        page={"before": request.GET.get("before", ""), "after": request.GET.get("after", "")},
    )
    context = {"form": form, "cpr_form": CprSearchForm(), "page": page}
    return render(request, "administration/audit_log.html", context)


def _search_by_cpr(request: HttpRequest) -> HttpResponse:
    form = CprSearchForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("cpr", []):
            messages.error(request, _("Not a valid CPR number: %(reason)s.") % {"reason": error})
        return redirect("administration:audit_log")
    found = services.patients_with_cpr(form.cleaned_data["cpr"])
    services.record_cpr_search(request, found)
    if not found:
        messages.info(request, _("No patient record in any clinic has this CPR number."))
        return redirect("administration:audit_log")
    ids = " ".join(str(patient.public_id) for patient in found)
    return redirect(f"{reverse('administration:audit_log')}?{urlencode({'patient': ids})}")


# --------------------------------------------------------------------------- staff


def administrator(
    *, accounts: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Verified staff who administer something (``accounts``: staff accounts, which only a
    site administrator does); the view gets their :class:`~services.Scope`. A change the
    services refuse (their own roles, an installation account …) goes back to the page it
    came from with the service's reason."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @verified_staff
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            scope = services.scope_for(request.user, getattr(request, "membership", None))
            if scope is None or (accounts and not scope.accounts):
                raise PermissionDenied("not an administrator of this")
            try:
                return view(request, scope, *args, **kwargs)
            except services.NotAllowed as refusal:
                messages.error(request, str(refusal))
                return _back(kwargs.get("user_id"))

        return wrapper

    return decorate


def _staff(scope: services.Scope) -> Any:
    return scope.staff().annotate(
        has_authenticator=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        has_backup_codes=Exists(StaticDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
    )


def _member(scope: services.Scope, user_id: int) -> Any:
    """The staff member in view, else 404 — the same for one outside the clinic as for one
    who does not exist."""
    staff = _staff(scope).filter(pk=user_id).first()
    if staff is None:
        raise Http404("no such staff member here")
    return staff


def _installation(staff: Any) -> bool:
    return bool(
        staff.is_superuser
        or staff.is_staff
        or any(group.name == SITE_ADMIN for group in staff.groups.all())
    )


@administrator()
def staff_list(request: HttpRequest, scope: services.Scope) -> HttpResponse:
    # Ordered by username, which is unique: a stable order for the pages.
    page = Paginator(_staff(scope), PAGE_SIZE).get_page(request.GET.get("page"))
    for staff in page:
        staff.installation = _installation(staff)
    form = MembershipForm(clinics=scope.clinics(), initial={"clinic": scope.clinic})
    context = {"scope": scope, "accounts": page, "page": page, "membership_form": form}
    return render(request, "administration/staff_list.html", context)


@administrator()
def staff_detail(request: HttpRequest, scope: services.Scope, user_id: int) -> HttpResponse:
    staff = _member(scope, user_id)
    staff.installation = _installation(staff)
    context = {
        "scope": scope,
        "staff": staff,
        "is_self": staff.pk == request.user.pk,
        "membership_form": MembershipForm(
            clinics=scope.clinics(), initial={"username": staff.username, "clinic": scope.clinic}
        ),
        "confirm_form": ConfirmForm(),
    }
    return render(request, "administration/staff_detail.html", context)


@administrator(accounts=True)
def staff_invite(request: HttpRequest, scope: services.Scope) -> HttpResponse:
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # The form's fields are the service's arguments, one for one.
            invitation = services.invite(request.user, request=request, **form.cleaned_data)
        except services.NotAllowed as refusal:  # e.g. the e-mail could not be sent
            form.add_error(None, str(refusal))
        else:
            _link_sent(request, invitation.user, invitation.sent_to)
            return redirect("administration:staff_detail", invitation.user.pk)
    return render(request, "administration/staff_invite.html", {"form": form})


def _link_sent(request: HttpRequest, staff: Any, address: str) -> None:
    # The link goes to the invitee only: never into this page, a message or the log.
    days = settings.PASSWORD_RESET_TIMEOUT // (24 * 60 * 60)
    text = ngettext(
        "%(username)s's link to set a password is e-mailed to %(address)s. It works once, "
        "for %(days)s day, until they have set a password.",
        "%(username)s's link to set a password is e-mailed to %(address)s. It works once, "
        "for %(days)s days, until they have set a password.",
        days,
    )
    messages.success(
        request, text % {"username": staff.get_username(), "address": address, "days": days}
    )


def _back(user_id: int | None) -> HttpResponse:
    if user_id is None:
        return redirect("administration:staff")
    return redirect("administration:staff_detail", user_id)


@require_POST
@administrator()
def membership_set(request: HttpRequest, scope: services.Scope) -> HttpResponse:
    form = MembershipForm(request.POST, clinics=scope.clinics())
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))
        return _back(None)
    data = form.cleaned_data
    staff = data["username"]
    membership = services.set_membership(
        request.user, staff, data["clinic"], data["role"], active=data["active"], request=request
    )
    messages.success(
        request,
        _("%(username)s: %(role)s in %(clinic)s (%(state)s).")
        % {
            "username": staff.get_username(),
            "role": membership.get_role_display(),
            "clinic": membership.clinic.name,
            "state": _("active") if membership.active else _("suspended"),
        },
    )
    return _back(staff.pk)


@require_POST
@administrator(accounts=True)
def invitation_renew(request: HttpRequest, scope: services.Scope, user_id: int) -> HttpResponse:
    staff = _member(scope, user_id)
    address = services.renew_invitation(request.user, staff, request=request)
    _link_sent(request, staff, address)
    return _back(staff.pk)


@require_POST
@administrator(accounts=True)
def second_factor_reset(request: HttpRequest, scope: services.Scope, user_id: int) -> HttpResponse:
    staff = _member(scope, user_id)
    if not ConfirmForm(request.POST).is_valid():
        messages.error(request, _("Confirm first that you have checked who is asking."))
        return _back(staff.pk)
    services.reset_second_factor(request.user, staff, request=request)
    messages.success(
        request,
        _("%(username)s's authenticator is removed: they set up a new one at their next sign-in.")
        % {"username": staff.get_username()},
    )
    return _back(staff.pk)


@require_POST
@administrator(accounts=True)
def account_active(request: HttpRequest, scope: services.Scope, user_id: int) -> HttpResponse:
    staff = _member(scope, user_id)
    form = AccountActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to deactivate or reactivate the account."))
        return _back(staff.pk)
    active = form.cleaned_data["active"]
    services.set_account_active(request.user, staff, active, request=request)
    text = (
        _("%(username)s can sign in again.")
        if active
        else _("%(username)s can no longer sign in; their open sessions have ended.")
    )
    messages.success(request, text % {"username": staff.get_username()})
    return _back(staff.pk)
