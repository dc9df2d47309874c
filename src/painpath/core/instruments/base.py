"""The shared machinery of every instrument: validation, the missing-answer rule, bands, results.

An instrument declares its items, ranges, missing-answer rule, bands and minimal important
change, and implements only its arithmetic, once, over a NumPy matrix (one row per
response). The single-response scorer and the columnar scorer both run that same arithmetic,
so they cannot drift apart; what differs is only how answers are validated and how errors
are reported.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    # Polars is imported by the columnar methods that use it: single-row scoring (the
    # intake, `painpath score`) starts without it, which halves the CLI's start-up time.
    import polars as pl

from painpath.core.errors import InvalidAnswer, ScoringError, TooManyMissing

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Item:
    """One answer code with its allowed range; ``integer`` answers must be whole numbers."""

    code: str
    low: float
    high: float
    integer: bool = True
    optional: bool = False
    """An optional item never counts towards the missing-answer rule (e.g. the EQ VAS)."""

    def describe_range(self) -> str:
        return f"{_fmt(float(self.low))}–{_fmt(float(self.high))}"


@dataclass(frozen=True)
class Band:
    """An interpretation band: scores up to and including ``upper`` (and above the previous
    band's upper bound) get ``label``."""

    upper: float
    label: str


@dataclass(frozen=True)
class MinimalImportantChange:
    """The smallest change a patient would call important, in score units and/or as a share
    of the baseline score, with its source."""

    absolute: float | None
    relative: float | None
    source: str


@dataclass(frozen=True)
class ScoreResult:
    """The score of one response. ``score`` is unrounded, except where the instrument's
    manual publishes rounded values (the EQ-5D index, 3 decimals)."""

    instrument: str
    version: str
    score: float
    subscales: Mapping[str, float | None]
    band: str | None
    n_answered: int
    options: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "subscales": dict(self.subscales),
            "band": self.band,
            "n_answered": self.n_answered,
        }


