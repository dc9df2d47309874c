"""The engine never crashes on schema-valid episodes and is deterministic."""

import datetime as dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from painpath.core.rules import (
    Classification,
    classify,
    episode_problems,
    episode_schema,
    months_between,
)

SCHEMA = episode_schema()
dates = st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat)


def from_schema(node):
    if "enum" in node:
        return st.sampled_from(node["enum"])
    kind = node.get("type")
    if kind == "object":
        props = node.get("properties", {})
        required = set(node.get("required", ()))
        return st.fixed_dictionaries(
            {k: from_schema(v) for k, v in props.items() if k in required},
            optional={k: from_schema(v) for k, v in props.items() if k not in required},
        )
    if kind == "array":
        return st.lists(from_schema(node["items"]), max_size=min(node.get("maxItems", 4), 4))
    if kind == "string":
        return dates if node.get("format") == "date" else st.text(max_size=10)
    if kind == "integer":
        return st.integers(node.get("minimum", -1000), node.get("maximum", 1000))
    if kind == "number":
        return st.floats(node.get("minimum", 0), node.get("maximum", 100), allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    raise AssertionError(node)


episodes = from_schema(SCHEMA).filter(lambda e: not episode_problems(e))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(episodes, st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)))
def test_never_crashes_and_is_deterministic(episode, as_of):
    first = classify(episode, as_of=as_of).as_dict()
    second = classify(json.loads(json.dumps(episode)), as_of=as_of).as_dict()
    assert first == second
    assert json.dumps(first)  # always serialisable
    for axis in first["axes"].values():
        assert not any(step["outcome"] == "error" for step in axis["trace"]), axis


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(episodes, st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)))
def test_a_stored_classification_reads_back_equal(episode, as_of):
    classification = classify(episode, as_of=as_of)
    stored = json.loads(json.dumps(classification.as_dict()))
    assert Classification.from_dict(stored) == classification


@given(st.dates(), st.dates())
def test_months_between_is_monotonic_in_the_end_date(start, end):
    a = months_between(start, end)
    b = months_between(start, end + dt.timedelta(days=1)) if end < dt.date.max else None
    if a is not None and b is not None:
        assert b > a


def test_exact_anniversaries():
    assert months_between(dt.date(2024, 1, 15), dt.date(2024, 4, 15)) == 3.0
    assert months_between(dt.date(2024, 1, 31), dt.date(2024, 2, 29)) == 1.0
    assert months_between(dt.date(2022, 7, 1), dt.date(2024, 7, 1)) == 24.0
