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

__all__ = ["episode_problems", "episode_schema", "validate_episode"]


@cache
def episode_schema() -> dict[str, Any]:
    """The episode JSON Schema (draft 2020-12) as a dictionary."""
    text = (
        resources.files("painpath.core.data")
        .joinpath("schemas/episode.schema.json")
        .read_text(encoding="utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


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
