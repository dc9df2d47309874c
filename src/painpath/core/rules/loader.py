"""Loading rule sets: YAML text → a checked :class:`RuleSet`.

A rule set is one YAML file (see ``docs/rules.md``): id, semantic version, axis, title,
sources, licence note, the inputs it reads, cited constants, the result values it may
produce, ordered rules and embedded examples. It is checked when loaded — a rule set that
does not parse, reads an input it has not declared (or that painpath does not derive), uses
an undeclared constant or can produce an undeclared result raises :class:`RuleSetError`
naming the file, the rule and the line.

Each section is read by one function below, in file order: the header, ``sources``,
``inputs``, ``constants``, ``results``, the policy (``policy``, ``otherwise``/``collect``,
``urgent_results``), ``rules``, ``applies_when`` and ``examples``. Sections read later are
checked against what the earlier ones declared (:class:`_Declared`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from painpath.core.rules.derive import AXIS_INPUT_PREFIX, INPUTS
from painpath.core.rules.errors import RuleSetError
from painpath.core.rules.fhirpath import Compiled, ExpressionError, compile_expression
from painpath.core.rules.model import (
    NOT_APPLICABLE,
    UNKNOWN,
    Example,
    ResultValue,
    Rule,
    RuleSet,
    Source,
)

__all__ = ["builtin_rulesets", "load_ruleset", "load_ruleset_text"]

_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_AXIS = re.compile(r"^[a-z][a-z0-9_]*$")
_LINE = "__line__"


# --------------------------------------------------------------------------- YAML


class _LineLoader(yaml.SafeLoader):
    """A safe loader that records each mapping's line and keeps dates as strings."""


# Dates stay ISO strings: episodes are JSON documents, and the schema checks their dates.
_LineLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping: dict[str, Any] = {
        str(k): v for k, v in loader.construct_mapping(node, deep=True).items()
    }
    mapping[_LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_lines(v) for k, v in value.items() if k != _LINE}
    if isinstance(value, list):
        return [_strip_lines(v) for v in value]
    return value


# --------------------------------------------------------------------------- checking


class _Checker:
    def __init__(self, file: str):
        self.file = file

    def fail(
        self, message: str, *, rule: str | None = None, line: int | None = None
    ) -> RuleSetError:
        return RuleSetError(self.file, message, rule=rule, line=line)

    def mapping(self, value: Any, what: str, line: int | None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"{what} must be a mapping", line=line)
        return value

    def text(
        self, data: Mapping[str, Any], key: str, line: int | None, *, rule: str | None = None
    ) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"missing or empty {key!r}", rule=rule, line=line)
        return value

    def names(
        self, data: Mapping[str, Any], key: str, line: int | None, rule: str | None = None
    ) -> tuple[str, ...]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f"{key!r} must be a list of names", rule=rule, line=line)
        return tuple(value)


@dataclass(frozen=True, kw_only=True)
class _Declared:
    """What the sections read so far declare; the later sections are checked against it."""

    check: _Checker
    source_ids: frozenset[str]
    inputs: frozenset[str]
    constants: Mapping[str, Any]
    keyed: Mapping[str, tuple[str, Mapping[str, Any]]]
    """Constants that depend on an input: ``constant → (input, value by input)``."""
    results: Mapping[str, ResultValue]
    headings: Mapping[str, str]

    def result(self, value: Any, where: str, rule: str | None, line: int | None) -> str:
        if value not in self.results:
            raise self.check.fail(
                f"{where} {value!r} is not a declared result ({', '.join(self.results)})",
                rule=rule,
                line=line,
            )
        return str(value)

    def inputs_read(self, names: Iterable[str], *, rule: str, line: int) -> None:
        for name in names:
            if name not in self.inputs:
                raise self.check.fail(f"reads undeclared input {name!r}", rule=rule, line=line)

    def expression(
        self, text: Any, *, rule: str, line: int
    ) -> tuple[Compiled, tuple[str, ...], frozenset[str]]:
        """Compile a ``when``: the evaluator, the inputs it reads, the constants it uses."""
        check = self.check
        if not isinstance(text, str):
            raise check.fail(
                "'when' must be a FHIRPath expression (a string)", rule=rule, line=line
            )
        try:
            evaluator, members, used = compile_expression(text)
        except ExpressionError as error:
            raise check.fail(str(error), rule=rule, line=line) from None
        unknown = sorted(members - self.inputs)
        if unknown:
            raise check.fail(
                f"reads undeclared input(s) {', '.join(unknown)}; declare them under 'inputs'",
                rule=rule,
                line=line,
            )
        undeclared = sorted(used - set(self.constants))
        if undeclared:
            raise check.fail(
                f"uses undeclared constant(s) {', '.join('%' + c for c in undeclared)}",
                rule=rule,
                line=line,
            )
        try:
            # Unknown functions only show when evaluated; an empty document is enough.
            evaluator({}, dict(self.constants))
        except Exception as error:  # fhirpathpy raises bare Exception
            if "Not implemented" in str(error):
                raise check.fail(f"FHIRPath: {error}", rule=rule, line=line) from None
        return evaluator, tuple(sorted(members)), used


