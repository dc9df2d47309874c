"""QuestionnaireResponses in, the extract's ``answers`` and ``scores`` tables out.

A Bundle (any type) or NDJSON lines of ``QuestionnaireResponse`` and ``Patient`` resources
are read; every other resource type is ignored (a painpath export's Observations are scores
this import computes again from the answers). Each response is checked:

- by ``fhir.resources.R4B`` (structure and value types);
- against its Questionnaire: the canonical (``url|version``) must be the URL of a
  Questionnaire painpath ships (any version: an instrument's linkIds and answer codes are its
  item codes and ranges, the same in every version and language); every linkId must be one of
  its items, each answered once, with the item's value type (a coding among the item's answer
  options, an integer, a decimal); every required item must be answered; ``status`` completed
  or amended;
- by the instrument's scorer (ranges and the missing-answer rule).

Every problem names where it is (the entry's index in the Bundle, or the NDJSON line), the
resource and the linkId; nothing is returned unless every response passes.

Keys: the episode pseudonym (``patient_id``) is the response's ``episode`` extension, else
the subject Patient's pseudonym; the time point its ``timepoint`` extension. A response's key
is (patient, instrument, time point), or its ``identifier`` when it has no time point; two
responses with one key in a bundle are refused. Storing a response once however often it is
sent is the storer's job (the registry replaces rows by key).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from painpath.core.errors import ScoringError
from painpath.core.fhir.common import (
    EPISODE_URL,
    TEST_DATA,
    TIMEPOINT_URL,
    WORDING_LABEL_URL,
    FhirError,
    ShippedQuestionnaire,
    by_url,
    number_text,
    problems_of,
    split_canonical,
)
from painpath.core.instruments import get
from painpath.core.questionnaires import WORDING_URL, WordingRef, wording_of
from painpath.core.registry.schema import ANSWERS, SCORES

if TYPE_CHECKING:
    import polars as pl

MAX_PROBLEMS: Final = 200
_GENDERS = ("female", "male", "other", "unknown")
MAX_NESTING: Final = 60
"""Levels of JSON objects and arrays a resource may have (a Bundle read by ``painpath fhir
import`` may have 64 in all); painpath's Questionnaires nest a few."""


def _nests_deeper(value: object, limit: int) -> bool:
    """Whether ``value`` has more than ``limit`` levels of objects and arrays; level by level,
    without recursion."""
    level: list[Any] = [value] if isinstance(value, dict | list) else []
    for _ in range(limit):
        if not level:
            return False
        level = [
            child
            for node in level
            for child in (node.values() if isinstance(node, dict) else node)
            if isinstance(child, dict | list)
        ]
    return bool(level)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an imported resource, and where."""

    where: str
    """``entry 3`` (its index in ``Bundle.entry``) or ``QuestionnaireResponse.ndjson line 4``."""
    resource: str
    """``QuestionnaireResponse/<id>``."""
    message: str
    link_id: str | None = None

    def __str__(self) -> str:
        item = f", item {self.link_id}" if self.link_id else ""
        return f"{self.where} ({self.resource}){item}: {self.message}"


class BundleError(FhirError):
    """The bundle was refused; ``problems`` lists every problem found (up to
    :data:`MAX_PROBLEMS`)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        super().__init__(f"{problems[0]}{more}")


@dataclass(frozen=True)
class ResponseKey:
    patient_id: str
    instrument: str
    timepoint: int | None
    identifier: str | None
    where: str
    resource: str

    @property
    def key(self) -> tuple[str, ...]:
        if self.timepoint is not None:
            return (self.patient_id, self.instrument, str(self.timepoint))
        return ("identifier", self.identifier or "")


@dataclass(frozen=True)
class Imported:
    """The ``answers`` and ``scores`` tables of the extract contract
    (:mod:`painpath.core.registry.schema`); the cohort columns that a QuestionnaireResponse
    does not carry (site, age, treatment, …) are null. ``responses`` gives each row group's
    key and where it came from."""

    answers: pl.DataFrame
    scores: pl.DataFrame
    responses: tuple[ResponseKey, ...] = field(default=())


@dataclass(frozen=True)
class _Person:
    person_id: str
    gender: str | None
    synthetic: bool


@dataclass
class _Answers:
    """One response's answers as the table writes them and as the scorer reads them, and
    every item given an answer, valid or not (a bad answer is not also reported missing)."""

    texts: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, float] = field(default_factory=dict)
    given: set[str] = field(default_factory=set)


@dataclass
class _Row:
    key: ResponseKey
    person: _Person | None
    answers: dict[str, str]
    score: float
    wording: str
    wording_id: str
    answered_on: date | None
    synthetic: bool


