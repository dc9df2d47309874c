"""Use cases of follow-up: start a plan, withdraw, send what is due, record an answer.

The dates are the core's (``painpath.core.followup``): ``schedule`` gives each time point's
window and send dates, ``place`` says which time point an answer belongs to. This module
keeps the records, sends the messages and writes the audit entries.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from painpath.audit.models import AuditEntry
from painpath.audit.services import Event, record
from painpath.core import vocabularies
from painpath.core.errors import PainpathError, ScoringError
from painpath.core.followup import (
    FollowUpProtocol,
    ProtocolError,
    builtin_protocol_texts,
    builtin_protocols,
    parse_protocol,
    place,
    schedule,
    version_key,
)
from painpath.core.instruments import REGISTRY
from painpath.core.instruments import get as get_instrument
from painpath.core.questionnaires import UNKNOWN_WORDING, WordingRef
from painpath.followup import sms
from painpath.followup.models import (
    ContactAttempt,
    FollowUpAnswer,
    FollowUpPlan,
    FollowUpPoint,
    ProtocolVersion,
)
from painpath.pathway.models import ProcedureBooking, TreatmentCourse
from painpath.pathway.services import classify_episode
from painpath.patients.models import Clinic, Episode
from painpath.patients.services import VIEWED as PATIENT_VIEWED
from painpath.questionnaires.models import IntakeLink, QuestionnaireResponse, token_hash
from painpath.questionnaires.sending import mask_email, mask_phone
from painpath.questionnaires.services import store_scored_response

logger = logging.getLogger(__name__)

# A link stays usable this many days after its window closes: a late answer is still
# recorded (and flagged), never refused at the door.
LINK_GRACE_DAYS = 7
# The worklist shows a missed time point for this many days after its window closed.
OVERDUE_SHOWN_DAYS = 90
LANGUAGES = vocabularies.language_codes()

PLAN_STARTED = Event("followup.plan.started", "create")
WITHDRAWN = Event("followup.plan.withdrawn", "change")
LINK_ISSUED = Event("followup.link.issued", "create")
ANSWERED = Event("followup.answered", "create")
RECORD_FORM_VIEWED = Event("followup.record_form.viewed", "view")
PROTOCOL_SAVED = Event("followup.protocol.saved", "create")


class FollowUpError(PainpathError):
    """A follow-up action that cannot be done; the message says why and what to do."""


# --------------------------------------------------------------------------- protocols
#
# The shipped YAML files (``core/data/followup``) are every clinic's base; versions a clinic
# writes in painpath (``ProtocolVersion``: edited on screen or imported by its clinic
# administrator) are stored beside them, for that clinic only. A clinic's current version of
# a protocol is its highest, shipped or its own; its new plans start on it, and a plan keeps
# the version it started with (looked up in the plan's clinic: two clinics may each write a
# "2.0.0" of the same protocol).

SHIPPED, EDITED = "shipped", "edited"
PROTOCOL_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


@dataclass(frozen=True)
class ProtocolEntry:
    """One version of a protocol: shipped with painpath, or stored (``row``)."""

    protocol: FollowUpProtocol
    text: str
    row: ProtocolVersion | None = None

    @property
    def source(self) -> str:
        return SHIPPED if self.row is None else EDITED

    @property
    def version(self) -> str:
        return self.protocol.version


def _stored(row: ProtocolVersion) -> ProtocolEntry:
    return ProtocolEntry(
        parse_protocol(row.text, f"{row.protocol_id} {row.version}"), row.text, row
    )


def protocol_versions(protocol_id: str, clinic_id: int) -> list[ProtocolEntry]:
    """Every version of the protocol in the clinic, newest first: the change log."""
    rows = ProtocolVersion.objects.filter(clinic_id=clinic_id, protocol_id=protocol_id)
    entries = [_stored(r) for r in rows]
    shipped = builtin_protocols().get(protocol_id)
    if shipped is not None and not any(e.version == shipped.version for e in entries):
        entries.append(ProtocolEntry(shipped, builtin_protocol_texts()[protocol_id]))
    return sorted(entries, key=lambda e: version_key(e.version), reverse=True)


def current_protocols(clinic_id: int) -> dict[str, ProtocolEntry]:
    """Each protocol's current version in the clinic (the highest, shipped or its own), by
    id."""
    out = {
        protocol_id: ProtocolEntry(protocol, builtin_protocol_texts()[protocol_id])
        for protocol_id, protocol in builtin_protocols().items()
    }
    for row in ProtocolVersion.objects.filter(clinic_id=clinic_id):
        have = out.get(row.protocol_id)
        if have is None or version_key(row.version) > version_key(have.version):
            out[row.protocol_id] = _stored(row)
    return out


def protocols(clinic_id: int) -> dict[str, FollowUpProtocol]:
    """The protocols the clinic's new plans start on: each one's current version, by id."""
    current = current_protocols(clinic_id)
    return {protocol_id: entry.protocol for protocol_id, entry in current.items()}


def find_protocol(protocol_id: str, version: str, clinic_id: int) -> FollowUpProtocol | None:
    """That version of the protocol, the clinic's own or shipped; if no longer installed (a
    shipped file replaced by a newer release), the clinic's current version; None: no such
    id."""
    row = ProtocolVersion.objects.filter(
        clinic_id=clinic_id, protocol_id=protocol_id, version=version
    ).first()
    if row is not None:
        return _stored(row).protocol
    shipped = builtin_protocols().get(protocol_id)
    if shipped is not None and shipped.version == version:
        return shipped
    return protocols(clinic_id).get(protocol_id)


def plan_protocol(plan: FollowUpPlan) -> FollowUpProtocol | None:
    """The version of the protocol the plan started on, in the plan's clinic
    (:func:`find_protocol`)."""
    return find_protocol(plan.protocol_id, plan.protocol_version, plan.episode.patient.clinic_id)


def protocol_of(plan: FollowUpPlan) -> FollowUpProtocol:
    """:func:`plan_protocol`, or an error that says what to do."""
    protocol = plan_protocol(plan)
    if protocol is None:
        raise FollowUpError(
            f"protocol {plan.protocol_id!r} is not installed; install it or withdraw the plan"
        )
    return protocol


def save_protocol(
    text: str,
    *,
    note: str,
    user: Any,
    clinic: Clinic,
    protocol_id: str | None = None,
    how: str = "edited",
    request: HttpRequest | None = None,
) -> ProtocolVersion:
    """Store a new version of a protocol for ``clinic`` from its YAML text, validated by the
    core loader; its version must be higher than the clinic's current one. ``protocol_id``:
    the protocol being edited (the text must keep its id); None for an import, which may add
    a protocol. Other clinics' protocols do not change. Raises ProtocolError with the
    loader's message (or why the version is refused)."""
    note = note.strip()
    if not note:
        raise ProtocolError(_("Say why this version is written."))
    protocol = parse_protocol(text, protocol_id or "the uploaded protocol")
    if protocol_id is not None and protocol.id != protocol_id:
        raise ProtocolError(
            _("The id must stay %(id)s (it is %(given)s): import a new protocol instead.")
            % {"id": protocol_id, "given": protocol.id}
        )
    if not PROTOCOL_ID.match(protocol.id):
        raise ProtocolError(
            _("id %(id)s: use lower-case letters, digits and hyphens (at most 60).")
            % {"id": protocol.id}
        )
    if len(protocol.version) > ProtocolVersion._meta.get_field("version").max_length:
        raise ProtocolError(_("The version is too long (at most 20 characters)."))
    try:
        with transaction.atomic():
            current = current_protocols(clinic.pk).get(protocol.id)
            if current is not None and version_key(protocol.version) <= version_key(
                current.version
            ):
                raise ProtocolError(
                    _("Version %(version)s: it must be higher than the current %(current)s.")
                    % {"version": protocol.version, "current": current.version}
                )
            row = ProtocolVersion.objects.create(
                clinic=clinic,
                protocol_id=protocol.id,
                version=protocol.version,
                text=text,
                note=note[:300],
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
            record(
                request,
                PROTOCOL_SAVED,
                user=user,
                obj=row,
                clinic=clinic.code,
                protocol=protocol.id,
                version=protocol.version,
                previous=current.version if current is not None else None,
                how=how,
                note=row.note,
            )
    except IntegrityError:
        raise ProtocolError(
            _("Version %(version)s of %(id)s exists already.")
            % {"version": protocol.version, "id": protocol.id}
        ) from None
    return row


# --------------------------------------------------------------------------- starting


def index_date_for(episode: Episode, index_event: str) -> dt.date | None:
    """The date a protocol counts from, from the episode's records (None: not recorded yet)."""
    if index_event == FollowUpPlan.IndexEvent.FIRST_VISIT:
        return timezone.localdate(episode.created_at)
    if index_event == FollowUpPlan.IndexEvent.COURSE_START:
        course = TreatmentCourse.objects.filter(episode=episode).order_by("start", "id").first()
        return course.start if course else None
    if index_event == FollowUpPlan.IndexEvent.PROCEDURE_DATE:
        booking = ProcedureBooking.objects.filter(episode=episode).first()
        return booking.appointment_date if booking else None
    return None


def default_language(episode: Episode) -> str:
    """The language the patient last chose on a link, else Danish."""
    last = (
        IntakeLink.objects.filter(episode=episode, completed_at__isnull=False)
        .order_by("-completed_at")
        .values_list("language", flat=True)
        .first()
    )
    return last if last in LANGUAGES else "da"


def active_plan(episode: Episode) -> FollowUpPlan | None:
    return episode.followup_plans.filter(status=FollowUpPlan.Status.ACTIVE).first()


def instruments_for(episode: Episode, protocol: FollowUpProtocol) -> tuple[str, ...]:
    """What the protocol asks of this episode: by its main region (ODI for the low back, NDI
    for the neck, OKS for the knee, OHS for the hip, the generic set for any other or none)."""
    return protocol.instruments_for(episode.region)


def instruments_of(plan: FollowUpPlan) -> list[str]:
    """The instruments the plan asks (chosen when it started)."""
    return list(plan.instruments) or list(instruments_for(plan.episode, protocol_of(plan)))


def start_plan(
    episode: Episode,
    protocol_id: str,
    index_date: dt.date,
    user: Any,
    *,
    language: str | None = None,
    request: HttpRequest | None = None,
) -> FollowUpPlan:
    """A plan with one time point per protocol time point, dated from ``index_date``, asking
    the instruments the protocol gives for the episode's main region."""
    available = protocols(episode.patient.clinic_id)
    protocol = available.get(protocol_id)
    if protocol is None:
        raise FollowUpError(f"unknown protocol {protocol_id!r}; choose one of {list(available)}")
    language = language or default_language(episode)
    if language not in LANGUAGES:
        raise FollowUpError(f"unknown language {language!r}; choose one of {LANGUAGES}")
    try:
        with transaction.atomic():
            plan = FollowUpPlan.objects.create(
                episode=episode,
                protocol_id=protocol.id,
                protocol_version=protocol.version,
                index_event=protocol.index_event,
                index_date=index_date,
                instruments=list(instruments_for(episode, protocol)),
                language=language,
                created_by=user if getattr(user, "is_authenticated", False) else None,
            )
            FollowUpPoint.objects.bulk_create(
                FollowUpPoint(
                    plan=plan,
                    months=due.months,
                    target=due.target,
                    window_start=due.window_start,
                    window_end=due.window_end,
                )
                for due in schedule(protocol, index_date)
            )
            record(
                request,
                PLAN_STARTED,
                user=user,
                patient=episode.patient,
                obj=plan,
                protocol=f"{protocol.id} {protocol.version}",
                index_date=index_date.isoformat(),
                instruments=plan.instruments,
                region=episode.region,
            )
    except IntegrityError:
        raise FollowUpError(
            _("This episode already has an active follow-up plan; withdraw it first.")
        ) from None
    return plan


def withdraw(plan: FollowUpPlan, user: Any, *, request: HttpRequest | None = None) -> None:
    """Stop everything at once: no more links or reminders, open links withdrawn.

    Answers already given stay; the time points not yet answered become withdrawn.
    """
    with transaction.atomic():
        # Locked, so that a tick running now either finished sending before this or sees
        # the plan withdrawn.
        plan = FollowUpPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status == FollowUpPlan.Status.WITHDRAWN:
            return
        now = timezone.now()
        plan.status = FollowUpPlan.Status.WITHDRAWN
        plan.withdrawn_at = now
        plan.withdrawn_by = user if getattr(user, "is_authenticated", False) else None
        plan.save(update_fields=["status", "withdrawn_at", "withdrawn_by"])
        open_points = plan.points.exclude(status=FollowUpPoint.Status.ANSWERED)
        IntakeLink.objects.filter(
            pk__in=open_points.exclude(link=None).values("link"),
            completed_at__isnull=True,
            revoked_at__isnull=True,
        ).update(revoked_at=now)
        stopped = open_points.exclude(status=FollowUpPoint.Status.MISSED).update(
            status=FollowUpPoint.Status.WITHDRAWN
        )
        record(
            request,
            WITHDRAWN,
            user=user,
            patient=plan.episode.patient,
            obj=plan,
            points_stopped=stopped,
        )


# --------------------------------------------------------------------------- sending


def _token(point: FollowUpPoint) -> str:
    # Derived from the server's secret and a random nonce: the database holds only the
    # hash, yet each reminder can carry the same link (and the patient's saved answers).
    return salted_hmac(
        "painpath.followup.link", f"{point.pk}:{point.link_nonce}", algorithm="sha256"
    ).hexdigest()


def _expiry(point: FollowUpPoint) -> dt.datetime:
    last_day = point.window_end + dt.timedelta(days=LINK_GRACE_DAYS)
    return timezone.make_aware(dt.datetime.combine(last_day, dt.time(23, 59)))


def link_for(point: FollowUpPoint) -> tuple[IntakeLink, str]:
    """The point's follow-up link and its token: the same one each time while usable."""
    if point.link is not None and point.link_nonce:
        token = _token(point)
        if point.link.token_hash == token_hash(token) and point.link.usable():
            return point.link, token
    point.link_nonce = secrets.token_hex(16)
    token = _token(point)
    plan = point.plan
    link, _token_again = IntakeLink.issue(
        plan.episode,
        token=token,
        purpose=IntakeLink.Purpose.FOLLOW_UP,
        instruments=instruments_of(plan),
        language=plan.language,
        expires_at=_expiry(point),
    )
    point.link = link
    point.save(update_fields=["link", "link_nonce"])
    record(
        None,
        LINK_ISSUED,
        patient=plan.episode.patient,
        obj=link,
        months=point.months,
        instruments=list(link.instruments),
    )
    return link, token


def _message(point: FollowUpPoint, url: str, kind: str) -> tuple[str, str, str]:
    """Subject, email body and text message, in the patient's language."""
    context = {
        "patient": point.plan.episode.patient,
        "clinic": point.plan.episode.patient.clinic,
        "point": point,
        "url": url,
        "reminder": kind == ContactAttempt.Kind.REMINDER,
        "last_day": point.window_end,
    }
    with translation.override(point.plan.language):
        if kind == ContactAttempt.Kind.REMINDER:
            subject = _("Reminder: follow-up questions from your clinic")
        else:
            subject = _("Follow-up questions from your clinic")
        body = render_to_string("followup/email.txt", context)
        text = render_to_string("followup/sms.txt", context).strip()
    return subject, body, text


def _claim(plan: FollowUpPlan, point: FollowUpPoint, day: dt.date) -> _Claim | None:
    """Claim the send date in a transaction of its own, committed before anything is sent;
    None when the plan or the point no longer wants a message or another run claimed it.

    Committed first, so that a worker killed while sending (or just after) leaves the claim
    behind and no later run sends the same message again: at most once. A claim whose
    outcome was never recorded (``ok`` None) is a message that may or may not have gone out;
    the next reminder date gets its own claim."""
    with transaction.atomic():
        # Re-read under lock: an answer or a withdrawal that landed since this run started
        # stops the message; one that lands after the claim finds it claimed.
        fresh = FollowUpPlan.objects.select_for_update().get(pk=plan.pk)
        current = FollowUpPoint.objects.select_related("link").get(pk=point.pk)
        if fresh.status != FollowUpPlan.Status.ACTIVE or current.status not in FollowUpPoint.OPEN:
            return None
        current.plan = plan
        patient = plan.episode.patient
        kind = (
            ContactAttempt.Kind.REMINDER if current.contacts.exists() else ContactAttempt.Kind.LINK
        )
        if patient.email:
            channel, to = ContactAttempt.Channel.EMAIL, mask_email(patient.email)
        elif patient.phone:
            channel, to = ContactAttempt.Channel.SMS, mask_phone(patient.phone)
        else:
            channel, to = ContactAttempt.Channel.NONE, ""
        try:
            with transaction.atomic():
                attempt = ContactAttempt.objects.create(
                    point=current, scheduled_for=day, kind=kind, channel=channel, to=to
                )
        except IntegrityError:
            return None
        token = link_for(current)[1] if channel != ContactAttempt.Channel.NONE else ""
    return _Claim(current, attempt, token)


@dataclass(frozen=True)
class _Claim:
    point: FollowUpPoint
    attempt: ContactAttempt
    token: str


def _deliver(claim: _Claim) -> ContactAttempt:
    """Send the claimed message (outside any transaction: a slow mail server holds no lock),
    then record how it went."""
    point, attempt = claim.point, claim.attempt
    patient = point.plan.episode.patient
    kind = attempt.kind
    try:
        if attempt.channel == ContactAttempt.Channel.NONE:
            raise FollowUpError("the patient has no email address or phone number")
        path = reverse("questionnaires:start", args=[claim.token])
        subject, body, text = _message(point, settings.PAINPATH_BASE_URL.rstrip("/") + path, kind)
        if attempt.channel == ContactAttempt.Channel.EMAIL:
            send_mail(subject, body, None, [patient.email])
        else:
            sms.get_backend().send(patient.phone, text)
    except Exception as error:
        logger.warning("follow-up %s for point %s not sent: %s", kind, point.pk, error)
        attempt.ok = False
        attempt.error = str(error)[:300]
    else:
        attempt.ok = True
    with transaction.atomic():
        attempt.save(update_fields=["ok", "error"])
        if attempt.ok:
            FollowUpPoint.objects.filter(pk=point.pk, status=FollowUpPoint.Status.SCHEDULED).update(
                status=FollowUpPoint.Status.SENT
            )
        record(
            None,
            Event(f"followup.{kind}.{'sent' if attempt.ok else 'failed'}", "create"),
            patient=patient,
            obj=attempt,
            channel=attempt.channel,
            to=attempt.to,
            months=point.months,
        )
    return attempt


@dataclass(frozen=True)
class TickResult:
    sent: int
    failed: int
    missed: int
    answered: int


def tick(today: dt.date | None = None) -> TickResult:
    """Send what is due today for every active plan, and give up on closed windows.

    A time point gets its link when its window opens and a reminder on each of the
    protocol's reminder days — at most one message per run (a run after days without one
    sends the latest due, not a burst) and never twice for the same date, even if the run
    is killed while sending (:func:`_claim`). Nothing goes to a point that is answered or
    withdrawn; after the window closes an unanswered point is missed. Safe to run as often
    as you like, and several at once.
    """
    today = today or timezone.localdate()
    sent = failed = missed = answered = 0
    plans = FollowUpPlan.objects.filter(status=FollowUpPlan.Status.ACTIVE).select_related(
        "episode__patient"
    )
    for plan in plans:
        protocol = plan_protocol(plan)
        if protocol is None:
            logger.error("follow-up plan %s: protocol %s not installed", plan.pk, plan.protocol_id)
            continue
        for point in plan.points.select_related("link").filter(status__in=FollowUpPoint.OPEN):
            point.plan = plan
            link = point.link
            if link is not None and link.completed_at is not None:
                # The patient's answer is stored but not yet on the plan (normally the
                # link_completed signal does this at once): record it before anything else.
                if _record_link_answer(link) is not None:
                    answered += 1
                continue
            if today > point.window_end:
                point.status = FollowUpPoint.Status.MISSED
                point.save(update_fields=["status"])
                missed += 1
                continue
            due = [day for day in _send_dates(point, protocol) if day <= today]
            if not due:
                continue
            claim = _claim(plan, point, max(due))
            if claim is not None:
                attempt = _deliver(claim)
                sent += bool(attempt.ok)
                failed += not attempt.ok
        _complete_if_done(plan)
    return TickResult(sent, failed, missed, answered)


def _send_dates(point: FollowUpPoint, protocol: FollowUpProtocol) -> tuple[dt.date, ...]:
    for due in schedule(protocol, point.plan.index_date):
        if due.months == point.months:
            return due.reminders(protocol)
    return ()


def _complete_if_done(plan: FollowUpPlan) -> None:
    if not plan.points.filter(status__in=FollowUpPoint.OPEN).exists():
        FollowUpPlan.objects.filter(pk=plan.pk, status=FollowUpPlan.Status.ACTIVE).update(
            status=FollowUpPlan.Status.COMPLETED
        )


# --------------------------------------------------------------------------- answering


def record_answer(
    point: FollowUpPoint,
    answered_on: dt.date,
    source: str,
    user: Any = None,
    *,
    responses: Iterable[QuestionnaireResponse] = (),
    link: IntakeLink | None = None,
    request: HttpRequest | None = None,
) -> FollowUpAnswer:
    """Put an answer on the time point it belongs to; flagged if outside the window.

    The core's ``place`` picks the point by the nearest target date, which may be another
    point of the plan than the one asked (a very late answer). An answer too early for any
    point stays on the point asked. Never dropped: a point answered twice keeps both.
    """
    plan = point.plan
    placement = place(protocol_of(plan), plan.index_date, answered_on)
    target = point
    if placement is not None and placement.months != point.months:
        target = plan.points.filter(months=placement.months).first() or point
    with transaction.atomic():
        target = FollowUpPoint.objects.select_for_update().get(pk=target.pk)
        target.plan = plan
        days = (answered_on - target.target).days
        in_window = target.window_start <= answered_on <= target.window_end
        answer = FollowUpAnswer.objects.create(
            point=target,
            answered_on=answered_on,
            in_window=in_window,
            days_from_target=days,
            source=source,
            link=link,
            recorded_by=user if getattr(user, "is_authenticated", False) else None,
        )
        answer.responses.set(list(responses))
        if target.status != FollowUpPoint.Status.ANSWERED:
            target.status = FollowUpPoint.Status.ANSWERED
            target.answered_on = answered_on
            target.in_window = in_window
            target.days_from_target = days
            target.source = source
            target.save(
                update_fields=["status", "answered_on", "in_window", "days_from_target", "source"]
            )
        record(
            request,
            ANSWERED,
            user=user,
            patient=plan.episode.patient,
            obj=answer,
            months=target.months,
            asked_months=point.months,
            answered_on=answered_on.isoformat(),
            in_window=in_window,
            days_from_target=days,
            source=source,
        )
    if plan.status == FollowUpPlan.Status.ACTIVE:
        _complete_if_done(plan)
    return answer


def _record_link_answer(
    link: IntakeLink,
    responses: Iterable[QuestionnaireResponse] | None = None,
    request: HttpRequest | None = None,
) -> FollowUpAnswer | None:
    point = FollowUpPoint.objects.select_related("plan__episode__patient").filter(link=link).first()
    if point is None or link.completed_at is None:
        return None
    if FollowUpAnswer.objects.filter(link=link).exists():
        return None
    if responses is None:
        responses = QuestionnaireResponse.objects.filter(link=link)
    return record_answer(
        point,
        timezone.localdate(link.completed_at),
        QuestionnaireResponse.Source.PATIENT,
        responses=responses,
        link=link,
        request=request,
    )


class AnswersInvalid(FollowUpError):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{code}: {message}" for code, message in errors.items()))


def record_by_clinician(
    point: FollowUpPoint,
    *,
    answered_on: dt.date,
    source: str,
    answers: dict[str, dict[str, Any]],
    language: str,
    user: Any,
    wordings: dict[str, WordingRef] | None = None,
    request: HttpRequest | None = None,
) -> FollowUpAnswer:
    """A follow-up taken by phone or on paper: score each instrument, store the responses
    with their source and the wording used (``wordings``: per instrument, the Questionnaire
    the clinician read out or printed from painpath; an instrument not in it: unknown), and
    record the answer on the plan — all or nothing."""
    if source not in (QuestionnaireResponse.Source.PHONE, QuestionnaireResponse.Source.PAPER):
        raise FollowUpError(f"source {source!r}: use phone or paper")
    scored, errors = [], {}
    for code, given in answers.items():
        try:
            scored.append((code, given, get_instrument(code).score(given)))
        except ScoringError as error:
            errors[code] = str(error)
    if errors:
        raise AnswersInvalid(errors)
    episode = point.plan.episode
    with transaction.atomic():
        responses = [
            store_scored_response(
                episode,
                code,
                given,
                result,
                source=source,
                language=language,
                wording=(wordings or {}).get(code, UNKNOWN_WORDING),
                answered_on=answered_on,
                recorded_by=user,
            )
            for code, given, result in scored
        ]
        answer = record_answer(
            point, answered_on, source, user, responses=responses, request=request
        )
        classify_episode(episode, trigger="follow-up answered")
        return answer


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class OverdueRow:
    point: FollowUpPoint
    episode: Episode
    reason: str  # "missed" or "late"
    answer: FollowUpAnswer | None = None


def last_patient_view(patient: OuterRef) -> Subquery:
    """When the patient page of ``patient`` (an outer query's patient id) was last opened
    from painpath: one row of the audit index on patient, code and time per patient."""
    return Subquery(
        AuditEntry.objects.filter(patient_id=patient, code=PATIENT_VIEWED.code)
        .order_by("-at")
        .values("at")[:1]
    )


def overdue(clinic: Any, today: dt.date | None = None) -> list[OverdueRow]:
    """For ``clinic``'s worklist: time points whose window closed unanswered (within the last
    ``OVERDUE_SHOWN_DAYS`` days, while the plan is not withdrawn), each with how many
    messages were sent (``contact_count``), and answers that came outside their window and
    were recorded after anyone last opened the patient's page. Two queries."""
    today = today or timezone.localdate()
    missed = (
        FollowUpPoint.objects.filter(
            Q(status=FollowUpPoint.Status.MISSED)
            | Q(status__in=FollowUpPoint.OPEN, window_end__lt=today),
            window_end__gte=today - dt.timedelta(days=OVERDUE_SHOWN_DAYS),
            plan__episode__status=Episode.Status.OPEN,
            plan__episode__patient__clinic=clinic,
        )
        .exclude(plan__status=FollowUpPlan.Status.WITHDRAWN)
        .select_related("plan__episode__patient")
        .annotate(contact_count=Count("contacts"))
        .order_by("window_end", "id")
    )
    rows = [OverdueRow(p, p.plan.episode, "missed") for p in missed]
    late = (
        FollowUpAnswer.objects.filter(
            in_window=False,
            point__plan__episode__status="open",
            point__plan__episode__patient__clinic=clinic,
        )
        .annotate(seen=last_patient_view(OuterRef("point__plan__episode__patient_id")))
        .filter(Q(seen__isnull=True) | Q(seen__lte=F("created_at")))
        .select_related("point__plan__episode__patient")
        .order_by("-created_at", "-id")
    )
    shown = set()
    for answer in late:
        point = answer.point
        if point.pk not in shown:
            shown.add(point.pk)
            rows.append(OverdueRow(point, point.plan.episode, "late", answer))
    return rows


@dataclass(frozen=True)
class PointView:
    point: FollowUpPoint
    contacts: list[ContactAttempt]
    answers: list[FollowUpAnswer]
    overdue: bool

    @property
    def answered_twice(self) -> bool:
        return len(self.answers) > 1

    @property
    def late(self) -> bool:
        return any(not answer.in_window for answer in self.answers)


@dataclass(frozen=True)
class PlanView:
    plan: FollowUpPlan
    protocol: FollowUpProtocol | None
    points: list[PointView]

    @property
    def language_name(self) -> str:
        return dict(settings.LANGUAGES).get(self.plan.language, self.plan.language)

    @property
    def protocol_title(self) -> str:
        if self.protocol is None:
            return self.plan.protocol_id
        return self.protocol.title_in(translation.get_language() or "en")

    @property
    def instrument_titles(self) -> str:
        codes = self.plan.instruments or (self.protocol.instruments if self.protocol else [])
        return ", ".join(REGISTRY[code].title if code in REGISTRY else code for code in codes)


def plans_of(episode: Episode, today: dt.date | None = None) -> list[PlanView]:
    """Every plan of the episode, newest first, with each point's contacts and answers."""
    today = today or timezone.localdate()
    out = []
    for plan in episode.followup_plans.prefetch_related("points__contacts", "points__answers"):
        views = [
            PointView(
                point,
                list(point.contacts.all()),
                list(point.answers.all()),
                overdue=point.status == FollowUpPoint.Status.MISSED
                or (point.status in FollowUpPoint.OPEN and point.window_end < today),
            )
            for point in plan.points.all()
        ]
        out.append(PlanView(plan, plan_protocol(plan), views))
    return out
