"""A rule set that does not parse, reads an unknown input or can produce an undeclared
result is rejected when loaded, with the file, the rule and the line."""

import pytest

from painpath.core.errors import PainpathError
from painpath.core.rules import InvalidEpisode, RuleSetError, load_ruleset_text, validate_episode
from painpath.core.rules.fhirpath import ExpressionError

HEAD = """\
id: demo
version: 1.0.0
axis: demo
title: Demo
sources: [{id: s, citation: "A source"}]
licence: test
inputs: [duration_months]
constants:
  limit: {value: 3, source: s}
results: {hit: "Hit", miss: "Miss", unknown: "Unknown"}
policy: first_match
otherwise: miss
rules:
"""


def load(rules: str):
    return load_ruleset_text(HEAD + rules, "demo.yaml")


def test_a_valid_rule_set_loads():
    rs = load('  - id: r1\n    when: "duration_months > %limit"\n    result: hit\n')
    assert rs.rules[0].reads == ("duration_months",)


def test_syntax_error_names_file_rule_and_line():
    with pytest.raises(RuleSetError) as error:
        load(
            '  - id: r1\n    when: "true"\n    result: hit\n'
            '  - id: broken\n    when: "duration_months >"\n    result: hit\n'
        )
    assert error.value.file == "demo.yaml" and error.value.rule == "broken"
    assert error.value.line == 17
    assert "demo.yaml:17 (rule 'broken')" in str(error.value)


def test_unknown_input_is_rejected():
    with pytest.raises(RuleSetError, match=r"demo.yaml:14 \(rule 'r1'\).*undeclared input.*age"):
        load('  - id: r1\n    when: "age > 3"\n    result: hit\n')


def test_input_painpath_does_not_derive_is_rejected():
    with pytest.raises(RuleSetError, match="shoe_size"):
        load_ruleset_text(
            HEAD.replace("[duration_months]", "[shoe_size]")
            + '  - id: r\n    when: "true"\n    result: hit\n',
            "x.yaml",
        )


def test_undeclared_result_is_rejected():
    with pytest.raises(RuleSetError, match=r"rule 'r1'.*'maybe' is not a declared result"):
        load('  - id: r1\n    when: "duration_months > 3"\n    result: maybe\n')


def test_undeclared_constant_is_rejected():
    with pytest.raises(RuleSetError, match="%nope"):
        load('  - id: r1\n    when: "duration_months > %nope"\n    result: hit\n')


def test_unknown_function_is_rejected():
    with pytest.raises(RuleSetError, match="Not implemented"):
        load('  - id: r1\n    when: "duration_months.frobnicate()"\n    result: hit\n')


def test_invalid_yaml_names_the_line():
    with pytest.raises(RuleSetError, match=r"demo.yaml:\d+: not valid YAML"):
        load_ruleset_text("id: [unclosed\n", "demo.yaml")


def test_constant_without_source_is_rejected():
    with pytest.raises(RuleSetError, match="must cite"):
        load_ruleset_text(
            HEAD.replace("source: s}", "source: elsewhere}")
            + '  - id: r\n    when: "true"\n    result: hit\n',
            "x.yaml",
        )


def test_rule_engine_errors_are_painpath_errors_and_value_errors():
    """One ``except PainpathError`` catches every error the core raises."""
    for error in (RuleSetError, InvalidEpisode, ExpressionError):
        assert issubclass(error, PainpathError) and issubclass(error, ValueError)
    with pytest.raises(PainpathError, match=r"demo.yaml:\d+: not valid YAML"):
        load_ruleset_text("id: [unclosed\n", "demo.yaml")
    with pytest.raises(PainpathError, match="/age"):
        validate_episode({"age": -3})
