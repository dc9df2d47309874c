"""Every instrument as a FHIR R4 ``Questionnaire`` in Danish, English and German.

Source data: one YAML file per instrument in ``painpath/core/data/questionnaires/source``
(titles, licence, item texts and answer labels per language). :func:`build` turns it into a
Questionnaire; ``tools/build_questionnaires.py`` writes the result to
``painpath/core/data/questionnaires/<code>.<lang>.json``, which :func:`load` reads.

The ``linkId`` of every item is the instrument's answer code (``odi1``, ``sbst9``, ``MO``,
``VAS``, ``duration``), in the instrument's item order; the ``code`` of every answer option
is the integer the scorer expects, as a string (``"0"``…``"5"`` for an ODI section). A
QuestionnaireResponse can therefore be scored by reading ``linkId`` → ``int(code)``.

Wording (extension ``WORDING_URL`` on the Questionnaire and on every item):

* ``original`` — generic wording that may be shipped (NRS, VAS);
* ``paraphrase`` — painpath's own plain paraphrase of a licensed instrument, *not* the
  licensed wording and not a validated translation; for orientation and testing only;
* ``licensed`` — the licensed wording, loaded by the user with :func:`load_wording` into
  the override directory (``$PAINPATH_VAR_DIR/questionnaires``, default ``./var``), which
  :func:`load` prefers to the shipped file. painpath never ships it. A licensed resource also
  carries the translation it is (extension ``TRANSLATION_URL``: the id and version the
  licence gives it, e.g. STarT-dk, and a digest of the texts loaded).

Which wording a patient saw is recorded with every stored response as a :class:`WordingRef`
(:func:`wording_of` the Questionnaire that was rendered): painpath's paraphrase is not the
validated instrument, and the outcome report keeps the two apart.

Item types: ``choice`` with ``answerOption``/``valueCoding`` for every categorical item;
``integer`` (NRS, the EQ VAS) and ``decimal`` (the 100 mm VAS, which may be measured to a
fraction of a millimetre) with the standard ``minValue``/``maxValue`` extensions. ``required``
is false where the missing-answer rule lets the patient leave the item out (:func:`skippable`).

For SDC clients (LHC-Forms, tested in ``tests/browser/test_lhcforms.py``): each resource has
its own canonical url per language (:func:`canonical_url`), a ``code`` (LOINC where it has
one, and painpath's instruments system), ``radio-button`` and ``slider`` item controls, the
paraphrase notice in ``copyright``; every answer scale is a published CodeSystem
(:func:`answer_system`, :func:`conformance`), as are the StructureDefinitions of the wording
extensions. See docs/questionnaires.md, "What an SDC client gets".
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from painpath.core.errors import PainpathError, UnknownInstrument
from painpath.core.instruments import REGISTRY, Instrument, Item
from painpath.core.vocabularies import language_codes

LANGUAGES = language_codes()
BASE_URL = "https://painpath.org/fhir"
WORDING_URL = f"{BASE_URL}/StructureDefinition/wording"
TRANSLATION_URL = f"{BASE_URL}/StructureDefinition/wording-translation"
WORDING_KINDS = ("original", "paraphrase", "licensed", "unknown")
MIN_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE_URL = "http://hl7.org/fhir/StructureDefinition/maxValue"
ITEM_CONTROL_URL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
UNIT_URL = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
SLIDER_STEP_URL = "http://hl7.org/fhir/StructureDefinition/questionnaire-sliderStepValue"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"
LOINC = "http://loinc.org"
INSTRUMENTS_SYSTEM = f"{BASE_URL}/CodeSystem/instruments"
WORDING_SYSTEM = f"{BASE_URL}/CodeSystem/wording"
WORDING_VALUE_SET = f"{BASE_URL}/ValueSet/wording"
VAR_DIR_ENV = "PAINPATH_VAR_DIR"

_DATA = "questionnaires"


class QuestionnaireError(PainpathError, ValueError):
    """A questionnaire source, language or licensed-wording file cannot be used."""


# Fixed sentences of the generated resources, per language; {placeholders} from the source.
_TEXT: dict[str, dict[str, str]] = {
    "paraphrase": {
        "da": (
            "Item- og svartekster er painpaths egen enkle omskrivning, ikke den licenserede "
            "ordlyd og ikke en valideret oversættelse. Brug den licenserede tekst i klinikken: "
            "`painpath questionnaires load-wording {code} --lang da FIL`."
        ),
        "en": (
            "Item and answer texts are painpath's own plain paraphrase, not the licensed "
            "wording and not a validated translation. Use the licensed text in the clinic: "
            "`painpath questionnaires load-wording {code} --lang en FILE`."
        ),
        "de": (
            "Fragen- und Antworttexte sind eine einfache Umschreibung von painpath, nicht der "
            "lizenzierte Wortlaut und keine validierte Übersetzung. In der Klinik den "
            "lizenzierten Text verwenden: "
            "`painpath questionnaires load-wording {code} --lang de DATEI`."
        ),
    },
    "original": {
        "da": "Generisk ordlyd, fri til brug.",
        "en": "Generic wording, free to use.",
        "de": "Allgemeiner Wortlaut, frei verwendbar.",
    },
    "licensed": {
        "da": "Licenseret ordlyd, indlæst lokalt fra {file}.",
        "en": "Licensed wording, loaded locally from {file}.",
        "de": "Lizenzierter Wortlaut, lokal geladen aus {file}.",
    },
    "copyright_notice": {
        "da": "Spørgsmål og svar er painpaths omskrivning, ikke den licenserede ordlyd.",
        "en": "These questions and answers are painpath's paraphrase, not the licensed wording.",
        "de": "Fragen und Antworten sind eine Umschreibung von painpath, nicht der "
        "lizenzierte Wortlaut.",
    },
    "copyright_free": {
        "da": "{holder}.",
        "en": "{holder}.",
        "de": "{holder}.",
    },
    "copyright_licensed": {
        "da": "© {holder}. Den licenserede ordlyd følger ikke med painpath; få den fra {obtain}.",
        "en": "© {holder}. The licensed wording is not shipped with painpath; get it from "
        "{obtain}.",
        "de": "© {holder}. Der lizenzierte Wortlaut wird nicht mit painpath ausgeliefert; "
        "erhältlich bei {obtain}.",
    },
}


# -- source data -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    code: int
    display: Mapping[str, str]


@dataclass(frozen=True)
class SourceItem:
    link_id: str
    text: Mapping[str, str]
    options: tuple[Option, ...]
    """Empty for ``integer``/``decimal`` items."""
    scale: str = ""
    """The answer scale's name in the source (a shared scale's key, else the linkId): each
    scale is its own CodeSystem, so that one code means one answer in one system."""


@dataclass(frozen=True)
class Coding:
    """A code for the whole questionnaire (LOINC's panel code), with where it was checked."""

    system: str
    code: str
    display: str
    source: str


@dataclass(frozen=True)
class Source:
    """One instrument's questionnaire source (``source/<code>.yaml``), checked against the
    instrument's items."""

    code: str
    version: str
    title: Mapping[str, str]
    holder: str
    wording_may_be_shipped: bool
    obtain: str
    items: tuple[SourceItem, ...]
    loinc: Coding | None = None

    @property
    def wording(self) -> str:
        return "original" if self.wording_may_be_shipped else "paraphrase"


def _instrument(code: str) -> type[Instrument]:
    try:
        return REGISTRY[code]
    except KeyError:
        raise UnknownInstrument(code, list(REGISTRY)) from None


def _check_language(lang: str) -> None:
    if lang not in LANGUAGES:
        raise QuestionnaireError(
            f"unknown language {lang!r}; questionnaires exist in {', '.join(LANGUAGES)}"
        )


def _texts(value: object, where: str) -> dict[str, str]:
    """A ``{da, en, de}`` mapping of non-empty strings (YAML turns a bare ``No`` into a bool:
    such values are refused, not silently shipped as ``False``)."""
    if not isinstance(value, dict):
        raise QuestionnaireError(f"{where}: expected texts for {', '.join(LANGUAGES)}")
    texts: dict[str, str] = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise QuestionnaireError(f"{where}: no {lang} text (quote it if YAML reads a bool)")
        texts[lang] = text.strip()
    extra = set(value) - set(LANGUAGES)
    if extra:
        raise QuestionnaireError(f"{where}: unexpected language(s) {', '.join(sorted(extra))}")
    return texts


def _scale(spec: object, where: str) -> tuple[Option, ...]:
    """A scale is either ``options: [{code, da, en, de}, ...]`` or ``range: [low, high]`` with
    ``anchors: {code: {da, en, de}}`` (a 0–10 scale labelled at its ends: the other options
    are shown as their number)."""
    if not isinstance(spec, dict):
        raise QuestionnaireError(f"{where}: a scale needs 'options' or 'range' and 'anchors'")
    if "options" in spec:
        options = []
        for entry in spec["options"]:
            code = entry.get("code") if isinstance(entry, dict) else None
            if not isinstance(code, int) or isinstance(code, bool):
                raise QuestionnaireError(f"{where}: every option needs an integer 'code'")
            labels = {k: v for k, v in entry.items() if k != "code"}
            options.append(Option(code, _texts(labels, f"{where} option {code}")))
        return tuple(options)
    low, high = spec["range"]
    anchors = {int(k): _texts(v, f"{where} anchor {k}") for k, v in spec["anchors"].items()}
    return tuple(
        Option(
            code,
            {
                lang: f"{code} – {anchors[code][lang]}" if code in anchors else str(code)
                for lang in LANGUAGES
            },
        )
        for code in range(int(low), int(high) + 1)
    )


def _source_dir() -> Any:
    return resources.files("painpath.core.data").joinpath(_DATA, "source")


@cache
def source(code: str) -> Source:
    """The checked source of instrument ``code``'s questionnaire.

    Raises :class:`QuestionnaireError` when the linkIds are not exactly the instrument's item
    codes in order, or when a choice item's codes are not exactly its low…high.
    """
    cls = _instrument(code)
    where = f"questionnaires/source/{code}.yaml"
    raw = yaml.safe_load(_source_dir().joinpath(f"{code}.yaml").read_text(encoding="utf-8"))
    if not isinstance(raw, dict) or raw.get("code") != code:
        raise QuestionnaireError(f"{where}: 'code' must be {code!r}")
    licence = raw["licence"]
    if bool(licence["wording_may_be_shipped"]) != cls.wording_may_be_shipped:
        raise QuestionnaireError(
            f"{where}: wording_may_be_shipped disagrees with the instrument ({cls.licence})"
        )
    scales = {
        name: _scale(spec, f"{where} scale {name}") for name, spec in raw.get("scales", {}).items()
    }
    entries = raw["items"]
    link_ids = [entry.get("linkId") for entry in entries]
    expected = [item.code for item in cls.items]
    if link_ids != expected:
        raise QuestionnaireError(
            f"{where}: linkIds {link_ids} must be the instrument's item codes {expected}"
        )
    items = []
    for entry, item in zip(entries, cls.items, strict=True):
        at = f"{where} item {item.code}"
        options: tuple[Option, ...] = ()
        scale_name = ""
        if "scale" in entry:
            scale = entry["scale"]
            scale_name = scale if isinstance(scale, str) else item.code
            if isinstance(scale, str) and scale not in scales:
                raise QuestionnaireError(f"{at}: no scale {scale!r} in 'scales'")
            options = scales[scale] if isinstance(scale, str) else _scale(scale, at)
            codes = [option.code for option in options]
            if not item.integer or codes != list(range(int(item.low), int(item.high) + 1)):
                raise QuestionnaireError(
                    f"{at}: option codes {codes} must be {item.describe_range()} in order"
                )
        items.append(SourceItem(item.code, _texts(entry.get("text"), at), options, scale_name))
    return Source(
        code=code,
        version=str(raw["version"]),
        title=_texts(raw["title"], f"{where} title"),
        holder=str(licence["holder"]),
        wording_may_be_shipped=cls.wording_may_be_shipped,
        obtain=str(licence.get("obtain", "")),
        items=tuple(items),
        loinc=_loinc(raw.get("loinc"), where),
    )


def _loinc(value: object, where: str) -> Coding | None:
    """The source's ``loinc: {code, display, source}``: LOINC's code for the whole instrument
    (its panel), and where that code was checked."""
    if value is None:
        return None
    fields = ("code", "display", "source")
    if not isinstance(value, dict) or not all(
        isinstance(value.get(key), str) and value[key].strip() for key in fields
    ):
        raise QuestionnaireError(f"{where}: 'loinc' needs a code, a display and a source")
    return Coding(LOINC, value["code"], value["display"], value["source"])


# -- building --------------------------------------------------------------------------------


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _wording(code: str) -> list[dict[str, Any]]:
    return [{"url": WORDING_URL, "valueCode": code}]


def _item_control(code: str) -> dict[str, Any]:
    return {
        "url": ITEM_CONTROL_URL,
        "valueCodeableConcept": {"coding": [{"system": ITEM_CONTROL_SYSTEM, "code": code}]},
    }


def skippable(code: str) -> set[str]:
    """The linkIds of ``code`` a patient may leave unanswered and still be scored: the items
    the instrument marks optional, and — where its missing-answer rule allows any item to be
    missing (ODI, NDI, OKS/OHS: ``max_missing`` > 0) — every item. FHIR's ``required`` is per
    item and cannot say "at most one of these may be missing", so such items are not
    ``required``; the scorer applies the count."""
    cls = _instrument(code)
    return {item.code for item in cls.items if item.optional or cls.max_missing > 0}


def answer_system(code: str, scale: str) -> str:
    """The CodeSystem of one answer scale of instrument ``code`` (``odi-limitation``)."""
    return f"{BASE_URL}/CodeSystem/{code}-{scale.replace('_', '-')}"


def _item(src: Source, entry: SourceItem, item: Item, lang: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "linkId": entry.link_id,
        "text": entry.text[lang],
        "required": entry.link_id not in skippable(src.code),
        "extension": _wording(src.wording),
    }
    if entry.options:
        result["type"] = "choice"
        result["extension"] = [*result["extension"], _item_control("radio-button")]
        result["answerOption"] = [
            {
                "valueCoding": {
                    "system": answer_system(src.code, entry.scale),
                    "code": str(option.code),
                    "display": option.display[lang],
                }
            }
            for option in entry.options
        ]
        return result
    kind = "Integer" if item.integer else "Decimal"
    result["type"] = kind.lower()
    result["extension"] = [
        *result["extension"],
        {"url": MIN_VALUE_URL, f"value{kind}": _number(item.low)},
        {"url": MAX_VALUE_URL, f"value{kind}": _number(item.high)},
    ]
    if not item.integer:
        # The 100 mm VAS: a slider in millimetres where the client draws one; a client that
        # does not (LHC-Forms 40) shows a number box, which the item's text also allows.
        result["extension"] += [
            _item_control("slider"),
            {"url": SLIDER_STEP_URL, "valueInteger": 1},
            {
                "url": UNIT_URL,
                "valueCoding": {
                    "system": "http://unitsofmeasure.org",
                    "code": "mm",
                    "display": "mm",
                },
            },
        ]
    return result


def canonical_url(code: str, lang: str) -> str:
    """The canonical ``url`` of ``code`` in ``lang``: one per language, so that a
    QuestionnaireResponse's ``questionnaire`` (``url|version``) says which language the
    patient saw."""
    return f"{BASE_URL}/Questionnaire/{code}-{lang}"


def _codes(src: Source) -> list[dict[str, str]]:
    own = {"system": INSTRUMENTS_SYSTEM, "code": src.code, "display": src.title["en"]}
    if src.loinc is None:
        return [own]
    loinc = {"system": src.loinc.system, "code": src.loinc.code, "display": src.loinc.display}
    return [loinc, own]


def build(code: str, lang: str) -> dict[str, Any]:
    """The shipped FHIR R4 Questionnaire of instrument ``code`` in ``lang`` (da, en, de)."""
    _check_language(lang)
    src = source(code)
    cls = _instrument(code)
    template = "copyright_free" if src.wording_may_be_shipped else "copyright_licensed"
    notice = _TEXT["copyright_notice"][lang] if src.wording == "paraphrase" else ""
    licence = _TEXT[template][lang].format(holder=src.holder, obtain=src.obtain)
    return {
        "resourceType": "Questionnaire",
        "id": f"{code}-{lang}",
        "url": canonical_url(code, lang),
        "version": src.version,
        "name": cls.__name__,
        "title": src.title[lang],
        "status": "active",
        "language": lang,
        "publisher": "painpath",
        "subjectType": ["Patient"],
        "code": _codes(src),
        "description": _TEXT[src.wording][lang].format(code=code),
        # Where clients show the licence (LHC-Forms: its copyright button), the paraphrase
        # notice comes first: a reader must not take these texts for the licensed wording.
        "copyright": f"{notice} {licence}".strip(),
        "extension": _wording(src.wording),
        "item": [
            _item(src, entry, item, lang) for entry, item in zip(src.items, cls.items, strict=True)
        ],
    }


# -- the CodeSystems, ValueSet and StructureDefinitions the Questionnaires refer to ----------

CONFORMANCE = "conformance"
_WORDING_CODES = {
    "original": "Generic wording that anyone may use (NRS, VAS), shipped in full.",
    "paraphrase": "painpath's own plain paraphrase of a licensed instrument: not the licensed "
    "wording and not a validated translation.",
    "licensed": "The licensed (for another language: validated) wording, loaded by a site "
    "that holds the licence.",
    "unknown": "Not known: answered on a form painpath did not show, or stored before painpath "
    "recorded the wording.",
}


def _designations(texts: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"language": lang, "value": texts[lang]} for lang in LANGUAGES if lang != "en"]


