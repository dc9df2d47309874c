"""Writing and searching audit entries.

Every view that reads or changes patient data calls :func:`record`. Entries are never changed
or deleted here: the log is append-only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpRequest

from painpath.audit.models import AuditEntry


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trivially forged unless a known proxy sets it,
    # and a deployment behind one should rewrite REMOTE_ADDR there.
    return request.META.get("REMOTE_ADDR") or None


def record(
    request: HttpRequest | None,
    action: str,
    *,
    patient: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    **detail: Any,
) -> AuditEntry:
    """Add one entry: who (the request's user), what (action, object), when, from where."""
    user = getattr(request, "user", None) if request is not None else None
    authenticated = bool(user is not None and user.is_authenticated)
    return AuditEntry.objects.create(
        user=user if authenticated else None,
        username=user.get_username() if authenticated and user is not None else "",
        action=action,
        patient=patient,
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else "",
        path=request.get_full_path()[:300] if request is not None else "",
        method=request.method or "" if request is not None else "",
        ip=client_ip(request) if request is not None else None,
        detail=detail,
    )


def record_login_failed(
    request: HttpRequest | None, attempted_username: str, **detail: Any
) -> AuditEntry:
    """A failed sign-in, filed under the username that was tried (no one is signed in)."""
    return AuditEntry.objects.create(
        user=None,
        username=attempted_username[:150],
        action=AuditEntry.Action.LOGIN_FAILED,
        path=request.get_full_path()[:300] if request is not None else "",
        method=request.method or "" if request is not None else "",
        ip=client_ip(request) if request is not None else None,
        detail=detail,
    )


def search(
    *,
    user: str = "",
    patient: str = "",
    action: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries matching every given filter, newest first.

    ``user`` matches the username or the person's name; ``patient`` is a patient's public id
    or part of their name; ``since`` and ``until`` are inclusive local dates.
    """
    entries = AuditEntry.objects.select_related("user", "patient")
    if user.strip():
        text = user.strip()
        entries = entries.filter(
            Q(username__icontains=text)
            | Q(user__first_name__icontains=text)
            | Q(user__last_name__icontains=text)
        )
    if patient.strip():
        public_id = _as_uuid(patient)
        if public_id is not None:
            entries = entries.filter(patient__public_id=public_id)
        else:
            entries = entries.filter(patient__name__icontains=patient.strip())
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(at__date__gte=since)
    if until is not None:
        entries = entries.filter(at__date__lte=until)
    return entries


def patient_by_public_id(text: str) -> Any:
    """The patient a search names exactly (by public id), for filing the search under them."""
    from django.apps import apps

    public_id = _as_uuid(text)
    if public_id is None:
        return None
    # Looked up by label, not imported: audit is imported by every app and imports none.
    return apps.get_model("patients", "Patient").objects.filter(public_id=public_id).first()


def viewers_of(patient: Any, limit: int = 50) -> list[AuditEntry]:
    """Who looked at this patient's record, most recent first (for the patient page)."""
    entries = AuditEntry.objects.filter(patient=patient, action=AuditEntry.Action.VIEW)
    return list(entries.select_related("user").order_by("-at", "-id")[:limit])


@dataclass(frozen=True)
class Viewer:
    username: str
    last: dt.datetime
    count: int


def viewer_summary(patient: Any, limit: int = 10) -> list[Viewer]:
    """One row per person who looked at this patient's record: when last, and how often."""
    rows = (
        AuditEntry.objects.filter(patient=patient, action=AuditEntry.Action.VIEW)
        .values("username")
        .annotate(last=Max("at"), count=Count("id"))
        .order_by("-last", "username")[:limit]
    )
    return [Viewer(row["username"], row["last"], row["count"]) for row in rows]


def _as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        return None
