"""Every error the core raises. Messages say what is wrong, where, and what to do next."""

from __future__ import annotations


class PainpathError(Exception):
    """Base class for all errors raised by :mod:`painpath.core`."""


class UnknownInstrument(PainpathError, KeyError):
    def __init__(self, code: str, known: list[str]) -> None:
        self.code = code
        super().__init__(f"unknown instrument {code!r}; known: {', '.join(sorted(known))}")

    def __str__(self) -> str:
        return str(self.args[0])


class ScoringError(PainpathError, ValueError):
    """A response cannot be scored. ``item`` names the offending answer code, if any."""

    def __init__(self, message: str, *, item: str | None = None) -> None:
        self.item = item
        super().__init__(message)


class InvalidAnswer(ScoringError):
    """An answer is out of range, not a number, not an integer, or has an unknown code."""


class TooManyMissing(ScoringError):
    """More answers are missing than the instrument's manual allows."""


class UnknownValueSet(ScoringError):
    """An EQ-5D value set that painpath does not ship was asked for."""


class PauseTableError(PainpathError, ValueError):
    """The blood-thinner pause table (``rulesets/tables/anticoagulant-pauses.yaml``) is
    malformed; the message names the drug or procedure and what to fix."""
