"""The rule engine: rule sets as YAML data, FHIRPath conditions, results with their trace.

A rule set is one YAML file (see ``docs/rules.md``): id, semantic version, axis, title,
sources, licence note, the inputs it reads, cited constants, the result values it may
produce, ordered rules and embedded examples. It is checked when loaded — a rule set that
does not parse, reads an input it has not declared (or that painpath does not derive), uses
an undeclared constant or can produce an undeclared result raises :class:`RuleSetError`
naming the file, the rule and the line.

Evaluation policies
-------------------
``first_match``
    Rules are tried in order; the first that fires gives the result. A rule that cannot be
    decided because an input is missing is passed over and its missing inputs are reported
    as ``needs``; if no later rule fires the result is ``unknown``. ``otherwise`` is the
    result when every rule was decided and none fired.
``collect``
    Every rule is evaluated; each rule that fires adds its ``finding``. The result is
    ``collect.any`` if any fired, else ``collect.unknown`` if some could not be decided, else
    ``collect.none``.

A condition is decided by FHIRPath's three-valued logic: ``true`` fires, ``false`` does not,
and an empty result (which is what a comparison on a missing input gives) is "unknown —
needs" the missing inputs it read. ``requires`` on a rule lists inputs without which the
rule is unknown whatever the expression says (for expressions such as ``x.exists()`` that
would read an absent list as "none").

Each condition is a pure function of the inputs it reads and of the rule set's constants,
so its value is cached on those inputs: same input, same output, and fast.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from painpath.core.rules.derive import AXIS_INPUT_PREFIX, INPUTS, derive, freeze
from painpath.core.rules.episode import episode_problems
from painpath.core.rules.errors import RuleSetError
from painpath.core.rules.fhirpath import Compiled, ExpressionError, compile_expression

__all__ = [
    "AxisResult",
    "Classification",
    "ExampleOutcome",
    "Rule",
    "RuleSet",
    "TraceStep",
    "builtin_rulesets",
    "classify",
    "evaluate_ruleset",
    "load_ruleset",
    "load_ruleset_text",
    "run_examples",
]

_SEMVER = re.compile(r"^\d+\.\d+\.\d+$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_AXIS = re.compile(r"^[a-z][a-z0-9_]*$")
_LINE = "__line__"
_CACHE_LIMIT = 65_536
UNKNOWN = "unknown"
NOT_APPLICABLE = "not_applicable"


# --------------------------------------------------------------------------- YAML loading


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


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Source:
    id: str
    citation: str


@dataclass(frozen=True)
class ResultValue:
    value: str
    label: str
    options: tuple[str, ...] = ()
    options_source: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    line: int
    when: str
    reads: tuple[str, ...]
    requires: tuple[str, ...]
    shows: tuple[str, ...]
    result: str | None
    finding: str | None
    source: str | None
    note: str | None
    evaluator: Compiled = field(repr=False, compare=False)
    keyed: tuple[tuple[str, str, Mapping[str, Any]], ...] = ()
    """Constants whose value depends on an input: ``(constant, input, value by input)``."""
    cache: dict[tuple[Any, ...], list[Any]] = field(default_factory=dict, repr=False, compare=False)


@dataclass(frozen=True)
class Example:
    name: str
    line: int
    episode: Mapping[str, Any]
    as_of: dt.date
    expect: Mapping[str, Any]
    axes: Mapping[str, str]


@dataclass(frozen=True)
class RuleSet:
    id: str
    version: str
    axis: str
    title: str
    file: str
    sources: tuple[Source, ...]
    licence: str
    inputs: tuple[str, ...]
    constants: Mapping[str, Any]
    results: Mapping[str, ResultValue]
    policy: str
    rules: tuple[Rule, ...]
    otherwise: str | None
    collect: Mapping[str, str]
    applies_when: Rule | None
    urgent_results: frozenset[str]
    examples: tuple[Example, ...]
    description: str = ""

    @property
    def depends_on(self) -> tuple[str, ...]:
        """Axes whose results this rule set reads (inputs named ``axis_<name>``)."""
        return tuple(
            name[len(AXIS_INPUT_PREFIX) :] for name in self.inputs if name.startswith("axis_")
        )

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "axis": self.axis,
            "title": self.title,
            "policy": self.policy,
            "sources": [f"[{s.id}] {s.citation}" for s in self.sources],
            "licence": self.licence,
            "inputs": list(self.inputs),
            "constants": dict(self.constants),
            "results": {v.value: v.label for v in self.results.values()},
            "rules": [
                {"id": r.id, "line": r.line, "when": r.when, "result": r.result or r.finding}
                for r in self.rules
            ],
            "examples": len(self.examples),
        }


@dataclass(frozen=True)
class TraceStep:
    """One rule looked at: what it read (with values), and what came of it."""

    rule: str
    line: int
    outcome: str
    """``fired``, ``not_fired``, ``unknown`` (an input is missing), ``skipped`` (an earlier
    rule already fired) or ``error`` (the expression failed on these values)."""
    reads: tuple[tuple[str, Any], ...]
    needs: tuple[str, ...] = ()
    result: str | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "line": self.line,
            "outcome": self.outcome,
            "reads": {name: _jsonable(value) for name, value in self.reads},
        }
        if self.needs:
            out["needs"] = list(self.needs)
        if self.result is not None:
            out["result"] = self.result
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class AxisResult:
    """The result of one rule set on one episode, as of one date, with its trace."""

    axis: str
    ruleset: str
    version: str
    title: str
    as_of: dt.date
    result: str
    label: str
    fired: tuple[str, ...]
    findings: tuple[str, ...]
    needs: tuple[str, ...]
    options: tuple[str, ...]
    options_source: str | None
    urgent: bool
    trace: tuple[TraceStep, ...]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ruleset": self.ruleset,
            "version": self.version,
            "title": self.title,
            "as_of": self.as_of.isoformat(),
            "result": self.result,
            "label": self.label,
            "urgent": self.urgent,
            "fired": list(self.fired),
            "needs": [f"unknown — needs {name}" for name in self.needs],
            "trace": [step.as_dict() for step in self.trace],
        }
        if self.findings:
            out["findings"] = list(self.findings)
        if self.options:
            out["options"] = list(self.options)
            out["options_note"] = (
                "Options the clinic lists, shown for the clinician's decision — not a "
                "prescription."
                + (f" Source: {self.options_source}." if self.options_source else "")
            )
        return out


@dataclass(frozen=True)
class Classification:
    """Every axis of one episode; urgent axes (red flags) come first."""

    as_of: dt.date
    axes: tuple[AxisResult, ...]

    @property
    def urgent(self) -> bool:
        return any(axis.urgent for axis in self.axes)

    def __getitem__(self, axis: str) -> AxisResult:
        for result in self.axes:
            if result.axis == axis:
                return result
        raise KeyError(axis)

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "urgent": self.urgent,
            "axes": {a.axis: a.as_dict() for a in self.axes},
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


# --------------------------------------------------------------------------- loading


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


def _expression(
    check: _Checker,
    text: Any,
    *,
    rule: str,
    line: int,
    inputs: frozenset[str],
    constants: Mapping[str, Any],
) -> tuple[Compiled, tuple[str, ...], frozenset[str]]:
    if not isinstance(text, str):
        raise check.fail("'when' must be a FHIRPath expression (a string)", rule=rule, line=line)
    try:
        evaluator, members, used = compile_expression(text)
    except ExpressionError as error:
        raise check.fail(str(error), rule=rule, line=line) from None
    unknown = sorted(members - inputs)
    if unknown:
        raise check.fail(
            f"reads undeclared input(s) {', '.join(unknown)}; declare them under 'inputs'",
            rule=rule,
            line=line,
        )
    undeclared = sorted(used - set(constants))
    if undeclared:
        raise check.fail(
            f"uses undeclared constant(s) {', '.join('%' + c for c in undeclared)}",
            rule=rule,
            line=line,
        )
    try:
        # Unknown functions only show when evaluated; an empty document is enough.
        evaluator({}, dict(constants))
    except Exception as error:  # fhirpathpy raises bare Exception
        if "Not implemented" in str(error):
            raise check.fail(f"FHIRPath: {error}", rule=rule, line=line) from None
    return evaluator, tuple(sorted(members)), used


def load_ruleset_text(text: str, file: str = "<string>") -> RuleSet:
    """Parse and check a rule set given as YAML text; ``file`` names it in messages."""
    check = _Checker(file)
    try:
        raw = yaml.load(text, Loader=_LineLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(error, "problem", None) or str(error)
        raise check.fail(f"not valid YAML: {problem}", line=line) from None
    data = check.mapping(raw, "a rule set", 1)

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
    source_ids = {s.id for s in sources}

    inputs = check.names(data, "inputs", 1)
    for name in inputs:
        if name not in INPUTS and not (
            name.startswith(AXIS_INPUT_PREFIX) and _AXIS.match(name[len(AXIS_INPUT_PREFIX) :])
        ):
            raise check.fail(f"input {name!r} is not an input painpath derives (see INPUTS)")
    input_set = frozenset(inputs)

    constants: dict[str, Any] = {}
    keyed: dict[str, tuple[str, dict[str, Any]]] = {}
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
            if by not in input_set:
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

    raw_results = check.mapping(data.get("results"), "'results'", 1)
    results: dict[str, ResultValue] = {}
    for value, spec in raw_results.items():
        if value == _LINE:
            continue
        if isinstance(spec, str):
            results[value] = ResultValue(value, spec)
            continue
        spec = check.mapping(spec, f"result {value!r}", None)
        options = check.names(spec, "options", spec[_LINE])
        results[value] = ResultValue(
            value, check.text(spec, "label", spec[_LINE]), options, spec.get("options_source")
        )
    if UNKNOWN not in results:
        raise check.fail("'results' must declare 'unknown' (the result when data are missing)")

    def declared(value: Any, where: str, rule: str | None, line: int | None) -> str:
        if value not in results:
            raise check.fail(
                f"{where} {value!r} is not a declared result ({', '.join(results)})",
                rule=rule,
                line=line,
            )
        return str(value)

    policy = data.get("policy")
    if policy not in ("first_match", "collect"):
        raise check.fail("'policy' must be 'first_match' or 'collect'")
    otherwise = None
    collect: dict[str, str] = {}
    if policy == "first_match":
        otherwise = declared(data.get("otherwise"), "'otherwise'", None, 1)
    else:
        spec = check.mapping(data.get("collect"), "'collect'", 1)
        for key in ("any", "none", "unknown"):
            collect[key] = declared(spec.get(key), f"collect.{key}", None, spec[_LINE])
    urgent = frozenset(
        declared(v, "urgent result", None, 1) for v in check.names(data, "urgent_results", 1)
    )

    def build_rule(entry: Any, index: int, *, collect_policy: bool) -> Rule:
        entry = check.mapping(entry, "a rule", None)
        line = int(entry[_LINE])
        rule_id = entry.get("id")
        if not isinstance(rule_id, str) or not _ID.match(rule_id):
            raise check.fail(f"rule #{index + 1} needs an 'id'", line=line)
        evaluator, reads, used = _expression(
            check, entry.get("when"), rule=rule_id, line=line, inputs=input_set, constants=constants
        )
        rule_keyed = tuple((c, keyed[c][0], keyed[c][1]) for c in sorted(used) if c in keyed)
        reads = tuple(sorted({*reads, *(by for _, by, _ in rule_keyed)}))
        requires = check.names(entry, "requires", line, rule_id)
        shows = check.names(entry, "shows", line, rule_id)
        for name in (*requires, *shows):
            if name not in input_set:
                raise check.fail(f"reads undeclared input {name!r}", rule=rule_id, line=line)
        result = finding = None
        if collect_policy:
            finding = check.text(entry, "finding", line, rule=rule_id)
            if "result" in entry:
                raise check.fail(
                    "a 'collect' rule gives a 'finding', not a 'result'", rule=rule_id, line=line
                )
        else:
            result = declared(entry.get("result"), "result", rule_id, line)
        source = entry.get("source")
        if source is not None and source not in source_ids:
            raise check.fail(f"cites unknown source {source!r}", rule=rule_id, line=line)
        return Rule(
            id=rule_id,
            line=line,
            when=entry["when"],
            reads=reads,
            requires=requires,
            shows=shows,
            result=result,
            finding=finding,
            source=source,
            note=entry.get("note"),
            evaluator=evaluator,
            keyed=rule_keyed,
        )

    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise check.fail("'rules' must list at least one rule")
    rules = tuple(
        build_rule(entry, i, collect_policy=policy == "collect")
        for i, entry in enumerate(raw_rules)
    )
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise check.fail("duplicate rule id", rule=rule.id, line=rule.line)
        seen.add(rule.id)

    applies_when = None
    if "applies_when" in data:
        declared(NOT_APPLICABLE, "result for 'applies_when'", "applies_when", 1)
        spec = data["applies_when"]
        if not isinstance(spec, dict):
            spec = {"when": spec, _LINE: 1}
        line = int(spec[_LINE])
        evaluator, reads, _ = _expression(
            check,
            spec.get("when"),
            rule="applies_when",
            line=line,
            inputs=input_set,
            constants=constants,
        )
        requires = check.names(spec, "requires", line, "applies_when")
        for name in requires:
            if name not in input_set:
                raise check.fail(f"reads undeclared input {name!r}", rule="applies_when", line=line)
        applies_when = Rule(
            "applies_when",
            line,
            spec["when"],
            reads,
            requires,
            (),
            None,
            None,
            None,
            None,
            evaluator,
        )

    examples = []
    for index, entry in enumerate(data.get("examples") or []):
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
        declared(expect.get("result"), f"example {name!r} expects", None, line)
        episode = check.mapping(entry.get("episode", {}), f"example {name!r}: 'episode'", line)
        axes = check.mapping(entry.get("axes", {}), f"example {name!r}: 'axes'", line)
        examples.append(
            Example(
                name=str(name),
                line=line,
                episode=_strip_lines(episode),
                as_of=as_of,
                expect=_strip_lines(expect),
                axes={str(k): str(v) for k, v in _strip_lines(axes).items()},
            )
        )

    return RuleSet(
        id=rs_id,
        version=version,
        axis=axis,
        title=title,
        file=file,
        sources=tuple(sources),
        licence=licence,
        inputs=inputs,
        constants=constants,
        results=results,
        policy=policy,
        rules=rules,
        otherwise=otherwise,
        collect=collect,
        applies_when=applies_when,
        urgent_results=urgent,
        examples=tuple(examples),
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
    return {rs.id: rs for rs in _ordered(loaded)}


def _ordered(rulesets: Iterable[RuleSet]) -> list[RuleSet]:
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
            if dep not in by_axis:
                raise RuleSetError(rs.file, f"reads axis {dep!r}, which no rule set produces")
            visit(by_axis[dep], (*chain, rs.axis))
        state[rs.axis] = 2
        ordered.append(rs)

    for rs in sorted(by_axis.values(), key=lambda r: r.id):
        visit(rs, ())
    return ordered


# --------------------------------------------------------------------------- evaluation

_MISSING = object()


def _decide(
    rule: Rule, doc: Mapping[str, Any], constants: Mapping[str, Any]
) -> tuple[str, tuple[str, ...], str | None]:
    """``(outcome, needs, note)`` for one rule on one document."""
    needs = tuple(name for name in rule.requires if name not in doc)
    if needs:
        return "unknown", needs, None
    context = constants
    if rule.keyed:
        context = dict(constants)
        for name, by, values in rule.keyed:
            # An absent key gives an empty constant, so FHIRPath's three-valued logic decides
            # (``false and {}`` is false) and the key shows up in ``needs`` only if it matters.
            context[name] = values.get(str(doc.get(by)), [])
    key = tuple(freeze(doc.get(name, _MISSING)) for name in rule.reads)
    value = rule.cache.get(key)
    if value is None:
        resource = {name: doc[name] for name in rule.reads if name in doc}
        try:
            value = list(rule.evaluator(resource, dict(context)))
        except Exception as error:  # fhirpathpy raises bare Exception on type errors
            return "error", (), f"expression failed on these values: {error}"
        if len(rule.cache) >= _CACHE_LIMIT:
            rule.cache.clear()
        rule.cache[key] = value
    if value == [True]:
        return "fired", (), None
    if value == [False]:
        return "not_fired", (), None
    if not value:
        needs = tuple(name for name in rule.reads if name not in doc)
        return ("unknown", needs, None) if needs else ("not_fired", (), None)
    return "error", (), f"expression gave {value!r}, not a single boolean"


def _reads(rule: Rule, doc: Mapping[str, Any], *, with_shows: bool) -> tuple[tuple[str, Any], ...]:
    names = list(dict.fromkeys((*rule.reads, *rule.requires, *(rule.shows if with_shows else ()))))
    return tuple((name, freeze(doc[name]) if name in doc else None) for name in names)


def _step(
    rule: Rule, doc: Mapping[str, Any], rs: RuleSet, *, with_result: bool
) -> tuple[str, tuple[str, ...], TraceStep]:
    """Decide one rule and record it; the trace shows a rule's result only where it chose one."""
    outcome, missing, note = _decide(rule, doc, rs.constants)
    fired = outcome == "fired"
    step = TraceStep(
        rule.id,
        rule.line,
        outcome,
        _reads(rule, doc, with_shows=fired),
        missing,
        rule.result if with_result and fired else None,
        note or (rule.note if fired else None),
    )
    return outcome, missing, step


