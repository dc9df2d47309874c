"""Opioid dose as oral morphine equivalents (OME, mg per day).

The factors are data: ``data/record/opioid-equivalence.yaml``, after the Faculty of Pain
Medicine (ANZCA) Opioid Equivalence Calculation Table, PS01(PM) Appendix 2021, page 1, with
the CDC 2022 factor beside each row for comparison. OME = daily dose × factor; the dose is
in the row's unit (mg per day, or µg per hour for a patch). Methadone carries no factor (its
equivalence rises with the dose): its dose is kept and reported as not converted, never
guessed. Conversions are approximate — the table's ``warning`` says so and every screen
that shows an OME shows it too. An OME compares exposure; it is not a dose to switch to.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from typing import Any

import yaml

from painpath.core.errors import PainpathError

__all__ = [
    "Conversion",
    "ImplausibleDose",
    "Opioid",
    "OpioidError",
    "OpioidTable",
    "Total",
    "convert",
    "load_table",
    "total",
]

_FILE = ("record", "opioid-equivalence.yaml")
_UNITS = ("mg/day", "µg/h")
# Beyond any daily dose a clinic sees (a typo, not a dose): 100 g of morphine a day.
MAX_DOSE = Decimal(100_000)


class OpioidError(PainpathError, ValueError):
    """An unknown opioid, a dose that is not a positive number, or a malformed table."""


class ImplausibleDose(OpioidError):
    """A dose above the opioid's plausibility limit: most likely typed in the wrong unit."""

    def __init__(self, opioid: Opioid, dose: Decimal) -> None:
        super().__init__(
            f"{opioid.code}: {dose} {opioid.unit} is above painpath's plausibility limit of "
            f"{opioid.plausible_max} {opioid.unit}"
        )
        self.opioid = opioid
        self.dose = dose


@dataclass(frozen=True)
class Opioid:
    code: str
    name: Mapping[str, str]
    unit: str
    factor: Decimal | None
    cdc2022: Decimal | None
    not_convertible: str = ""
    plausible_max: Decimal | None = None
    """painpath's own limit on a daily dose in ``unit`` (a typo guard, not a clinical
    maximum; see the table's ``plausible_max_note``)."""

    def label(self, language: str) -> str:
        return self.name.get(language) or self.name["en"]


@dataclass(frozen=True)
class OpioidTable:
    id: str
    version: str
    citation: str
    short: str
    page: int
    warning: Mapping[str, str]
    verification: str
    opioids: tuple[Opioid, ...]

    def get(self, code: str) -> Opioid:
        for opioid in self.opioids:
            if opioid.code == code:
                return opioid
        known = ", ".join(o.code for o in self.opioids)
        raise OpioidError(f"unknown opioid {code!r}; the table ({self.id}) knows: {known}")

    def codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.opioids)

    def warning_text(self, language: str) -> str:
        return self.warning.get(language) or self.warning["en"]


@dataclass(frozen=True)
class Conversion:
    """One opioid's daily dose and its OME; ``ome`` is None when the table gives no factor."""

    opioid: Opioid
    dose: Decimal
    ome: Decimal | None

    @property
    def converted(self) -> bool:
        return self.ome is not None


@dataclass(frozen=True)
class Total:
    """The OME of several opioids taken together. ``unconverted`` are those the table cannot
    convert (methadone): the total leaves them out, and says so — it is then a lower bound."""

    conversions: tuple[Conversion, ...]
    ome: Decimal
    unconverted: tuple[Conversion, ...]
    table_id: str
    table_version: str

    @property
    def complete(self) -> bool:
        return not self.unconverted


