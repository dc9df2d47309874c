"""Finding headings in the rule-set format (red-flags 2.2.0, issue 15): a ``collect`` rule set
may group its findings under ``headings``, each rule naming one, so that a PHQ-9 item 9
(thoughts of death or self-harm) is not shown as a sign of serious pathology. The loader
refuses every malformed use with the file, line and rule."""

from __future__ import annotations

import datetime as dt

import pytest

from painpath.core.rules import RuleSetError, builtin_rulesets, classify, load_ruleset_text
from painpath.core.rules.i18n import rule_text, shipped_texts

BASE = """
id: grouped
version: 1.0.0
axis: grouped
title: Grouped findings
sources: [{id: s, citation: "A source"}]
licence: "test"
inputs: [rf_history_of_cancer, phq9_item9]
results: {found: "Found", none: "None", unknown: "Unknown"}
policy: collect
collect: {any: found, none: none, unknown: unknown}
{headings}
rules:
  - id: cancer
    when: "rf_history_of_cancer"
    finding: "History of cancer"
{cancer_heading}
  - id: self_harm
    when: "phq9_item9 > 0"
    finding: "Thoughts of self-harm"
{self_harm_heading}
"""
HEADINGS = 'headings: {pathology: "Serious pathology", mood: "Self-harm"}'


def ruleset(
    headings: str = HEADINGS,
    cancer: str = "    heading: pathology",
    self_harm: str = "    heading: mood",
) -> str:
    return (
        BASE.replace("{headings}", headings)
        .replace("{cancer_heading}", cancer)
        .replace("{self_harm_heading}", self_harm)
    )


def test_each_rule_carries_its_heading_and_the_rule_set_its_words() -> None:
    loaded = load_ruleset_text(ruleset())
    assert loaded.headings == {"pathology": "Serious pathology", "mood": "Self-harm"}
    assert [rule.heading for rule in loaded.rules] == ["pathology", "mood"]
    assert loaded.heading_of("self_harm") == "Self-harm"
    assert loaded.heading_of("no_such_rule") is None
    assert loaded.summary()["rules"][1]["heading"] == "mood"


def test_a_rule_set_without_headings_loads_as_before() -> None:
    loaded = load_ruleset_text(ruleset(headings="", cancer="", self_harm=""))
    assert loaded.headings == {}
    assert loaded.heading_of("cancer") is None
    assert "headings" not in loaded.summary()


@pytest.mark.parametrize(
    ("headings", "cancer", "self_harm", "message", "rule"),
    [
        (HEADINGS, "", "    heading: mood", "needs a 'heading'", "cancer"),
        (HEADINGS, "    heading: spine", "    heading: mood", "'spine' is not one of", "cancer"),
        ("", "    heading: pathology", "", "declares no 'headings'", "cancer"),
        (
            'headings: {pathology: "P", mood: "M", unused: "U"}',
            "    heading: pathology",
            "    heading: mood",
            "unused declared but no rule uses them",
            None,
        ),
        ('headings: {pathology: "", mood: "M"}', "", "", "'pathology' needs its words", None),
        ("headings: [pathology]", "", "", "'headings' must be a mapping", None),
        ('headings: {Bad Id: "B"}', "", "", "heading id 'Bad Id'", None),
    ],
)
def test_malformed_headings_are_refused_naming_the_rule(
    headings: str, cancer: str, self_harm: str, message: str, rule: str | None
) -> None:
    with pytest.raises(RuleSetError) as raised:
        load_ruleset_text(ruleset(headings, cancer, self_harm), "grouped.yaml")
    assert message in str(raised.value)
    assert "grouped.yaml" in str(raised.value)
    if rule is not None:
        assert f"'{rule}'" in str(raised.value)


def test_only_a_collect_rule_set_has_headings() -> None:
    # The same rule set, first_match: its rules give results, and it may not have headings.
    def first_match(text: str) -> str:
        return (
            text.replace("policy: collect", "policy: first_match\notherwise: none")
            .replace("collect: {any: found, none: none, unknown: unknown}\n", "")
            .replace("    finding:", "    result: found\n    finding:")
        )

    assert load_ruleset_text(first_match(ruleset("", "", ""))).policy == "first_match"
    text = first_match(ruleset())
    with pytest.raises(RuleSetError, match="only a 'collect' rule set"):
        load_ruleset_text(text)


def test_red_flags_show_self_harm_apart_from_serious_pathology() -> None:
    red = builtin_rulesets()["red-flags"]
    assert red.heading_of("phq9_self_harm_thoughts") == "Thoughts of death or self-harm"
    spinal = [rule for rule in red.rules if rule.id != "phq9_self_harm_thoughts"]
    assert {rule.heading for rule in spinal} == {"serious_pathology"}
    # No grade label names serious pathology any more: the grade may be a self-harm flag's.
    for grade in red.grades:
        assert "pathology" not in red.results[grade].label
    axis = classify(
        {"questionnaires": {"phq9": {"total": 2, "item9": 2}}},
        as_of=dt.date(2026, 6, 1),
        rulesets=[red],
    )["red_flags"]
    assert axis.result == "emergency"
    assert "pathology" not in axis.label


def test_the_headings_are_shipped_texts_with_danish_words() -> None:
    assert "Thoughts of death or self-harm" in shipped_texts()
    danish = rule_text("Thoughts of death or self-harm", "da")
    assert danish != "Thoughts of death or self-harm"
    assert "patologi" not in danish
