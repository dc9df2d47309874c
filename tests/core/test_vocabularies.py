"""One source per vocabulary: the schema, rule sets, tables and catalogues agree with
``core/data/vocabularies`` (a copy that creeps back in, or drifts, fails here)."""

from __future__ import annotations

import ast
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from painpath.core import questionnaires, vocabularies
from painpath.core.rules.derive import INPUTS
from painpath.core.rules.episode import episode_schema
from painpath.core.vocabularies import Text, VocabularyError

DATA = resources.files("painpath.core.data")
RULESETS = sorted(Path(str(DATA.joinpath("rulesets"))).glob("*.yaml"))
LOCALE = Path(str(resources.files("painpath"))) / "locale"
# A region code a condition compares with, as in "regions contains 'low_back'".
REGION_LITERAL = re.compile(r"\b(?:regions|procedure_region)\s*(?:contains|=)\s*'(\w+)'")


def _all_texts() -> list[tuple[str, Text]]:
    texts = [(f"red flag {f.code} label", f.label) for f in vocabularies.red_flags()]
    texts += [(f"red flag {f.code} question", f.question) for f in vocabularies.red_flags()]
    texts += [(f"region {r.code}", r.label) for r in vocabularies.regions()]
    return texts


def _po(path: Path) -> dict[str, str]:
    """msgid → msgstr of a .po catalogue, without context or obsolete (#~) entries."""
    result: dict[str, str] = {}
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        key = ""
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            if match := re.match(r"^(msgctxt|msgid|msgstr)\s+(\".*\")$", line):
                key = match.group(1)
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if "msgid" in fields and "msgctxt" not in fields:
            result[fields["msgid"]] = fields.get("msgstr", "")
    return result


def _walk(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, list):
        return [found for item in node for found in _walk(item)]
    if isinstance(node, dict):
        return [node, *(found for value in node.values() for found in _walk(value))]
    return []


# -- the vocabularies themselves --------------------------------------------------------------


def test_every_vocabulary_loads_with_unique_codes() -> None:
    for codes in (
        vocabularies.red_flag_codes(),
        vocabularies.region_codes(),
        vocabularies.language_codes(),
        vocabularies.drug_codes(),
    ):
        assert codes
        assert len(set(codes)) == len(codes)


def test_what_patients_read_is_in_every_language() -> None:
    others = [lang for lang in vocabularies.language_codes() if lang != "en"]
    for where, text in _all_texts():
        assert sorted(dict(text.translations)) == sorted(others), where


def test_a_translation_falls_back_to_english() -> None:
    text = Text("low back", (("da", "lænd"),))
    assert text.in_language("da-dk") == "lænd"
    assert text.in_language("de") == "low back"
    assert str(text) == "low back"


def test_staff_screens_come_in_danish_and_english() -> None:
    assert [lang.code for lang in vocabularies.languages() if lang.staff_screens] == ["da", "en"]


def test_every_drug_has_a_known_class() -> None:
    assert {drug.drug_class for drug in vocabularies.drugs()} == {"anticoagulant", "antiplatelet"}


def test_a_malformed_vocabulary_says_what_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    vocabularies._read.cache_clear()
    vocabularies.regions.cache_clear()
    original = vocabularies._read.__wrapped__

    def read(name: str) -> dict[str, Any]:
        data = original(name)
        if name == "regions":
            data["entries"][0]["label"] = {"en": "head", "fr": "tête"}
        return data

    monkeypatch.setattr(vocabularies, "_read", read)
    with pytest.raises(VocabularyError, match=r"regions\.yaml: head label: .*\['fr'\]"):
        vocabularies.regions()
    vocabularies.regions.cache_clear()


# -- the episode schema -----------------------------------------------------------------------


def test_the_schema_file_lists_no_region_or_red_flag_code() -> None:
    raw = json.loads(DATA.joinpath("schemas/episode.schema.json").read_text(encoding="utf-8"))
    shared = set(vocabularies.region_codes()) | set(vocabularies.red_flag_codes())
    for node in _walk(raw):
        assert not shared & set(node.get("enum", [])), node
        assert not shared & set(node.get("properties", {})), node


