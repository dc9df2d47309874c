"""The Questionnaires as an independent SDC client sees them (issue 16): codes, item controls,
required items from the missing-answer rule, the published CodeSystems and extension
definitions, and one canonical url per language."""

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.structuredefinition import StructureDefinition
from fhir.resources.R4B.valueset import ValueSet

from painpath.core.errors import TooManyMissing
from painpath.core.instruments import REGISTRY
from painpath.core.questionnaires import (
    INSTRUMENTS_SYSTEM,
    LANGUAGES,
    TRANSLATION_URL,
    WORDING_KINDS,
    WORDING_URL,
    Canonical,
    QuestionnaireError,
    WordingRef,
    available,
    build,
    conformance,
    dumps,
    instrument_code,
    load_wording,
    parse_canonical,
    shipped_conformance,
    skippable,
    source,
)

ROOT = Path(__file__).parents[2]
FOLDER = ROOT / "src/painpath/core/data/conformance"
MODELS = {
    "CodeSystem": CodeSystem,
    "ValueSet": ValueSet,
    "StructureDefinition": StructureDefinition,
}
PAIRS = available()


def extensions(element: dict[str, Any], url_end: str) -> list[Any]:
    return [
        next(v for k, v in e.items() if k.startswith("value"))
        for e in element.get("extension", [])
        if e["url"].endswith(url_end)
    ]


def test_the_committed_conformance_resources_are_exactly_a_fresh_build() -> None:
    # If this fails: python tools/build_questionnaires.py, and commit the result.
    built = conformance()
    assert sorted(p.name for p in FOLDER.glob("*.json")) == sorted(built)
    for name, resource in built.items():
        assert (FOLDER / name).read_text(encoding="utf-8") == dumps(resource), name


def test_the_builder_check_passes_on_the_committed_files() -> None:
    spec = importlib.util.spec_from_file_location("build", ROOT / "tools/build_questionnaires.py")
    assert spec and spec.loader
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.main(["--check"]) == 0


@pytest.mark.parametrize("name", sorted(conformance()))
def test_every_conformance_resource_is_valid_fhir(name: str) -> None:
    resource = shipped_conformance()[name]
    model = MODELS[resource["resourceType"]].model_validate(resource)
    assert model.url and model.status == "active"
    assert name == f"{resource['resourceType']}-{resource['id']}.json"


def test_the_validator_refuses_a_broken_code_system() -> None:
    broken = dict(next(iter(conformance().values())))
    broken["concept"] = [{"display": "no code"}]
    with pytest.raises(ValueError, match="code"):
        CodeSystem.model_validate(broken)


def _code_systems() -> dict[str, dict[str, Any]]:
    return {
        r["url"]: r for r in shipped_conformance().values() if r["resourceType"] == "CodeSystem"
    }


@pytest.mark.parametrize(("code", "lang"), PAIRS)
def test_every_answer_is_a_concept_of_a_published_code_system_with_the_same_label(
    code: str, lang: str
) -> None:
    # One code, one meaning in one system: a display shown for an item is the concept's
    # display (en) or designation (da, de) in its scale's CodeSystem, whatever the item.
    systems = _code_systems()
    for item in build(code, lang)["item"]:
        for option in item.get("answerOption", []):
            coding = option["valueCoding"]
            concepts = {c["code"]: c for c in systems[coding["system"]]["concept"]}
            concept = concepts[coding["code"]]
            labels = {"en": concept["display"]} | {
                d["language"]: d["value"] for d in concept["designation"]
            }
            assert labels[lang] == coding["display"], (item["linkId"], coding)


def test_no_code_means_two_answers_in_one_system_across_instruments_and_items() -> None:
    seen: dict[tuple[str, str], str] = {}
    for code, lang in PAIRS:
        if lang != "en":
            continue
        for item in build(code, lang)["item"]:
            for option in item.get("answerOption", []):
                c = option["valueCoding"]
                key = (c["system"], c["code"])
                assert seen.setdefault(key, c["display"]) == c["display"], (code, key)
    # STarT Back's code "1" is "Agree" for items 1–8 and "Slightly" for item 9: two systems.
    items = build("startback", "en")["item"]
    assert (
        items[0]["answerOption"][0]["valueCoding"]["system"]
        != (items[8]["answerOption"][0]["valueCoding"]["system"])
    )


@pytest.mark.parametrize(("code", "lang"), PAIRS)
def test_every_questionnaire_has_a_code_and_the_paraphrase_notice_in_its_copyright(
    code: str, lang: str
) -> None:
    resource = build(code, lang)
    own = [c for c in resource["code"] if c["system"] == INSTRUMENTS_SYSTEM]
    assert [c["code"] for c in own] == [code]
    assert code in {c["code"] for c in _code_systems()[INSTRUMENTS_SYSTEM]["concept"]}
    loinc = [c for c in resource["code"] if c["system"] == "http://loinc.org"]
    expected = source(code).loinc
    assert [c["code"] for c in loinc] == ([expected.code] if expected else [])
    assert all(re.fullmatch(r"\d{1,7}-\d", c["code"]) for c in loinc)
    notice = {"da": "ikke den licenserede ordlyd", "en": "not the licensed wording"}
    notice["de"] = "nicht der lizenzierte Wortlaut"
    paraphrase = not REGISTRY[code].wording_may_be_shipped
    assert (notice[lang] in resource["copyright"]) is paraphrase


def test_loinc_codes_are_given_with_where_they_were_checked() -> None:
    coded = {code: source(code).loinc for code in REGISTRY if source(code).loinc}
    # Verified for these (docs/questionnaires.md says how far); the rest use painpath's own.
    assert set(coded) == {"odi", "phq9", "gad7", "koos", "nrs"}
    assert coded["phq9"].code == "44249-1" and coded["odi"].code == "97908-8"  # type: ignore[union-attr]
    assert all("read 2026" in c.source for c in coded.values() if c)


