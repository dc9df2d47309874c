"""The instruments as FHIR R4 Questionnaires: shipped files, their agreement with the scorers,
the paraphrase policy, and loading a site's licensed wording."""

import csv
import json
from pathlib import Path

import pytest

# fhir.resources >= 8 defaults to FHIR R5 (``fhir.resources.questionnaire``); version 8 ships
# no R4 (4.0.1) subpackage, only R4B (4.3.0), whose Questionnaire is the same as R4's
# (``choice`` items, ``answerOption.valueCoding``). So R4 is checked with the R4B model.
from fhir.resources.R4B.questionnaire import Questionnaire
from pydantic import ValidationError

from painpath.core.errors import UnknownInstrument
from painpath.core.instruments import REGISTRY
from painpath.core.questionnaires import (
    LANGUAGES,
    UNKNOWN_WORDING,
    WORDING_URL,
    QuestionnaireError,
    WordingRef,
    available,
    build,
    dumps,
    load,
    load_wording,
    override_path,
    shipped_text,
    wording_status,
)
from painpath.core.questionnaires import wording_of as wording_of_resource

DATA = Path(__file__).parents[2] / "src/painpath/core/data/questionnaires"
PAIRS = available()
LICENSED = [code for code, cls in REGISTRY.items() if not cls.wording_may_be_shipped]


def wording_of(element: dict) -> str:
    (code,) = [e["valueCode"] for e in element.get("extension", []) if e["url"] == WORDING_URL]
    return code


def extension(item: dict, url_end: str) -> object:
    (value,) = [
        next(v for k, v in e.items() if k.startswith("value"))
        for e in item["extension"]
        if e["url"].endswith(url_end)
    ]
    return value


def test_there_is_one_questionnaire_per_instrument_and_language() -> None:
    assert [(code, lang) for code in REGISTRY for lang in ("da", "en", "de")] == PAIRS
    assert len(PAIRS) == len(REGISTRY) * 3
    assert sorted(p.name for p in DATA.glob("*.json")) == sorted(
        f"{code}.{lang}.json" for code, lang in PAIRS
    )


@pytest.mark.parametrize(("code", "lang"), PAIRS)
def test_the_committed_json_is_exactly_a_fresh_build(code: str, lang: str) -> None:
    # If this fails: python tools/build_questionnaires.py, and commit the result.
    assert shipped_text(code, lang) == dumps(build(code, lang))


@pytest.mark.parametrize(("code", "lang"), PAIRS)
def test_every_shipped_file_is_a_valid_fhir_r4_questionnaire(code: str, lang: str) -> None:
    resource = json.loads((DATA / f"{code}.{lang}.json").read_text(encoding="utf-8"))
    questionnaire = Questionnaire.model_validate(resource)
    assert questionnaire.id == f"{code}-{lang}"
    # One canonical per language, so a response's questionnaire url|version names it.
    assert questionnaire.url == f"https://painpath.org/fhir/Questionnaire/{code}-{lang}"
    assert questionnaire.language == lang
    assert questionnaire.status == "active"
    assert questionnaire.copyright


def test_the_validator_is_not_a_rubber_stamp() -> None:
    # It checks structure and cardinality (a misspelt element, a missing linkId), but not
    # code bindings: an R5-only item type "coding" passes, so the item types are checked
    # against R4's list below.
    misspelt = build("odi", "en")
    misspelt["item"][0]["answerOptions"] = misspelt["item"][0].pop("answerOption")
    nameless = build("odi", "en")
    del nameless["item"][0]["linkId"]
    for broken in (misspelt, nameless):
        with pytest.raises(ValidationError):
            Questionnaire.model_validate(broken)


@pytest.mark.parametrize(("code", "lang"), PAIRS)
def test_link_ids_are_the_scorers_answer_codes_in_order(code: str, lang: str) -> None:
    resource = load(code, lang, directory=Path("/nonexistent"))
    assert [item["linkId"] for item in resource["item"]] == [i.code for i in REGISTRY[code].items]