def _label(resource: Mapping[str, Any]) -> str:
    return f"{resource.get('resourceType', '?')}/{resource.get('id') or '(no id)'}"


def _synthetic(resource: Mapping[str, Any]) -> bool:
    labels = resource.get("meta", {}).get("security", []) if isinstance(resource, dict) else []
    return any(
        isinstance(label, dict)
        and label.get("system") == TEST_DATA["system"]
        and label.get("code") == TEST_DATA["code"]
        for label in labels
    )


def _extension(resource: Mapping[str, Any], url: str) -> Mapping[str, Any] | None:
    for extension in resource.get("extension", []):
        if extension.get("url") == url:
            return dict(extension)
    return None


def _link_id_at(resource: Mapping[str, Any], where: tuple[str | int, ...]) -> str | None:
    """The linkId of the innermost item on the path ``where`` (from a validation error)."""
    node: Any = resource
    link_id = None
    for part in where:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(node, dict) and "linkId" in node:
            link_id = str(node["linkId"])
    return link_id


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.people: dict[str, _Person] = {}
        self.responses: list[tuple[str, Mapping[str, Any]]] = []

    def problem(
        self, where: str, resource: Mapping[str, Any], message: str, link_id: str | None = None
    ) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(where, _label(resource), message, link_id))

    def add(self, where: str, resource: object, full_url: str | None = None) -> None:
        if not isinstance(resource, dict):
            self.problems.append(Problem(where, "?", "no resource (expected a JSON object)"))
            return
        if _nests_deeper(resource, MAX_NESTING):
            # FHIR validation recurses level by level; hundreds of levels exhaust the stack.
            self.problem(where, resource, f"nested deeper than {MAX_NESTING} levels of JSON")
            return
        kind = resource.get("resourceType")
        if kind == "Patient":
            self._patient(where, resource, full_url)
        elif kind == "QuestionnaireResponse":
            self.responses.append((where, resource))

    def _patient(self, where: str, resource: Mapping[str, Any], full_url: str | None) -> None:
        problems = problems_of(resource)
        if problems:
            path, message = problems[0]
            self.problem(where, resource, f"{'.'.join(map(str, path))}: {message}")
            return
        identifiers = resource.get("identifier", [])
        ours = [i for i in identifiers if str(i.get("system", "")).endswith("/person")]
        chosen = (ours or identifiers or [{"value": resource.get("id")}])[0]
        if not chosen.get("value"):
            self.problem(where, resource, "the Patient has no identifier and no id")
            return
        gender = resource.get("gender")
        person = _Person(
            str(chosen["value"]), gender if gender in _GENDERS else None, _synthetic(resource)
        )
        for reference in (
            full_url,
            f"Patient/{resource.get('id')}" if resource.get("id") else None,
        ):
            if reference:
                self.people[reference] = person

    # -- one response --------------------------------------------------------------------------

    def response(self, where: str, resource: Mapping[str, Any]) -> _Row | None:
        structural = problems_of(resource)
        for path, message in structural:
            self.problem(
                where,
                resource,
                f"{'.'.join(map(str, path))}: {message}",
                _link_id_at(resource, path),
            )
        if structural:
            return None
        status = resource.get("status")
        if status not in ("completed", "amended"):
            self.problem(
                where,
                resource,
                f"status is {status!r}; only completed (or amended) responses are scored",
            )
            return None
        questionnaire = self._questionnaire(where, resource)
        if questionnaire is None:
            return None
        before = len(self.problems)
        found = _Answers()
        self._items(where, resource, questionnaire, resource.get("item", []), found)
        for link_id, item in questionnaire.items.items():
            if (
                item.get("required")
                and item.get("type") not in ("group", "display")
                and (link_id not in found.given)
            ):
                self.problem(where, resource, "required item is not answered", link_id)
        if len(self.problems) > before:
            return None
        try:
            score = get(questionnaire.instrument).score(found.numbers).score
        except ScoringError as error:
            self.problem(where, resource, str(error), error.item)
            return None
        return self._row(where, resource, questionnaire, found.texts, score)

    def _questionnaire(
        self, where: str, resource: Mapping[str, Any]
    ) -> ShippedQuestionnaire | None:
        canonical = resource.get("questionnaire")
        if not canonical:
            self.problem(
                where,
                resource,
                "no questionnaire: painpath scores a response only "
                "against a Questionnaire it ships",
            )
            return None
        url, _ = split_canonical(str(canonical))
        candidates = by_url().get(url)
        if not candidates:
            self.problem(
                where,
                resource,
                f"questionnaire {str(canonical)[:120]!r} is not one "
                "painpath ships (https://painpath.org/fhir/Questionnaire/…)",
            )
            return None
        language = resource.get("language")
        for candidate in candidates:
            if candidate.language == language:
                return candidate
        return candidates[0]

    def _items(
        self,
        where: str,
        resource: Mapping[str, Any],
        questionnaire: ShippedQuestionnaire,
        items: Iterable[Mapping[str, Any]],
        found: _Answers,
    ) -> None:
        for item in items:
            link_id = str(item.get("linkId"))
            definition = questionnaire.items.get(link_id)
            if definition is None:
                known = ", ".join(questionnaire.items)
                self.problem(
                    where,
                    resource,
                    f"not an item of {questionnaire.instrument} (its linkIds: {known})",
                    link_id,
                )
                continue
            if link_id in found.given:
                self.problem(where, resource, "answered twice", link_id)
                continue
            self._items(where, resource, questionnaire, item.get("item", []), found)
            given = item.get("answer", [])
            if definition.get("type") in ("group", "display"):
                if given:
                    self.problem(
                        where, resource, f"a {definition.get('type')} item takes no answer", link_id
                    )
                continue
            if not given:
                continue
            found.given.add(link_id)
            if len(given) > 1:
                self.problem(where, resource, f"{len(given)} answers; the item takes one", link_id)
                continue
            value = self._value(where, resource, definition, given[0], link_id)
            if value is not None:
                found.texts[link_id], found.numbers[link_id] = value

    def _value(
        self,
        where: str,
        resource: Mapping[str, Any],
        item: Mapping[str, Any],
        answer: Mapping[str, Any],
        link_id: str,
    ) -> tuple[str, float] | None:
        kind = item.get("type")
        present = sorted(key for key in answer if key.startswith("value"))
        if kind == "choice":
            coding = answer.get("valueCoding")
            if not isinstance(coding, dict):
                self.problem(
                    where,
                    resource,
                    f"expected valueCoding (a choice item), got {', '.join(present) or 'no value'}",
                    link_id,
                )
                return None
            options = [o.get("valueCoding", {}) for o in item.get("answerOption", [])]
            for option in options:
                same_system = not coding.get("system") or coding.get("system") == option.get(
                    "system"
                )
                if option.get("code") == coding.get("code") and same_system:
                    code = str(option["code"])
                    return code, float(code)
            codes = ", ".join(str(o.get("code")) for o in options)
            self.problem(
                where,
                resource,
                f"code {coding.get('system', '')}|{coding.get('code')} "
                f"is not among the item's answer options ({codes})",
                link_id,
            )
            return None
        accepted = {
            "integer": ("valueInteger",),
            "decimal": ("valueDecimal", "valueInteger"),
            "boolean": ("valueBoolean",),
        }.get(str(kind), ())
        for key in accepted:
            if key in answer:
                value = answer[key]
                if key == "valueBoolean":
                    return ("true" if value else "false"), (1.0 if value else 0.0)
                return number_text(float(value)), float(value)
        expected = " or ".join(accepted) or f"a value painpath can score (item type {kind})"
        self.problem(
            where, resource, f"expected {expected}, got {', '.join(present) or 'none'}", link_id
        )
        return None

    def _row(
        self,
        where: str,
        resource: Mapping[str, Any],
        questionnaire: ShippedQuestionnaire,
        answers: dict[str, str],
        score: float,
    ) -> _Row | None:
        subject = resource.get("subject", {}).get("reference")
        person = self.people.get(str(subject)) if subject else None
        episode = _extension(resource, EPISODE_URL)
        patient_id = (episode or {}).get("valueIdentifier", {}).get("value") or (
            person.person_id if person else None
        )
        if not patient_id:
            self.problem(
                where,
                resource,
                "no episode extension and no subject Patient in the "
                "bundle: the response belongs to no one",
            )
            return None
        timepoint = (_extension(resource, TIMEPOINT_URL) or {}).get("valueInteger")
        identifier = resource.get("identifier")
        identifier_text = (
            f"{identifier.get('system', '')}|{identifier.get('value', '')}" if identifier else None
        )
        if timepoint is None and not identifier_text:
            self.problem(
                where,
                resource,
                f"no time point ({TIMEPOINT_URL}) and no identifier: "
                "the response has no key to store it by",
            )
            return None
        authored = resource.get("authored")
        kind, label = self._wording(resource, questionnaire)
        return _Row(
            key=ResponseKey(
                str(patient_id),
                questionnaire.instrument,
                timepoint,
                identifier_text,
                where,
                _label(resource),
            ),
            person=person,
            answers=answers,
            score=score,
            wording=kind,
            wording_id=label,
            answered_on=date.fromisoformat(str(authored)[:10]) if authored else None,
            synthetic=_synthetic(resource) or bool(person and person.synthetic),
        )

    def _wording(
        self, resource: Mapping[str, Any], questionnaire: ShippedQuestionnaire
    ) -> tuple[str, str]:
        """(kind, label): what the response says it saw, else what its canonical names."""
        kind = (_extension(resource, WORDING_URL) or {}).get("valueCode")
        label = (_extension(resource, WORDING_LABEL_URL) or {}).get("valueString")
        if label:
            return str(kind or label.split(" ", 1)[0]), str(label)
        _, version = split_canonical(str(resource["questionnaire"]))
        seen = wording_of(questionnaire.resource)
        ref = WordingRef(
            seen.kind, questionnaire=seen.questionnaire, version=version or seen.version
        )
        return ref.kind, ref.label


