"""Evaluating rule sets on an episode as of a date; every result carries its trace.

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
    ``collect.none``. A *graded* collect lists grades under ``collect.any``, most severe
    first, and each rule gives its grade as ``result``: the result is the most severe grade
    among the rules that fired (red flags: emergency, urgent, review).

A condition is decided by FHIRPath's three-valued logic: ``true`` fires, ``false`` does not,
and an empty result (which is what a comparison on a missing input gives) is "unknown —
needs" the missing inputs it read. ``requires`` on a rule lists inputs without which the
rule is unknown whatever the expression says (for expressions such as ``x.exists()`` that
would read an absent list as "none").

Each condition is a pure function of the inputs it reads and of the rule set's constants,
so its value is cached on those inputs: same input, same output, and fast.

Rule sets that read another axis (inputs named ``axis_<name>``) are evaluated after the
rule set that produces it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from painpath.core.rules.derive import AXIS_INPUT_PREFIX, derive, freeze
from painpath.core.rules.loader import builtin_rulesets, producer
from painpath.core.rules.model import (
    NOT_APPLICABLE,
    UNKNOWN,
    AxisResult,
    Classification,
    Rule,
    RuleSet,
    TraceStep,
    display_order,
)

__all__ = ["classify", "evaluate_ruleset"]

_CACHE_LIMIT = 65_536
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
        rule=rule.id,
        line=rule.line,
        outcome=outcome,
        reads=_reads(rule, doc, with_shows=fired),
        needs=missing,
        result=rule.result if with_result and fired else None,
        # An empty note is no note (the stored form leaves it out).
        note=note or (rule.note if fired else None) or None,
    )
    return outcome, missing, step


@dataclass
class _Tally:
    """What one rule set's evaluation has gathered so far."""

    trace: list[TraceStep] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)

    def result(self, rs: RuleSet, as_of: dt.date, result: str) -> AxisResult:
        spec = rs.results[result]
        return AxisResult(
            axis=rs.axis,
            ruleset=rs.id,
            version=rs.version,
            title=rs.title,
            as_of=as_of,
            result=result,
            label=spec.label,
            fired=tuple(self.fired),
            findings=tuple(self.findings),
            needs=tuple(dict.fromkeys(self.needs)),
            options=spec.options,
            options_source=spec.options_source,
            urgent=result in rs.urgent_results,
            trace=tuple(self.trace),
            grades=rs.grades,
        )


def _applies(rs: RuleSet, doc: Mapping[str, Any], tally: _Tally) -> str | None:
    """``unknown`` or ``not_applicable`` when ``applies_when`` does not fire, else None."""
    if rs.applies_when is None:
        return None
    outcome, missing, note = _decide(rs.applies_when, doc, rs.constants)
    tally.trace.append(
        TraceStep(
            rule="applies_when",
            line=rs.applies_when.line,
            outcome=outcome,
            reads=_reads(rs.applies_when, doc, with_shows=False),
            needs=missing,
            note=note,
        )
    )
    if outcome == "unknown":
        tally.needs.extend(missing)
        return UNKNOWN
    if outcome != "fired":
        return NOT_APPLICABLE
    return None


def _first_match(rs: RuleSet, doc: Mapping[str, Any], tally: _Tally) -> str:
    chosen: str | None = None
    for rule in rs.rules:
        if chosen is not None:
            tally.trace.append(TraceStep(rule=rule.id, line=rule.line, outcome="skipped"))
            continue
        outcome, missing, step = _step(rule, doc, rs, with_result=True)
        tally.trace.append(step)
        if outcome == "fired":
            tally.fired.append(rule.id)
            chosen = rule.result
        elif outcome == "unknown":
            tally.needs.extend(missing)
    if chosen is not None:
        return chosen
    assert rs.otherwise is not None
    return UNKNOWN if tally.needs else rs.otherwise


def _collect(rs: RuleSet, doc: Mapping[str, Any], tally: _Tally) -> str:
    undecided = False
    for rule in rs.rules:
        # A graded rule's trace step records its grade when it fires.
        outcome, missing, step = _step(rule, doc, rs, with_result=bool(rs.grades))
        tally.trace.append(step)
        if outcome == "fired":
            tally.fired.append(rule.id)
            assert rule.finding is not None
            tally.findings.append(rule.finding)
        elif outcome in ("unknown", "error"):
            undecided = True
            tally.needs.extend(missing)
    if tally.fired:
        if rs.grades:
            given = {rule.result for rule in rs.rules if rule.id in tally.fired}
            return next(grade for grade in rs.grades if grade in given)
        return rs.collect["any"]
    return rs.collect["unknown"] if undecided else rs.collect["none"]


def evaluate_ruleset(rs: RuleSet, doc: Mapping[str, Any], as_of: dt.date) -> AxisResult:
    """Evaluate one rule set on a derived input document (:func:`derive`)."""
    tally = _Tally()
    result = _applies(rs, doc, tally)
    if result is None:
        policy = _first_match if rs.policy == "first_match" else _collect
        result = policy(rs, doc, tally)
    return tally.result(rs, as_of, result)


def _with_dependencies(
    chosen: Sequence[RuleSet], available: Mapping[str, RuleSet]
) -> list[RuleSet]:
    """``chosen`` and the rule sets producing the axes they read, each after those."""
    by_axis = {rs.axis: rs for rs in available.values()}
    for rs in chosen:
        by_axis.setdefault(rs.axis, rs)
    needed: dict[str, RuleSet] = {}

    def add(rs: RuleSet) -> None:
        for dep in rs.depends_on:
            add(producer(rs, dep, by_axis))
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
    results instead, for examples). Urgent axes are listed first, red flags always first.
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
    results.sort(key=display_order)
    return Classification(as_of=as_of, axes=tuple(results))
