"""The registry's FHIR export and import (issue 16): an extract → Bundle → import gives the same
answers and scores; every resource is valid FHIR (R4B); ids are stable; bad responses are
refused with the entry, resource and linkId named; no identifier leaves in the bundle.

All data here is synthetic (random answers to painpath's instruments, made-up pseudonyms).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from painpath.core.fhir import (
    BundleError,
    FhirError,
    import_bundle,
    import_ndjson,
    terminology,
    to_bundle,
    write_ndjson,
)
from painpath.core.fhir.common import shipped
from painpath.core.instruments import REGISTRY
from painpath.core.questionnaires import LANGUAGES, WordingRef, wording_of
from painpath.core.registry.extract import VALUE_PATTERNS
from painpath.core.registry.schema import ANSWERS, CONDITIONS, PROCEDURES, SCORES

MANIFEST = {"registry": "dk-lbp", "site": "clinic-a", "created_at": "2026-06-01T10:00:00+02:00"}
KEY = ["patient_id", "instrument", "timepoint"]


@dataclass
class Extract:
    scores: pl.DataFrame
    answers: pl.DataFrame
    conditions: pl.DataFrame
    procedures: pl.DataFrame
    manifest: dict[str, Any] = field(default_factory=lambda: dict(MANIFEST))


def pseudonym(kind: str, n: int) -> str:
    return hashlib.sha256(f"{kind}{n}".encode()).hexdigest()[:24]


def wording_label(instrument: str, language: str | None) -> str:
    if language is None:
        return "unknown"
    resource = shipped(instrument, language).resource
    seen = wording_of(resource)
    return WordingRef(seen.kind, questionnaire=str(resource["id"]), version=seen.version).label


@st.composite
def responses(draw: st.DrawFn, instrument: str) -> dict[str, float]:
    """Valid answers: every item the Questionnaire requires; of the others, as many left out
    as the instrument's missing-answer rule allows (an optional item, the EQ VAS, freely)."""
    cls = REGISTRY[instrument]
    required = {
        code for code, item in shipped(instrument, "en").items.items() if item.get("required")
    }
    skippable = [i.code for i in cls.items if not i.optional and i.code not in required]
    skipped = set(
        draw(st.lists(st.sampled_from(skippable), unique=True, max_size=cls.max_missing))
        if skippable and cls.max_missing
        else []
    )
    answers: dict[str, float] = {}
    for item in cls.items:
        if item.code in skipped or (item.optional and draw(st.booleans())):
            continue
        if item.integer:
            answers[item.code] = draw(st.integers(int(item.low), int(item.high)))
        else:
            tenths = draw(st.integers(int(item.low * 10), int(item.high * 10)))
            answers[item.code] = tenths / 10
    return answers