def _fmt(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


class Instrument(ABC):
    """Base class of every instrument. Subclasses set the class attributes and ``compute``."""

    code: ClassVar[str]
    title: ClassVar[str]
    version: ClassVar[str]
    items: ClassVar[tuple[Item, ...]]
    score_range: ClassVar[tuple[float, float]]
    score_unit: ClassVar[str] = "points"
    # No default: each instrument says which way is better, so that a new one cannot be read
    # backwards by the outcome report (an improvement counted as a deterioration).
    higher_is_better: ClassVar[bool]
    subscale_names: ClassVar[tuple[str, ...]] = ()

    max_missing: ClassVar[int] = 0
    """Default number of required items that may be unanswered, as the manual states it."""
    max_missing_choices: ClassVar[tuple[int, ...]] = ()
    """Other values the manual (or its authors' later guidance) allows a user to choose."""
    missing_rule: ClassVar[str]
    """The missing-answer rule in words, with its source, used in error messages."""

    bands: ClassVar[tuple[Band, ...]] = ()
    band_source: ClassVar[str] = ""
    mic: ClassVar[MinimalImportantChange | None] = None
    source: ClassVar[str]
    licence: ClassVar[str]
    wording_may_be_shipped: ClassVar[bool] = False
    respondent: ClassVar[Literal["patient", "clinician"]] = "patient"
    """Who answers: ``"clinician"`` for an instrument with items a patient cannot answer (the
    full DN4's examination), which is recorded at the visit and never sent to a patient in a
    link, a clinic's questionnaire set or a follow-up protocol."""

    def __init__(self, *, max_missing: int | None = None) -> None:
        if max_missing not in (None, type(self).max_missing, *self.max_missing_choices):
            allowed = sorted({type(self).max_missing, *self.max_missing_choices})
            raise ScoringError(
                f"{self.title}: max_missing={max_missing} is not a choice the manual "
                f"allows; allowed: {', '.join(map(str, allowed))}"
            )
        self.allowed_missing = type(self).max_missing if max_missing is None else max_missing
        self._codes = tuple(item.code for item in self.items)
        self._index = {code: i for i, code in enumerate(self._codes)}
        self._required = np.array([not item.optional for item in self.items], dtype=bool)

    # -- arithmetic, once per instrument ---------------------------------------------------

    @abstractmethod
    def compute(self, x: FloatArray, answered: BoolArray) -> dict[str, FloatArray]:
        """Score rows that passed validation and the missing-answer rule.

        ``x`` is (rows, items) in the order of ``items``, NaN where unanswered; ``answered``
        is its not-NaN mask. Returns ``"score"`` and one array per subscale; NaN marks a
        subscale that the manual does not allow to be computed for that row.
        """

    def options(self) -> dict[str, Any]:
        return {"max_missing": self.allowed_missing}

    # -- one response ------------------------------------------------------------------------

    def validate(self, answers: Mapping[str, object]) -> FloatArray:
        """Check every answer; return the row as floats (NaN = unanswered) or raise."""
        row = np.full(len(self.items), np.nan)
        for code, value in answers.items():
            index = self._index.get(code)
            if index is None:
                raise InvalidAnswer(
                    f"{self.title}: unknown answer code {code!r}; expected "
                    f"{self._codes[0]}…{self._codes[-1]}"
                    + (f" ({', '.join(self._codes)})" if len(self._codes) <= 12 else ""),
                    item=code,
                )
            if value is None:
                continue
            item = self.items[index]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise InvalidAnswer(
                    f"{self.title}: {code} = {_fmt(value)} is not a number; "
                    f"answers are {item.describe_range()}",
                    item=code,
                )
            try:
                number = float(value)
            except OverflowError:  # an int too large for a float: out of any range
                raise InvalidAnswer(
                    f"{self.title}: {code} is out of range {item.describe_range()}", item=code
                ) from None
            if not math.isfinite(number):
                raise InvalidAnswer(
                    f"{self.title}: {code} = {value} is not a finite number", item=code
                )
            if item.integer and not number.is_integer():
                raise InvalidAnswer(
                    f"{self.title}: {code} = {_fmt(value)} is not a whole number; "
                    f"answers are {item.describe_range()}",
                    item=code,
                )
            if number < item.low or number > item.high:
                raise InvalidAnswer(
                    f"{self.title}: {code} = {_fmt(value)} is out of range {item.describe_range()}",
                    item=code,
                )
            row[index] = number
        return row

    def check_missing(self, row: FloatArray) -> None:
        missing = [
            code
            for code, value, required in zip(self._codes, row, self._required, strict=True)
            if required and math.isnan(value)
        ]
        if len(missing) > self.allowed_missing:
            raise TooManyMissing(
                f"{self.title}: {len(missing)} of {int(self._required.sum())} items missing "
                f"({', '.join(missing)}); at most {self.allowed_missing} allowed "
                f"({self.missing_rule}) — score not computed",
                item=missing[0],
            )

    def score(self, answers: Mapping[str, object]) -> ScoreResult:
        """Score one response: ``{"odi1": 2, "odi2": None, ...}``; absent or None = unanswered.

        Raises :class:`InvalidAnswer` or :class:`TooManyMissing` naming the item and the rule.
        """
        row = self.validate(answers)
        self.check_missing(row)
        x = row.reshape(1, -1)
        computed = self.compute(x, ~np.isnan(x))
        score = float(computed["score"][0])
        subscales = {
            name: (None if math.isnan(v := float(computed[name][0])) else v)
            for name in self.subscale_names
        }
        return ScoreResult(
            instrument=self.code,
            version=self.version,
            score=score,
            subscales=subscales,
            band=self.band_of(float(self.band_basis(computed)[0])),
            n_answered=int((~np.isnan(row)).sum()),
            options=self.options(),
        )

    def band_basis(self, computed: Mapping[str, FloatArray]) -> FloatArray:
        """The values the bands are read from, one per row of ``computed`` (what
        :meth:`compute` returned): the score. An instrument whose band depends on more than its
        score (STarT Back: the total and the psychosocial subscore) overrides this to return
        the number its bands are defined on; both scorers read the band from it."""
        return computed["score"]

    def band_of(self, value: float) -> str | None:
        """The band of one value on the band basis (the score, unless :meth:`band_basis` says
        otherwise)."""
        for band in self.bands:
            if value <= band.upper:
                return band.label
        return None

    # -- many responses, one call ----------------------------------------------------------

    def score_frame(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Score every row of a columnar table whose columns are answer codes.

        Columns that are not answer codes of this instrument (an id, a date) are ignored; an
        answer code without a column counts as unanswered. Returns a table with one row per
        input row: ``score``, one column per subscale, ``band`` (an Enum of the band labels),
        ``n_answered`` and ``error`` (null when the row was scored; else the same message the
        single-response scorer gives).
        """
        import polars as pl

        n = frame.height
        # Column-major, so that filling a column is one contiguous copy.
        x = np.empty((n, len(self.items)), dtype=np.float64, order="F")
        present: list[int] = []
        for i, code in enumerate(self._codes):
            if code not in frame.columns:
                x[:, i] = np.nan
                continue
            dtype = frame.schema[code]
            if dtype == pl.Boolean or not (dtype.is_numeric() or dtype == pl.Null):
                raise InvalidAnswer(
                    f"{self.title}: column {code} has type {dtype}; answers must be numbers",
                    item=code,
                )
            present.append(i)
            # fill_null first: a float column without nulls converts to NumPy without a copy.
            x[:, i] = frame.get_column(code).cast(pl.Float64).fill_null(np.nan).to_numpy()
        unchecked = self._columns_needing_row_checks(frame, present)
        return self.score_matrix(x, check=unchecked)

    def _columns_needing_row_checks(self, frame: pl.DataFrame, present: list[int]) -> list[int]:
        """Whole-column checks, in one pass over the table: a column whose minimum and maximum
        are in range and whose answers are all whole (where they must be) needs no row check.
        """
        import polars as pl

        if not present or frame.height == 0:
            return []
        checks: list[pl.Expr] = []
        for i in present:
            item = self.items[i]
            column = pl.col(item.code)
            checks += [column.min().alias(f"{i}.low"), column.max().alias(f"{i}.high")]
            if frame.schema[item.code].is_float():
                checks.append((column.is_nan() | column.is_infinite()).any().alias(f"{i}.nan"))
                if item.integer:
                    checks.append((column.floor() != column).any().alias(f"{i}.frac"))
        stats = frame.select(checks).row(0, named=True)
        unchecked = []
        for i in present:
            low, high = stats[f"{i}.low"], stats[f"{i}.high"]
            if low is None:  # every answer null
                continue
            if (
                low < self.items[i].low
                or high > self.items[i].high
                or stats.get(f"{i}.nan")
                or stats.get(f"{i}.frac")
            ):
                unchecked.append(i)
        return unchecked

    def score_matrix(self, x: FloatArray, *, check: list[int] | None = None) -> pl.DataFrame:
        """Score a (rows, items) float matrix, NaN = unanswered, columns in ``items`` order.

        ``check`` lists the columns that need a row-by-row range check (default: all);
        :meth:`score_frame` leaves out integer columns whose minimum and maximum are in range.
        """
        import polars as pl

        n = x.shape[0]
        answered = ~np.isnan(x)
        bad = np.zeros(n, dtype=bool)
        with np.errstate(invalid="ignore"):
            for i in range(len(self.items)) if check is None else check:
                item = self.items[i]
                column = x[:, i]
                out = (column < item.low) | (column > item.high) | np.isinf(column)
                if item.integer:
                    out |= (column != np.floor(column)) & answered[:, i]
                bad |= out
        n_answered = np.zeros(n, dtype=np.int32)
        n_required = np.zeros(n, dtype=np.int32)
        for i, required in enumerate(self._required):
            # Column by column: the matrix is column-major, and so is this loop.
            n_answered += answered[:, i]
            if required:
                n_required += answered[:, i]
        n_missing = int(self._required.sum()) - n_required
        failed = bad | (n_missing > self.allowed_missing)
        any_failed = bool(failed.any())

        if any_failed:
            ok = ~failed
            score = np.full(n, np.nan)
            basis = np.full(n, np.nan)
            subscales = {name: np.full(n, np.nan) for name in self.subscale_names}
            if ok.any():
                computed = self.compute(x[ok], answered[ok])
                score[ok] = computed["score"]
                basis[ok] = self.band_basis(computed)
                for name in self.subscale_names:
                    subscales[name][ok] = computed[name]
        else:
            computed = self.compute(x, answered)
            score = computed["score"]
            basis = self.band_basis(computed)
            subscales = {name: computed[name] for name in self.subscale_names}

        columns: list[pl.Series] = [pl.Series("score", score, dtype=pl.Float64, nan_to_null=True)]
        for name, values in subscales.items():
            columns.append(pl.Series(name, values, dtype=pl.Float64, nan_to_null=True))
        columns.append(self._bands_series(basis))
        columns.append(pl.Series("n_answered", n_answered, dtype=pl.Int32))
        errors = pl.repeat(None, n, dtype=pl.String, eager=True).alias("error")
        if any_failed:
            rows = np.flatnonzero(failed)
            messages = [self._row_error(x[row]) for row in rows]
            errors = errors.scatter(rows, messages)
        columns.append(errors)
        return pl.DataFrame(columns)

    def _row_error(self, row: FloatArray) -> str:
        answers = {
            code: (None if math.isnan(v) else float(v))
            for code, v in zip(self._codes, row, strict=True)
        }
        try:
            self.check_missing(self.validate(answers))
        except ScoringError as error:
            return str(error)
        raise AssertionError("row flagged invalid by the vectorised check but valid alone")

    def band_enum(self) -> pl.Enum:
        import polars as pl

        return pl.Enum([band.label for band in self.bands])

    def _bands_series(self, values: FloatArray) -> pl.Series:
        """Band labels of the band-basis ``values`` (NaN for refused rows)."""
        import polars as pl

        if not self.bands:
            return pl.repeat(None, len(values), dtype=pl.String, eager=True).alias("band")
        uppers = np.array([band.upper for band in self.bands])
        codes = np.searchsorted(uppers, values, side="left").astype(np.uint32)
        # NaN values (refused rows) sort past the last band: the appended null label.
        labels = pl.Series("band", [*(b.label for b in self.bands), None], dtype=self.band_enum())
        return labels.gather(codes)


def sum_prorated(x: FloatArray, answered: BoolArray, n_items: int) -> FloatArray:
    """Sum of answered items scaled to the full item count: the usual proration, which equals
    replacing each missing item by the mean of the answered ones."""
    total = np.where(answered, x, 0.0).sum(axis=1)
    counted = answered.sum(axis=1)
    return np.asarray(total * n_items / counted, dtype=np.float64)


def items_range(prefix: str, count: int, low: float, high: float) -> tuple[Item, ...]:
    return tuple(Item(f"{prefix}{i}", low, high) for i in range(1, count + 1))


def columns_of(instrument: Instrument, codes: Sequence[str]) -> list[int]:
    """Column positions of ``codes`` in the instrument's item order (for subscales)."""
    return [instrument._index[code] for code in codes]