# --------------------------------------------------------------------------- sections


def _parse_yaml(text: str, check: _Checker) -> dict[str, Any]:
    try:
        raw = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise check.fail(f"not valid YAML: {problem}", line=line) from None
    return check.mapping(raw, "a rule set", 1)


@dataclass(frozen=True)
class _Header:
    id: str
    version: str
    axis: str
    title: str
    licence: str


def _parse_header(data: Mapping[str, Any], check: _Checker) -> _Header:
    rs_id = check.text(data, "id", 1)
    if not _ID.match(rs_id):
        raise check.fail(
            f"id {rs_id!r} must be lower-case letters, digits, '-', '_' or '.'", line=1
        )
    version = check.text(data, "version", 1)
    if not _SEMVER.match(version):
        raise check.fail(f"version {version!r} is not a semantic version (MAJOR.MINOR.PATCH)")
    axis = check.text(data, "axis", 1)
    if not _AXIS.match(axis):
        raise check.fail(f"axis {axis!r} must be a lower-case identifier")
    title = check.text(data, "title", 1)
    licence = check.text(data, "licence", 1)
    return _Header(rs_id, version, axis, title, licence)


def _parse_sources(data: Mapping[str, Any], check: _Checker) -> tuple[Source, ...]:
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise check.fail("'sources' must list at least one citation")
    sources = []
    for entry in raw_sources:
        entry = check.mapping(entry, "a source", None)
        sources.append(
            Source(
                check.text(entry, "id", entry.get(_LINE)),
                check.text(entry, "citation", entry.get(_LINE)),
            )
        )
    return tuple(sources)


def _parse_inputs(data: Mapping[str, Any], check: _Checker) -> tuple[str, ...]:
    inputs = check.names(data, "inputs", 1)
    for name in inputs:
        if name not in INPUTS and not (
            name.startswith(AXIS_INPUT_PREFIX) and _AXIS.match(name[len(AXIS_INPUT_PREFIX) :])
        ):
            raise check.fail(f"input {name!r} is not an input painpath derives (see INPUTS)")
    return inputs


def _parse_constants(
    data: Mapping[str, Any],
    check: _Checker,
    *,
    inputs: frozenset[str],
    source_ids: frozenset[str],
) -> tuple[dict[str, Any], dict[str, tuple[str, Mapping[str, Any]]]]:
    """``(constants, keyed)``: every constant's value, and those that depend on an input."""
    constants: dict[str, Any] = {}
    keyed: dict[str, tuple[str, Mapping[str, Any]]] = {}
    raw_constants = data.get("constants") or {}
    check.mapping(raw_constants, "'constants'", 1)
    for name, entry in raw_constants.items():
        if name == _LINE:
            continue
        entry = check.mapping(entry, f"constant {name!r}", None)
        if "by" in entry:
            # A constant that depends on an input, e.g. the MIC of the pain instrument used.
            by, values = (
                entry["by"],
                check.mapping(entry.get("values"), f"constant {name!r} values", entry[_LINE]),
            )
            if by not in inputs:
                raise check.fail(
                    f"constant {name!r} depends on undeclared input {by!r}", line=entry[_LINE]
                )
            keyed[name] = (by, {k: v for k, v in values.items() if k != _LINE})
        elif "value" not in entry:
            raise check.fail(f"constant {name!r} has no value", line=entry[_LINE])
        if entry.get("source") not in source_ids:
            raise check.fail(
                f"constant {name!r} must cite one of the rule set's sources "
                f"({', '.join(sorted(source_ids))})",
                line=entry[_LINE],
            )
        constants[name] = _strip_lines(entry.get("value"))
    return constants, keyed