def _answer_code_systems(code: str) -> list[dict[str, Any]]:
    src = source(code)
    cls = _instrument(code)
    scales: dict[str, list[SourceItem]] = {}
    for entry in src.items:
        if entry.options:
            scales.setdefault(entry.scale, []).append(entry)
    result = []
    for scale, entries in scales.items():
        url = answer_system(code, scale)
        result.append(
            {
                "resourceType": "CodeSystem",
                "id": url.rsplit("/", 1)[1],
                "url": url,
                "version": src.version,
                "name": cls.__name__ + "".join(p.title() for p in scale.split("_")),
                "title": f"{src.title['en']}: answers '{scale}'",
                "status": "active",
                "publisher": "painpath",
                "language": "en",
                "description": (
                    f"One answer scale of {code}, used by {', '.join(e.link_id for e in entries)}. "
                    "The code is the item score the scorer expects; displays in English, with "
                    "Danish and German designations. "
                    + ("" if src.wording_may_be_shipped else _TEXT["copyright_notice"]["en"])
                ).strip(),
                "caseSensitive": True,
                "content": "complete",
                "count": len(entries[0].options),
                "concept": [
                    {
                        "code": str(option.code),
                        "display": option.display["en"],
                        "designation": _designations(option.display),
                    }
                    for option in entries[0].options
                ],
            }
        )
    return result


