"""What a patient is told at once about an answer that cannot wait for the clinic.

PHQ-9 item 9 answered above "not at all" (thoughts that one would be better off dead or of
hurting oneself; Kroenke 2001) reaches the clinician as the red flag
``phq9_self_harm_thoughts``, but the clinic may not read it for days. The patient's advice —
that the clinic will see the answer but may not read it today, and where to get help now —
is data with its sources: ``data/safety/self-harm-advice.yaml`` (Livslinien's number from a
secondary source; its opening hours not verified, so none are given).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

import yaml

from painpath.core.errors import PainpathError

__all__ = [
    "CLINIC_NUMBER",
    "SafetyAdviceError",
    "SelfHarmAdvice",
    "SelfHarmContact",
    "needs_self_harm_advice",
    "self_harm_advice",
]

_FILE: Final = ("safety", "self-harm-advice.yaml")
_LANGUAGES: Final = frozenset({"da", "en", "de"})
CLINIC_NUMBER: Final = "clinic"
"""The ``number`` that stands for the clinic's own phone, filled in by the caller."""


class SafetyAdviceError(PainpathError, ValueError):
    """The safety advice file is malformed (names the file and the entry)."""


@dataclass(frozen=True)
class SelfHarmContact:
    """Where to get help: the words before the number, and the number (None: none to dial;
    ``CLINIC_NUMBER``: the clinic's own phone)."""

    id: str
    text: str
    number: str | None

    @property
    def tel(self) -> str:
        """The number as a ``tel:`` link wants it (no spaces)."""
        return (self.number or "").replace(" ", "")


@dataclass(frozen=True)
class SelfHarmAdvice:
    """The advice in one language."""

    language: str
    version: int
    reviewed: bool
    heading: str
    text: str
    help_now: str
    contacts: tuple[SelfHarmContact, ...]

    def with_clinic_phone(self, phone: str) -> SelfHarmAdvice:
        """The advice with the clinic's phone filled in; without one the clinic line goes."""
        contacts = tuple(
            SelfHarmContact(c.id, c.text, phone.strip()) if c.number == CLINIC_NUMBER else c
            for c in self.contacts
            if c.number != CLINIC_NUMBER or phone.strip()
        )
        return SelfHarmAdvice(
            self.language,
            self.version,
            self.reviewed,
            self.heading,
            self.text,
            self.help_now,
            contacts,
        )


def needs_self_harm_advice(item9: object) -> bool:
    """Whether a PHQ-9 item 9 answer (0–3; None or absent: not asked or not answered) calls
    for the advice: any answer above "not at all" (0), as red-flags 2.1.0 flags it."""
    if isinstance(item9, bool) or not isinstance(item9, int | float):
        return False
    return item9 > 0


def _words(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, Mapping) or set(value) != _LANGUAGES:
        have = sorted(value) if isinstance(value, Mapping) else value
        raise SafetyAdviceError(
            f"{where}: needs exactly the languages {sorted(_LANGUAGES)}; has {have}"
        )
    if not all(isinstance(words, str) and words.strip() for words in value.values()):
        raise SafetyAdviceError(f"{where}: every language needs words")
    return {code: str(words) for code, words in value.items()}


@cache
def _load() -> dict[str, SelfHarmAdvice]:
    where = "/".join(_FILE)
    path = resources.files("painpath.core.data").joinpath(*_FILE)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("id") != "self-harm-advice":
        raise SafetyAdviceError(f"{where}: expected a mapping with 'id: self-harm-advice'")
    sources: set[str] = {
        s["id"]
        for s in data.get("sources") or []
        if isinstance(s, dict) and isinstance(s.get("id"), str)
    }
    heading = _words(data.get("heading"), f"{where} heading")
    text = _words(data.get("text"), f"{where} text")
    help_now = _words(data.get("help_now"), f"{where} help_now")
    entries = data.get("contacts")
    if not isinstance(entries, list) or not entries:
        raise SafetyAdviceError(f"{where}: expected a list of 'contacts'")
    contacts: list[tuple[str, dict[str, str], str | None]] = []
    for number, entry in enumerate(entries, start=1):
        here = f"{where} contact {number}"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise SafetyAdviceError(f"{here}: needs an 'id'")
        if entry.get("source") not in sources:
            raise SafetyAdviceError(
                f"{here} ({entry['id']}): 'source' must name one of {sorted(sources)}"
            )
        dial = entry.get("number")
        if dial is not None and not isinstance(dial, str):
            raise SafetyAdviceError(f"{here} ({entry['id']}): 'number' must be quoted text")
        contacts.append((entry["id"], _words(entry.get("text"), f"{here} text"), dial))
    return {
        language: SelfHarmAdvice(
            language=language,
            version=int(data.get("version", 0)),
            reviewed=bool(data.get("reviewed", False)),
            heading=heading[language],
            text=text[language],
            help_now=help_now[language],
            contacts=tuple(
                SelfHarmContact(cid, words[language], dial) for cid, words, dial in contacts
            ),
        )
        for language in sorted(_LANGUAGES)
    }


def self_harm_advice(language: str) -> SelfHarmAdvice:
    """The advice in ``language`` (da, en or de); Danish for any other, the clinic's own."""
    advice = _load()
    return advice.get(language, advice["da"])