def evaluate_ruleset(rs: RuleSet, doc: Mapping[str, Any], as_of: dt.date) -> AxisResult:
    """Evaluate one rule set on a derived input document (:func:`derive`)."""
    trace: list[TraceStep] = []
    fired: list[str] = []
    findings: list[str] = []
    needs: list[str] = []

    def finish(result: str) -> AxisResult:
        spec = rs.results[result]
        return AxisResult(
            axis=rs.axis,
            ruleset=rs.id,
            version=rs.version,
            title=rs.title,
            as_of=as_of,
            result=result,
            label=spec.label,
            fired=tuple(fired),
            findings=tuple(findings),
            needs=tuple(dict.fromkeys(needs)),
            options=spec.options,
            options_source=spec.options_source,
            urgent=result in rs.urgent_results,
            trace=tuple(trace),
        )

    if rs.applies_when is not None:
        outcome, missing, note = _decide(rs.applies_when, doc, rs.constants)
        trace.append(
            TraceStep(
                "applies_when",
                rs.applies_when.line,
                outcome,
                _reads(rs.applies_when, doc, with_shows=False),
                missing,
                note=note,
            )
        )
        if outcome == "unknown":
            needs.extend(missing)
            return finish(UNKNOWN)
        if outcome != "fired":
            return finish(NOT_APPLICABLE)

    if rs.policy == "first_match":
        chosen: str | None = None
        for rule in rs.rules:
            if chosen is not None:
                trace.append(TraceStep(rule.id, rule.line, "skipped", ()))
                continue
            outcome, missing, step = _step(rule, doc, rs, with_result=True)
            trace.append(step)
            if outcome == "fired":
                fired.append(rule.id)
                chosen = rule.result
            elif outcome == "unknown":
                needs.extend(missing)
        if chosen is not None:
            return finish(chosen)
        assert rs.otherwise is not None
        return finish(UNKNOWN if needs else rs.otherwise)

    undecided = False
    for rule in rs.rules:
        outcome, missing, step = _step(rule, doc, rs, with_result=False)
        trace.append(step)
        if outcome == "fired":
            fired.append(rule.id)
            assert rule.finding is not None
            findings.append(rule.finding)
        elif outcome in ("unknown", "error"):
            undecided = True
            needs.extend(missing)
    if fired:
        return finish(rs.collect["any"])
    return finish(rs.collect["unknown"] if undecided else rs.collect["none"])


