"""The rule sets' words in other languages: titles, result labels, rule notes, findings,
finding headings, Step-2 options and input descriptions.

Rule sets are written, versioned and cited in English; a catalogue per language
(``core/data/rulesets/i18n/<lang>.yaml``) maps each English text to its translation. The
English text is the key, so a rule set whose wording changes shows English until its
translation is updated — never a stale translation of other words. A test lists every
shipped text that has no translation.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["rule_text", "shipped_texts", "untranslated"]


def _key(text: str) -> str:
    return " ".join(text.split())


@cache
def _catalogue(lang: str) -> dict[str, str]:
    entry = resources.files("painpath.core.data").joinpath(f"rulesets/i18n/{lang}.yaml")
    if not entry.is_file():
        return {}
    data = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
    return {_key(k): v for k, v in (data.get("messages") or {}).items() if v}


def rule_text(text: str, lang: str | None) -> str:
    """``text`` in ``lang`` (e.g. ``"da"``, ``"da-dk"``) where the catalogue has it, else as is."""
    if not text or not lang or lang[:2] == "en":
        return text
    return _catalogue(lang[:2].lower()).get(_key(text), text)


# The rule-set fields whose words reach a clinician's screen.
_TEXT_KEYS = ("title", "label", "note", "options_note", "finding", "unknown")


def _walk(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "examples":
                continue
            if key in _TEXT_KEYS and isinstance(value, str):
                yield _key(value)
            if key == "results" and isinstance(value, dict):
                yield from (_key(v) for v in value.values() if isinstance(v, str))
            if key == "headings" and isinstance(value, dict):
                yield from (_key(v) for v in value.values() if isinstance(v, str))
            if key == "options" and isinstance(value, list):
                yield from (_key(v) for v in value if isinstance(v, str))
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def shipped_texts() -> list[str]:
    """Every text of the shipped rule sets and input catalogue a clinician may see."""
    from painpath.core.rules.derive import INPUTS

    folder = resources.files("painpath.core.data").joinpath("rulesets")
    texts: dict[str, None] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            texts.update(dict.fromkeys(_walk(yaml.safe_load(entry.read_text(encoding="utf-8")))))
    inputs = (_key(v.replace(" (see module docstring)", "")) for v in INPUTS.values())
    texts.update(dict.fromkeys(inputs))
    # The blood-thinner advice the readiness card shows (painpath.core.medicines).
    from painpath.core.medicines import texts as medicine_texts

    texts.update(dict.fromkeys(_key(text) for text in medicine_texts()))
    return list(texts)


def untranslated(lang: str) -> list[str]:
    catalogue = _catalogue(lang)
    return [text for text in shipped_texts() if text not in catalogue]
