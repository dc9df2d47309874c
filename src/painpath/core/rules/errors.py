"""Errors of the rule engine. Each names the file, rule and line, or the episode field."""

from __future__ import annotations

import datetime as dt

from painpath.core.errors import PainpathError


class RuleSetError(PainpathError, ValueError):
    """A rule set cannot be loaded: it does not parse, reads an unknown input, or can produce
    a result it does not declare. The message names the file, the rule and the line."""

    def __init__(
        self, file: str, message: str, *, rule: str | None = None, line: int | None = None
    ):
        self.file = file
        self.rule = rule
        self.line = line
        where = file
        if line is not None:
            where += f":{line}"
        if rule is not None:
            where += f" (rule {rule!r})"
        super().__init__(f"{where}: {message}")


class InvalidEpisode(PainpathError, ValueError):
    """An episode does not match the published JSON Schema. ``problems`` holds one
    ``(json_pointer, message)`` pair per bad field, in document order."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        lines = [f"{pointer or '/'}: {message}" for pointer, message in problems]
        super().__init__("invalid episode:\n" + "\n".join(lines))


class ImpossibleAge(PainpathError, ValueError):
    """A date of birth gives an age outside 0 to ``maximum`` years on the day classified: the
    record is wrong (the age cannot be computed from it), so the rules cannot use it."""

    def __init__(self, born: dt.date, day: dt.date, age: int, maximum: int) -> None:
        self.born = born
        self.day = day
        self.age = age
        self.maximum = maximum
        super().__init__(
            f"the age cannot be computed from the date of birth {born.isoformat()}: on "
            f"{day.isoformat()} it gives {age} years, and an age is 0 to {maximum}; "
            "correct the date of birth"
        )