def _full_answers(code: str) -> dict[str, float]:
    return {item.code: item.low for item in REGISTRY[code].items}


@pytest.mark.parametrize("code", list(REGISTRY))
def test_an_item_is_not_required_exactly_when_the_scorer_scores_without_it(code: str) -> None:
    scorer = REGISTRY[code]()
    built = build(code, "en")["item"]
    for item, shown in zip(REGISTRY[code].items, built, strict=True):
        answers = _full_answers(code)
        del answers[item.code]
        try:
            scorer.score(answers)
            scored = True
        except TooManyMissing:
            scored = False
        assert (item.code in skippable(code)) is scored, item.code
        assert shown["required"] is (not scored), item.code


def test_the_odi_ndi_and_oxford_items_may_be_skipped_the_nrs_and_phq9_not() -> None:
    for code in ("odi", "ndi", "oks", "ohs"):
        assert not any(item["required"] for item in build(code, "da")["item"]), code
    for code in ("nrs", "phq9", "startback"):
        assert all(item["required"] for item in build(code, "da")["item"]), code
    eq = build("eq5d5l", "en")["item"]
    assert [i["linkId"] for i in eq if not i["required"]] == ["VAS"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_vas_is_a_slider_whose_text_also_works_as_a_number_box(lang: str) -> None:
    (item,) = build("vas", lang)["item"]
    (control,) = extensions(item, "questionnaire-itemControl")
    assert control["coding"][0]["code"] == "slider"
    assert extensions(item, "questionnaire-sliderStepValue") == [1]
    assert (extensions(item, "/minValue"), extensions(item, "/maxValue")) == ([0], [100])
    number = {"da": "skriv tallet", "en": "enter the number", "de": "die Zahl ein"}[lang]
    line = {"da": "linjen", "en": "the line", "de": "der Linie"}[lang]
    assert number in item["text"] and line in item["text"]
    assert "0 mm" not in item["text"]  # a number box has no millimetres


def test_the_wording_extension_is_defined_and_bound_to_its_codes() -> None:
    resources = shipped_conformance()
    definition = resources["StructureDefinition-wording.json"]
    assert definition["url"] == WORDING_URL and definition["type"] == "Extension"
    assert [c["expression"] for c in definition["context"]] == [
        "Questionnaire",
        "Questionnaire.item",
    ]
    value = {e["id"]: e for e in definition["differential"]["element"]}["Extension.value[x]"]
    assert value["type"] == [{"code": "code"}]
    value_set = resources["ValueSet-wording.json"]
    assert value["binding"] == {"strength": "required", "valueSet": value_set["url"]}
    (include,) = value_set["compose"]["include"]
    system = resources["CodeSystem-wording.json"]
    assert include == {"system": system["url"]}
    assert [c["code"] for c in system["concept"]] == list(WORDING_KINDS)
    translation = resources["StructureDefinition-wording-translation.json"]
    assert translation["url"] == TRANSLATION_URL
    slices = [e["sliceName"] for e in translation["differential"]["element"] if "sliceName" in e]
    assert slices == ["id", "version", "citation", "digest"]


@pytest.mark.parametrize(("code", "lang"), PAIRS)
def test_each_language_has_its_own_canonical_and_a_stored_wording_resolves_to_it(
    code: str, lang: str
) -> None:
    resource = build(code, lang)
    ref = WordingRef("paraphrase", resource["id"], resource["version"])
    assert ref.canonical == f"{resource['url']}|{resource['version']}"
    assert parse_canonical(ref.canonical) == Canonical(code, lang, resource["version"])
    assert instrument_code(resource) == code


def test_a_wording_stored_before_the_url_named_the_language_still_resolves() -> None:
    # Responses stored before issue 16 hold the id (odi-da) and version, never the url: the
    # canonical is built from the id, which was always <code>-<lang>.
    old = WordingRef.from_dict(
        {"kind": "paraphrase", "questionnaire": "odi-da", "version": "1.0.0"}
    )
    assert old.canonical == "https://painpath.org/fhir/Questionnaire/odi-da|1.0.0"
    # The language-less url painpath used before is still read (the response says the
    # language), and anything else is refused by name.
    legacy = parse_canonical("https://painpath.org/fhir/Questionnaire/odi|1.0.0")
    assert legacy == Canonical("odi", None, "1.0.0")
    assert parse_canonical("https://painpath.org/fhir/Questionnaire/tsk11-de") == Canonical(
        "tsk11", "de", ""
    )
    assert WordingRef("unknown").canonical == ""
    for bad in ("https://example.org/Questionnaire/odi-da", "https://painpath.org/fhir/x/odi"):
        with pytest.raises(QuestionnaireError, match="not a painpath Questionnaire"):
            parse_canonical(bad)


def test_the_conformance_folder_holds_json_that_the_core_reads_back() -> None:
    for path in FOLDER.glob("*.json"):
        assert json.loads(path.read_text(encoding="utf-8")) == shipped_conformance()[path.name]


def test_a_licensed_wording_with_its_own_answers_gets_a_system_per_item(tmp_path: Path) -> None:
    synthetic = Path(__file__).parent / "data/licensed-synthetic/odi.da.json"
    resource = json.loads(
        load_wording("odi", "da", synthetic, directory=tmp_path).read_text(encoding="utf-8")
    )
    systems = [{o["valueCoding"]["system"] for o in i["answerOption"]} for i in resource["item"]]
    assert systems[1] == {"https://painpath.org/fhir/CodeSystem/odi-odi2-licensed"}
    assert len({system for (system,) in systems}) == len(resource["item"])