def _instruments_code_system() -> dict[str, Any]:
    return {
        "resourceType": "CodeSystem",
        "id": "instruments",
        "url": INSTRUMENTS_SYSTEM,
        "name": "PainpathInstruments",
        "title": "painpath's instruments",
        "status": "active",
        "publisher": "painpath",
        "language": "en",
        "description": "The instruments painpath scores: Questionnaire.code of each (with "
        "LOINC's code where LOINC has one), and the instrument of a score.",
        "caseSensitive": True,
        "content": "complete",
        "count": len(REGISTRY),
        "concept": [
            {
                "code": code,
                "display": source(code).title["en"],
                "designation": _designations(source(code).title),
            }
            for code in REGISTRY
        ],
    }


def _wording_terminology() -> list[dict[str, Any]]:
    common = {"status": "active", "publisher": "painpath", "language": "en"}
    code_system = {
        "resourceType": "CodeSystem",
        "id": "wording",
        "url": WORDING_SYSTEM,
        "name": "PainpathWording",
        "title": "Which wording a questionnaire shows",
        **common,
        "description": "The values of the wording extension.",
        "caseSensitive": True,
        "content": "complete",
        "count": len(_WORDING_CODES),
        "concept": [
            {"code": code, "display": code, "definition": definition}
            for code, definition in _WORDING_CODES.items()
        ],
    }
    value_set = {
        "resourceType": "ValueSet",
        "id": "wording",
        "url": WORDING_VALUE_SET,
        "name": "PainpathWording",
        "title": "Which wording a questionnaire shows",
        **common,
        "description": "Every code of the wording CodeSystem.",
        "compose": {"include": [{"system": WORDING_SYSTEM}]},
    }
    return [code_system, value_set]