@pytest.mark.parametrize(("code", "lang"), PAIRS)
def test_answers_are_exactly_the_codes_the_scorer_accepts(code: str, lang: str) -> None:
    resource = build(code, lang)
    for item, spec in zip(resource["item"], REGISTRY[code].items, strict=True):
        # Required unless the missing-answer rule lets it be skipped: an optional item, or
        # any item where the rule allows some missing (ODI, NDI, OKS/OHS).
        skippable = spec.optional or REGISTRY[code].max_missing > 0
        assert item["required"] is (not skippable), item["linkId"]
        if item["type"] == "choice":
            assert spec.integer
            codes = [o["valueCoding"]["code"] for o in item["answerOption"]]
            assert codes == [str(n) for n in range(int(spec.low), int(spec.high) + 1)]
            (system,) = {o["valueCoding"]["system"] for o in item["answerOption"]}
            assert system.startswith(f"https://painpath.org/fhir/CodeSystem/{code}-")
            assert extension(item, "questionnaire-itemControl")["coding"][0]["code"] == (
                "radio-button"
            )
            # Every code scores: the scorer accepts it as the item's answer.
            for value in codes:
                assert REGISTRY[code]().validate({item["linkId"]: int(value)}) is not None
        else:
            assert item["type"] == ("integer" if spec.integer else "decimal")
            assert extension(item, "/minValue") == spec.low
            assert extension(item, "/maxValue") == spec.high


def test_number_items_are_the_nrs_the_vas_and_the_optional_eq_vas() -> None:
    nrs, vas, eq = (
        build("nrs", "da")["item"][0],
        build("vas", "da")["item"][0],
        build("eq5d5l", "de")["item"],
    )
    assert (nrs["type"], nrs["required"]) == ("integer", True)
    assert (vas["type"], extension(vas, "questionnaire-unit")["code"]) == ("decimal", "mm")
    assert [(i["linkId"], i["type"], i["required"]) for i in eq][-1] == ("VAS", "integer", False)
    assert all(i["type"] == "choice" for i in eq[:5])


def test_startback_item_9_has_five_answers_and_the_others_two() -> None:
    items = build("startback", "en")["item"]
    assert [len(i["answerOption"]) for i in items] == [2] * 8 + [5]
    assert [o["valueCoding"]["display"] for o in items[8]["answerOption"]][3:] == [
        "Very much",
        "Extremely",
    ]


@pytest.mark.parametrize(("code", "lang"), PAIRS)
def test_every_item_and_option_has_a_text_in_every_language(code: str, lang: str) -> None:
    resource = build(code, lang)
    assert resource["title"].strip() and resource["description"].strip()
    for item in resource["item"]:
        assert item["text"].strip(), item["linkId"]
        for option in item.get("answerOption", []):
            assert option["valueCoding"]["display"].strip(), (item["linkId"], option)


@pytest.mark.parametrize("code", list(REGISTRY))
def test_the_three_languages_are_translations_not_copies(code: str) -> None:
    texts = {lang: [i["text"] for i in build(code, lang)["item"]] for lang in LANGUAGES}
    assert texts["da"] != texts["en"] != texts["de"] != texts["da"]


@pytest.mark.parametrize("code", LICENSED)
def test_licensed_instruments_ship_a_paraphrase_marked_as_such(code: str) -> None:
    assert code not in ("nrs", "vas")
    for lang in LANGUAGES:
        resource = build(code, lang)
        assert wording_of(resource) == "paraphrase"
        assert {wording_of(item) for item in resource["item"]} == {"paraphrase"}
        assert "load-wording" in resource["description"]
        assert "©" in resource["copyright"]  # after the paraphrase notice (issue 16)


def test_only_the_generic_nrs_and_vas_ship_their_wording() -> None:
    assert sorted(set(REGISTRY) - set(LICENSED)) == ["nrs", "vas"]
    for code in ("nrs", "vas"):
        resource = build(code, "en")
        assert wording_of(resource) == "original"
        assert wording_of(resource["item"][0]) == "original"


