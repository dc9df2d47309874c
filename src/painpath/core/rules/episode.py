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
    if _validator().is_valid(episode):
        assert isinstance(episode, dict)
        return episode
    raise InvalidEpisode(episode_problems(episode))