def _extension_definition(
    ident: str, url: str, title: str, description: str, contexts: list[str]
) -> dict[str, Any]:
    return {
        "resourceType": "StructureDefinition",
        "id": ident,
        "url": url,
        "name": "".join(p.title() for p in ident.split("-")),
        "title": title,
        "status": "active",
        "publisher": "painpath",
        "description": description,
        "fhirVersion": "4.0.1",
        "kind": "complex-type",
        "abstract": False,
        "context": [{"type": "element", "expression": where} for where in contexts],
        "type": "Extension",
        "baseDefinition": "http://hl7.org/fhir/StructureDefinition/Extension",
        "derivation": "constraint",
    }


def _wording_extension() -> dict[str, Any]:
    definition = _extension_definition(
        "wording",
        WORDING_URL,
        "Which wording a questionnaire or item shows",
        "On a Questionnaire and on each of its items: `original` (generic wording), "
        "`paraphrase` (painpath's paraphrase, not the licensed wording), `licensed` (a "
        "licensed or validated wording a site loaded) or `unknown`. painpath stores it with "
        "every response, so that paraphrased and validated answers are never pooled.",
        ["Questionnaire", "Questionnaire.item"],
    )
    definition["differential"] = {
        "element": [
            {"id": "Extension", "path": "Extension", "short": "Which wording", "max": "1"},
            {"id": "Extension.extension", "path": "Extension.extension", "max": "0"},
            {"id": "Extension.url", "path": "Extension.url", "fixedUri": WORDING_URL},
            {
                "id": "Extension.value[x]",
                "path": "Extension.value[x]",
                "min": 1,
                "type": [{"code": "code"}],
                "binding": {"strength": "required", "valueSet": WORDING_VALUE_SET},
            },
        ]
    }
    return definition