def _parse_results(data: Mapping[str, Any], check: _Checker) -> dict[str, ResultValue]:
    raw_results = check.mapping(data.get("results"), "'results'", 1)
    results: dict[str, ResultValue] = {}
    for value, spec in raw_results.items():
        if value == _LINE:
            continue
        if isinstance(spec, str):
            results[value] = ResultValue(value=value, label=spec)
            continue
        spec = check.mapping(spec, f"result {value!r}", None)
        options = check.names(spec, "options", spec[_LINE])
        results[value] = ResultValue(
            value=value,
            label=check.text(spec, "label", spec[_LINE]),
            options=options,
            options_source=spec.get("options_source"),
        )
    if UNKNOWN not in results:
        raise check.fail("'results' must declare 'unknown' (the result when data are missing)")
    return results


def _parse_headings(data: Mapping[str, Any], check: _Checker) -> dict[str, str]:
    """Optional ``headings: {id: words}``: the groups a collect rule set's findings are
    shown under (red flags: serious pathology, thoughts of self-harm)."""
    if "headings" not in data:
        return {}
    raw = check.mapping(data["headings"], "'headings'", 1)
    line = raw.get(_LINE, 1)
    headings: dict[str, str] = {}
    for heading_id, words in raw.items():
        if heading_id == _LINE:
            continue
        if not isinstance(heading_id, str) or not _ID.match(heading_id):
            raise check.fail(
                f"heading id {heading_id!r} must be lower-case letters, digits, '-', '_' or '.'",
                line=line,
            )
        if not isinstance(words, str) or not words.strip():
            raise check.fail(f"heading {heading_id!r} needs its words (a text)", line=line)
        headings[heading_id] = words
    if not headings:
        raise check.fail("'headings' must name at least one heading", line=line)
    if data.get("policy") != "collect":
        raise check.fail("'headings' group findings: only a 'collect' rule set has them", line=line)
    return headings


def _rule_heading(
    entry: Mapping[str, Any], declared: _Declared, rule: str, line: int
) -> str | None:
    heading = entry.get("heading")
    names = ", ".join(declared.headings)
    if heading is None:
        if declared.headings:
            raise declared.check.fail(
                f"needs a 'heading': this rule set shows its findings under headings ({names})",
                rule=rule,
                line=line,
            )
        return None
    if not declared.headings:
        raise declared.check.fail(
            f"heading {heading!r}: the rule set declares no 'headings'", rule=rule, line=line
        )
    if heading not in declared.headings:
        raise declared.check.fail(
            f"heading {heading!r} is not one of 'headings' ({names})", rule=rule, line=line
        )
    return str(heading)


@dataclass(frozen=True)
class _Policy:
    policy: str
    otherwise: str | None
    collect: Mapping[str, str]
    urgent_results: frozenset[str]
    grades: tuple[str, ...] = ()
    """A graded ``collect``: its ``any`` results, most severe first (see ``_parse_rule``)."""


def _parse_policy(data: Mapping[str, Any], declared: _Declared) -> _Policy:
    check = declared.check
    policy = data.get("policy")
    if policy not in ("first_match", "collect"):
        raise check.fail("'policy' must be 'first_match' or 'collect'")
    otherwise = None
    collect: dict[str, str] = {}
    grades: tuple[str, ...] = ()
    if policy == "first_match":
        otherwise = declared.result(data.get("otherwise"), "'otherwise'", None, 1)
    else:
        spec = check.mapping(data.get("collect"), "'collect'", 1)
        if isinstance(spec.get("any"), list):
            # Graded: each rule names its grade; the most severe grade that fired is the result.
            grades = tuple(
                declared.result(v, "collect.any grade", None, spec[_LINE])
                for v in check.names(spec, "any", spec[_LINE])
            )
            if not grades or len(set(grades)) != len(grades):
                raise check.fail("collect.any must list distinct grades", line=spec[_LINE])
            spec = {**spec, "any": grades[0]}
        for key in ("any", "none", "unknown"):
            collect[key] = declared.result(spec.get(key), f"collect.{key}", None, spec[_LINE])
    urgent = frozenset(
        declared.result(v, "urgent result", None, 1) for v in check.names(data, "urgent_results", 1)
    )
    return _Policy(str(policy), otherwise, collect, urgent, grades)


