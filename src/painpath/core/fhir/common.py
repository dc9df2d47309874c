"""What the FHIR export and import share: URLs, extensions, stable ids, the terminology table
and the index of the Questionnaires painpath ships.

Every resource is validated with ``fhir.resources.R4B`` (FHIR 4.3.0). fhir.resources 8 has no
4.0.1 (R4) package; Patient, QuestionnaireResponse, Observation, Condition, Procedure and
Bundle are the same in R4 and R4B for every element painpath writes.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

import yaml

from painpath.core.errors import PainpathError
from painpath.core.questionnaires import BASE_URL, LANGUAGES, available, shipped_text

SD: Final = f"{BASE_URL}/StructureDefinition"
EPISODE_URL: Final = f"{SD}/episode"
"""Extension (valueIdentifier): the episode pseudonym (the extract's ``patient_id``)."""
TIMEPOINT_URL: Final = f"{SD}/timepoint"
"""Extension (valueInteger): months after the index date (0 = baseline)."""
WORDING_LABEL_URL: Final = f"{SD}/wording-label"
"""Extension (valueString): which wording the patient saw, as the extract labels it."""
PRIMARY_URL: Final = f"{SD}/primary-diagnosis"
"""Extension (valueBoolean) on a Condition: the episode's primary diagnosis."""
SCORE_SYSTEM: Final = f"{BASE_URL}/CodeSystem/instrument-score"
PROCEDURE_SYSTEM: Final = f"{BASE_URL}/CodeSystem/procedure-kind"
UCUM: Final = "http://unitsofmeasure.org"
# Synthetic data is marked the way FHIR marks test data: the security label HTEST.
TEST_DATA: Final = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
    "code": "HTEST",
    "display": "test health data",
}
_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, f"{BASE_URL}/registry")


class FhirError(PainpathError, ValueError):
    """An extract cannot be exported, or a bundle cannot be imported."""


def registry_system(registry: str, kind: str) -> str:
    """The identifier system of a registry's pseudonyms: ``…/registry/<code>/person``."""
    return f"{BASE_URL}/registry/{registry}/{kind}"


def stable_id(registry: str, resource_type: str, *key: object) -> str:
    """A UUID from the registry, the resource type and the resource's key: exporting the same
    extract again gives the same ids, and two registries never share one."""
    text = "\x1f".join([registry, resource_type, *(str(part) for part in key)])
    return str(uuid.uuid5(_NAMESPACE, text))


def number_text(value: float) -> str:
    """A number as the answers table writes it: ``3``, ``6.5`` (never ``3.0``)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# -- terminology -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreCode:
    """The LOINC term of an instrument's score (``data/loinc.yaml``)."""

    instrument: str
    code: str
    display: str
    panel: str | None
    unit: str


@dataclass(frozen=True)
class Terminology:
    loinc_system: str
    scores: Mapping[str, ScoreCode]
    sks_system: str
    icd10_system: str


@cache
def terminology() -> Terminology:
    """``data/loinc.yaml``, checked: every entry names a score term and a unit."""
    text = resources.files("painpath.core.data").joinpath("loinc.yaml").read_text("utf-8")
    raw = yaml.safe_load(text)
    scores = {}
    for instrument, entry in raw["scores"].items():
        if not isinstance(entry, dict) or not re.fullmatch(r"\d+-\d", str(entry.get("score"))):
            raise FhirError(f"data/loinc.yaml: {instrument}: 'score' must be a LOINC code")
        scores[instrument] = ScoreCode(
            instrument,
            str(entry["score"]),
            str(entry["display"]),
            None if entry.get("panel") is None else str(entry["panel"]),
            str(entry["unit"]),
        )
    systems = raw["systems"]
    return Terminology(
        str(raw["system"]), scores, str(systems["sks"]["uri"]), str(systems["icd10"]["uri"])
    )


# -- the shipped Questionnaires --------------------------------------------------------------


@dataclass(frozen=True)
class ShippedQuestionnaire:
    instrument: str
    language: str
    resource: Mapping[str, Any]
    items: Mapping[str, Mapping[str, Any]]
    """Every item by linkId, groups' children included."""

    @property
    def url(self) -> str:
        return str(self.resource["url"])

    @property
    def version(self) -> str:
        return str(self.resource.get("version", ""))


def _flatten(items: list[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for item in items:
        out[str(item["linkId"])] = item
        out |= _flatten(item.get("item", []))
    return out


@cache
def shipped(instrument: str, language: str) -> ShippedQuestionnaire:
    """The Questionnaire painpath ships for ``instrument`` in ``language`` (not a locally
    loaded licensed wording: its items and codes are the same, its text is the site's)."""
    resource = json.loads(shipped_text(instrument, language))
    return ShippedQuestionnaire(instrument, language, resource, _flatten(resource["item"]))


@cache
def by_url() -> Mapping[str, tuple[ShippedQuestionnaire, ...]]:
    """Every shipped Questionnaire by its canonical URL (one per language, or one URL for
    all languages of an instrument: both are handled)."""
    index: dict[str, list[ShippedQuestionnaire]] = {}
    for instrument, language in available():
        questionnaire = shipped(instrument, language)
        index.setdefault(questionnaire.url, []).append(questionnaire)
    return {url: tuple(found) for url, found in index.items()}


def problems_of(resource: Mapping[str, Any]) -> list[tuple[tuple[str | int, ...], str]]:
    """What ``fhir.resources.R4B`` finds wrong with ``resource``: (where, message) pairs, where
    is the path of the element (``("item", 0, "answer", 0, "valueInteger")``)."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    resource_type = resource.get("resourceType")
    try:
        model = get_fhir_model_class(str(resource_type))
    except (KeyError, ValueError):
        return [((), f"unknown resourceType {str(resource_type)[:40]!r}")]
    try:
        model.model_validate(dict(resource))
    except ValidationError as error:
        return [(tuple(detail["loc"]), _one_line(str(detail["msg"]))) for detail in error.errors()]
    return []


def _one_line(message: str) -> str:
    # pydantic quotes FHIR's patterns with their literal tabs and line breaks ('[ \r\n\t\S]+').
    return message.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")


def check(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    """``resource`` if ``fhir.resources.R4B`` accepts it; else :class:`FhirError`."""
    problems = problems_of(resource)
    if problems:
        where, message = problems[0]
        path = ".".join(str(part) for part in where)
        raise FhirError(
            f"{resource.get('resourceType')}/{resource.get('id')} would not be valid FHIR: "
            f"{path}: {message}"
        )
    return resource


def split_canonical(canonical: str) -> tuple[str, str]:
    url, _, version = canonical.partition("|")
    return url, version


__all__ = [
    "EPISODE_URL",
    "LANGUAGES",
    "PRIMARY_URL",
    "PROCEDURE_SYSTEM",
    "SCORE_SYSTEM",
    "TEST_DATA",
    "TIMEPOINT_URL",
    "UCUM",
    "WORDING_LABEL_URL",
    "FhirError",
    "ScoreCode",
    "ShippedQuestionnaire",
    "Terminology",
    "by_url",
    "check",
    "number_text",
    "problems_of",
    "registry_system",
    "shipped",
    "split_canonical",
    "stable_id",
    "terminology",
]
