"""Clinics as tenants: which clinic a staff member is working in, what their role there lets
them do, and the one way to fetch patient data — scoped to that clinic.

- :class:`CurrentClinicMiddleware` puts ``request.clinic`` (the clinic the signed-in staff
  member works in now: the one chosen in this session, else their first) and
  ``request.membership`` on every request.
- :class:`ClinicRoleBackend` gives ``user.has_perm`` the permissions of their role *in that
  clinic* (``painpath.accounts.roles``), so ``@permission_required`` and ``{{ perms }}`` mean
  "in the clinic I am working in". Site administrators keep their Django group, which holds
  no patient permission.
- :func:`patients`, :func:`patient`, :func:`episodes`, :func:`episode` are the clinic-scoped
  accessors: every query of patient data in a view goes through them. A record of another
  clinic is a 404, the same as one that does not exist, and the refused read is audited.

One patient record per clinic: a patient treated by two clinics has a record in each (the
CPR number is unique within a clinic, not across clinics); neither clinic sees the other's
record. The research registry links the two through a keyed pseudonym of the CPR number.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib.auth.backends import BaseBackend
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from painpath.accounts.roles import permission_names
from painpath.audit.services import Event, record
from painpath.patients.models import Clinic, Episode, Membership, Patient

SESSION_KEY = "painpath.clinic"
REFUSED = Event("patients.read_refused", "view")


# --------------------------------------------------------------------------- who, where


def memberships_of(user: Any) -> QuerySet[Membership]:
    if not getattr(user, "is_authenticated", False):
        return Membership.objects.none()
    return Membership.objects.filter(user=user, active=True).select_related("clinic")


def membership_for(request: HttpRequest) -> Membership | None:
    """The membership the request works under: the session's clinic if the user still
    belongs to it, else their first clinic."""
    mine = list(memberships_of(request.user))
    chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    for membership in mine:
        if membership.clinic_id == chosen:
            return membership
    return mine[0] if mine else None


def choose_clinic(request: HttpRequest, clinic_id: int) -> Membership:
    """Work in another of one's clinics from now on (this session)."""
    for membership in memberships_of(request.user):
        if membership.clinic_id == clinic_id:
            request.session[SESSION_KEY] = clinic_id
            return membership
    raise Http404("not a member of this clinic")


class CurrentClinicMiddleware:
    """``request.clinic`` and ``request.membership`` (None outside any clinic), and the role
    on the user for :class:`ClinicRoleBackend`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = membership_for(request)
        request.membership = membership  # type: ignore[attr-defined]
        request.clinic = membership.clinic if membership else None  # type: ignore[attr-defined]
        if getattr(request.user, "is_authenticated", False):
            request.user.clinic_role = membership.role if membership else None  # type: ignore[union-attr]
        return self.get_response(request)


class ClinicRoleBackend(BaseBackend):
    """Permissions of the user's role in the clinic they work in (the middleware puts it on
    the request's user). A user object that did not come through the middleware — the one
    just signed in, deciding where they start — has those of all their clinic roles."""

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not getattr(user_obj, "is_active", False) or obj is not None:
            return set()
        if hasattr(user_obj, "clinic_role"):
            return set(permission_names(user_obj.clinic_role))
        roles = Membership.objects.filter(user=user_obj, active=True).values_list("role", flat=True)
        return set().union(*(permission_names(role) for role in roles))

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        return perm in self.get_all_permissions(user_obj, obj)


def clinic_context(request: HttpRequest) -> dict[str, Any]:
    """For every page's header: the clinic one works in, and one's other clinics."""
    current = getattr(request, "membership", None)
    if current is None:
        return {}
    others = [m for m in memberships_of(request.user) if m.pk != current.pk]
    return {"current_membership": current, "other_memberships": others}


# --------------------------------------------------------------------------- scoped reads


def clinic_of(request: HttpRequest) -> Clinic | None:
    return getattr(request, "clinic", None)


def patients(request: HttpRequest) -> QuerySet[Patient]:
    """The patients of the clinic the request works in (none outside a clinic)."""
    clinic = clinic_of(request)
    return Patient.objects.filter(clinic=clinic) if clinic else Patient.objects.none()


def episodes(request: HttpRequest) -> QuerySet[Episode]:
    clinic = clinic_of(request)
    if clinic is None:
        return Episode.objects.none()
    return Episode.objects.filter(patient__clinic=clinic).select_related("patient")


def _refused(request: HttpRequest, what: str, public_id: Any) -> Http404:
    record(request, REFUSED, object_type=what, requested=str(public_id))
    return Http404(f"no such {what}")


def patient(request: HttpRequest, public_id: uuid.UUID | str) -> Patient:
    """The clinic's patient with this public id, else 404 (audited)."""
    found = patients(request).filter(public_id=public_id).first()
    if found is None:
        raise _refused(request, "patient", public_id)
    return found


def episode(
    request: HttpRequest, public_id: uuid.UUID | str, *, patient: Patient | None = None
) -> Episode:
    """The clinic's episode with this public id (of ``patient``, if given), else 404."""
    found = episodes(request).filter(public_id=public_id)
    if patient is not None:
        found = found.filter(patient=patient)
    result = found.first()
    if result is None:
        raise _refused(request, "episode", public_id)
    return result
