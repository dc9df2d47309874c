"""Checking a long table of scores before it is reported: one answer per patient, instrument
and time point, each a finite number inside the instrument's range.

The registry's export (the web app) makes such a table by construction; a file from
elsewhere may not, and each of these slips would give a wrong figure rather than an error:
a row counted twice (completeness above 100 %, responders counted twice), a blank score
counted as a patient but left out of the mean, an NRS of 11, NaN. :func:`check_scores` refuses
what cannot be reported and names the lines; what it can read unambiguously it keeps, and
says what it dropped:

- ``patient_id``, ``instrument`` and ``timepoint`` must be present on every row; ``timepoint``
  whole months (``3``, ``3.0``; not ``3.5``).
- A blank ``score`` is a missing answer: the row is dropped, so the patient is not in that
  time point's denominators (a blank follow-up counts as not followed up, a blank baseline
  as no baseline). Listed in :attr:`CheckedScores.blank`.
- A score must be a finite number (not NaN or Infinity) inside the instrument's range
  (``Instrument.score_range``; for EQ-5D-5L the widest over the value sets painpath ships,
  the Danish one's -0.758 to 1).
- Two rows for the same patient, instrument and time point: identical in every column, the
  later is dropped (an export appended twice; :attr:`CheckedScores.duplicates`); differing in
  any column (another score, another wording, another answer date), both are refused — the
  report cannot know which one the registry meant.

Line numbers: the row's position plus ``first_line`` (2 for a CSV file under its header
line, 1 for JSON Lines; Parquet has rows, not lines — ``unit="row"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from painpath.core.errors import PainpathError
from painpath.core.instruments import REGISTRY

__all__ = ["KEY", "CheckedScores", "InvalidScores", "check_scores"]

KEY = ("patient_id", "instrument", "timepoint")
LINE = "_line"
WANTED = {
    "patient_id": "a patient key",
    "instrument": "instrument codes",
    "timepoint": "whole months",
    "score": "numbers",
}
SHOWN = 5


class InvalidScores(PainpathError, ValueError):
    """The scores table cannot be reported; the message names the lines and what to fix."""


@dataclass(frozen=True)
class CheckedScores:
    frame: pl.DataFrame
    """The scores, typed (``timepoint`` Int64, ``score`` Float64, ``instrument`` String), one
    row per patient, instrument and time point, blank scores left out."""
    blank: tuple[int, ...]
    """Lines whose score was blank (a missing answer), dropped."""
    duplicates: tuple[int, ...]
    """Lines that repeated an earlier line exactly, dropped."""


def lines(numbers: Sequence[int], unit: str = "line") -> str:
    """``line 4``, ``lines 4, 9`` or ``lines 4, 9, 12, 15, 20 and 31 more``."""
    shown = ", ".join(str(n) for n in numbers[:SHOWN])
    more = f" and {len(numbers) - SHOWN} more" if len(numbers) > SHOWN else ""
    return f"{unit}{'s' if len(numbers) > 1 else ''} {shown}{more}"


def _lines(frame: pl.DataFrame) -> list[int]:
    return [int(n) for n in frame[LINE].to_list()]


def _number(frame: pl.DataFrame, column: str, unit: str) -> pl.Series:
    """``column`` as Float64; refuse a value that is present but not a number."""
    values = frame[column]
    numbers = values.cast(pl.Float64, strict=False)
    bad = frame.filter(values.is_not_null() & numbers.is_null())
    if bad.height:
        first = str(bad[column][0])[:40]
        raise InvalidScores(f"{lines(_lines(bad), unit)}: {column} {first!r} is not a number")
    return numbers


def _range(code: str) -> tuple[float, float]:
    return REGISTRY[code].score_range


def check_scores(frame: pl.DataFrame, *, first_line: int = 2, unit: str = "line") -> CheckedScores:
    """``frame`` (columns ``patient_id``, ``instrument``, ``timepoint``, ``score`` and any
    others) typed and checked as the module docstring says; :class:`InvalidScores` if not."""
    for column in (*KEY, "score"):
        dtype = frame.schema[column]
        if (
            dtype.is_nested()
            or dtype == pl.Object
            or (column != "patient_id" and dtype == pl.Boolean)
        ):
            raise InvalidScores(f"column {column} holds {dtype}, not {WANTED[column]}")
    if frame.schema["instrument"] not in (pl.String, pl.Categorical, pl.Null):
        raise InvalidScores(f"column instrument holds {frame.schema['instrument']}, not text")
    frame = frame.with_row_index(LINE, offset=first_line)
    for column in KEY:
        blank = frame.filter(pl.col(column).is_null())
        if blank.height:
            raise InvalidScores(f"{lines(_lines(blank), unit)}: {column} is blank")
    timepoint = _number(frame, "timepoint", unit)
    bad = frame.filter(~timepoint.is_finite() | (timepoint != timepoint.floor()))
    if bad.height:
        raise InvalidScores(
            f"{lines(_lines(bad), unit)}: timepoint {bad['timepoint'][0]!r} is not whole months"
        )
    frame = frame.with_columns(
        timepoint.cast(pl.Int64),
        _number(frame, "score", unit).alias("score"),
        pl.col("instrument").cast(pl.String),
    )
    unknown = frame.filter(~pl.col("instrument").is_in(list(REGISTRY)))
    if unknown.height:
        codes = ", ".join(sorted(set(unknown["instrument"].to_list()))[:SHOWN])
        raise InvalidScores(
            f"{lines(_lines(unknown), unit)}: unknown instrument(s) {codes}; "
            f"known: {', '.join(REGISTRY)}"
        )
    blank = frame.filter(pl.col("score").is_null())
    frame = frame.filter(pl.col("score").is_not_null())
    nonfinite = frame.filter(~pl.col("score").is_finite())
    if nonfinite.height:
        raise InvalidScores(
            f"{lines(_lines(nonfinite), unit)}: score {nonfinite['score'][0]} is not a finite "
            "number"
        )
    for code in sorted(set(frame["instrument"].to_list())):
        low, high = _range(code)
        outside = frame.filter(
            (pl.col("instrument") == code) & ~pl.col("score").is_between(low, high)
        )
        if outside.height:
            raise InvalidScores(
                f"{lines(_lines(outside), unit)}: {code} score {outside['score'][0]:g} is "
                f"outside {code}'s range {low:g} to {high:g}"
            )
    frame, duplicates = _without_exact_duplicates(frame)
    conflicts = frame.filter(pl.len().over(KEY) > 1)
    if conflicts.height:
        first = conflicts.filter(pl.all_horizontal(pl.col(k) == conflicts[k][0] for k in KEY))
        patient, code, point = (first[k][0] for k in KEY)
        raise InvalidScores(
            f"{lines(_lines(first), unit)}: two different answers for patient {str(patient)!r}, "
            f"{code} at month {point} (one row per patient, instrument and time point; "
            f"{conflicts.height} conflicting rows in all)"
        )
    return CheckedScores(frame.drop(LINE), tuple(_lines(blank)), tuple(duplicates))


def _without_exact_duplicates(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[int]]:
    columns = [c for c in frame.columns if c != LINE]
    first = frame.select(pl.struct(columns).is_first_distinct())[:, 0]
    return frame.filter(first), _lines(frame.filter(~first))