def test_unknown_instrument_and_language_are_refused_with_the_choices() -> None:
    with pytest.raises(UnknownInstrument, match="known: "):
        build("sf36", "en")
    with pytest.raises(QuestionnaireError, match="da, en, de"):
        build("odi", "fr")
    with pytest.raises(QuestionnaireError, match="da, en, de"):
        load("odi", "sv")


# -- licensed wording ------------------------------------------------------------------------


def odi_wording(**changes: object) -> dict:
    wording: dict = {
        "instrument": "odi",
        "language": "da",
        "source": "ODI 2.1a dansk, licens nr. TEST-1 fra Mapi Research Trust.",
        "options": {str(n): f"Licenseret svar {n}" for n in range(6)},
        "items": {f"odi{n}": f"Licenseret afsnit {n}" for n in range(1, 11)},
    }
    wording["items"]["odi1"] = {
        "text": "Licenseret afsnit 1",
        "options": {"0": "Licenseret: ingen smerter"},
    }
    wording.update(changes)
    return wording


def write_json(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_loaded_json_wording_replaces_the_paraphrase_and_load_prefers_it(tmp_path: Path) -> None:
    file = write_json(tmp_path / "odi-da.json", odi_wording())
    var = tmp_path / "var"
    assert wording_status("odi", "da", directory=var) == "paraphrase"

    target = load_wording("odi", "da", file, directory=var)

    assert target == override_path("odi", "da", directory=var) == var / "questionnaires/odi.da.json"
    resource = load("odi", "da", directory=var)
    Questionnaire.model_validate(resource)
    assert wording_status("odi", "da", directory=var) == "licensed"
    assert {wording_of(item) for item in resource["item"]} == {"licensed"}
    assert resource["item"][9]["text"] == "Licenseret afsnit 10"
    first = [o["valueCoding"] for o in resource["item"][0]["answerOption"]]
    assert first[0]["display"] == "Licenseret: ingen smerter"  # the item's own label
    assert first[5]["display"] == "Licenseret svar 5"  # the shared label
    assert [c["code"] for c in first] == ["0", "1", "2", "3", "4", "5"]
    assert "TEST-1" in resource["copyright"]
    assert "odi-da.json" in resource["description"]
    # Only that language changed; the shipped file is untouched.
    assert wording_status("odi", "en", directory=var) == "paraphrase"
    assert shipped_text("odi", "da") == dumps(build("odi", "da"))


def test_loaded_csv_wording_with_shared_and_own_option_labels(tmp_path: Path) -> None:
    file = tmp_path / "startback-de.csv"
    with file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["linkId", "code", "text"])
        writer.writerow(["*", "0", "Stimme nicht zu (lizenziert)"])
        writer.writerow(["*", "1", "Stimme zu (lizenziert)"])
        for n in range(1, 10):
            writer.writerow([f"sbst{n}", "", f"Lizenzierte Frage {n}, mit Komma"])
        for n in range(5):
            writer.writerow(["sbst9", str(n), f"Stufe {n}"])

    load_wording("startback", "de", file, directory=tmp_path)

    resource = load("startback", "de", directory=tmp_path)
    assert resource["item"][0]["text"] == "Lizenzierte Frage 1, mit Komma"
    assert (
        resource["item"][0]["answerOption"][1]["valueCoding"]["display"] == "Stimme zu (lizenziert)"
    )
    assert [o["valueCoding"]["display"] for o in resource["item"][8]["answerOption"]] == [
        f"Stufe {n}" for n in range(5)
    ]


def test_the_override_directory_comes_from_painpath_var_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAINPATH_VAR_DIR", str(tmp_path / "site"))
    target = load_wording("odi", "da", write_json(tmp_path / "w.json", odi_wording()))
    assert target == tmp_path / "site/questionnaires/odi.da.json"
    assert wording_status("odi", "da") == "licensed"