def _frames(rows: list[_Row]) -> tuple[pl.DataFrame, pl.DataFrame]:
    import polars as pl

    answers = [
        {
            "patient_id": row.key.patient_id,
            "instrument": row.key.instrument,
            "timepoint": row.key.timepoint,
            "item": item,
            "value": value,
            "wording_id": row.wording_id,
        }
        for row in rows
        for item, value in row.answers.items()
    ]
    scores = [
        dict.fromkeys(SCORES)
        | {
            "patient_id": row.key.patient_id,
            "person_id": row.person.person_id if row.person else None,
            "instrument": row.key.instrument,
            "timepoint": row.key.timepoint,
            "score": row.score,
            "wording": row.wording,
            "wording_id": row.wording_id,
            "answered_on": row.answered_on,
            "sex": row.person.gender if row.person else None,
            "synthetic": row.synthetic,
        }
        for row in rows
    ]
    return (
        pl.DataFrame(answers, schema=ANSWERS, orient="row"),
        pl.DataFrame(scores, schema=SCORES, orient="row"),
    )


def import_resources(entries: Iterable[tuple[str, object, str | None]]) -> Imported:
    """Check and score ``(where, resource, fullUrl)`` triples (see the module); raise
    :class:`BundleError` listing every problem, or return the tables."""
    reader = _Reader()
    for where, resource, full_url in entries:
        reader.add(where, resource, full_url)
    rows: list[_Row] = []
    seen: dict[tuple[str, ...], ResponseKey] = {}
    for where, resource in reader.responses:
        row = reader.response(where, resource)
        if row is None:
            continue
        first = seen.get(row.key.key)
        if first is not None:
            reader.problem(
                where,
                resource,
                f"the same response as {first.where} "
                f"({first.resource}): one patient, instrument and time point",
            )
            continue
        seen[row.key.key] = row.key
        rows.append(row)
    if reader.problems:
        raise BundleError(reader.problems)
    answers, scores = _frames(rows)
    return Imported(answers, scores, tuple(row.key for row in rows))


