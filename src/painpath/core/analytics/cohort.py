"""Cohort filters: ``column=value``, ``column=a,b`` (any of) and ``column=lo..hi`` (inclusive
range; either end may be left open, e.g. ``age=..40``). Columns are whatever the registry
export carries — clinic, treatment, sex, age, index date, any classification axis."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis
from ibis.expr.types import BooleanValue, Table

from painpath.core.errors import PainpathError

__all__ = ["CohortError", "Filter", "apply_filters", "parse_filters"]


class CohortError(PainpathError, ValueError):
    """A filter that cannot be applied; the message names it."""


@dataclass(frozen=True)
class Filter:
    text: str
    column: str
    values: tuple[str, ...] = ()
    low: str | None = None
    high: str | None = None


def parse_filters(texts: list[str]) -> list[Filter]:
    out = []
    for text in texts:
        column, sep, value = text.partition("=")
        column, value = column.strip(), value.strip()
        if not sep or not column or not value:
            raise CohortError(f"cohort filter {text!r}: write column=value, a,b or lo..hi")
        if ".." in value:
            low, _, high = value.partition("..")
            out.append(Filter(text, column, low=low.strip() or None, high=high.strip() or None))
        else:
            values = tuple(v.strip() for v in value.split(",") if v.strip())
            out.append(Filter(text, column, values=values))
    return out


def _typed(table: Table, f: Filter, raw: str) -> Any:
    dtype = table[f.column].type()
    try:
        if dtype.is_integer():
            return int(raw)
        if dtype.is_floating() or dtype.is_decimal():
            return float(raw)
        if dtype.is_boolean():
            if raw.lower() not in ("true", "false"):
                raise ValueError(raw)
            return raw.lower() == "true"
        if dtype.is_date():
            return dt.date.fromisoformat(raw)
        if dtype.is_timestamp():
            return dt.datetime.fromisoformat(raw)
    except ValueError:
        raise CohortError(f"cohort filter {f.text!r}: {raw!r} is not a {dtype}") from None
    return raw


def apply_filters(table: Table | Any, filters: list[Filter]) -> Any:
    """Keep the rows matching every filter. Accepts an Ibis table or a Polars frame (returned
    as the same kind)."""
    polars_frame = None
    if not isinstance(table, Table):
        polars_frame = table
        table = ibis.memtable(table)
    for f in filters:
        if f.column not in table.columns:
            known = ", ".join(c for c in table.columns if c not in ("score",))
            raise CohortError(f"cohort filter {f.text!r}: no column {f.column!r}; known: {known}")
        column = table[f.column]
        condition: BooleanValue
        if f.values:
            condition = column.isin([_typed(table, f, v) for v in f.values])
        else:
            parts = []
            if f.low is not None:
                parts.append(column >= _typed(table, f, f.low))
            if f.high is not None:
                parts.append(column <= _typed(table, f, f.high))
            if not parts:
                raise CohortError(f"cohort filter {f.text!r}: give at least one end of the range")
            condition = parts[0] if len(parts) == 1 else parts[0] & parts[1]
        table = table.filter(condition)
    if polars_frame is not None:
        return table.to_polars()
    return table
