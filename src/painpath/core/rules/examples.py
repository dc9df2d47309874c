"""Running the examples a rule set carries in its own file (``painpath rulesets test``)."""

from __future__ import annotations

from dataclasses import dataclass

from painpath.core.rules.episode import episode_problems
from painpath.core.rules.evaluate import classify
from painpath.core.rules.model import Example, RuleSet

__all__ = ["ExampleOutcome", "run_examples"]


@dataclass(frozen=True, kw_only=True)
class ExampleOutcome:
    ruleset: str
    name: str
    line: int
    passed: bool
    message: str


def run_examples(rs: RuleSet) -> list[ExampleOutcome]:
    """Run the examples a rule set carries in its own file; a failing one is reported with
    what differed, an invalid or crashing one with why, and the run goes on."""
    return [_outcome(rs, example, *_check(rs, example)) for example in rs.examples]


def _outcome(rs: RuleSet, example: Example, passed: bool, message: str) -> ExampleOutcome:
    return ExampleOutcome(
        ruleset=rs.id, name=example.name, line=example.line, passed=passed, message=message
    )


def _check(rs: RuleSet, example: Example) -> tuple[bool, str]:
    problems = episode_problems(dict(example.episode))
    if problems:
        detail = "; ".join(f"{p or '/'}: {m}" for p, m in problems)
        return False, f"episode is invalid: {detail}"
    try:
        got = classify(
            example.episode, as_of=example.as_of, rulesets=[rs], axes_given=example.axes
        )[rs.axis]
    except Exception as error:  # a failing example must be reported, not crash the run
        return False, f"error: {error}"
    wrong = []
    if got.result != example.expect["result"]:
        wrong.append(f"result {got.result!r}, expected {example.expect['result']!r}")
    for key, actual in (("fired", got.fired), ("needs", got.needs), ("findings", got.findings)):
        if key in example.expect and list(actual) != list(example.expect[key]):
            wrong.append(f"{key} {list(actual)!r}, expected {example.expect[key]!r}")
    return not wrong, "; ".join(wrong) or "ok"
