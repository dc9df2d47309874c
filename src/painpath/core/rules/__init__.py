"""The classification engine: versioned, cited rule sets (YAML + FHIRPath) evaluated on an
episode as of a date, each result carrying its trace. Pure Python, no Django."""

from painpath.core.rules.age import MAX_AGE, age_on, known_age
from painpath.core.rules.derive import INPUTS, derive, months_between
from painpath.core.rules.episode import episode_problems, episode_schema, validate_episode
from painpath.core.rules.errors import ImpossibleAge, InvalidEpisode, RuleSetError
from painpath.core.rules.evaluate import classify, evaluate_ruleset
from painpath.core.rules.examples import ExampleOutcome, run_examples
from painpath.core.rules.loader import builtin_rulesets, load_ruleset, load_ruleset_text
from painpath.core.rules.model import AxisResult, Classification, RuleSet, TraceStep

__all__ = [
    "INPUTS",
    "MAX_AGE",
    "AxisResult",
    "Classification",
    "ExampleOutcome",
    "ImpossibleAge",
    "InvalidEpisode",
    "RuleSet",
    "RuleSetError",
    "TraceStep",
    "age_on",
    "builtin_rulesets",
    "classify",
    "derive",
    "episode_problems",
    "episode_schema",
    "evaluate_ruleset",
    "known_age",
    "load_ruleset",
    "load_ruleset_text",
    "months_between",
    "run_examples",
    "validate_episode",
]