def number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def make_extract(rows: list[tuple[str, int, dict[str, float], str | None]]) -> Extract:
    """One episode per row group of two time points at most; (instrument, timepoint, answers,
    language) — language None means the wording is unknown (taken on paper)."""
    scores, answers = [], []
    for n, (instrument, timepoint, given_answers, language) in enumerate(rows):
        patient_id, person_id = pseudonym("episode", n // 2), pseudonym("person", n // 4)
        label = wording_label(instrument, language)
        scores.append(
            dict.fromkeys(SCORES)
            | {
                "patient_id": patient_id,
                "person_id": person_id,
                "site": "clinic-a",
                "instrument": instrument,
                "timepoint": timepoint,
                "score": REGISTRY[instrument]().score(given_answers).score,
                "wording": label.split(" ")[0],
                "wording_id": label,
                "answered_on": dt.date(2026, 1, 1) + dt.timedelta(days=30 * timepoint + n),
                "sex": ("female", "male")[n // 4 % 2],
                "age": 50,
                "synthetic": True,
            }
        )
        answers += [
            {
                "patient_id": patient_id,
                "instrument": instrument,
                "timepoint": timepoint,
                "item": item,
                "value": number_text(value),
                "wording_id": label,
            }
            for item, value in given_answers.items()
        ]
    first = pseudonym("episode", 0)
    return Extract(
        pl.DataFrame(scores, schema=SCORES, orient="row"),
        pl.DataFrame(answers, schema=ANSWERS, orient="row"),
        pl.DataFrame(
            [
                {
                    "patient_id": first,
                    "system": "ICD-10",
                    "code": "DM54.5",
                    "primary": True,
                    "recorded_on": dt.date(2026, 1, 1),
                },
                {
                    "patient_id": first,
                    "system": "ICD-10",
                    "code": "DM47.8",
                    "primary": False,
                    "recorded_on": dt.date(2026, 1, 1),
                },
            ],
            schema=CONDITIONS,
            orient="row",
        ),
        pl.DataFrame(
            [
                {
                    "patient_id": first,
                    "kind": "gold_implantation",
                    "performed_on": dt.date(2026, 3, 1),
                },
                {
                    "patient_id": first,
                    "kind": "steroid_injection",
                    "performed_on": dt.date(2026, 9, 1),
                },
            ],
            schema=PROCEDURES,
            orient="row",
        ),
    )


@st.composite
def extracts(draw: st.DrawFn) -> Extract:
    instruments = sorted(REGISTRY)
    count = draw(st.integers(1, 6))
    rows = []
    for n in range(count):
        instrument = draw(st.sampled_from(instruments))
        language = draw(st.sampled_from([*LANGUAGES, None]))
        rows.append((instrument, 3 * n, draw(responses(instrument)), language))
    return make_extract(rows)


def resources_of(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def sorted_frame(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    return frame.select(columns).sort(columns)


# -- round trip ------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(extracts())
def test_an_extract_round_trips_through_a_bundle_to_the_same_answers_and_scores(
    extract: Extract,
) -> None:
    bundle = json.loads(json.dumps(to_bundle(extract)))  # as a file would carry it
    imported = import_bundle(bundle)

    columns = list(ANSWERS)
    assert sorted_frame(imported.answers, columns).equals(sorted_frame(extract.answers, columns))
    columns = [*KEY, "person_id", "wording", "wording_id", "answered_on", "sex", "synthetic"]
    assert sorted_frame(imported.scores, columns).equals(sorted_frame(extract.scores, columns))
    # Scored again from the answers, by the instrument: the same numbers as the extract's.
    mine = imported.scores.sort(KEY)["score"].to_list()
    theirs = extract.scores.sort(KEY)["score"].to_list()
    assert mine == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=15, deadline=None)
@given(extracts())
def test_every_resource_is_valid_fhir_r4b_and_the_bundle_too(extract: Extract) -> None:
    bundle = to_bundle(extract)
    Bundle.model_validate(bundle)  # raises on any invalid entry
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "QuestionnaireResponse", "Observation", "Condition", "Procedure"} <= kinds


def test_exporting_again_gives_the_same_bundle_whatever_the_row_order() -> None:
    extract = make_extract(
        [
            ("odi", 0, {f"odi{i}": i % 6 for i in range(1, 11)}, "da"),
            ("nrs", 0, {"nrs": 7}, "en"),
            ("phq9", 3, {f"phq{i}": i % 4 for i in range(1, 10)}, None),
        ]
    )
    shuffled = Extract(
        *(
            frame.sample(fraction=1.0, shuffle=True, seed=3)
            for frame in (extract.scores, extract.answers, extract.conditions, extract.procedures)
        )
    )
    assert to_bundle(shuffled) == to_bundle(extract)
    ids = [e["resource"]["id"] for e in to_bundle(extract)["entry"]]
    assert len(ids) == len(set(ids))


def test_the_bundle_holds_the_pseudonyms_and_no_identifier() -> None:
    extract = make_extract([("odi", 0, {f"odi{i}": 2 for i in range(1, 11)}, "da")] * 1)
    text = json.dumps(to_bundle(extract))
    keys = set(re.findall(r'"([A-Za-z]+)":', text))
    assert not keys & {"name", "birthDate", "address", "telecom", "photo", "contact"}
    # A CPR number (DDMMYY-SSSS or ten digits) anywhere in the text.
    assert not re.search(r"(?<![0-9A-Za-z])[0-3]\d[01]\d{3}-?\d{4}(?![0-9A-Za-z])", text)
    (patient,) = resources_of(json.loads(text), "Patient")
    assert set(patient) == {"resourceType", "id", "meta", "identifier", "gender"}
    assert patient["identifier"] == [
        {
            "system": "https://painpath.org/fhir/registry/dk-lbp/person",
            "value": pseudonym("person", 0),
        }
    ]


UUID = re.compile(r"^(urn:uuid:|[A-Za-z]+/)?[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$")


def strings(node: object, key: str = "") -> list[str]:
    """Every text of a resource but painpath's own answer labels (``display``: the shipped
    Questionnaire's words, where the name pattern finds "Kein Problem") and ids and references,
    which must be UUIDs (the phone pattern finds their first eight digits)."""
    if isinstance(node, dict):
        return [text for k, value in node.items() for text in strings(value, k)]
    if isinstance(node, list):
        return [text for value in node for text in strings(value, key)]
    if key in ("id", "fullUrl", "reference"):
        assert UUID.match(str(node)), node
        return []
    return [node] if isinstance(node, str) and key != "display" else []


def test_no_value_of_a_bundle_of_every_instrument_and_language_looks_like_an_identifier() -> None:
    rows = [
        (code, n, {item.code: item.high for item in cls.items}, language)
        for n, (code, cls, language) in enumerate(
            (code, cls, language) for code, cls in REGISTRY.items() for language in LANGUAGES
        )
    ]
    texts = set(strings(to_bundle(make_extract(rows))))
    # The registry's own identifier scan (CPR, e-mail, phone, address, name patterns).
    found = {
        kind: sorted(text for text in texts if re.search(pattern, text))
        for kind, pattern in VALUE_PATTERNS.items()
    }
    assert found == {kind: [] for kind in VALUE_PATTERNS}
    planted = "Patient 010175-1234, delta@example.com, 12 34 56 78"
    assert all(re.search(VALUE_PATTERNS[k], planted) for k in ("cpr", "email", "phone"))


def test_the_scan_would_find_a_birth_date_or_a_name() -> None:
    bundle = to_bundle(make_extract([("nrs", 0, {"nrs": 3}, "en")]))
    resources_of(bundle, "Patient")[0] |= {"birthDate": "1960-05-04", "name": [{"family": "X"}]}
    keys = set(re.findall(r'"([A-Za-z]+)":', json.dumps(bundle)))
    assert {"birthDate", "name"} <= keys


def test_the_response_names_the_wording_the_patient_saw() -> None:
    extract = make_extract(
        [
            ("odi", 0, {f"odi{i}": 1 for i in range(1, 11)}, "de"),
            ("odi", 3, {f"odi{i}": 1 for i in range(1, 11)}, None),
        ]
    )
    german, paper = resources_of(to_bundle(extract), "QuestionnaireResponse")
    questionnaire = shipped("odi", "de")
    assert german["questionnaire"] == f"{questionnaire.url}|{questionnaire.version}"
    assert german["language"] == "de"
    assert {
        "url": "https://painpath.org/fhir/StructureDefinition/wording",
        "valueCode": "paraphrase",
    } in german["extension"]
    assert {
        "url": "https://painpath.org/fhir/StructureDefinition/wording",
        "valueCode": "unknown",
    } in paper["extension"]


def test_scores_carry_loinc_where_loinc_defines_them_and_painpaths_code_always() -> None:
    extract = make_extract(
        [
            ("phq9", 0, {f"phq{i}": 1 for i in range(1, 10)}, "en"),
            ("rmdq", 0, {f"rmdq{i}": 1 for i in range(1, 25)}, "en"),
        ]
    )
    phq9, rmdq = resources_of(to_bundle(extract), "Observation")
    assert [c["code"] for c in phq9["code"]["coding"]] == ["44261-6", "phq9"]
    assert [c["code"] for c in rmdq["code"]["coding"]] == ["rmdq"]
    assert phq9["valueQuantity"]["value"] == 9
    (response,) = [
        r
        for r in resources_of(to_bundle(extract), "QuestionnaireResponse")
        if r["id"] in phq9["derivedFrom"][0]["reference"]
    ]
    assert response["authored"] == phq9["effectiveDateTime"]


def test_the_loinc_table_names_only_painpath_instruments() -> None:
    table = terminology()
    assert set(table.scores) <= set(REGISTRY)
    assert table.scores["odi"].code == "97909-6"


def test_conditions_carry_sks_and_who_codes_and_procedures_their_status() -> None:
    bundle = to_bundle(make_extract([("nrs", 0, {"nrs": 5}, "en")]))
    primary, other = sorted(
        resources_of(bundle, "Condition"),
        key=lambda c: c["code"]["coding"][0]["code"],
        reverse=True,
    )
    assert [c["code"] for c in primary["code"]["coding"]] == ["DM54.5", "M54.5"]
    assert {
        "url": "https://painpath.org/fhir/StructureDefinition/primary-diagnosis",
        "valueBoolean": True,
    } in primary["extension"]
    assert {
        "url": "https://painpath.org/fhir/StructureDefinition/primary-diagnosis",
        "valueBoolean": False,
    } in other["extension"]
    statuses = {
        p["code"]["coding"][0]["code"]: p["status"] for p in resources_of(bundle, "Procedure")
    }
    # The extract was made on 2026-06-01: March's implantation is done, September's booked.
    assert statuses == {"gold_implantation": "completed", "steroid_injection": "preparation"}


def test_a_transaction_bundle_puts_each_resource_at_its_id() -> None:
    bundle = to_bundle(make_extract([("nrs", 0, {"nrs": 5}, "en")]), kind="transaction")
    assert bundle["type"] == "transaction"
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["request"] == {
            "method": "PUT",
            "url": f"{resource['resourceType']}/{resource['id']}",
        }
    Bundle.model_validate(bundle)


def test_ndjson_files_round_trip_too(tmp_path: Path) -> None:
    extract = make_extract(
        [
            ("odi", 0, {f"odi{i}": 3 for i in range(1, 11)}, "en"),
            ("gad7", 0, {f"gad{i}": 2 for i in range(1, 8)}, "da"),
        ]
    )
    counts = write_ndjson(extract, tmp_path)
    assert counts == {
        "Patient": 1,
        "QuestionnaireResponse": 2,
        "Observation": 2,
        "Condition": 2,
        "Procedure": 2,
    }
    lines = (tmp_path / "Observation.ndjson").read_text().splitlines()
    assert all(json.loads(line)["subject"]["reference"].startswith("Patient/") for line in lines)
    imported = import_ndjson(tmp_path)
    assert sorted_frame(imported.answers, list(ANSWERS)).equals(
        sorted_frame(extract.answers, list(ANSWERS))
    )
    assert not list(tmp_path.glob("*.partial"))


def test_an_answer_the_questionnaire_does_not_have_is_refused_on_export() -> None:
    extract = make_extract([("nrs", 0, {"nrs": 5}, "en")])
    extract.answers = extract.answers.with_columns(item=pl.lit("nrs99"))
    with pytest.raises(FhirError, match="nrs99 are not items of nrs"):
        to_bundle(extract)


def test_a_value_that_is_not_valid_fhir_is_refused_naming_the_element() -> None:
    extract = make_extract([("nrs", 0, {"nrs": 5}, "en")])
    extract.scores = extract.scores.with_columns(person_id=pl.lit(""))
    with pytest.raises(FhirError, match=r"Patient/.* would not be valid FHIR: identifier.0.value"):
        to_bundle(extract)


# -- invalid bundles -------------------------------------------------------------------------


@pytest.fixture
def bundle() -> dict[str, Any]:
    extract = make_extract(
        [("phq9", 0, {f"phq{i}": 1 for i in range(1, 10)}, "en"), ("nrs", 0, {"nrs": 4}, "da")]
    )
    return to_bundle(extract)


def response_entry(bundle: dict[str, Any], instrument: str) -> tuple[int, dict[str, Any]]:
    for index, entry in enumerate(bundle["entry"]):
        resource = entry["resource"]
        if (
            resource["resourceType"] == "QuestionnaireResponse"
            and instrument in resource["questionnaire"]
        ):
            return index, resource
    raise AssertionError(instrument)


def refused(bundle: dict[str, Any]) -> BundleError:
    with pytest.raises(BundleError) as caught:
        import_bundle(bundle)
    return caught.value


def test_an_unknown_questionnaire_is_refused_naming_the_entry_and_resource(bundle) -> None:
    index, response = response_entry(bundle, "phq9")
    response["questionnaire"] = "http://example.org/Questionnaire/phq9|1"
    (problem,) = refused(bundle).problems
    assert problem.where == f"entry {index}"
    assert problem.resource == f"QuestionnaireResponse/{response['id']}"
    assert "is not one painpath ships" in problem.message


def test_a_code_outside_the_answer_options_is_refused_naming_the_item(bundle) -> None:
    index, response = response_entry(bundle, "phq9")
    response["item"][2]["answer"][0]["valueCoding"]["code"] = "7"
    error = refused(bundle)
    (problem,) = error.problems
    assert (problem.where, problem.link_id) == (f"entry {index}", "phq3")
    assert "not among the item's answer options" in problem.message
    assert f"entry {index} (QuestionnaireResponse/{response['id']}), item phq3" in str(error)


def test_a_missing_required_item_is_refused(bundle) -> None:
    _, response = response_entry(bundle, "phq9")
    del response["item"][8]
    (problem,) = refused(bundle).problems
    assert problem.link_id == "phq9"
    assert "required" in problem.message


def test_a_wrong_value_type_is_refused(bundle) -> None:
    _, response = response_entry(bundle, "phq9")
    response["item"][0]["answer"] = [{"valueString": "1"}]
    _, nrs = response_entry(bundle, "nrs")
    nrs["item"][0]["answer"] = [{"valueDecimal": 4.5}]
    problems = refused(bundle).problems
    assert sorted((p.link_id, p.message) for p in problems) == [
        ("nrs", "expected valueInteger, got valueDecimal"),
        ("phq1", "expected valueCoding (a choice item), got valueString"),
    ]


def test_an_invalid_fhir_value_is_refused_with_its_item(bundle) -> None:
    _, nrs = response_entry(bundle, "nrs")
    nrs["item"][0]["answer"] = [{"valueInteger": "four"}]
    (problem,) = refused(bundle).problems
    assert problem.link_id == "nrs"
    assert problem.message.startswith("item.0.answer.0.valueInteger")


def test_an_unknown_link_id_an_out_of_range_answer_and_a_draft_are_refused(bundle) -> None:
    _, phq9 = response_entry(bundle, "phq9")
    phq9["item"].append({"linkId": "phq10", "answer": [{"valueInteger": 1}]})
    _, nrs = response_entry(bundle, "nrs")
    nrs["item"][0]["answer"] = [{"valueInteger": 11}]
    problems = {p.link_id: p.message for p in refused(bundle).problems}
    assert set(problems) == {"phq10", "nrs"}
    assert "out of range" in problems["nrs"]
    nrs["item"][0]["answer"] = [{"valueInteger": 1}]
    del phq9["item"][-1]
    nrs["status"] = "in-progress"
    (problem,) = refused(bundle).problems
    assert "only completed" in problem.message


def test_the_same_response_twice_in_a_bundle_is_refused(bundle) -> None:
    index, _ = response_entry(bundle, "nrs")
    twin = copy.deepcopy(bundle["entry"][index])
    twin["resource"]["id"] = "twin"
    bundle["entry"].append(twin)
    (problem,) = refused(bundle).problems
    assert problem.resource == "QuestionnaireResponse/twin"
    assert f"the same response as entry {index}" in problem.message


def test_a_response_from_another_tool_is_scored_by_its_canonical_alone() -> None:
    questionnaire = shipped("odi", "en")
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "urn:uuid:p",
                "resource": {
                    "resourceType": "Patient",
                    "id": "p",
                    "identifier": [{"value": "person-7"}],
                },
            },
            {
                "resource": {
                    "resourceType": "QuestionnaireResponse",
                    "id": "lhc",
                    "identifier": {"system": "urn:example", "value": "r1"},
                    "questionnaire": f"{questionnaire.url}|{questionnaire.version}",
                    "status": "completed",
                    "subject": {"reference": "urn:uuid:p"},
                    "authored": "2026-02-03T10:11:12+01:00",
                    "item": [
                        {"linkId": f"odi{i}", "answer": [{"valueCoding": {"code": "2"}}]}
                        for i in range(1, 11)
                    ],
                }
            },
        ],
    }
    imported = import_bundle(bundle)
    row = imported.scores.row(0, named=True)
    # Fairbank 2000: 20 of 50 points = 40 %.
    assert (row["patient_id"], row["person_id"], row["score"]) == ("person-7", "person-7", 40.0)
    assert row["timepoint"] is None and row["answered_on"] == dt.date(2026, 2, 3)
    assert row["wording_id"] == wording_label("odi", "en")


def test_not_a_bundle_is_refused() -> None:
    with pytest.raises(FhirError, match="not a FHIR Bundle"):
        import_bundle({"resourceType": "Patient"})
