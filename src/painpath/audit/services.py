"""Writing audit entries. Every view that reads or changes patient data calls :func:`record`."""

from __future__ import annotations

from typing import Any

from django.db import models
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