def _decimal(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise OpioidError(f"{where}: {value!r} is not a number") from None
    if not number.is_finite() or number <= 0:
        raise OpioidError(f"{where}: the factor must be a positive number, not {value!r}")
    return number


def _opioid(row: Mapping[str, Any]) -> Opioid:
    code = str(row.get("code", ""))
    where = f"{'/'.join(_FILE)}, opioid {code or '(no code)'}"
    if not code:
        raise OpioidError(f"{where}: every row needs a code")
    unit = row.get("unit")
    if unit not in _UNITS:
        raise OpioidError(f"{where}: unit must be one of {', '.join(_UNITS)}, not {unit!r}")
    name = row.get("name") or {}
    if "en" not in name:
        raise OpioidError(f"{where}: the name needs English words (name.en)")
    factor = _decimal(row.get("factor"), where)
    reason = str(row.get("not_convertible", "")).strip()
    if factor is None and not reason:
        raise OpioidError(f"{where}: a row without a factor must say why (not_convertible)")
    return Opioid(
        code=code,
        name=dict(name),
        unit=str(unit),
        factor=factor,
        cdc2022=_decimal(row.get("cdc2022"), f"{where} (cdc2022)"),
        not_convertible=reason,
        plausible_max=_decimal(row.get("plausible_max"), f"{where} (plausible_max)"),
    )


def parse_table(document: Mapping[str, Any]) -> OpioidTable:
    """Build the table from its YAML document, checking every row (codes unique, units
    known, factors positive, a reason where there is no factor)."""
    opioids = tuple(_opioid(row) for row in document.get("opioids") or ())
    codes = [o.code for o in opioids]
    if len(set(codes)) != len(codes):
        raise OpioidError(f"{'/'.join(_FILE)}: opioid codes repeat: {sorted(codes)}")
    warning = document.get("warning") or {}
    if "en" not in warning:
        raise OpioidError(f"{'/'.join(_FILE)}: the table needs its warning in English")
    source = document.get("source") or {}
    return OpioidTable(
        id=str(document["id"]),
        version=str(document["version"]),
        citation=" ".join(str(source.get("citation", "")).split()),
        short=str(source.get("short") or source.get("citation", "")),
        page=int(source.get("page", 0)),
        warning={k: " ".join(str(v).split()) for k, v in warning.items()},
        verification=" ".join(str(document.get("verification", "")).split()),
        opioids=opioids,
    )


@cache
def load_table() -> OpioidTable:
    """The shipped table, read once."""
    path = resources.files("painpath.core.data").joinpath(*_FILE)
    return parse_table(yaml.safe_load(path.read_text(encoding="utf-8")))


def dose_number(dose: Any) -> Decimal:
    """A daily dose as a Decimal; an error naming the dose when it is not a positive number
    below :data:`MAX_DOSE`."""
    try:
        number = Decimal(str(dose).replace(",", "."))
    except InvalidOperation:
        raise OpioidError(f"dose {dose!r} is not a number") from None
    if not number.is_finite() or number <= 0 or number > MAX_DOSE:
        raise OpioidError(f"dose {dose!r} must be above 0 and at most {MAX_DOSE}")
    return number


def convert(
    code: str, dose: Any, table: OpioidTable | None = None, *, refuse_implausible: bool = False
) -> Conversion:
    """The OME of ``dose`` (in the opioid's unit: mg/day, µg/h for a patch) of ``code``.
    ``refuse_implausible`` (when a dose is recorded) raises :class:`ImplausibleDose` above the
    row's plausibility limit; a dose already stored is converted whatever a later limit says."""
    opioid = (table or load_table()).get(code)
    amount = dose_number(dose)
    if refuse_implausible and opioid.plausible_max is not None and amount > opioid.plausible_max:
        raise ImplausibleDose(opioid, amount)
    ome = None if opioid.factor is None else amount * opioid.factor
    return Conversion(opioid, amount, ome)


def total(doses: Iterable[tuple[str, Any]], table: OpioidTable | None = None) -> Total:
    """The summed OME of ``(code, dose)`` pairs taken together."""
    table = table or load_table()
    conversions = tuple(convert(code, dose, table) for code, dose in doses)
    return Total(
        conversions=conversions,
        ome=sum((c.ome for c in conversions if c.ome is not None), Decimal(0)),
        unconverted=tuple(c for c in conversions if c.ome is None),
        table_id=table.id,
        table_version=table.version,
    )
