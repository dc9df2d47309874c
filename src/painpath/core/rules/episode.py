"""The episode document: its published JSON Schema and validation with JSON pointers.

The schema (``core/data/schemas/episode.schema.json``) is the contract between the registry,
the CLI and the rule engine. Every field is optional, because missing data must stay
visible: a rule that needs an absent field answers "unknown — needs <input>" instead of
guessing.
"""

from __future__ import annotations

import itertools
import json
import math
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import (  # type: ignore[import-untyped]
    Draft202012Validator,
    FormatChecker,
    ValidationError,
    validators,
)

from painpath.core.rules.errors import InvalidEpisode
from painpath.core.vocabularies import red_flag_codes, region_codes

__all__ = ["episode_problems", "episode_schema", "validate_episode"]

MAX_PROBLEMS = 50
ECHO = 80  # characters of a wrong value quoted in a message


@cache
def episode_schema() -> dict[str, Any]:
    """The episode JSON Schema (draft 2020-12) as a dictionary, with the region and
    red-flag codes filled in from the vocabularies (:mod:`painpath.core.vocabularies`)."""
    text = (
        resources.files("painpath.core.data")
        .joinpath("schemas/episode.schema.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    # The shared codes live in core/data/vocabularies, not in the file, so that they cannot
    # drift from the forms and rule sets that read the same lists. Each reference is then
    # replaced by its definition: the schema served stays self-contained, one enum per field.
    definitions = schema.pop("$defs")
    definitions["region"]["enum"] = list(region_codes())
    definitions["red_flags"]["properties"] = {
        code: {"type": "boolean"} for code in red_flag_codes()
    }
    filled: dict[str, Any] = _inline(schema, definitions)
    return filled


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    """``node`` with each ``"$ref": "#/$defs/<name>"`` replaced by that definition's keywords
    (but its description, which is about the file)."""
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    result: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and value.startswith("#/$defs/"):
            definition = definitions[value.removeprefix("#/$defs/")]
            result.update({k: v for k, v in definition.items() if k != "description"})
        else:
            result[key] = _inline(value, definitions)
    return result


@cache
def _fast_validator() -> Any:
    # jsonschema-rs (compiled) answers "valid?" about 30× faster than jsonschema; the pure
    # Python validator is kept for the per-field messages, which only invalid input needs.
    return jsonschema_rs.validator_for(episode_schema(), validate_formats=True)


def _items(validator: Any, items: Any, instance: Any, schema: dict[str, Any]) -> Any:
    # An array longer than its maxItems is wrong whole (that keyword says so); checking each
    # of its 250,000 items as well would take seconds and bury that one message.
    if validator.is_type(instance, "array") and len(instance) > schema.get("maxItems", math.inf):
        return
    yield from _ITEMS(validator, items, instance, schema)


def _max_items(validator: Any, limit: Any, instance: Any, schema: dict[str, Any]) -> Any:
    if validator.is_type(instance, "array") and len(instance) > limit:
        yield ValidationError(f"{len(instance)} items; at most {limit} allowed")


_ITEMS = Draft202012Validator.VALIDATORS["items"]
_Bounded = validators.extend(Draft202012Validator, {"items": _items, "maxItems": _max_items})


@cache
def _validator() -> Any:
    return _Bounded(episode_schema(), format_checker=FormatChecker())


def _message(error: ValidationError) -> str:
    """The validator's message with the value it quotes cut to :data:`ECHO` characters."""
    if isinstance(error.instance, dict | list | str):
        quoted = repr(error.instance)
        if len(quoted) > ECHO:
            return str(error.message.replace(quoted, quoted[: ECHO - 1] + "…"))
    return str(error.message)


def _pointer(path: Any) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""


def episode_problems(episode: Any, *, limit: int = MAX_PROBLEMS) -> list[tuple[str, str]]:
    """Schema violations as ``(json_pointer, message)``, sorted by pointer: the first
    ``limit`` found (an episode with thousands of wrong fields needs no thousand lines), each
    quoting at most :data:`ECHO` characters of the value it is about."""
    errors = itertools.islice(_validator().iter_errors(episode), limit)
    return sorted({(_pointer(error.absolute_path), _message(error)) for error in errors})


def validate_episode(episode: Any) -> dict[str, Any]:
    """Return ``episode`` unchanged if it is valid; else raise :class:`InvalidEpisode`."""
    if _fast_validator().is_valid(episode):
        assert isinstance(episode, dict)
        return episode
    problems = episode_problems(episode)
    if not problems and isinstance(episode, dict):
        # The two validators differ only at the edges of format checking; the reference
        # implementation has the last word.
        return episode
    raise InvalidEpisode(problems)