def test_the_schema_reads_its_regions_and_red_flags_from_the_vocabularies() -> None:
    schema = episode_schema()
    properties = schema["properties"]
    regions = list(vocabularies.region_codes())
    assert properties["pain_regions"]["items"]["properties"]["region"]["enum"] == regions
    assert properties["diagnoses"]["items"]["properties"]["region"]["enum"] == regions
    assert properties["imaging"]["items"]["properties"]["region"]["enum"] == regions
    assert properties["procedure"]["properties"]["region"]["enum"] == regions
    assert list(properties["red_flags"]["properties"]) == list(vocabularies.red_flag_codes())
    assert properties["red_flags"]["additionalProperties"] is False
    assert "$ref" not in json.dumps(schema)


# -- the rule sets and their tables -----------------------------------------------------------


def _conditions(node: Any) -> list[str]:
    """The FHIRPath text of a rule set: every ``when`` and ``shows``, but in its examples."""
    if isinstance(node, list):
        return [text for item in node for text in _conditions(item)]
    if not isinstance(node, dict):
        return []
    found = []
    for key, value in node.items():
        if key in ("when", "shows"):
            found += [value] if isinstance(value, str) else [str(v) for v in value]
        elif key != "examples":
            found += _conditions(value)
    return found


def _red_flags_read(ruleset: dict[str, Any]) -> set[str]:
    return {name for text in _conditions(ruleset) for name in re.findall(r"\brf_(\w+)", text)}


def test_the_red_flag_rule_set_reads_every_red_flag_and_no_other() -> None:
    ruleset = yaml.safe_load(DATA.joinpath("rulesets/red-flags.yaml").read_text("utf-8"))
    codes = set(vocabularies.red_flag_codes())
    assert _red_flags_read(ruleset) == codes
    # Besides the answers it reads age and duration (red-flags 2.0.0 grades combinations).
    answers = {name.removeprefix("rf_") for name in ruleset["inputs"] if name.startswith("rf_")}
    assert answers == codes


@pytest.mark.parametrize("path", RULESETS, ids=lambda path: path.stem)
def test_a_rule_set_reads_only_known_red_flags_and_regions(path: Path) -> None:
    ruleset = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert _red_flags_read(ruleset) <= set(vocabularies.red_flag_codes())
    named = {code for text in _conditions(ruleset) for code in REGION_LITERAL.findall(text)}
    assert named <= set(vocabularies.region_codes())


def test_the_region_pattern_finds_the_low_back_condition() -> None:
    ruleset = yaml.safe_load(DATA.joinpath("rulesets/lbp-duration.yaml").read_text("utf-8"))
    assert [code for text in _conditions(ruleset) for code in REGION_LITERAL.findall(text)] == [
        "low_back"
    ]


def test_the_derived_inputs_have_one_red_flag_input_per_code() -> None:
    read = {name.removeprefix("rf_") for name in INPUTS if name.startswith("rf_")}
    assert read == set(vocabularies.red_flag_codes())


def test_the_body_region_table_groups_known_regions() -> None:
    table = yaml.safe_load(DATA.joinpath("rulesets/tables/body-regions.yaml").read_text("utf-8"))
    for group in ("axial", "upper", "lower"):
        assert set(table[group]) <= set(vocabularies.region_codes()), group


def test_the_pause_table_is_keyed_by_known_drugs() -> None:
    path = "rulesets/tables/anticoagulant-pauses.yaml"
    table = yaml.safe_load(DATA.joinpath(path).read_text(encoding="utf-8"))
    assert set(table["drugs"]) <= set(vocabularies.drug_codes())


# -- languages and translations ---------------------------------------------------------------


def test_questionnaires_come_in_the_vocabulary_languages() -> None:
    assert vocabularies.language_codes() == questionnaires.LANGUAGES
    files = DATA.joinpath("questionnaires").iterdir()
    shipped = {path.name.split(".")[-2] for path in files if path.name.endswith(".json")}
    assert shipped == set(vocabularies.language_codes())


@pytest.mark.parametrize("language", ["da", "de"])
def test_the_catalogues_translate_the_vocabularies_as_they_do(language: str) -> None:
    # The web app passes each label's English words to gettext; a catalogue regenerated by
    # makemessages would not find them in the code and would drop them as obsolete.
    catalogue = _po(LOCALE / language / "LC_MESSAGES" / "django.po")
    for where, text in _all_texts():
        assert catalogue.get(text.en) == text.in_language(language), where