def _parse_rule(
    entry: Any, index: int, declared: _Declared, *, collect_policy: bool, grades: tuple[str, ...]
) -> Rule:
    check = declared.check
    entry = check.mapping(entry, "a rule", None)
    line = int(entry[_LINE])
    rule_id = entry.get("id")
    if not isinstance(rule_id, str) or not _ID.match(rule_id):
        raise check.fail(f"rule #{index + 1} needs an 'id'", line=line)
    evaluator, reads, used = declared.expression(entry.get("when"), rule=rule_id, line=line)
    keyed = tuple((c, *declared.keyed[c]) for c in sorted(used) if c in declared.keyed)
    requires = check.names(entry, "requires", line, rule_id)
    shows = check.names(entry, "shows", line, rule_id)
    declared.inputs_read((*requires, *shows), rule=rule_id, line=line)
    result = finding = None
    if collect_policy:
        finding = check.text(entry, "finding", line, rule=rule_id)
        if grades:
            result = declared.result(entry.get("result"), "grade", rule_id, line)
            if result not in grades:
                raise check.fail(
                    f"grade {result!r} is not one of collect.any ({', '.join(grades)})",
                    rule=rule_id,
                    line=line,
                )
        elif "result" in entry:
            raise check.fail(
                "a 'collect' rule gives a 'finding', not a 'result' (unless collect.any "
                "lists grades)",
                rule=rule_id,
                line=line,
            )
    else:
        result = declared.result(entry.get("result"), "result", rule_id, line)
    source = entry.get("source")
    if source is not None and source not in declared.source_ids:
        raise check.fail(f"cites unknown source {source!r}", rule=rule_id, line=line)
    return Rule(
        id=rule_id,
        line=line,
        when=entry["when"],
        reads=tuple(sorted({*reads, *(by for _, by, _ in keyed)})),
        requires=requires,
        shows=shows,
        result=result,
        finding=finding,
        source=source,
        note=entry.get("note"),
        heading=_rule_heading(entry, declared, rule_id, line),
        evaluator=evaluator,
        keyed=keyed,
    )


def _parse_rules(data: Mapping[str, Any], declared: _Declared, policy: _Policy) -> tuple[Rule, ...]:
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise declared.check.fail("'rules' must list at least one rule")
    rules = tuple(
        _parse_rule(
            entry, i, declared, collect_policy=policy.policy == "collect", grades=policy.grades
        )
        for i, entry in enumerate(raw_rules)
    )
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise declared.check.fail("duplicate rule id", rule=rule.id, line=rule.line)
        seen.add(rule.id)
    unused = [h for h in declared.headings if h not in {rule.heading for rule in rules}]
    if unused:
        raise declared.check.fail(f"heading(s) {', '.join(unused)} declared but no rule uses them")
    return rules


def _parse_applies_when(data: Mapping[str, Any], declared: _Declared) -> Rule | None:
    if "applies_when" not in data:
        return None
    declared.result(NOT_APPLICABLE, "result for 'applies_when'", "applies_when", 1)
    spec = data["applies_when"]
    if not isinstance(spec, dict):
        spec = {"when": spec, _LINE: 1}
    line = int(spec[_LINE])
    evaluator, reads, _ = declared.expression(spec.get("when"), rule="applies_when", line=line)
    requires = declared.check.names(spec, "requires", line, "applies_when")
    declared.inputs_read(requires, rule="applies_when", line=line)
    return Rule(
        id="applies_when",
        line=line,
        when=spec["when"],
        reads=reads,
        requires=requires,
        evaluator=evaluator,
    )


def _parse_example(entry: Any, index: int, declared: _Declared) -> Example:
    check = declared.check
    entry = check.mapping(entry, "an example", None)
    line = int(entry[_LINE])
    name = entry.get("name") or f"example {index + 1}"
    as_of_text = entry.get("as_of")
    try:
        as_of = dt.date.fromisoformat(str(as_of_text))
    except ValueError:
        raise check.fail(f"example {name!r}: 'as_of' must be a date", line=line) from None
    expect = entry.get("expect")
    if isinstance(expect, str):
        expect = {"result": expect}
    expect = check.mapping(expect, f"example {name!r}: 'expect'", line)
    declared.result(expect.get("result"), f"example {name!r} expects", None, line)
    episode = check.mapping(entry.get("episode", {}), f"example {name!r}: 'episode'", line)
    axes = check.mapping(entry.get("axes", {}), f"example {name!r}: 'axes'", line)
    return Example(
        name=str(name),
        line=line,
        episode=_strip_lines(episode),
        as_of=as_of,
        expect=_strip_lines(expect),
        axes={str(k): str(v) for k, v in _strip_lines(axes).items()},
    )