@pytest.mark.parametrize(
    ("wording", "message"),
    [
        (
            odi_wording(items={**odi_wording()["items"], "odi11": "x"}),
            r"linkId 'odi11' is not an item of odi; linkIds are odi1, odi2",
        ),
        (
            odi_wording(items={k: v for k, v in odi_wording()["items"].items() if k != "odi7"}),
            r"no text for odi7; a licensed-wording file must give the text of every item",
        ),
        (
            odi_wording(options={"0": "a", "1": "b", "2": "c", "3": "d", "4": "e"}),
            r"odi1 has no label for answer code\(s\) 5",
        ),
        (
            odi_wording(
                items={**odi_wording()["items"], "odi3": {"text": "t", "options": {"6": "x"}}}
            ),
            r"odi3 has no answer code 6; its codes are 0, 1, 2, 3, 4, 5",
        ),
        (odi_wording(options={**odi_wording()["options"], "9": "x"}), r"code\(s\) 9 belong to no"),
        (odi_wording(instrument="ndi"), r"file is for instrument 'ndi', not 'odi'"),
        (odi_wording(language="en"), r"file is for language 'en', not 'da'"),
        (["odi1"], r'expected an object with "items"'),
    ],
)
def test_a_wrong_wording_file_is_refused_naming_the_file_and_link_id(
    tmp_path: Path, wording: object, message: str
) -> None:
    file = write_json(tmp_path / "wording.json", wording)
    with pytest.raises(QuestionnaireError, match=message) as raised:
        load_wording("odi", "da", file, directory=tmp_path)
    assert str(file) in str(raised.value)
    assert not (tmp_path / "questionnaires").exists()  # nothing written


def test_unreadable_wording_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError, match="no such file"):
        load_wording("odi", "da", tmp_path / "missing.json", directory=tmp_path)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match=r"broken.json: not JSON"):
        load_wording("odi", "da", broken, directory=tmp_path)
    headless = tmp_path / "w.csv"
    headless.write_text("id,label\nodi1,x\n", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="header must be linkId,code,text"):
        load_wording("odi", "da", headless, directory=tmp_path)


def test_options_for_a_number_item_are_refused(tmp_path: Path) -> None:
    file = write_json(
        tmp_path / "nrs.json", {"items": {"nrs": {"text": "t", "options": {"0": "x"}}}}
    )
    with pytest.raises(QuestionnaireError, match="nrs is a number item"):
        load_wording("nrs", "en", file, directory=tmp_path)


def test_a_corrupt_override_says_how_to_repair_it(tmp_path: Path) -> None:
    path = override_path("pcs", "en", directory=tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text("{", encoding="utf-8")
    with pytest.raises(QuestionnaireError, match="load-wording pcs --lang en"):
        load("pcs", "en", directory=tmp_path)


# -- the NRS recall period ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "average", "week"),
    [
        ("da", "gennemsnit", "den seneste uge"),
        ("en", "On average", "over the last week"),
        ("de", "Durchschnitt", "in der letzten Woche"),
    ],
)
def test_the_nrs_asks_for_average_pain_over_the_last_week(
    lang: str, average: str, week: str
) -> None:
    # IMMPACT (Dworkin RH et al. Pain 2005;113:9–19): pain intensity as the average over the
    # last week on the 0–10 NRS — not pain "right now".
    (item,) = load("nrs", lang, directory=Path("/nonexistent"))["item"]
    assert average in item["text"] and week in item["text"]
    assert "lige nu" not in item["text"] and "right now" not in item["text"]


# -- which wording a patient saw -----------------------------------------------------------------

SYNTHETIC = Path(__file__).parent / "data/licensed-synthetic"


