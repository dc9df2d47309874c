"""A pooled extract as FHIR R4: a Bundle, or NDJSON files per resource type (bulk style).

What each table becomes:

- one ``Patient`` per person (``person_id``): an identifier in the registry's system
  (``https://painpath.org/fhir/registry/<registry>/person``) with the person pseudonym, and
  ``gender`` from ``sex``. Nothing else: no name, birth date, address or contact; no age
  either, because a person's age differs between their episodes (the extract's ``age`` is the
  age at each episode's index date and stays in the extract);
- one ``QuestionnaireResponse`` per episode, instrument and time point that has answers:
  ``questionnaire`` is the canonical ``url|version`` of the wording the patient saw (the
  language from the answers' ``wording_id``; an answer taken on paper, ``unknown``, points at
  the English Questionnaire and says ``unknown`` in the wording extension — the items and
  codes are the same in every language), ``authored`` is ``answered_on``, one item per answer
  (a coding of the item's answer option, or an integer or decimal);
- one ``Observation`` per score: LOINC's code where LOINC defines the instrument's score
  (``data/loinc.yaml``) beside painpath's own (``CodeSystem/instrument-score``), the value with
  its unit, ``effectiveDateTime``, and ``derivedFrom`` the response;
- one ``Condition`` per diagnosis (SKS code, and the WHO ICD-10 code it contains), the primary
  one marked with an extension; one ``Procedure`` per procedure (painpath's procedure kinds).

The episode pseudonym (``patient_id``) and the time point travel as extensions on every
resource but the Patient (``StructureDefinition/episode``, ``…/timepoint``). Synthetic rows
carry FHIR's test-data security label (``HTEST``).

Ids are UUIDs from the registry and each resource's key, so exporting the same extract twice
gives the same resources; in a ``transaction`` Bundle each entry is a ``PUT`` to its id, which
makes sending it again to a FHIR server change nothing. The default is a ``collection``: an
export is a set of resources for a reader, not instructions to a server, and a collection has
no size limit that a server's transaction imposes.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from painpath.core.fhir.common import (
    EPISODE_URL,
    PRIMARY_URL,
    PROCEDURE_SYSTEM,
    SCORE_SYSTEM,
    TEST_DATA,
    TIMEPOINT_URL,
    UCUM,
    WORDING_LABEL_URL,
    FhirError,
    ShippedQuestionnaire,
    check,
    number_text,
    registry_system,
    shipped,
    stable_id,
    terminology,
)
from painpath.core.instruments import REGISTRY
from painpath.core.questionnaires import LANGUAGES, WORDING_URL

if TYPE_CHECKING:
    import polars as pl

BundleType = Literal["collection", "transaction"]
RESOURCE_TYPES = ("Patient", "QuestionnaireResponse", "Observation", "Condition", "Procedure")
_UNITS = {"points": "{score}", "%": "%", "index": "1", "mm": "mm"}
_SKS = re.compile(r"^D([A-Z]\d{2})\.?(\d?)$")
_KEY = ("patient_id", "instrument", "timepoint")


class ExtractTables(Protocol):
    """What the export reads: the extract's four tables and its manifest
    (:mod:`painpath.core.registry.schema`)."""

    @property
    def scores(self) -> pl.DataFrame: ...
    @property
    def answers(self) -> pl.DataFrame: ...
    @property
    def conditions(self) -> pl.DataFrame: ...
    @property
    def procedures(self) -> pl.DataFrame: ...
    @property
    def manifest(self) -> Mapping[str, Any]: ...


Reference = Callable[[str, str], str]


def _bundle_reference(resource_type: str, resource_id: str) -> str:
    return f"urn:uuid:{resource_id}"


def _relative_reference(resource_type: str, resource_id: str) -> str:
    return f"{resource_type}/{resource_id}"


class _Exporter:
    def __init__(self, extract: ExtractTables, registry: str | None, reference: Reference):
        manifest = extract.manifest
        code = registry or str(manifest.get("registry") or "")
        if not code:
            raise FhirError("the extract's manifest names no registry; give one (--registry)")
        self.registry = code
        self.extract = extract
        self.ref = reference
        created = str(manifest.get("created_at") or "")
        self.created = date.fromisoformat(created[:10]) if created else None
        self.terms = terminology()
        scores = extract.scores
        people = scores.select("patient_id", "person_id", "sex", "synthetic").unique(
            "patient_id", keep="first", maintain_order=True
        )
        self.person_of: dict[str, str] = dict(
            zip(people["patient_id"].to_list(), people["person_id"].to_list(), strict=True)
        )
        self.synthetic: set[str] = {
            row["person_id"] for row in people.iter_rows(named=True) if row["synthetic"]
        }
        self.sex = _sex_by_person(people)

    # -- shared parts ------------------------------------------------------------------------

    def _person(self, patient_id: str, where: str) -> str:
        try:
            return self.person_of[patient_id]
        except KeyError:
            raise FhirError(
                f"{where}: patient_id {patient_id!r} has no row in scores, so its person "
                "(person_id) is unknown"
            ) from None

    def _base(self, resource_type: str, resource_id: str, person: str) -> dict[str, Any]:
        resource: dict[str, Any] = {"resourceType": resource_type, "id": resource_id}
        if person in self.synthetic:
            resource["meta"] = {"security": [dict(TEST_DATA)]}
        return resource

    def _episode(self, patient_id: str, timepoint: int | None = None) -> list[dict[str, Any]]:
        extensions: list[dict[str, Any]] = [
            {
                "url": EPISODE_URL,
                "valueIdentifier": {
                    "system": registry_system(self.registry, "episode"),
                    "value": patient_id,
                },
            }
        ]
        if timepoint is not None:
            extensions.append({"url": TIMEPOINT_URL, "valueInteger": int(timepoint)})
        return extensions

    def _subject(self, person: str) -> dict[str, str]:
        return {"reference": self.ref("Patient", self._patient_id(person))}

    def _patient_id(self, person: str) -> str:
        return stable_id(self.registry, "Patient", person)

    # -- resources ---------------------------------------------------------------------------

    def patients(self) -> Iterator[dict[str, Any]]:
        for person in sorted(set(self.person_of.values())):
            patient = self._base("Patient", self._patient_id(person), person)
            patient["identifier"] = [
                {"system": registry_system(self.registry, "person"), "value": person}
            ]
            patient["gender"] = self.sex.get(person, "unknown")
            yield patient

    def responses(self) -> Iterator[dict[str, Any]]:
        answers = self.extract.answers
        if answers.height == 0:
            return
        dates = self.extract.scores.select(*_KEY, "answered_on").unique(_KEY, keep="first")
        rows = answers.join(dates, on=list(_KEY), how="left", nulls_equal=True).sort(
            [*_KEY, "item"], maintain_order=True
        )
        for key, group in itertools.groupby(
            rows.iter_rows(named=True), key=lambda row: tuple(row[k] for k in _KEY)
        ):
            yield self._response(key, list(group))

    def _response(self, key: tuple[Any, ...], rows: list[dict[str, Any]]) -> dict[str, Any]:
        patient_id, instrument, timepoint = key
        where = f"answers, {patient_id} {instrument} time point {timepoint}"
        person = self._person(patient_id, where)
        labels = {row["wording_id"] for row in rows}
        if len(labels) > 1:
            raise FhirError(f"{where}: the answers give more than one wording_id: {labels}")
        kind, questionnaire, version = _wording(instrument, labels.pop(), where)
        by_item = {}
        for row in rows:
            if row["item"] in by_item:
                raise FhirError(f"{where}: item {row['item']} is answered twice")
            by_item[row["item"]] = row["value"]
        unknown = sorted(set(by_item) - set(questionnaire.items))
        if unknown:
            raise FhirError(
                f"{where}: item(s) {', '.join(unknown)} are not items of {instrument}; its "
                f"items are {', '.join(questionnaire.items)}"
            )
        resource_id = stable_id(self.registry, "QuestionnaireResponse", *key)
        response = self._base("QuestionnaireResponse", resource_id, person)
        response["extension"] = [
            *self._episode(patient_id, timepoint),
            {"url": WORDING_URL, "valueCode": kind},
            {"url": WORDING_LABEL_URL, "valueString": rows[0]["wording_id"] or "unknown"},
        ]
        response["identifier"] = {
            "system": registry_system(self.registry, "response"),
            "value": f"{patient_id}/{instrument}/{timepoint}",
        }
        response["questionnaire"] = f"{questionnaire.url}|{version}"
        response["status"] = "completed"
        response["subject"] = self._subject(person)
        if rows[0]["answered_on"] is not None:
            response["authored"] = rows[0]["answered_on"].isoformat()
        response["language"] = questionnaire.language
        response["item"] = _items(questionnaire.resource["item"], by_item, where)
        return dict(check(response))

    def observations(self) -> Iterator[dict[str, Any]]:
        answered = set(self.extract.answers.select(*_KEY).unique().iter_rows())
        scores = self.extract.scores.sort(list(_KEY), maintain_order=True)
        for row in scores.select(*_KEY, "score", "answered_on").iter_rows(named=True):
            key = tuple(row[k] for k in _KEY)
            yield self._observation(row, key, key in answered)

    def _observation(
        self, row: Mapping[str, Any], key: tuple[Any, ...], answered: bool
    ) -> dict[str, Any]:
        patient_id, instrument, timepoint = key
        cls = REGISTRY.get(instrument)
        if cls is None:
            raise FhirError(
                f"scores, {patient_id} time point {timepoint}: unknown instrument {instrument!r}"
            )
        person = self._person(patient_id, "scores")
        observation = self._base(
            "Observation", stable_id(self.registry, "Observation", *key), person
        )
        observation["extension"] = self._episode(patient_id, timepoint)
        observation["status"] = "final"
        observation["category"] = [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "survey",
                    }
                ]
            }
        ]
        codings = [{"system": SCORE_SYSTEM, "code": instrument, "display": f"{cls.title} score"}]
        loinc = self.terms.scores.get(instrument)
        if loinc is not None:
            codings.insert(
                0, {"system": self.terms.loinc_system, "code": loinc.code, "display": loinc.display}
            )
        observation["code"] = {"coding": codings, "text": f"{cls.title} score"}
        observation["subject"] = self._subject(person)
        if row["answered_on"] is not None:
            observation["effectiveDateTime"] = row["answered_on"].isoformat()
        if row["score"] is None:
            observation["dataAbsentReason"] = {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                        "code": "unknown",
                    }
                ]
            }
        else:
            quantity: dict[str, Any] = {"value": row["score"], "unit": cls.score_unit}
            if cls.score_unit in _UNITS:
                quantity |= {"system": UCUM, "code": _UNITS[cls.score_unit]}
            observation["valueQuantity"] = quantity
        if answered:
            response_id = stable_id(self.registry, "QuestionnaireResponse", *key)
            observation["derivedFrom"] = [
                {"reference": self.ref("QuestionnaireResponse", response_id)}
            ]
        return dict(check(observation))

    def conditions(self) -> Iterator[dict[str, Any]]:
        table = self.extract.conditions.sort(["patient_id", "code"], maintain_order=True)
        for index, row in enumerate(table.iter_rows(named=True)):
            where = f"conditions row {index + 1}"
            person = self._person(row["patient_id"], where)
            key = (row["patient_id"], row["system"], row["code"], row["recorded_on"])
            condition = self._base("Condition", stable_id(self.registry, "Condition", *key), person)
            condition["extension"] = [
                *self._episode(row["patient_id"]),
                {"url": PRIMARY_URL, "valueBoolean": bool(row["primary"])},
            ]
            condition["category"] = [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                            "code": "encounter-diagnosis",
                        }
                    ]
                }
            ]
            condition["code"] = {"coding": self._diagnosis(str(row["code"]), where)}
            condition["subject"] = self._subject(person)
            if row["recorded_on"] is not None:
                condition["recordedDate"] = row["recorded_on"].isoformat()
            yield dict(check(condition))

    def _diagnosis(self, code: str, where: str) -> list[dict[str, str]]:
        match = _SKS.match(code)
        if match is None:
            raise FhirError(f"{where}: {code!r} is not an SKS diagnosis code like DM54.5")
        who = match.group(1) + (f".{match.group(2)}" if match.group(2) else "")
        return [
            {"system": self.terms.sks_system, "code": code},
            {"system": self.terms.icd10_system, "code": who},
        ]

    def procedures(self) -> Iterator[dict[str, Any]]:
        table = self.extract.procedures.sort(["patient_id", "kind"], maintain_order=True)
        for index, row in enumerate(table.iter_rows(named=True)):
            person = self._person(row["patient_id"], f"procedures row {index + 1}")
            key = (row["patient_id"], row["kind"], row["performed_on"])
            procedure = self._base("Procedure", stable_id(self.registry, "Procedure", *key), person)
            procedure["extension"] = self._episode(row["patient_id"])
            procedure["status"] = self._procedure_status(row["performed_on"])
            procedure["code"] = {
                "coding": [
                    {
                        "system": PROCEDURE_SYSTEM,
                        "code": str(row["kind"]),
                        "display": str(row["kind"]).replace("_", " "),
                    }
                ]
            }
            procedure["subject"] = self._subject(person)
            if row["performed_on"] is not None:
                procedure["performedDateTime"] = row["performed_on"].isoformat()
            yield dict(check(procedure))

    def _procedure_status(self, performed_on: date | None) -> str:
        # A booked procedure is in the extract too: one dated after the extract was made has
        # not happened yet. Without the extract's date, saying "completed" would be a guess.
        if performed_on is None or self.created is None:
            return "unknown"
        return "completed" if performed_on <= self.created else "preparation"

    def all(self) -> Iterator[dict[str, Any]]:
        for patient in self.patients():
            yield dict(check(patient))
        yield from self.responses()
        yield from self.observations()
        yield from self.conditions()
        yield from self.procedures()


def _sex_by_person(people: pl.DataFrame) -> dict[str, str]:
    """``gender`` per person: the sex their episodes give (``unknown`` loses to a known one;
    episodes that disagree make it ``unknown``: the export does not choose between them)."""
    seen: dict[str, set[str]] = {}
    for row in people.iter_rows(named=True):
        sex = row["sex"] if row["sex"] in ("female", "male", "other") else None
        known = seen.setdefault(row["person_id"], set())
        if sex:
            known.add(sex)
    return {person: next(iter(s)) if len(s) == 1 else "unknown" for person, s in seen.items()}


def _wording(
    instrument: str, label: str | None, where: str
) -> tuple[str, ShippedQuestionnaire, str]:
    """(wording kind, Questionnaire, version) from a ``wording_id`` label
    (``paraphrase odi-da 1.1.0``, ``licensed STarT-dk 2011 (startback-da)``, ``unknown``)."""
    if instrument not in REGISTRY:
        raise FhirError(f"{where}: unknown instrument {instrument!r}")
    text = (label or "unknown").strip()
    kind = text.split(" ", 1)[0]
    if kind == "licensed" and text.endswith(")") and "(" in text:
        questionnaire_id, version = text[text.rindex("(") + 1 : -1], None
    elif kind in ("paraphrase", "original") and len(text.split(" ")) in (2, 3):
        parts = text.split(" ")
        questionnaire_id, version = parts[1], (parts[2] if len(parts) == 3 else None)
    else:
        questionnaire = shipped(instrument, "en")
        return "unknown", questionnaire, questionnaire.version
    code, _, language = questionnaire_id.rpartition("-")
    if code != instrument or language not in LANGUAGES:
        raise FhirError(
            f"{where}: wording {text!r} names Questionnaire {questionnaire_id!r}, which is not "
            f"{instrument} in one of {', '.join(LANGUAGES)}"
        )
    questionnaire = shipped(instrument, language)
    return kind, questionnaire, version or questionnaire.version


def _items(
    items: Iterable[Mapping[str, Any]], answers: Mapping[str, str | None], where: str
) -> list[dict[str, Any]]:
    """The response's items in the Questionnaire's order and nesting, answered ones only."""
    out: list[dict[str, Any]] = []
    for item in items:
        link_id = str(item["linkId"])
        if item.get("type") == "group":
            children = _items(item.get("item", []), answers, where)
            if children:
                out.append({"linkId": link_id, "item": children})
            continue
        value = answers.get(link_id)
        if value is None:
            continue
        out.append({"linkId": link_id, "answer": [_answer(item, value, f"{where}, {link_id}")]})
    return out


def _answer(item: Mapping[str, Any], value: str, where: str) -> dict[str, Any]:
    kind = item.get("type")
    try:
        if kind == "choice":
            code = number_text(float(value))
            for option in item.get("answerOption", []):
                coding = option.get("valueCoding", {})
                if coding.get("code") == code:
                    return {"valueCoding": dict(coding)}
            codes = [o.get("valueCoding", {}).get("code") for o in item.get("answerOption", [])]
            raise FhirError(f"{where}: {value!r} is not one of its codes {', '.join(codes)}")
        if kind == "integer":
            number = float(value)
            if not number.is_integer():
                raise FhirError(f"{where}: {value!r} is not a whole number")
            return {"valueInteger": int(number)}
        if kind == "decimal":
            return {"valueDecimal": float(value)}
        if kind == "boolean":
            return {"valueBoolean": value.strip().lower() in ("true", "1")}
    except ValueError as error:
        if isinstance(error, FhirError):
            raise
        raise FhirError(f"{where}: {value!r} is not a number") from None
    raise FhirError(f"{where}: painpath cannot export an answer to a {kind} item")


# -- public ----------------------------------------------------------------------------------


def resources(
    extract: ExtractTables, *, registry: str | None = None, bundle: bool = True
) -> Iterator[dict[str, Any]]:
    """Every resource of the extract, each validated with ``fhir.resources.R4B``, one at a
    time (Patients, responses, Observations, Conditions, Procedures). References are
    ``urn:uuid:`` ids for a Bundle (``bundle=True``), ``Type/id`` for NDJSON files."""
    reference = _bundle_reference if bundle else _relative_reference
    return _Exporter(extract, registry, reference).all()


def to_bundle(
    extract: ExtractTables, *, registry: str | None = None, kind: BundleType = "collection"
) -> dict[str, Any]:
    """The extract as one Bundle (``collection`` or ``transaction``, see the module)."""
    exporter = _Exporter(extract, registry, _bundle_reference)
    entries = []
    for resource in exporter.all():
        entry: dict[str, Any] = {"fullUrl": f"urn:uuid:{resource['id']}", "resource": resource}
        if kind == "transaction":
            entry["request"] = {
                "method": "PUT",
                "url": f"{resource['resourceType']}/{resource['id']}",
            }
        entries.append(entry)
    manifest = extract.manifest
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": stable_id(
            exporter.registry, "Bundle", manifest.get("site"), manifest.get("created_at"), kind
        ),
        "type": kind,
    }
    if manifest.get("created_at"):
        bundle["timestamp"] = str(manifest["created_at"])
    bundle["entry"] = entries
    return bundle


def write_ndjson(
    extract: ExtractTables, directory: Path, *, registry: str | None = None
) -> dict[str, int]:
    """Write ``<Type>.ndjson`` per resource type into ``directory`` (FHIR bulk data style: one
    resource per line), streaming; returns the count per type. Every file is written to a
    temporary name first, so a failure leaves no partial file under the final name."""
    directory.mkdir(parents=True, exist_ok=True)
    counts = dict.fromkeys(RESOURCE_TYPES, 0)
    partial = {name: directory / f"{name}.ndjson.partial" for name in RESOURCE_TYPES}
    handles = {name: path.open("w", encoding="utf-8") for name, path in partial.items()}
    try:
        for resource in resources(extract, registry=registry, bundle=False):
            name = resource["resourceType"]
            handles[name].write(json.dumps(resource, ensure_ascii=False, sort_keys=True) + "\n")
            counts[name] += 1
    except BaseException:
        for name, handle in handles.items():
            handle.close()
            partial[name].unlink(missing_ok=True)
        raise
    for name, handle in handles.items():
        handle.close()
        partial[name].replace(directory / f"{name}.ndjson")
    return counts


__all__ = [
    "RESOURCE_TYPES",
    "BundleType",
    "ExtractTables",
    "resources",
    "to_bundle",
    "write_ndjson",
]