def _translation_extension_definition() -> dict[str, Any]:
    definition = _extension_definition(
        "wording-translation",
        TRANSLATION_URL,
        "Which licensed translation a questionnaire shows",
        "On a Questionnaire with `licensed` wording: the translation's id and version as the "
        "licence names them (STarT-dk, 2011), its citation, and `digest`, the first 16 hex "
        "digits of a SHA-256 of the texts loaded.",
        ["Questionnaire"],
    )
    parts = ("id", "version", "citation", "digest")
    elements: list[dict[str, Any]] = [
        {"id": "Extension", "path": "Extension", "max": "1"},
        {
            "id": "Extension.extension",
            "path": "Extension.extension",
            "slicing": {"discriminator": [{"type": "value", "path": "url"}], "rules": "closed"},
        },
    ]
    for part in parts:
        at = f"Extension.extension:{part}"
        elements += [
            {"id": at, "path": "Extension.extension", "sliceName": part, "max": "1"},
            {"id": f"{at}.url", "path": "Extension.extension.url", "fixedUri": part},
            {
                "id": f"{at}.value[x]",
                "path": "Extension.extension.value[x]",
                "type": [{"code": "string"}],
            },
        ]
    elements += [
        {"id": "Extension.url", "path": "Extension.url", "fixedUri": TRANSLATION_URL},
        {"id": "Extension.value[x]", "path": "Extension.value[x]", "max": "0"},
    ]
    definition["differential"] = {"element": elements}
    return definition


def conformance() -> dict[str, dict[str, Any]]:
    """Every resource the Questionnaires refer to, by file name (``CodeSystem-odi-limitation
    .json``): one CodeSystem per answer scale, the instruments and wording CodeSystems, the
    wording ValueSet and the StructureDefinitions of painpath's two extensions."""
    resources = [
        *(system for code in REGISTRY for system in _answer_code_systems(code)),
        _instruments_code_system(),
        *_wording_terminology(),
        _wording_extension(),
        _translation_extension_definition(),
    ]
    return {f"{r['resourceType']}-{r['id']}.json": r for r in resources}


def shipped_conformance() -> dict[str, dict[str, Any]]:
    """The committed conformance resources (what ``tools/build_questionnaires.py`` wrote)."""
    folder = resources.files("painpath.core.data").joinpath(CONFORMANCE)
    return {
        entry.name: json.loads(entry.read_text(encoding="utf-8"))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    }