def test_a_shipped_questionnaire_names_its_paraphrase_or_original_wording_and_version() -> None:
    odi = wording_of_resource(load("odi", "da", directory=Path("/nonexistent")))
    assert (odi.kind, odi.questionnaire, odi.version) == ("paraphrase", "odi-da", "1.0.0")
    assert not odi.validated
    nrs = wording_of_resource(load("nrs", "en", directory=Path("/nonexistent")))
    assert (nrs.kind, nrs.questionnaire) == ("original", "nrs-en")
    assert nrs.validated
    assert nrs.label == f"original nrs-en {nrs.version}"


def test_a_wording_reference_is_stored_and_read_back_the_same() -> None:
    ref = WordingRef("licensed", "startback-da", "1.0.0", "STarT-dk", "2011", "abc")
    assert WordingRef.from_dict(ref.as_dict()) == ref
    assert WordingRef.from_dict({}) == WordingRef.from_dict(None) == UNKNOWN_WORDING
    assert UNKNOWN_WORDING.as_dict() == {"kind": "unknown"}
    assert UNKNOWN_WORDING.label == "unknown"
    with pytest.raises(QuestionnaireError, match="wording kind 'validated'"):
        WordingRef("validated")


@pytest.mark.parametrize(
    ("code", "translation"),
    [("odi", "ODI-dk"), ("startback", "STarT-dk"), ("rmdq23", "RMDQ-23-dk")],
)
def test_the_validated_danish_versions_load_and_name_their_translation(
    tmp_path: Path, code: str, translation: str
) -> None:
    # SYNTHETIC files (tests/core/data/licensed-synthetic): the shape of the licensed Danish
    # versions a site loads, with made-up texts.
    load_wording(code, "da", SYNTHETIC / f"{code}.da.json", directory=tmp_path)

    resource = load(code, "da", directory=tmp_path)
    Questionnaire.model_validate(resource)
    ref = wording_of_resource(resource)
    assert (ref.kind, ref.questionnaire, ref.translation, ref.translation_version) == (
        "licensed",
        f"{code}-da",
        translation,
        "synthetic-1",
    )
    assert ref.validated and len(ref.digest) == 16
    assert ref.label == f"licensed {translation} synthetic-1 ({code}-da)"
    assert resource["item"][0]["text"].startswith("SYNTETISK")
    assert translation in resource["description"]


def test_the_command_line_names_the_translation_of_a_file_that_does_not(tmp_path: Path) -> None:
    data = json.loads((SYNTHETIC / "startback.da.json").read_text(encoding="utf-8"))
    del data["translation"]
    file = write_json(tmp_path / "startback.json", data)

    load_wording("startback", "da", file, directory=tmp_path)
    unnamed = wording_of_resource(load("startback", "da", directory=tmp_path))
    assert (unnamed.translation, unnamed.label) == (
        "",
        f"licensed digest {unnamed.digest} (startback-da)",
    )

    load_wording(
        "startback",
        "da",
        file,
        translation="STarT-dk",
        translation_version="2011",
        directory=tmp_path,
    )
    named = wording_of_resource(load("startback", "da", directory=tmp_path))
    assert (named.translation, named.translation_version, named.digest) == (
        "STarT-dk",
        "2011",
        unnamed.digest,  # the same texts
    )


def test_different_licensed_texts_have_different_digests(tmp_path: Path) -> None:
    data = json.loads((SYNTHETIC / "odi.da.json").read_text(encoding="utf-8"))
    first = load_wording("odi", "da", write_json(tmp_path / "a.json", data), directory=tmp_path)
    digest = wording_of_resource(json.loads(first.read_text(encoding="utf-8"))).digest
    data["items"]["odi1"]["text"] = "SYNTETISK, en anden udgave"
    load_wording("odi", "da", write_json(tmp_path / "b.json", data), directory=tmp_path)
    assert wording_of_resource(load("odi", "da", directory=tmp_path)).digest != digest


def test_a_translation_that_is_not_text_is_refused(tmp_path: Path) -> None:
    file = write_json(tmp_path / "w.json", odi_wording(translation={"id": 7}))
    with pytest.raises(QuestionnaireError, match='"translation" must be'):
        load_wording("odi", "da", file, directory=tmp_path)