def _bundle_entries(bundle: object) -> Iterator[tuple[str, object, str | None]]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise FhirError('not a FHIR Bundle (resourceType must be "Bundle")')
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise FhirError("Bundle.entry must be a list")
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            yield f"entry {index}", None, None
            continue
        full_url = entry.get("fullUrl")
        yield f"entry {index}", entry.get("resource"), str(full_url) if full_url else None


def import_bundle(bundle: Mapping[str, Any]) -> Imported:
    """The ``answers`` and ``scores`` tables of a Bundle's QuestionnaireResponses."""
    return import_resources(_bundle_entries(bundle))


def import_ndjson(directory: Path) -> Imported:
    """The same for a directory of NDJSON files (``Patient.ndjson``,
    ``QuestionnaireResponse.ndjson``, as :func:`painpath.core.fhir.export.write_ndjson`
    writes them)."""
    files = [directory / "Patient.ndjson", directory / "QuestionnaireResponse.ndjson"]
    if not files[1].is_file():
        raise FhirError(f"{directory}: no QuestionnaireResponse.ndjson")

    def lines() -> Iterator[tuple[str, object, str | None]]:
        for path in files:
            if not path.is_file():
                continue
            with path.open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    if not line.strip():
                        continue
                    try:
                        resource = json.loads(line)
                    except ValueError as error:
                        raise FhirError(f"{path.name} line {number}: not JSON ({error})") from None
                    except RecursionError:
                        raise FhirError(
                            f"{path.name} line {number}: "
                            f"nested deeper than {MAX_NESTING} levels of JSON"
                        ) from None
                    yield f"{path.name} line {number}", resource, None

    return import_resources(lines())


__all__ = [
    "MAX_PROBLEMS",
    "BundleError",
    "Imported",
    "Problem",
    "ResponseKey",
    "import_bundle",
    "import_ndjson",
    "import_resources",
]