def dumps(resource: Mapping[str, Any]) -> str:
    """The canonical text of a resource: sorted keys, indent 2, UTF-8, trailing newline."""
    return json.dumps(resource, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# -- loading ---------------------------------------------------------------------------------


def var_dir() -> Path:
    """``$PAINPATH_VAR_DIR`` (the same directory the web settings use), default ``./var``."""
    value = os.environ.get(VAR_DIR_ENV, "").strip()
    return Path(value) if value else Path.cwd() / "var"


def override_path(code: str, lang: str, *, directory: Path | None = None) -> Path:
    """Where :func:`load_wording` puts the licensed wording of ``code`` in ``lang``."""
    return (directory or var_dir()) / _DATA / f"{code}.{lang}.json"


def shipped_text(code: str, lang: str) -> str:
    """The committed JSON text of ``code`` in ``lang`` (what ``tools/build_questionnaires.py``
    wrote)."""
    _instrument(code)
    _check_language(lang)
    path = resources.files("painpath.core.data").joinpath(_DATA, f"{code}.{lang}.json")
    return path.read_text(encoding="utf-8")


def load(code: str, lang: str, *, directory: Path | None = None) -> dict[str, Any]:
    """The Questionnaire of ``code`` in ``lang``: the locally loaded licensed wording if
    :func:`load_wording` put one in the override directory, else the shipped resource."""
    override = override_path(code, lang, directory=directory)
    _instrument(code)
    _check_language(lang)
    if not override.is_file():
        shipped: dict[str, Any] = json.loads(shipped_text(code, lang))
        return shipped
    try:
        resource: dict[str, Any] = json.loads(override.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise QuestionnaireError(
            f"{override}: cannot read the locally loaded wording ({error}); load it again with "
            f"`painpath questionnaires load-wording {code} --lang {lang} FILE` or remove it"
        ) from None
    return resource


def available() -> list[tuple[str, str]]:
    """Every shipped (instrument code, language), in registry and language order."""
    return [(code, lang) for code in REGISTRY for lang in LANGUAGES]


def wording_status(code: str, lang: str, *, directory: Path | None = None) -> str:
    """``original``, ``paraphrase`` or ``licensed``: the wording :func:`load` returns."""
    resource = load(code, lang, directory=directory)
    return str(resource["extension"][0]["valueCode"])


# -- which wording a patient saw -------------------------------------------------------------


@dataclass(frozen=True)
class WordingRef:
    """Which wording of a questionnaire a patient saw, stored with every response.

    ``kind`` is ``original`` (generic wording anyone may use: NRS, VAS), ``licensed`` (a
    licensed — for another language, a validated — translation a site loaded), ``paraphrase``
    (painpath's own wording: not the validated instrument) or ``unknown`` (taken on paper or
    by phone from a form painpath did not show, or stored before painpath recorded it).
    ``questionnaire`` and ``version`` name the FHIR Questionnaire (``odi-da``, ``1.1.0``);
    for licensed wording ``translation`` and ``translation_version`` are what the licence
    calls it (``STarT-dk``, ``2011``) and ``digest`` identifies the texts that were loaded.
    """

    kind: str
    questionnaire: str = ""
    version: str = ""
    translation: str = ""
    translation_version: str = ""
    digest: str = ""

    def __post_init__(self) -> None:
        if self.kind not in WORDING_KINDS:
            raise QuestionnaireError(
                f"wording kind {self.kind!r}; use one of {', '.join(WORDING_KINDS)}"
            )

    @property
    def validated(self) -> bool:
        """The instrument's own wording (generic or licensed), not painpath's paraphrase."""
        return self.kind in ("original", "licensed")

    @property
    def label(self) -> str:
        """Short and stable, for exports: ``paraphrase odi-da 1.1.0``, ``licensed STarT-dk
        2011 (startback-da)``, ``unknown``."""
        if self.kind == "unknown":
            return "unknown"
        if self.kind == "licensed":
            name = " ".join(p for p in (self.translation, self.translation_version) if p)
            if not name:
                name = f"digest {self.digest}" if self.digest else "(not named)"
            return f"licensed {name} ({self.questionnaire})"
        return f"{self.kind} {self.questionnaire} {self.version}".strip()

    @property
    def canonical(self) -> str:
        """The Questionnaire's canonical ``url|version`` (a QuestionnaireResponse's
        ``questionnaire``), or "" for ``unknown``. Built from the stored id, so a response
        stored before the url named the language (issue 16) resolves to the same url as one
        stored after: the id was always ``<code>-<lang>``."""
        if not self.questionnaire:
            return ""
        url = f"{BASE_URL}/Questionnaire/{self.questionnaire}"
        return f"{url}|{self.version}" if self.version else url

    def as_dict(self) -> dict[str, str]:
        """The non-empty fields, for storing as JSON (read back with :meth:`from_dict`)."""
        fields = {
            "kind": self.kind,
            "questionnaire": self.questionnaire,
            "version": self.version,
            "translation": self.translation,
            "translation_version": self.translation_version,
            "digest": self.digest,
        }
        return {key: value for key, value in fields.items() if value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> WordingRef:
        """What :meth:`as_dict` stored; an empty or missing record is ``unknown``."""
        if not data or not data.get("kind"):
            return UNKNOWN_WORDING
        return cls(
            kind=str(data["kind"]),
            questionnaire=str(data.get("questionnaire", "")),
            version=str(data.get("version", "")),
            translation=str(data.get("translation", "")),
            translation_version=str(data.get("translation_version", "")),
            digest=str(data.get("digest", "")),
        )


UNKNOWN_WORDING = WordingRef("unknown")


def _sub_extensions(resource: Mapping[str, Any], url: str) -> dict[str, str]:
    for extension in resource.get("extension", []):
        if extension.get("url") == url:
            return {e["url"]: str(e.get("valueString", "")) for e in extension.get("extension", [])}
    return {}


def wording_of(resource: Mapping[str, Any]) -> WordingRef:
    """The wording a rendered Questionnaire shows (what :func:`load` returned), to store with
    the answers given to it."""
    kinds = [
        e.get("valueCode") for e in resource.get("extension", []) if e.get("url") == WORDING_URL
    ]
    kind = str(kinds[0]) if kinds and kinds[0] in WORDING_KINDS else "unknown"
    if kind == "unknown":
        return UNKNOWN_WORDING
    translation = _sub_extensions(resource, TRANSLATION_URL) if kind == "licensed" else {}
    return WordingRef(
        kind=kind,
        questionnaire=str(resource.get("id", "")),
        version=str(resource.get("version", "")),
        translation=translation.get("id", ""),
        translation_version=translation.get("version", ""),
        digest=translation.get("digest", ""),
    )


@dataclass(frozen=True)
class Canonical:
    """What a Questionnaire canonical names: instrument, language (None for the language-less
    url painpath used before issue 16) and version ("" when the canonical has none)."""

    code: str
    lang: str | None
    version: str


def parse_canonical(value: str) -> Canonical:
    """Read ``https://painpath.org/fhir/Questionnaire/odi-da|1.0.0``; also the old url
    without the language (``…/Questionnaire/odi|1.0.0``), whose language a response gave in
    its own ``language``. Raises :class:`QuestionnaireError` for anything else."""
    url, _, version = value.partition("|")
    prefix = f"{BASE_URL}/Questionnaire/"
    name = url[len(prefix) :] if url.startswith(prefix) else ""
    code, _, lang = name.rpartition("-") if "-" in name else (name, "", "")
    if code in REGISTRY and lang in LANGUAGES:
        return Canonical(code, lang, version)
    if name in REGISTRY:
        return Canonical(name, None, version)
    raise QuestionnaireError(
        f"{value!r} is not a painpath Questionnaire; expected {prefix}<code>-<lang>|<version>"
    )


def instrument_code(resource: Mapping[str, Any]) -> str:
    """The instrument a Questionnaire asks (its ``code`` in painpath's instruments system)."""
    for coding in resource.get("code", []):
        if coding.get("system") == INSTRUMENTS_SYSTEM:
            return str(coding["code"])
    return parse_canonical(str(resource.get("url", ""))).code


# -- licensed wording ------------------------------------------------------------------------


@dataclass(frozen=True)
class Wording:
    """Licensed texts read from a file: item text and option labels per linkId, and labels
    shared by every choice item that does not give its own."""

    items: dict[str, str]
    options: dict[str, dict[str, str]]
    shared_options: dict[str, str]
    source: str
    translation: str = ""
    """The translation's id as the licence names it (``STarT-dk``); optional."""
    translation_version: str = ""
    citation: str = ""

    @property
    def digest(self) -> str:
        """A short hash of the texts, so two loaded files can be told apart even unnamed."""
        texts = {"items": self.items, "options": self.options, "shared": self.shared_options}
        canonical = json.dumps(texts, ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _read_json_wording(path: Path, code: str, lang: str) -> Wording:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"), parse_constant=_not_json)
    except OSError as error:
        raise QuestionnaireError(f"{path}: cannot read: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise QuestionnaireError(f"{path}: not JSON ({error.msg} at line {error.lineno})") from None
    except UnicodeDecodeError as error:
        raise QuestionnaireError(f"{path}: not UTF-8 text (offset {error.start})") from None
    except RecursionError:
        raise QuestionnaireError(f"{path}: JSON nested too deeply for a wording file") from None
    except ValueError as error:  # NaN, Infinity, an integer of thousands of digits
        raise QuestionnaireError(f"{path}: not JSON ({str(error)[:80]})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("items"), dict):
        raise QuestionnaireError(f'{path}: expected an object with "items": {{linkId: ...}}')
    for key, expected in (("instrument", code), ("language", lang)):
        if key in raw and raw[key] != expected:
            raise QuestionnaireError(f"{path}: file is for {key} {raw[key]!r}, not {expected!r}")
    items: dict[str, str] = {}
    options: dict[str, dict[str, str]] = {}
    for link_id, value in raw["items"].items():
        if isinstance(value, str):
            items[link_id] = value
            continue
        if not isinstance(value, dict) or not isinstance(value.get("text"), str):
            raise QuestionnaireError(f'{path}: {link_id}: expected "text" or {{"text": ...}}')
        items[link_id] = value["text"]
        if "options" in value:
            options[link_id] = _labels(value["options"], f"{path}: {link_id}: options")
    shared = _labels(raw.get("options", {}), f'{path}: "options"')
    translation = raw.get("translation", {})
    if not isinstance(translation, dict) or not all(
        isinstance(translation.get(key, ""), str) for key in ("id", "version", "citation")
    ):
        raise QuestionnaireError(
            f'{path}: "translation" must be {{"id": …, "version": …, "citation": …}} (text)'
        )
    return Wording(
        items,
        options,
        shared,
        str(raw.get("source", "")),
        translation=translation.get("id", "").strip(),
        translation_version=translation.get("version", "").strip(),
        citation=translation.get("citation", "").strip(),
    )


def _not_json(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _labels(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise QuestionnaireError(f'{where}: expected {{"code": "label", ...}}')
    return {str(code): label for code, label in value.items()}


def _read_csv_wording(path: Path) -> Wording:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise QuestionnaireError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        with handle:
            return _csv_wording(path, csv.DictReader(handle))
    except UnicodeDecodeError as error:
        raise QuestionnaireError(f"{path}: not UTF-8 text (offset {error.start})") from None
    except csv.Error as error:
        raise QuestionnaireError(f"{path}: not CSV ({str(error)[:80]})") from None


def _csv_wording(path: Path, reader: csv.DictReader[str]) -> Wording:
    items: dict[str, str] = {}
    options: dict[str, dict[str, str]] = {}
    shared: dict[str, str] = {}
    if reader.fieldnames is None or not {"linkId", "code", "text"} <= set(reader.fieldnames):
        raise QuestionnaireError(f"{path}: the header must be linkId,code,text")
    for row in reader:
        line = reader.line_num
        link_id, code, text = (
            (row["linkId"] or "").strip(),
            (row["code"] or "").strip(),
            row["text"] or "",
        )
        if not link_id:
            raise QuestionnaireError(f"{path}, line {line}: empty linkId")
        if link_id == "*":
            shared[code] = text
        elif code:
            options.setdefault(link_id, {})[code] = text
        else:
            items[link_id] = text
    return Wording(items, options, shared, "")


def read_wording(code: str, lang: str, path: Path) -> Wording:
    """Read and check a licensed-wording file (JSON or CSV, see ``docs/questionnaires.md``).

    Every linkId must be one of the instrument's; every item needs a text; every choice item
    needs a label for each of its codes (its own, or the shared ``options``); no option code
    outside the item's range. Errors name the file and the linkId.
    """
    src = source(code)
    _check_language(lang)
    if not path.is_file():
        raise QuestionnaireError(f"{path}: no such file")
    wording = (
        _read_csv_wording(path)
        if path.suffix.lower() == ".csv"
        else _read_json_wording(path, code, lang)
    )
    by_id = {entry.link_id: entry for entry in src.items}
    known = ", ".join(by_id)
    for link_id in [*wording.items, *wording.options]:
        if link_id not in by_id:
            raise QuestionnaireError(
                f"{path}: linkId {link_id!r} is not an item of {code}; linkIds are {known}"
            )
    missing = [link_id for link_id in by_id if not wording.items.get(link_id, "").strip()]
    if missing:
        raise QuestionnaireError(
            f"{path}: no text for {', '.join(missing)}; a licensed-wording file must give "
            f"the text of every item of {code}"
        )
    all_codes = {str(option.code) for entry in src.items for option in entry.options}
    stray = [c for c in wording.shared_options if c not in all_codes]
    if stray:
        raise QuestionnaireError(
            f"{path}: shared option code(s) {', '.join(stray)} belong to no item of {code}; "
            f"codes are {', '.join(sorted(all_codes, key=int))}"
        )
    for link_id, entry in by_id.items():
        codes = [str(option.code) for option in entry.options]
        given = wording.options.get(link_id, {})
        if given and not entry.options:
            raise QuestionnaireError(f"{path}: {link_id} is a number item and has no options")
        unknown = [c for c in given if c not in codes]
        if unknown:
            raise QuestionnaireError(
                f"{path}: {link_id} has no answer code {', '.join(unknown)}; its codes are "
                f"{', '.join(codes)}"
            )
        lacking = [c for c in codes if not (given.get(c) or wording.shared_options.get(c, ""))]
        if lacking:
            raise QuestionnaireError(
                f"{path}: {link_id} has no label for answer code(s) {', '.join(lacking)}"
            )
    return wording


def _translation_extension(wording: Wording) -> dict[str, Any]:
    parts = {
        "id": wording.translation,
        "version": wording.translation_version,
        "citation": wording.citation,
        "digest": wording.digest,
    }
    return {
        "url": TRANSLATION_URL,
        "extension": [{"url": key, "valueString": value} for key, value in parts.items() if value],
    }


def load_wording(
    code: str,
    lang: str,
    path: Path,
    *,
    translation: str | None = None,
    translation_version: str | None = None,
    directory: Path | None = None,
) -> Path:
    """Check a licensed-wording file and write the Questionnaire with that wording to the
    override directory, where :func:`load` finds it; returns the path written.

    ``translation`` and ``translation_version`` name the validated translation (``STarT-dk``,
    ``2011``) when the file does not, or override what it says; every response given to this
    wording records them (:func:`wording_of`).

    The file is only read: painpath never copies licensed text anywhere but the override
    directory, which belongs to the site that holds the licence.
    """
    wording = read_wording(code, lang, path)
    if translation is not None or translation_version is not None:
        wording = Wording(
            wording.items,
            wording.options,
            wording.shared_options,
            wording.source,
            translation=(translation or wording.translation).strip(),
            translation_version=(translation_version or wording.translation_version).strip(),
            citation=wording.citation,
        )
    resource = build(code, lang)
    resource["extension"] = [*_wording("licensed"), _translation_extension(wording)]
    resource["description"] = _TEXT["licensed"][lang].format(file=path.name)
    name = " ".join(p for p in (wording.translation, wording.translation_version) if p)
    if name:
        resource["description"] += f" ({name})"
    if wording.source.strip():  # the licence the site holds, as the file states it
        resource["copyright"] = f"{resource['copyright']} {wording.source.strip()}"
    if not source(code).wording_may_be_shipped:
        resource["copyright"] = f"© {source(code).holder}. {wording.source.strip()}".strip()
    for item in resource["item"]:
        link_id = item["linkId"]
        item["text"] = wording.items[link_id].strip()
        item["extension"] = [*_wording("licensed"), *item["extension"][1:]]
        own = wording.options.get(link_id, {})
        for option in item.get("answerOption", []):
            coding = option["valueCoding"]
            coding["display"] = (
                own.get(coding["code"]) or wording.shared_options[coding["code"]]
            ).strip()
            if own:
                # The item's own answers (the ODI's six statements per section) are not the
                # published scale's labels: a site-local system per item, so that a code still
                # means one answer in its system.
                coding["system"] = f"{answer_system(code, link_id)}-licensed"
    target = override_path(code, lang, directory=directory)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".json.tmp")
    partial.write_text(dumps(resource), encoding="utf-8")
    partial.replace(target)
    return target


__all__ = [
    "CONFORMANCE",
    "INSTRUMENTS_SYSTEM",
    "LANGUAGES",
    "TRANSLATION_URL",
    "UNKNOWN_WORDING",
    "WORDING_KINDS",
    "WORDING_URL",
    "Canonical",
    "QuestionnaireError",
    "Source",
    "Wording",
    "WordingRef",
    "answer_system",
    "available",
    "build",
    "canonical_url",
    "conformance",
    "dumps",
    "instrument_code",
    "load",
    "load_wording",
    "override_path",
    "parse_canonical",
    "read_wording",
    "shipped_conformance",
    "shipped_text",
    "skippable",
    "source",
    "var_dir",
    "wording_of",
    "wording_status",
]
