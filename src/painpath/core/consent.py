"""Consent texts: what a patient is asked, per purpose, in every language, versioned.

One YAML file per purpose in ``painpath/core/data/consent`` (``care.yaml``, ``research.yaml``)
holds every version of its text; the last is the one asked now. A stored choice names the
version the patient saw, so a text is never edited once published: a new wording is a new
version (docs/consent.md).

Purposes:

- ``care``: the clinic's care and quality work — its own outcome report, seen by its own
  staff. A refusal keeps the patient out of that report; their care is the same.
- ``research``: sending pseudonymised data to a research registry (the registry export and
  every researcher-facing figure). Only a current ``given`` counts: no record is no consent.

Every version must have a title, text and question in every language of
``vocabularies/languages.yaml`` (checked on reading).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

import yaml

from painpath.core.errors import PainpathError
from painpath.core.vocabularies import language_codes

__all__ = [
    "CARE",
    "PURPOSES",
    "RESEARCH",
    "ConsentError",
    "ConsentText",
    "current",
    "text",
    "versions",
]

CARE: Final = "care"
RESEARCH: Final = "research"
PURPOSES: Final = (CARE, RESEARCH)

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ConsentError(PainpathError, ValueError):
    """A consent file is malformed, or a purpose or version is unknown."""


@dataclass(frozen=True)
class ConsentText:
    """One version of one purpose's consent text. ``title``, ``text`` and ``question`` map
    a language code to the words; ``reviewed`` says whether a lawyer has approved it."""

    purpose: str
    version: int
    date: dt.date
    reviewed: bool
    title: Mapping[str, str]
    text: Mapping[str, str]
    question: Mapping[str, str]

    def title_in(self, language: str) -> str:
        return self.title[_language(language)]

    def paragraphs_in(self, language: str) -> tuple[str, ...]:
        return tuple(p.strip() for p in self.text[_language(language)].split("\n") if p.strip())

    def question_in(self, language: str) -> str:
        return self.question[_language(language)]


def _language(language: str) -> str:
    code = (language or "")[:2].lower()
    return code if code in language_codes() else "en"


def _words(value: Any, where: str) -> dict[str, str]:
    languages = set(language_codes())
    if not isinstance(value, Mapping) or set(value) != languages:
        have = sorted(value) if isinstance(value, Mapping) else value
        raise ConsentError(f"{where}: needs exactly the languages {sorted(languages)}; has {have}")
    if not all(isinstance(words, str) and words.strip() for words in value.values()):
        raise ConsentError(f"{where}: every language needs words")
    return {code: str(words) for code, words in value.items()}


@cache
def versions(purpose: str) -> tuple[ConsentText, ...]:
    """Every version of ``purpose``'s text, oldest first."""
    if purpose not in PURPOSES:
        raise ConsentError(f"unknown consent purpose {purpose!r}; choose one of {PURPOSES}")
    where = f"consent/{purpose}.yaml"
    path = resources.files("painpath.core.data").joinpath("consent", f"{purpose}.yaml")
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    if not isinstance(data, dict) or data.get("purpose") != purpose:
        raise ConsentError(f"{where}: expected a mapping with 'purpose: {purpose}'")
    entries = data.get("versions")
    if not isinstance(entries, list) or not entries:
        raise ConsentError(f"{where}: expected a list of 'versions'")
    result = []
    for number, entry in enumerate(entries, start=1):
        here = f"{where} version {number}"
        if not isinstance(entry, dict) or entry.get("version") != number:
            raise ConsentError(f"{here}: versions are numbered 1, 2, 3 … in order")
        if not isinstance(entry.get("date"), dt.date):
            raise ConsentError(f"{here}: needs a 'date' (YYYY-MM-DD)")
        result.append(
            ConsentText(
                purpose=purpose,
                version=number,
                date=entry["date"],
                reviewed=bool(entry.get("reviewed", False)),
                title=_words(entry.get("title"), f"{here} title"),
                text=_words(entry.get("text"), f"{here} text"),
                question=_words(entry.get("question"), f"{here} question"),
            )
        )
    return tuple(result)


def current(purpose: str) -> ConsentText:
    """The version of ``purpose``'s text asked now (the last one)."""
    return versions(purpose)[-1]


def text(purpose: str, version: int) -> ConsentText:
    """Version ``version`` of ``purpose``'s text (what a stored choice was made on)."""
    known = versions(purpose)
    if not 1 <= version <= len(known):
        raise ConsentError(f"{purpose} consent has versions 1–{len(known)}, not {version}")
    return known[version - 1]