def _with_dependencies(
    chosen: Sequence[RuleSet], available: Mapping[str, RuleSet]
) -> list[RuleSet]:
    by_axis = {rs.axis: rs for rs in available.values()}
    for rs in chosen:
        by_axis.setdefault(rs.axis, rs)
    needed: dict[str, RuleSet] = {}

    def add(rs: RuleSet) -> None:
        for dep in rs.depends_on:
            if dep not in by_axis:
                raise RuleSetError(rs.file, f"reads axis {dep!r}, which no rule set produces")
            add(by_axis[dep])
        needed.setdefault(rs.axis, rs)

    for rs in chosen:
        add(rs)
    return list(needed.values())


def classify(
    episode: Mapping[str, Any],
    *,
    as_of: dt.date,
    rulesets: Sequence[RuleSet] | None = None,
    axes_given: Mapping[str, str] | None = None,
) -> Classification:
    """Classify a schema-valid episode on every axis of ``rulesets`` (default: all shipped).

    Rule sets that read another axis get it evaluated first (``axes_given`` can fix such
    results instead, for examples). Urgent axes are listed first.
    """
    available = builtin_rulesets()
    chosen = list(rulesets) if rulesets is not None else list(available.values())
    order = _with_dependencies(chosen, available)
    doc = derive(episode, as_of)
    wanted = {rs.axis for rs in chosen}
    results: list[AxisResult] = []
    for rs in order:
        if axes_given and rs.axis in axes_given and rs.axis not in wanted:
            value = axes_given[rs.axis]
        else:
            result = evaluate_ruleset(rs, doc, as_of)
            value = result.result
            if rs.axis in wanted:
                results.append(result)
        if value not in (UNKNOWN, NOT_APPLICABLE):
            doc[AXIS_INPUT_PREFIX + rs.axis] = value
    results.sort(key=lambda r: not r.urgent)
    # Red flags are shown first even when negative: a clinician reads them before anything.
    results.sort(key=lambda r: (not r.urgent, r.axis != "red_flags"))
    return Classification(as_of=as_of, axes=tuple(results))


