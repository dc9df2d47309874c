"""Text-message backends: a class with ``send(to, text)``, chosen by the dotted path in
``settings.PAINPATH_SMS_BACKEND``. A provider's backend raises on failure; the message that
goes out is the one passed in, already in the patient's language."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string


class SmsBackend(Protocol):
    def send(self, to: str, text: str) -> None: ...


class ConsoleBackend:
    """Prints the message (development and the demo): nothing leaves the machine."""

    def send(self, to: str, text: str) -> None:
        sys.stdout.write(f"SMS to {to}:\n{text}\n\n")
        sys.stdout.flush()


class DisabledBackend:
    """No text messages (an installation without an SMS provider): every send fails, so the
    follow-up card shows the message as not sent and the link can go by e-mail or by hand.
    painpath ships no provider's backend; an installation writes one (send(to, text))."""

    # Read by the issue form, which then does not offer a text message at all.
    disabled = True

    def send(self, to: str, text: str) -> None:
        raise RuntimeError("no SMS provider is set up (PAINPATH_SMS_BACKEND)")


CONSOLE = f"{ConsoleBackend.__module__}.{ConsoleBackend.__qualname__}"


@dataclass(frozen=True)
class SentSms:
    to: str
    text: str


class LocmemBackend:
    """Keeps the messages in ``LocmemBackend.outbox`` (tests), like Django's mail.outbox."""

    outbox: ClassVar[list[SentSms]] = []

    def send(self, to: str, text: str) -> None:
        LocmemBackend.outbox.append(SentSms(to, text))


def get_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.PAINPATH_SMS_BACKEND)()
    return backend
