"""Rules for every request and response, project-wide (they span the apps, so they live here):

- :class:`RequestIdMiddleware`: every request has an id, in its log lines and its response;
- :class:`ForwardedForMiddleware`: behind the reverse proxy, the client's address is the one
  the proxy saw;
- :class:`NoStoreMiddleware`: no browser or proxy keeps a copy of a page;
- :class:`RefusedReadAuditMiddleware`: a 403 on a patient-data page is audited, as the
  clinic-scoped accessors audit a 404 (``painpath.patients.access``).
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from painpath.audit.services import record, stored_path
from painpath.patients.access import REFUSED
from painpath.patients.models import Episode, Patient
from painpath.web import log

# The URL namespaces whose pages show or change patient data (the patient's own link pages,
# under questionnaires, are token-authorised and answer a bad token with a 404).
PATIENT_DATA_NAMESPACES = frozenset({"patients", "clinic", "followup", "questionnaires"})


# An incoming X-Request-ID (set by the proxy, or by a client tracing its own calls) is kept only
# when it is short and plain, so it can neither flood nor forge a log line.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")
REQUEST_ID_HEADER = "X-Request-ID"
requests_log = logging.getLogger("painpath.request")


class RequestIdMiddleware:
    """Gives each request an id (the proxy's ``X-Request-ID`` when sane, else a new one), puts
    it on every log record written meanwhile (painpath.web.log) and on the response, and logs
    the request in one line: method, path (link tokens and CPR numbers masked, as in the audit
    log), status and duration."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        rid = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        # Not reset on the way out: Django logs a 4xx response ("Not Found: …") after the last
        # middleware has returned; request_finished (below) ends it.
        log.request_id.set(rid)
        started = time.monotonic()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = rid
        path = stored_path(request)
        requests_log.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "status": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response


def _forget_request_id(**kwargs: Any) -> None:
    log.request_id.set(log.NO_REQUEST)


request_finished.connect(_forget_request_id, dispatch_uid="painpath.web.forget_request_id")


class ForwardedForMiddleware:
    """Behind ``PAINPATH_PROXY_COUNT`` proxies, the client's address is the X-Forwarded-For
    entry that many from the right (each proxy appends the address it received from); it
    replaces REMOTE_ADDR, which the audit log and django-axes' lockouts read. Entries further
    left are written by the client and ignored. Without the header (a local health check) or
    with a malformed entry REMOTE_ADDR stays the proxy's."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = settings.PAINPATH_PROXY_COUNT
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
        if count > 0 and len(entries) >= count:
            try:
                address = ipaddress.ip_address(entries[-count])
            except ValueError:
                pass
            else:
                request.META["REMOTE_ADDR"] = str(address)
        return self.get_response(request)


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
