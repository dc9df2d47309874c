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
