"""Two rules for every response, project-wide (they span the apps, so they live here):

- :class:`NoStoreMiddleware`: no browser or proxy keeps a copy of a page;
- :class:`RefusedReadAuditMiddleware`: a 403 on a patient-data page is audited, as the
  clinic-scoped accessors audit a 404 (``painpath.patients.access``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from painpath.audit.services import record
from painpath.patients.access import REFUSED
from painpath.patients.models import Episode, Patient

# The URL namespaces whose pages show or change patient data (the patient's own link pages,
# under questionnaires, are token-authorised and answer a bad token with a 404).
PATIENT_DATA_NAMESPACES = frozenset({"patients", "clinic", "followup", "questionnaires"})


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (Django's ``never_cache``) on every response painpath renders.

    Nearly every page carries patient data, a patient's link or a secret (an authenticator's
    set-up code), and a rule with exceptions is one a new page gets wrong; the few public pages
    lose nothing by it. Static files are served apart from the views and stay cacheable.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


class RefusedReadAuditMiddleware:
    """Audit a 403 on a patient-data URL (a role without the permission, a secretary on a
    clinical page). Like the accessor's 404 it names what was asked for in the detail, not as
    the entry's patient — nobody read the record, so it is no "look" at it
    (``audit.services.viewer_summary``) — and the audit log's search by a patient's public id
    finds it there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if (
            response.status_code == 403
            and match is not None
            and match.namespace in PATIENT_DATA_NAMESPACES
        ):
            requested = match.kwargs.get("public_id") or match.kwargs.get("episode_id")
            patient = _patient_named(match.kwargs)
            record(
                request,
                REFUSED,
                object_type=match.view_name,
                status=403,
                # What the address asked for (never a patient link's token: a credential).
                requested=str(requested) if requested else "",
                patient_record=str(patient.public_id) if patient else "",
            )
        return response


def _patient_named(kwargs: dict[str, Any]) -> Patient | None:
    if "public_id" in kwargs:
        return Patient.objects.filter(public_id=kwargs["public_id"]).first()
    if "episode_id" in kwargs:
        episode = (
            Episode.objects.filter(public_id=kwargs["episode_id"]).select_related("patient").first()
        )
        return episode.patient if episode else None
    return None