# --------------------------------------------------------------------------- loading


def load_ruleset_text(text: str, file: str = "<string>") -> RuleSet:
    """Parse and check a rule set given as YAML text; ``file`` names it in messages."""
    check = _Checker(file)
    data = _parse_yaml(text, check)
    header = _parse_header(data, check)
    sources = _parse_sources(data, check)
    source_ids = frozenset(s.id for s in sources)
    inputs = _parse_inputs(data, check)
    constants, keyed = _parse_constants(
        data, check, inputs=frozenset(inputs), source_ids=source_ids
    )
    results = _parse_results(data, check)
    declared = _Declared(
        check=check,
        source_ids=source_ids,
        inputs=frozenset(inputs),
        constants=constants,
        keyed=keyed,
        results=results,
        headings=_parse_headings(data, check),
    )
    policy = _parse_policy(data, declared)
    rules = _parse_rules(data, declared, policy)
    applies_when = _parse_applies_when(data, declared)
    examples = tuple(
        _parse_example(entry, i, declared) for i, entry in enumerate(data.get("examples") or [])
    )
    return RuleSet(
        id=header.id,
        version=header.version,
        axis=header.axis,
        title=header.title,
        file=file,
        sources=sources,
        licence=header.licence,
        inputs=inputs,
        constants=constants,
        results=results,
        policy=policy.policy,
        rules=rules,
        otherwise=policy.otherwise,
        collect=policy.collect,
        applies_when=applies_when,
        urgent_results=policy.urgent_results,
        grades=policy.grades,
        headings=declared.headings,
        examples=examples,
        description=str(data.get("description", "")),
    )


def load_ruleset(path: str | Path) -> RuleSet:
    """Load and check the rule set in ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RuleSetError(str(path), f"cannot read: {error.strerror or error}") from None
    return load_ruleset_text(text, str(path))


@cache
def builtin_rulesets() -> Mapping[str, RuleSet]:
    """The rule sets painpath ships, by id, in evaluation (dependency) order."""
    folder = resources.files("painpath.core.data").joinpath("rulesets")
    loaded = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            loaded.append(
                load_ruleset_text(entry.read_text(encoding="utf-8"), f"rulesets/{entry.name}")
            )
    return {rs.id: rs for rs in _in_dependency_order(loaded)}


def _in_dependency_order(rulesets: Iterable[RuleSet]) -> list[RuleSet]:
    """Every rule set after those whose axes it reads; one rule set per axis, no cycles."""
    by_axis: dict[str, RuleSet] = {}
    for rs in rulesets:
        if rs.axis in by_axis:
            raise RuleSetError(
                rs.file, f"axis {rs.axis!r} is also produced by {by_axis[rs.axis].id}"
            )
        by_axis[rs.axis] = rs
    ordered: list[RuleSet] = []
    state: dict[str, int] = {}

    def visit(rs: RuleSet, chain: tuple[str, ...]) -> None:
        if state.get(rs.axis) == 2:
            return
        if state.get(rs.axis) == 1:
            raise RuleSetError(
                rs.file, f"circular axis dependency: {' → '.join((*chain, rs.axis))}"
            )
        state[rs.axis] = 1
        for dep in rs.depends_on:
            visit(producer(rs, dep, by_axis), (*chain, rs.axis))
        state[rs.axis] = 2
        ordered.append(rs)

    for rs in sorted(by_axis.values(), key=lambda r: r.id):
        visit(rs, ())
    return ordered


def producer(rs: RuleSet, axis: str, by_axis: Mapping[str, RuleSet]) -> RuleSet:
    """The rule set in ``by_axis`` that produces ``axis``, which ``rs`` reads."""
    if axis not in by_axis:
        raise RuleSetError(rs.file, f"reads axis {axis!r}, which no rule set produces")
    return by_axis[axis]
