"""The rule engine's values: a loaded rule set, and what evaluating it gives.

Everything here is a frozen dataclass. A :class:`Classification` is stored as JSON
(:meth:`Classification.as_dict`) and read back through the same types
(:meth:`Classification.from_dict`), so ``Classification.from_dict(c.as_dict()) == c``.

Stored form of an axis (``as_dict``)
------------------------------------
``needs`` lists input names (``["duration_months"]``); the words a person reads, "unknown —
needs duration_months", come from :attr:`AxisResult.needs_text`. Rows written before
painpath stored names hold those words instead; :meth:`AxisResult.from_dict` reads both.
``options_source`` is stored with the options; ``options_note`` is the sentence shown with
them, derived from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from painpath.core.rules.derive import AXIS_INPUT_PREFIX, freeze
from painpath.core.rules.fhirpath import Compiled

__all__ = [
    "NEEDS_PREFIX",
    "NOT_APPLICABLE",
    "OPTIONS_NOTE",
    "UNKNOWN",
    "AxisResult",
    "Classification",
    "Example",
    "ResultValue",
    "Rule",
    "RuleSet",
    "Source",
    "TraceStep",
    "display_order",
]

UNKNOWN = "unknown"
NOT_APPLICABLE = "not_applicable"
NEEDS_PREFIX = "unknown — needs "
OPTIONS_NOTE = "Options the clinic lists, shown for the clinician's decision — not a prescription."
_OPTIONS_SOURCE = " Source: "


# --------------------------------------------------------------------------- a rule set


@dataclass(frozen=True)
class Source:
    id: str
    citation: str


@dataclass(frozen=True, kw_only=True)
class ResultValue:
    value: str
    label: str
    options: tuple[str, ...] = ()
    options_source: str | None = None


@dataclass(frozen=True, kw_only=True)
class Rule:
    id: str
    line: int
    when: str
    reads: tuple[str, ...]
    requires: tuple[str, ...] = ()
    shows: tuple[str, ...] = ()
    result: str | None = None
    finding: str | None = None
    source: str | None = None
    note: str | None = None
    heading: str | None = None
    """The id of the heading (``RuleSet.headings``) the rule's finding is shown under."""
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


@dataclass(frozen=True, kw_only=True)
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
    grades: tuple[str, ...] = ()
    """A graded ``collect`` rule set's grades, most severe first (``collect.any`` as a list):
    each rule gives one, and the most severe that fired is the result."""
    headings: Mapping[str, str] = field(default_factory=dict)
    """Optional headings a ``collect`` rule set groups its findings under (id → words): red
    flags for serious pathology apart from thoughts of self-harm. With headings, every rule
    names one."""

    def heading_of(self, rule_id: str) -> str | None:
        """The words of the heading the rule ``rule_id`` is shown under, or None."""
        for rule in self.rules:
            if rule.id == rule_id:
                return self.headings.get(rule.heading or "")
        return None

    @property
    def depends_on(self) -> tuple[str, ...]:
        """Axes whose results this rule set reads (inputs named ``axis_<name>``)."""
        return tuple(
            name[len(AXIS_INPUT_PREFIX) :]
            for name in self.inputs
            if name.startswith(AXIS_INPUT_PREFIX)
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
            **({"grades": list(self.grades)} if self.grades else {}),
            **({"headings": dict(self.headings)} if self.headings else {}),
            "rules": [
                {
                    "id": r.id,
                    "line": r.line,
                    "when": r.when,
                    "result": r.result or r.finding,
                    **({"finding": r.finding} if r.result and r.finding else {}),
                    **({"heading": r.heading} if r.heading else {}),
                }
                for r in self.rules
            ],
            "examples": len(self.examples),
        }


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, kw_only=True)
class TraceStep:
    """One rule looked at: what it read (with values), and what came of it."""

    rule: str
    line: int
    outcome: str
    """``fired``, ``not_fired``, ``unknown`` (an input is missing), ``skipped`` (an earlier
    rule already fired) or ``error`` (the expression failed on these values)."""
    reads: tuple[tuple[str, Any], ...] = ()
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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TraceStep:
        """The step :meth:`as_dict` wrote (lists read back as tuples)."""
        return cls(
            rule=data["rule"],
            line=int(data["line"]),
            outcome=data["outcome"],
            reads=tuple((name, freeze(value)) for name, value in data.get("reads", {}).items()),
            needs=_need_names(data.get("needs", ())),
            result=data.get("result"),
            note=data.get("note") or None,
        )


