"""Writing and searching audit entries.

Every use case that reads or changes patient data calls :func:`record` inside its own
transaction, with an :class:`Event`: a namespaced code (``pathway.session.logged``) and the
kind of action it is. Entries are never changed or deleted here: the log is append-only.

This app stands at the bottom of the house: every app imports it, it imports none.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Count, Max, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from painpath.audit.models import AuditEntry

# A CPR number (ten digits; a hyphen, a space or their URL encodings between the sixth and the
# seventh) that reached an address — typed into the address bar, or sent by a GET form — is
# masked before the path is stored: the log never holds one in full. The bounds keep a run of
# digits inside a longer token (a public id) as it is.
_CPR_IN_PATH = re.compile(
    r"(?:(?<![0-9A-Za-z])|(?<=%20))(\d{6})(?:-|\+|%2D|%20)?\d{4}(?![0-9A-Za-z])", re.I
)


# A patient link's token is the patient's only credential: whoever reads it can act as the
# patient. It never reaches the log (the entry names the link by its id instead).
_LINK_TOKEN_IN_PATH = re.compile(r"(/q/p/)[^/?#]+")


def stored_path(request: HttpRequest) -> str:
    path = _LINK_TOKEN_IN_PATH.sub(r"\1…", request.get_full_path())
    return _CPR_IN_PATH.sub(r"\1-••••", path)[:300]


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is trivially forged unless a known proxy sets it,
    # and a deployment behind one should rewrite REMOTE_ADDR there.
    return request.META.get("REMOTE_ADDR") or None


@dataclass(frozen=True)
class Event:
    """What an audit entry records: ``code`` names it (``<app>.<object>.<what happened>``),
    ``action`` is its kind (viewed, created, changed …) for searching and for the plain words
    the log shows."""

    code: str
    action: str

    def __post_init__(self) -> None:
        if self.action not in AuditEntry.Action.values:
            raise ValueError(f"audit event {self.code}: unknown action {self.action!r}")
        if self.code.count(".") < 1 or len(self.code) > CODE_LENGTH:
            raise ValueError(f"audit event code {self.code!r} is not '<app>.<what>'")


CODE_LENGTH = 80
V = AuditEntry.Action

SIGNED_IN = Event("accounts.signed_in", V.LOGIN)
SIGN_IN_FAILED = Event("accounts.sign_in_failed", V.LOGIN_FAILED)
LOG_SEARCHED = Event("audit.log.searched", V.VIEW)
ADMIN_LOG_VIEWED = Event("audit.admin.viewed", V.VIEW)


def record(
    request: HttpRequest | None,
    event: Event,
    *,
    user: Any = None,
    patient: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    **detail: Any,
) -> AuditEntry:
    """Add one entry: who (``user``, else the request's user, or the API client the request
    came from), what (the event, the object), when, from where (the request, if the use case
    came through one)."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    authenticated = bool(user is not None and user.is_authenticated)
    api_client = getattr(request, "api_client", None)
    username = user.get_username() if authenticated and user is not None else ""
    return AuditEntry.objects.create(
        user=user if authenticated else None,
        username=username or (f"api:{api_client.name}"[:150] if api_client is not None else ""),
        api_client=api_client,
        code=event.code,
        action=event.action,
        patient=patient,
        object_type=obj._meta.label_lower if obj is not None else object_type,
        object_id=str(obj.pk) if obj is not None else "",
        path=stored_path(request) if request is not None else "",
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
        code=SIGN_IN_FAILED.code,
        action=SIGN_IN_FAILED.action,
        path=stored_path(request) if request is not None else "",
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

    ``user`` matches the username or the person's name; ``patient`` is one or more patient
    records' public ids (separated by spaces) — never a name: the log's readers see no patient
    data, so they cannot find a patient by one (a CPR number finds them through its keyed hash,
    ``painpath.administration``); ``since`` and ``until`` are inclusive local dates.

    Every filter is one an index answers (``AuditEntry.Meta.indexes``), so that a page of a
    log of millions of entries reads a page of rows: the text for ``user`` is first matched
    against the staff accounts (a short table), then the log by account and username.
    """
    entries = AuditEntry.objects.select_related("user", "patient").order_by("-at", "-id")
    if user.strip():
        text = user.strip()
        accounts = get_user_model().objects.filter(
            Q(username__icontains=text)
            | Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
        )
        ids, names = set(), {text}
        for pk, username in accounts.values_list("pk", "username"):
            ids.add(pk)
            names.add(username)
        # The username as it was (kept if the account is renamed) and failed sign-ins, which
        # name the username tried and no account.
        entries = entries.filter(Q(user_id__in=ids) | Q(username__in=names))
    if patient.strip():
        ids = [str(i) for part in patient.replace(",", " ").split() if (i := as_uuid(part))]
        # A refused read names the record it asked for in its detail, not as its patient:
        # nobody read it (painpath.patients.access, painpath.web.middleware).
        # The records' own ids first (one indexed lookup), so that each alternative below is
        # an index's: the log is never joined to the patients to be filtered.
        records = AuditEntry._meta.get_field("patient").related_model._default_manager
        pks = list(records.filter(public_id__in=ids).values_list("pk", flat=True))
        entries = entries.filter(
            Q(patient_id__in=pks)
            | Q(detail__has_key="requested", detail__requested__in=ids)
            | Q(detail__has_key="patient_record", detail__patient_record__in=ids)
        )
    if action:
        entries = entries.filter(action=action)
    # Local midnights rather than ``at__date``: a date cast of every row answers no index.
    if since is not None:
        entries = entries.filter(at__gte=_midnight(since))
    if until is not None:
        entries = entries.filter(at__lt=_midnight(until + dt.timedelta(days=1)))
    return entries


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class LogPage:
    """One page of the log, newest first, found from its neighbour's edge (keyset) rather
    than by counting and skipping: a page costs the same on the first day and after
    millions of entries. ``newer`` and ``older`` are the cursors of the pages beside it
    (``None``: there is none); ``at_least`` counts the matching entries up to ``COUNT_UP_TO``
    (more are "more than …", never counted)."""

    entries: list[AuditEntry]
    newer: str | None
    older: str | None
    at_least: int

    @property
    def more(self) -> bool:
        return self.at_least > COUNT_UP_TO

    def __iter__(self) -> Iterator[AuditEntry]:
        return iter(self.entries)


COUNT_UP_TO = 1000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def cursor(entry: AuditEntry) -> str:
    """An entry's place in the log, for the address of the page beside it: its time in
    microseconds and its id (the tie-breaker)."""
    return f"{(entry.at - _EPOCH) // dt.timedelta(microseconds=1)}-{entry.pk}"


def _place(text: str | None) -> tuple[dt.datetime, int] | None:
    match = re.fullmatch(r"(-?\d{1,19})-(\d{1,19})", text or "")
    if match is None:
        return None
    try:
        at = _EPOCH + dt.timedelta(microseconds=int(match[1]))
    except OverflowError:
        return None
    return at, int(match[2])


def log_page(
    entries: QuerySet[AuditEntry],
    *,
    before: str | None = None,
    after: str | None = None,
    size: int = 50,
) -> LogPage:
    """The ``size`` entries older than the cursor ``before``, or newer than ``after``
    (else the newest), of ``entries`` (:func:`search`)."""
    at_least = entries.select_related(None).order_by().values("id")[: COUNT_UP_TO + 1].count()
    newer_place = _place(after)
    if newer_place is not None:
        at, pk = newer_place
        # ``at >= …`` first: the bound an (…, at, id) index scan starts from.
        rows = list(
            entries.filter(Q(at__gte=at), Q(at__gt=at) | Q(id__gt=pk)).order_by("at", "id")[
                : size + 1
            ]
        )
        if len(rows) > size:
            rows = rows[:size][::-1]
            return LogPage(rows, cursor(rows[0]), cursor(rows[-1]), at_least)
        # Fewer than a page newer: that is the newest page.
    older_place = _place(before) if newer_place is None else None
    if older_place is not None:
        at, pk = older_place
        entries = entries.filter(Q(at__lte=at), Q(at__lt=at) | Q(id__lt=pk))
    rows = list(entries.order_by("-at", "-id")[: size + 1])
    older = cursor(rows[size - 1]) if len(rows) > size else None
    rows = rows[:size]
    newer = cursor(rows[0]) if older_place is not None and rows else None
    return LogPage(rows, newer, older, at_least)


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


def as_uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        return None
