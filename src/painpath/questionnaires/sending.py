"""Issue a questionnaire link and give it to the patient: shown on screen (with a QR code for
the clinic tablet), by e-mail or by text message.

The message goes out after the link is stored and outside any transaction (a slow mail
server must hold no database lock); a link whose message fails is withdrawn at once, so no
link that nobody received can ever be opened, and the failure is audited with it.
Addresses are masked in the log (``a•••@example.dk``, ``••••12``), and the token never
reaches it: the message is the only place the link is written out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from painpath.accounts.services import WRITES_MAIL_LOCALLY
from painpath.audit.services import Event, record
from painpath.patients.models import Episode, Patient
from painpath.questionnaires import services
from painpath.questionnaires.models import IntakeLink

SHOW, EMAIL, SMS = "show", "email", "sms"

LINK_SENT = Event("questionnaires.link.sent", "create")
LINK_NOT_SENT = Event("questionnaires.link.send_failed", "create")


class LinkNotSent(Exception):
    """The message could not be sent, so no link was created; the text says why, for staff."""


def mask_email(address: str) -> str:
    name, _at, domain = address.partition("@")
    return f"{name[:1]}•••@{domain}"


def mask_phone(number: str) -> str:
    digits = "".join(ch for ch in number if ch.isdigit())
    return f"••••{digits[-2:]}"


def channels(patient: Patient | None) -> list[tuple[str, str]]:
    """The ways this patient can get a link: always on screen, then each contact on record
    (masked: the form need not spell out an address to offer it)."""
    result = [(SHOW, str(gettext_lazy("Show it here (copy the link, or scan the QR code)")))]
    if patient is not None and patient.email:
        result.append((EMAIL, _("By e-mail to %(to)s") % {"to": mask_email(patient.email)}))
    if patient is not None and patient.phone and sms_available():
        result.append((SMS, _("By text message to %(to)s") % {"to": mask_phone(patient.phone)}))
    return result


def sms_available() -> bool:
    """Whether this installation sends text messages (the default in production does not)."""
    backend = import_string(settings.PAINPATH_SMS_BACKEND)
    return not getattr(backend, "disabled", False)


def local_datetime(value: dt.datetime, language: str | None = None) -> str:
    """A moment in the installation's time zone, as the language writes it: Danish
    "14. dec. 2026 kl. 01.09" (Retskrivningsordbogen: "kl." and a full stop in the time;
    "maj" has no abbreviation), else the language's own date and time format."""
    moment = timezone.localtime(value)
    with translation.override(language or translation.get_language()):
        if (translation.get_language() or "").startswith("da"):
            month = formats.date_format(moment, "b")  # "dec", translated
            month = month if month == "maj" else f"{month}."
            return f"{moment.day}. {month} {moment.year} kl. {moment:%H.%M}"
        return formats.date_format(moment, "DATETIME_FORMAT")


@dataclass(frozen=True)
class Issued:
    link: IntakeLink
    url: str
    channel: str
    to: str
    """Masked; empty when the link is shown on screen."""


def _message(link: IntakeLink, url: str) -> tuple[str, str, str]:
    """Subject, e-mail body and text message, in the language the patient starts in."""
    clinic = link.episode.patient.clinic
    with translation.override(link.language):
        context = {
            "clinic": clinic,
            "url": url,
            "valid_until": local_datetime(link.expires_at),
        }
        subject = _("Questions from %(clinic)s") % {"clinic": clinic.name}
        body = render_to_string("questionnaires/link_email.txt", context)
        text = render_to_string("questionnaires/link_sms.txt", context).strip()
    return subject, body, text


def _send(channel: str, patient: Patient, link: IntakeLink, url: str) -> None:
    subject, body, text = _message(link, url)
    if channel == EMAIL:
        send_mail(subject, body, None, [patient.email])
    else:
        backend = import_string(settings.PAINPATH_SMS_BACKEND)()
        backend.send(patient.phone, text)


