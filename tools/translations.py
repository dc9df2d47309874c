"""Write docs/translations.md: every Danish text a patient reads that a native clinician has
not yet reviewed, generated from the data.

    python tools/translations.py          # (re)write docs/translations.md
    python tools/translations.py --check  # exit 1 if out of date (tests/web/test_translations.py)

Where the texts come from:

- the questionnaires' Danish wording (``core/data/questionnaires/source/*.yaml``): painpath's
  own paraphrase, or generic wording painpath put into Danish; a validated Danish version is
  never shipped (a site loads it: docs/questionnaires.md);
- the red-flag questions (``core/data/vocabularies/red-flags.yaml``);
- the intake's and the follow-up's screens and messages: every message the patient-facing
  templates and modules mark for translation, with its Danish from ``locale/da/.../django.po``.

A text leaves the list when ``docs/translations-reviewed.yaml`` records a review of exactly that
Danish wording (a changed text comes back until it is reviewed again).
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src/painpath"
TARGET = ROOT / "docs/translations.md"
REVIEWED = ROOT / "docs/translations-reviewed.yaml"
PO = SRC / "locale/da/LC_MESSAGES/django.po"

# What a patient sees: the intake and follow-up pages (not the clinic's issue pages) and the
# follow-up messages. (The site-wide frame, web/templates/base.html, is mostly the staff's
# navigation; the patient pages' own frame is questionnaires/patient_base.html.)
TEMPLATES = [
    *sorted((SRC / "questionnaires/templates/questionnaires").rglob("*.html")),
    SRC / "followup/templates/followup/email.txt",
    SRC / "followup/templates/followup/sms.txt",
]
CLINIC_ONLY = {"issue.html", "issued.html"}
MODULES: dict[Path, str | None] = {
    SRC / "questionnaires/forms.py": None,
    SRC / "questionnaires/bodymap.py": None,
    SRC / "questionnaires/services.py": None,
    SRC / "followup/services.py": "_message",  # only the messages' subjects
}
# Validated Danish versions that exist (docs/questionnaires.md, "The validated Danish
# versions"): painpath ships none of them; the shipped Danish is painpath's own.
VALIDATED_DANISH = {
    "odi": "ODI, Danish version (Lauridsen et al. 2006), from Mapi Research Trust",
    "startback": "STarT-dk (Morsø et al. 2011), from Keele University",
    "rmdq23": "RMDQ-23, Danish (Albert et al. 2003)",
    "eq5d5l": "EQ-5D-5L, Danish (EuroQol; value set Jensen et al. 2021)",
}


@dataclass(frozen=True)
class Text:
    key: str
    """What identifies the text: ``odi/odi3``, ``red flag/saddle_anaesthesia``, the msgid."""
    english: str
    danish: str


# -- sources --------------------------------------------------------------------------------


def _questionnaires() -> Iterator[tuple[str, str, list[Text]]]:
    sys.path.insert(0, str(ROOT / "src"))
    from painpath.core.instruments import REGISTRY
    from painpath.core.questionnaires import source

    for code in REGISTRY:
        src = source(code)
        texts = [Text(f"{code}/title", src.title["en"], src.title["da"])]
        labels: dict[tuple[str, str], None] = {}
        for item in src.items:
            texts.append(Text(f"{code}/{item.link_id}", item.text["en"], item.text["da"]))
            for option in item.options:
                labels[(option.display["en"], option.display["da"])] = None
        texts += [Text(f"{code}/answer", en, da) for en, da in labels]
        kind = (
            "generic wording, in painpath's Danish"
            if src.wording == "original"
            else ("painpath's paraphrase")
        )
        validated = VALIDATED_DANISH.get(code)
        note = f"{kind}, version {src.version}" + (
            f"; a validated Danish version exists: {validated}" if validated else ""
        )
        yield code, note, texts


def _red_flags() -> list[Text]:
    sys.path.insert(0, str(ROOT / "src"))
    from painpath.core.vocabularies import asked_red_flags

    return [
        Text(f"red flag/{flag.code}", flag.question.en, flag.question.in_language("da"))
        for flag in asked_red_flags()
    ]


_CALL = re.compile(r"\b(n?p?gettext)\(((?:u'(?:[^'\\]|\\.)*'(?:, )?)+)")


def _template_messages(path: Path) -> Iterator[tuple[str | None, str]]:
    from django.utils.translation.template import templatize

    for match in _CALL.finditer(templatize(path.read_text(encoding="utf-8"))):
        args = ast.literal_eval(f"[{match.group(2).rstrip(', ')}]")
        function = match.group(1)
        context = args.pop(0) if "p" in function else None
        yield context, args[0]


_GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
_PGETTEXT = {"pgettext", "pgettext_lazy", "npgettext", "npgettext_lazy"}


def _module_messages(path: Path, only: str | None) -> Iterator[tuple[str | None, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    if only is not None:
        tree = next(
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name == only
        )
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
            continue
        strings = [
            a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        if node.func.id in _GETTEXT and strings:
            yield None, strings[0]
        elif node.func.id in _PGETTEXT and len(strings) >= 2:
            yield strings[0], strings[1]


def _unquote(line: str) -> str:
    return ast.literal_eval(line)  # a .po string is a C string; Python reads these the same


def _catalogue() -> dict[tuple[str | None, str], str]:
    """(context, msgid) → the Danish (the singular of a plural entry); untranslated: ""."""
    out: dict[tuple[str | None, str], str] = {}
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        current = ""
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            head, _, rest = line.partition(" ")
            if line.startswith('"'):
                fields[current] += _unquote(line)
            elif head in ("msgctxt", "msgid", "msgid_plural", "msgstr", "msgstr[0]"):
                current = head
                fields[current] = _unquote(rest)
        if fields.get("msgid"):
            danish = fields.get("msgstr", fields.get("msgstr[0]", ""))
            out[(fields.get("msgctxt"), fields["msgid"])] = danish
    return out


def _screens() -> list[tuple[str, list[Text]]]:
    catalogue = _catalogue()
    groups: list[tuple[str, list[Text]]] = []
    seen: set[tuple[str | None, str]] = set()
    sources: list[tuple[str, Iterator[tuple[str | None, str]]]] = [
        (str(path.relative_to(SRC)), _template_messages(path))
        for path in TEMPLATES
        if path.name not in CLINIC_ONLY
    ]
    sources += [
        (str(path.relative_to(SRC)) + (f" ({only})" if only else ""), _module_messages(path, only))
        for path, only in MODULES.items()
    ]
    for name, messages in sources:
        texts = []
        for context, msgid in messages:
            if (context, msgid) in seen:
                continue
            seen.add((context, msgid))
            key = f"{context}|{msgid}" if context else msgid
            texts.append(Text(key, msgid, catalogue.get((context, msgid), "")))
        if texts:
            groups.append((name, texts))
    return groups


# -- the document ---------------------------------------------------------------------------


def _reviewed() -> set[tuple[str, str]]:
    if not REVIEWED.exists():
        return set()
    entries = yaml.safe_load(REVIEWED.read_text(encoding="utf-8")) or {}
    return {(str(e["key"]), str(e["da"])) for e in entries.get("reviewed", [])}


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|") or "**(no Danish)**"


def _table(texts: list[Text], reviewed: set[tuple[str, str]]) -> tuple[list[str], int]:
    rows = [t for t in texts if (t.key, t.danish) not in reviewed]
    lines = ["| English | Danish |", "| --- | --- |"]
    lines += [f"| {_cell(t.english)} | {_cell(t.danish)} |" for t in rows]
    return lines, len(rows)


def document() -> str:
    reviewed = _reviewed()
    questionnaires = list(_questionnaires())
    red_flags = _red_flags()
    screens = _screens()
    body: list[str] = []
    counts: list[tuple[str, str, int]] = []

    body += ["## Questionnaires", ""]
    body += [
        "The shipped Danish of every questionnaire is painpath's own: its paraphrase of a "
        "licensed instrument, or generic wording (NRS, VAS) it put into Danish. None is a "
        "validated translation. Where a validated Danish version exists, a site loads it "
        "(docs/questionnaires.md) and answers record it; until then patients read the texts "
        "below.",
        "",
    ]
    for code, note, texts in questionnaires:
        lines, n = _table(texts, reviewed)
        counts.append((f"questionnaire `{code}`", note, n))
        if n:
            body += [f"### `{code}` — {note}", "", *lines, ""]

    lines, n = _table(red_flags, reviewed)
    counts.append(("red-flag questions", "painpath's (clinical review, issue 10)", n))
    body += ["## Red-flag questions (the intake)", "", *lines, ""]

    body += ["## Screens and messages", ""]
    for name, texts in screens:
        lines, n = _table(texts, reviewed)
        counts.append((f"`{name}`", "painpath's", n))
        if n:
            body += [f"### `{name}`", "", *lines, ""]

    head = [
        "# Patient-facing Danish awaiting review by a native clinician",
        "",
        "Generated by `python tools/translations.py` from the data: do not edit by hand "
        "(`tests/web/test_translations.py` fails when it is out of date). Every text below is "
        "**painpath's own Danish** — none is a validated translation — and has not been "
        "reviewed by a native Danish clinician. A review is recorded in "
        "`docs/translations-reviewed.yaml` (`key` and the exact Danish reviewed, who, when); "
        "the text then leaves this list, and comes back if it changes. German is painpath's "
        "own too and equally unreviewed; it is not listed here.",
        "",
        "| texts | whose | awaiting review |",
        "| --- | --- | --- |",
        *[f"| {what} | {whose} | {n} |" for what, whose, n in counts],
        f"| **all** | | **{sum(n for _, _, n in counts)}** |",
        "",
    ]
    return "\n".join([*head, *body]).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report if out of date")
    args = parser.parse_args(argv)
    from django.conf import settings

    if not settings.configured:
        settings.configure()
    text = document()
    current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else None
    if current == text:
        return 0
    if args.check:
        print(f"out of date: {TARGET} (run python tools/translations.py)", file=sys.stderr)
        return 1
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote: {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