@dataclass(frozen=True)
class ExampleOutcome:
    ruleset: str
    name: str
    line: int
    passed: bool
    message: str


def run_examples(rs: RuleSet) -> list[ExampleOutcome]:
    """Run the examples a rule set carries in its own file."""
    outcomes = []
    for example in rs.examples:
        problems = episode_problems(dict(example.episode))
        if problems:
            detail = "; ".join(f"{p or '/'}: {m}" for p, m in problems)
            outcomes.append(
                ExampleOutcome(
                    rs.id, example.name, example.line, False, f"episode is invalid: {detail}"
                )
            )
            continue
        try:
            got = classify(
                example.episode, as_of=example.as_of, rulesets=[rs], axes_given=example.axes
            )[rs.axis]
        except Exception as error:  # a failing example must be reported, not crash the run
            outcomes.append(
                ExampleOutcome(rs.id, example.name, example.line, False, f"error: {error}")
            )
            continue
        wrong = []
        if got.result != example.expect["result"]:
            wrong.append(f"result {got.result!r}, expected {example.expect['result']!r}")
        for key, actual in (("fired", got.fired), ("needs", got.needs), ("findings", got.findings)):
            if key in example.expect and list(actual) != list(example.expect[key]):
                wrong.append(f"{key} {list(actual)!r}, expected {example.expect[key]!r}")
        outcomes.append(
            ExampleOutcome(rs.id, example.name, example.line, not wrong, "; ".join(wrong) or "ok")
        )
    return outcomes
