"""The shared vocabularies: codes that forms, the episode schema, rule sets and reports share.

One YAML file per vocabulary in ``painpath/core/data/vocabularies`` is the only place a code
is listed; everything else reads it from here:

* ``red-flags.yaml`` — the red-flag screening questions (episode field ``red_flags``; the
  rule-set inputs ``rf_<code>``), each with the clinician's label and the patient's question;
* ``regions.yaml`` — body regions (``pain_regions``, ``diagnoses``, ``imaging``,
  ``procedure``);
* ``languages.yaml`` — the languages of the intake, questionnaires and follow-up messages,
  and which of them staff screens come in;
* ``blood-thinners.yaml`` — anticoagulant and antiplatelet drugs the intake offers by name,
  with the brand names, generic spellings and ATC codes a free-text medicine is recognised
  by (:mod:`painpath.core.medicines`).

Labels are :class:`Text`: the English words (which the web app passes to gettext, so they
are also the msgids of its translation catalogues) and their Danish and German translations
where the screens show them. Files are read once, on first use, and checked: codes unique
and snake_case, every label has English words, translations only in known languages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from painpath.core.errors import PainpathError

__all__ = [
    "Drug",
    "Language",
    "RedFlag",
    "Region",
    "Text",
    "VocabularyError",
    "asked_red_flags",
    "drug_codes",
    "drugs",
    "language_codes",
    "languages",
    "red_flag_codes",
    "red_flags",
    "region_codes",
    "regions",
]

_DIRECTORY = "vocabularies"
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_ATC = re.compile(r"^[A-Z]\d{2}[A-Z]{2}\d{2}$")
# libyaml's safe loader where PyYAML has it: the red flags are read when the rule engine is
# imported, and a command-line tool should start fast.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class VocabularyError(PainpathError, ValueError):
    """A vocabulary file is malformed; the message names the file and the entry to fix."""


@dataclass(frozen=True)
class Text:
    """Words in English and their translations, as ``(language code, words)`` pairs."""

    en: str
    translations: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return self.en

    def in_language(self, language: str) -> str:
        """The words in ``language`` (``"da"``, ``"da-dk"``), else in English."""
        return dict(self.translations).get(language[:2].lower(), self.en)


@dataclass(frozen=True)
class RedFlag:
    """One red-flag screening question (the rule set reads its answer as ``rf_<code>``).

    ``asked`` is false for a retired question: no form asks it any more, but answers given
    to it stay valid in the episode schema and are still read by the rule set."""

    code: str
    label: Text
    question: Text
    asked: bool = True


@dataclass(frozen=True)
class Region:
    """One body region."""

    code: str
    label: Text


@dataclass(frozen=True)
class Language:
    """One language: ``name`` is its own name ("Dansk"), shown untranslated."""

    code: str
    name: str
    label: Text
    staff_screens: bool


@dataclass(frozen=True)
class Drug:
    """One blood thinner: ``drug_class`` is ``anticoagulant`` or ``antiplatelet``; ``atc`` its
    WHO ATC codes, ``names`` its generic name and spellings (English and Danish)."""

    code: str
    label: Text
    drug_class: str
    brands: tuple[str, ...]
    atc: tuple[str, ...] = ()
    names: tuple[str, ...] = ()


@cache
def _read(name: str) -> dict[str, Any]:
    path = resources.files("painpath.core.data").joinpath(_DIRECTORY, f"{name}.yaml")
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    where = f"vocabularies/{name}.yaml"
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise VocabularyError(f"{where}: expected a mapping with a list of 'entries'")
    seen: set[str] = set()
    for number, entry in enumerate(data["entries"], start=1):
        code = entry.get("code") if isinstance(entry, dict) else None
        if not isinstance(code, str) or not _CODE.match(code):
            raise VocabularyError(
                f"{where}: entry {number} needs a snake_case 'code' (got {code!r})"
            )
        if code in seen:
            raise VocabularyError(f"{where}: code {code!r} is listed twice; keep one entry")
        seen.add(code)
    return data


def _text(value: Any, where: str, known: frozenset[str]) -> Text:
    if not isinstance(value, Mapping) or not isinstance(value.get("en"), str) or not value["en"]:
        raise VocabularyError(f"{where}: needs English words ('en: ...')")
    unknown = set(value) - known
    if unknown:
        raise VocabularyError(
            f"{where}: translations in unknown languages {sorted(unknown)}; "
            f"add them to vocabularies/languages.yaml or remove them"
        )
    translations = tuple((lang, str(value[lang])) for lang in sorted(value) if lang != "en")
    return Text(str(value["en"]), translations)


def _entries(name: str) -> list[tuple[str, dict[str, Any]]]:
    """``(where, entry)`` for each entry of vocabulary ``name``."""
    return [
        (f"vocabularies/{name}.yaml: {entry['code']}", entry) for entry in _read(name)["entries"]
    ]


@cache
def languages() -> tuple[Language, ...]:
    """The languages of the intake, questionnaires and follow-up messages, in picker order."""
    codes = frozenset(entry["code"] for entry in _read("languages")["entries"])
    return tuple(
        Language(
            code=entry["code"],
            name=str(entry["name"]),
            label=_text(entry.get("label"), f"{where} label", codes),
            staff_screens=bool(entry.get("staff_screens", False)),
        )
        for where, entry in _entries("languages")
    )


@cache
def language_codes() -> tuple[str, ...]:
    return tuple(language.code for language in languages())


def _words(where: str, entry: Mapping[str, Any], key: str) -> Text:
    return _text(entry.get(key), f"{where} {key}", frozenset(language_codes()))


@cache
def red_flags() -> tuple[RedFlag, ...]:
    """The red-flag screening questions, in the order the intake asks them (retired ones,
    ``asked: false``, included: see :func:`asked_red_flags`)."""
    return tuple(
        RedFlag(
            entry["code"],
            _words(where, entry, "label"),
            _words(where, entry, "question"),
            asked=bool(entry.get("asked", True)),
        )
        for where, entry in _entries("red-flags")
    )


@cache
def asked_red_flags() -> tuple[RedFlag, ...]:
    """The red-flag questions the forms ask: every one not retired."""
    return tuple(flag for flag in red_flags() if flag.asked)


@cache
def red_flag_codes() -> tuple[str, ...]:
    return tuple(flag.code for flag in red_flags())


@cache
def regions() -> tuple[Region, ...]:
    """The body regions, in the order the clinician's lists show them."""
    return tuple(
        Region(entry["code"], _words(where, entry, "label")) for where, entry in _entries("regions")
    )


@cache
def region_codes() -> tuple[str, ...]:
    return tuple(region.code for region in regions())


@cache
def drugs() -> tuple[Drug, ...]:
    """The blood thinners the intake offers by name, in its order."""
    classes = frozenset(entry["code"] for entry in _read("blood-thinners").get("classes", []))
    result = []
    for where, entry in _entries("blood-thinners"):
        if entry.get("class") not in classes:
            raise VocabularyError(
                f"{where}: class {entry.get('class')!r} is not one of {sorted(classes)}"
            )
        brands = tuple(str(brand) for brand in entry.get("brands", []))
        atc = tuple(str(code) for code in entry.get("atc", []))
        if any(not _ATC.match(code) for code in atc):
            raise VocabularyError(f"{where}: ATC codes look like B01AC06 (got {list(atc)})")
        names = tuple(str(name) for name in entry.get("names", []))
        label = _words(where, entry, "label")
        result.append(Drug(entry["code"], label, entry["class"], brands, atc, names))
    return tuple(result)


@cache
def drug_codes() -> tuple[str, ...]:
    return tuple(drug.code for drug in drugs())
