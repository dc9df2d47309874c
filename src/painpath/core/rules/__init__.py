"""The classification engine: versioned, cited rule sets (YAML + FHIRPath) evaluated on an
episode as of a date, each result carrying its trace. Pure Python, no Django."""

from painpath.core.rules.derive import INPUTS, derive, months_between
from painpath.core.rules.engine import (
    AxisResult,
    Classification,
    ExampleOutcome,
    RuleSet,
    TraceStep,
    builtin_rulesets,
    classify,
    evaluate_ruleset,
    load_ruleset,
    load_ruleset_text,
    run_examples,
)
from painpath.core.rules.episode import episode_problems, episode_schema, validate_episode
from painpath.core.rules.errors import InvalidEpisode, RuleSetError

__all__ = [
    "INPUTS",
    "AxisResult",
    "Classification",
    "ExampleOutcome",
    "InvalidEpisode",
    "RuleSet",
    "RuleSetError",
    "TraceStep",
    "builtin_rulesets",
    "classify",
    "derive",
    "episode_problems",
    "episode_schema",
    "evaluate_ruleset",
    "load_ruleset",
    "load_ruleset_text",
    "months_between",
    "run_examples",
    "validate_episode",
]
