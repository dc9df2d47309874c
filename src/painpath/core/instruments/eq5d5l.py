"""EQ-5D-5L: five dimensions of health at five levels, and the EQ VAS.

Source: EuroQol Research Foundation. EQ-5D-5L User Guide, version 3.0 (2019): a health state
is the five levels (mobility MO, self-care SC, usual activities UA, pain/discomfort PD,
anxiety/depression AD, each 1 = no problems … 5 = extreme/unable); the index is read from a
country value set; the EQ VAS (0–100, 100 best) is reported on its own and is never combined
with the index.

Value sets (data files in ``painpath/core/data/valuesets``, each citing its paper):
``dk`` Denmark 2021 (Jensen et al.; the default), ``england`` England 2018 (Devlin et al.),
``us`` United States 2019 (Pickard et al.). All three are additive: index = 1 − the sum of
one published decrement per dimension. Decrements are held in thousandths as integers, so
every one of the 3,125 states comes out exactly as the published 3-decimal table gives it.

Missing answers: the User Guide allows no imputation: the index needs all five dimensions;
the EQ VAS is optional and reported as the subscale ``vas`` when given.

An invalid EQ VAS (74.5, 140, a word) does not withhold the index: the User Guide computes
the index from the five dimensions alone and reports the VAS apart (issue 15). Such a VAS is
left out (``vas`` empty) and its error is reported beside the index: ``vas_error`` on the
:class:`EQ5DResult` (and in its ``as_dict``, so ``painpath score`` prints it), and a
``vas_error`` column from the columnar scorer. An invalid dimension still refuses the score.

Minimal important change: no cited MIC for these value sets ships with painpath yet, so
:func:`painpath.core.outcomes.change` reports the change without a responder verdict.

Licence: © EuroQol Research Foundation; use requires registration with EuroQol and the item
wording may not be shipped. painpath ships codes and plain paraphrases.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from painpath.core.errors import InvalidAnswer, UnknownValueSet
from painpath.core.instruments.base import (
    BoolArray,
    FloatArray,
    Instrument,
    Item,
    ScoreResult,
)

if TYPE_CHECKING:
    import polars as pl

DIMENSIONS = ("MO", "SC", "UA", "PD", "AD")
VALUE_SETS = ("dk", "england", "us")


VAS_COLUMN = len(DIMENSIONS)
"""Position of the EQ VAS in the item order."""


@dataclass(frozen=True)
class EQ5DResult(ScoreResult):
    """An EQ-5D-5L score: the index, and why a given EQ VAS was left out (None if it was not)."""

    vas_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "vas_error": self.vas_error}


@cache
def load_value_set(value_set: str) -> dict[str, Any]:
    """The value set's data file: id, title, source, note and the decrements per dimension."""
    if value_set not in VALUE_SETS:
        raise UnknownValueSet(
            f"EQ-5D-5L: unknown value set {value_set!r}; choose one of {', '.join(VALUE_SETS)}"
        )
    path = resources.files("painpath.core.data") / "valuesets" / f"eq5d5l_{value_set}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@cache
def decrement_table(value_set: str) -> np.ndarray[Any, np.dtype[np.int64]]:
    """(5 dimensions, 6) table of decrements in thousandths, indexed by level 1–5 (column 0
    unused); level 1 is 0 in every additive value set."""
    coefficients = load_value_set(value_set)["coefficients"]
    table = np.zeros((len(DIMENSIONS), 6), dtype=np.int64)
    for d, dimension in enumerate(DIMENSIONS):
        decrements = coefficients[dimension]
        for level, text in enumerate(decrements, start=2):
            whole, _, fraction = text.partition(".")
            table[d, level] = int(whole) * 1000 + int(fraction.ljust(3, "0"))
    return table


class EQ5D5L(Instrument):
    code = "eq5d5l"
    title = "EQ-5D-5L"
    version = "5L"
    items: ClassVar[tuple[Item, ...]] = (
        *(Item(dimension, 1, 5) for dimension in DIMENSIONS),
        Item("VAS", 0, 100, optional=True),
    )
    score_range = (-0.758, 1.0)
    score_unit = "index"
    higher_is_better = True
    subscale_names = ("vas",)
    max_missing = 0
    missing_rule = "EQ-5D-5L User Guide v3.0: the index needs all five dimensions"
    source = "EuroQol Research Foundation. EQ-5D-5L User Guide v3.0, 2019"
    licence = "© EuroQol Research Foundation; registration required. Wording not shipped."

    def __init__(self, *, value_set: str = "dk", max_missing: int | None = None) -> None:
        super().__init__(max_missing=max_missing)
        self.value_set = value_set
        self._table = decrement_table(value_set)

    def options(self) -> dict[str, Any]:
        return {**super().options(), "value_set": self.value_set}

    def vas_error(self, value: object) -> str | None:
        """Why ``value`` is not a valid EQ VAS, or None if it is (or is unanswered)."""
        try:
            self.validate({"VAS": value})
        except InvalidAnswer as error:
            return f"{error}; the index is scored from the five dimensions without it"
        return None

    def score(self, answers: Mapping[str, object]) -> EQ5DResult:
        """The index from the five dimensions; an invalid EQ VAS is left out and reported in
        ``vas_error`` instead of refusing the response."""
        vas_error = self.vas_error(answers.get("VAS"))
        if vas_error is not None:
            answers = {**answers, "VAS": None}
        return EQ5DResult(**asdict(super().score(answers)), vas_error=vas_error)

    def score_matrix(self, x: FloatArray, *, check: list[int] | None = None) -> pl.DataFrame:
        """As :meth:`Instrument.score_matrix`, with an invalid EQ VAS left out of its row and
        its error in the ``vas_error`` column (null where the VAS is valid, unanswered, or the
        row is refused for a dimension)."""
        import polars as pl

        vas = x[:, VAS_COLUMN]
        with np.errstate(invalid="ignore"):
            invalid = (vas < 0) | (vas > 100) | np.isinf(vas) | (vas != np.floor(vas))
        invalid &= ~np.isnan(vas)
        if invalid.any():
            x = x.copy()
            x[invalid, VAS_COLUMN] = np.nan
        out = super().score_matrix(x, check=check)
        errors = pl.repeat(None, x.shape[0], dtype=pl.String, eager=True).alias("vas_error")
        rows = np.flatnonzero(invalid)
        if rows.size:
            errors = errors.scatter(rows, [self.vas_error(float(vas[row])) for row in rows])
        return out.with_columns(
            pl.when(pl.col("error").is_null()).then(errors).otherwise(None).alias("vas_error")
        )

    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        decrement = self._table[0].take(x[:, 0].astype(np.intp))
        for d in range(1, len(DIMENSIONS)):
            decrement += self._table[d].take(x[:, d].astype(np.intp))
        return {"score": (1000 - decrement) / 1000.0, "vas": x[:, 5].copy()}
