"""The episode document: its published JSON Schema and validation with JSON pointers.

The schema (``core/data/schemas/episode.schema.json``) is the contract between the registry,
the CLI and the rule engine. Every field is optional, because missing data must stay
visible: a rule that needs an absent field answers "unknown — needs <input>" instead of
guessing.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]

from painpath.core.rules.errors import InvalidEpisode
from painpath.core.vocabularies import red_flag_codes, region_codes

__all__ = ["episode_problems", "episode_schema", "validate_episode"]


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


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(episode_schema(), format_checker=FormatChecker())


def _pointer(path: Any) -> str:
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    return "/" + "/".join(parts) if parts else ""


def episode_problems(episode: Any) -> list[tuple[str, str]]:
    """Every schema violation as ``(json_pointer, message)``, sorted by pointer."""
    validator = _validator()
    problems = {
        (_pointer(error.absolute_path), error.message) for error in validator.iter_errors(episode)
    }
    return sorted(problems)


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