def _reason(error: Exception, url: str, patient: Patient) -> str:
    # A provider's error may quote what it was given, and in its own spelling (the number
    # in international form without spaces, the link JSON-escaped): never the link's token,
    # and the address only masked, as everywhere in the log.
    text = str(error)
    token = url.rstrip("/").rsplit("/", 1)[-1] if url else ""
    for secret in (url, url.replace("/", "\\/"), token):
        if secret:
            text = text.replace(secret, "…")
    if patient.email:
        text = re.sub(re.escape(patient.email), mask_email(patient.email), text, flags=re.I)
    digits = "".join(ch for ch in patient.phone if ch.isdigit())
    if len(digits) >= 4:
        # Any run of digits (with the usual separators) ending in the number's own digits.
        tail = digits[-8:]

        def masked(found: re.Match[str]) -> str:
            quoted = "".join(ch for ch in found.group() if ch.isdigit())
            return mask_phone(patient.phone) if quoted.endswith(tail) else found.group()

        text = PHONE_LIKE.sub(masked, text)
    return text[:200]


PHONE_LIKE = re.compile(r"\+?\d[\d ().-]*\d")


def issue_and_send(
    episode: Episode,
    instruments: list[str],
    language: str,
    user: Any,
    days: int,
    channel: str,
    *,
    request: HttpRequest | None = None,
) -> Issued:
    """Create a link and give it to the patient by ``channel`` (:data:`SHOW`, :data:`EMAIL`
    or :data:`SMS`); raise :class:`LinkNotSent` when the message fails, the link withdrawn."""
    patient = episode.patient
    to = ""
    if channel == EMAIL:
        if not patient.email:
            raise LinkNotSent(_("The patient has no e-mail address on record."))
        if not settings.DEBUG and settings.EMAIL_BACKEND in WRITES_MAIL_LOCALLY:
            # The link would land in the server's output, for whoever reads it.
            raise LinkNotSent(
                _(
                    "painpath cannot send e-mail here (EMAIL_BACKEND writes it to the server). "
                    "Show the link instead, or ask the administrator to set up e-mail."
                )
            )
        to = mask_email(patient.email)
    elif channel == SMS:
        if not patient.phone:
            raise LinkNotSent(_("The patient has no phone number on record."))
        if not sms_available():
            raise LinkNotSent(
                _("painpath sends no text messages here (no SMS provider is set up).")
            )
        to = mask_phone(patient.phone)
    elif channel != SHOW:
        raise ValueError(f"unknown channel {channel!r}; choose one of {SHOW}, {EMAIL}, {SMS}")
    link, path = services.issue_link(episode, instruments, language, user, days, request=request)
    if channel == SHOW:
        url = request.build_absolute_uri(path) if request is not None else _public(path)
        return Issued(link, url, channel, to)
    url = _public(path)
    # Sent outside any transaction: a slow mail server or gateway holds no database lock.
    try:
        _send(channel, patient, link, url)
    except Exception as error:  # SMTP, a provider's gateway, DNS …
        reason = _reason(error, url, patient) or type(error).__name__
        _withdraw(request, user, link, channel, to, reason)
        message = (
            _(
                "The e-mail to %(to)s could not be sent (%(reason)s). The link was withdrawn: "
                "try again, or show the link here instead."
            )
            if channel == EMAIL
            else _(
                "The text message to %(to)s could not be sent (%(reason)s). The link was "
                "withdrawn: try again, or show the link here instead."
            )
        )
        raise LinkNotSent(message % {"to": to, "reason": reason}) from error
    with transaction.atomic():
        record(request, LINK_SENT, user=user, patient=patient, obj=link, channel=channel, to=to)
    return Issued(link, url, channel, to)


def _public(path: str) -> str:
    # The address patients reach painpath at, not the one staff happen to use.
    return str(settings.PAINPATH_BASE_URL).rstrip("/") + path


def _withdraw(
    request: HttpRequest | None, user: Any, link: IntakeLink, channel: str, to: str, reason: str
) -> None:
    """A link whose message failed never works: nobody has it, and a later send that did
    arrive after all (a gateway that reported a failure wrongly) must not open it."""
    with transaction.atomic():
        IntakeLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())
        record(
            request,
            LINK_NOT_SENT,
            user=user,
            patient=link.episode.patient,
            obj=link,
            channel=channel,
            to=to,
            reason=reason,
        )