@dataclass(frozen=True, kw_only=True)
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
    """Names of the inputs whose absence left a rule undecided (see :attr:`needs_text`)."""
    options: tuple[str, ...]
    options_source: str | None
    urgent: bool
    trace: tuple[TraceStep, ...]
    grades: tuple[str, ...] = ()
    """The rule set's grades, most severe first, when it grades its result (red flags:
    ``emergency``, ``urgent``, ``review``); empty otherwise and in rows stored before."""

    @property
    def grade_rank(self) -> int | None:
        """The result's place among :attr:`grades` (0 is the most severe), or None when the
        result is not a grade (``none``, ``incomplete``) or the rule set does not grade."""
        return self.grades.index(self.result) if self.result in self.grades else None

    @property
    def needs_text(self) -> tuple[str, ...]:
        """``needs`` in words: ``("unknown — needs duration_months", …)``."""
        return tuple(NEEDS_PREFIX + name for name in self.needs)

    @property
    def options_note(self) -> str | None:
        """The sentence shown with the options (none without options)."""
        if not self.options:
            return None
        if self.options_source:
            return f"{OPTIONS_NOTE}{_OPTIONS_SOURCE}{self.options_source}."
        return OPTIONS_NOTE

    def as_dict(self) -> dict[str, Any]:
        """The stored form; the axis name is the key it is stored under."""
        out: dict[str, Any] = {
            "ruleset": self.ruleset,
            "version": self.version,
            "title": self.title,
            "as_of": self.as_of.isoformat(),
            "result": self.result,
            "label": self.label,
            "urgent": self.urgent,
            "fired": list(self.fired),
            "needs": list(self.needs),
            "trace": [step.as_dict() for step in self.trace],
        }
        if self.findings:
            out["findings"] = list(self.findings)
        if self.options:
            out["options"] = list(self.options)
            out["options_note"] = self.options_note
        if self.options_source is not None:
            out["options_source"] = self.options_source
        if self.grades:
            out["grades"] = list(self.grades)
        return out

    @classmethod
    def from_dict(cls, axis_name: str, data: Mapping[str, Any]) -> AxisResult:
        """The axis :meth:`as_dict` wrote under ``axis_name``. Also reads older rows: prose
        ``needs`` ("unknown — needs NAME"), no ``options_source`` (taken from the note),
        ``findings``, ``options`` or ``grades`` absent when empty. Raises ``KeyError`` or
        ``ValueError`` for data that are not a stored axis."""
        options_source = data.get("options_source")
        if options_source is None:
            options_source = _source_in_note(data.get("options_note"))
        return cls(
            axis=axis_name,
            ruleset=data["ruleset"],
            version=data["version"],
            title=data["title"],
            as_of=dt.date.fromisoformat(data["as_of"]),
            result=data["result"],
            label=data["label"],
            fired=tuple(data.get("fired", ())),
            findings=tuple(data.get("findings", ())),
            needs=_need_names(data.get("needs", ())),
            options=tuple(data.get("options", ())),
            options_source=options_source,
            urgent=bool(data["urgent"]),
            trace=tuple(TraceStep.from_dict(step) for step in data.get("trace", ())),
            grades=tuple(data.get("grades", ())),
        )


def display_order(result: AxisResult) -> tuple[bool, bool]:
    """Sort key: urgent axes first, and red flags first even when negative — a clinician
    reads them before anything (a stable sort keeps evaluation order otherwise)."""
    return (not result.urgent, result.axis != "red_flags")


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

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Classification:
        """The classification :meth:`as_dict` wrote (``urgent`` is recomputed). Axes keep
        their stored order within :func:`display_order`, so urgent ones stay first even
        where the store sorts JSON keys (PostgreSQL ``jsonb``)."""
        axes = [AxisResult.from_dict(name, axis) for name, axis in data["axes"].items()]
        return cls(
            as_of=dt.date.fromisoformat(data["as_of"]),
            axes=tuple(sorted(axes, key=display_order)),
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


def _need_names(entries: Any) -> tuple[str, ...]:
    return tuple(str(entry).removeprefix(NEEDS_PREFIX) for entry in entries)


def _source_in_note(note: Any) -> str | None:
    """The source an older row named only inside its ``options_note``."""
    if not isinstance(note, str):
        return None
    rest = note.removeprefix(OPTIONS_NOTE)
    if rest.startswith(_OPTIONS_SOURCE) and rest.endswith("."):
        return rest[len(_OPTIONS_SOURCE) : -1]
    return None
