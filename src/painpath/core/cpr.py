"""The Danish civil registration number (CPR): format, birth date and the modulus-11 check.

Sources: CPR-kontoret, "Opbygning af CPR-nummeret" (cpr.dk): the 7th digit with the
two-digit year gives the century of birth (table in :func:`_century`); "Personnumre uden
kontrolciffer (modulus 11 kontrol)" (cpr.dk, updated 2023-05-10): until 1 October 2007 every
number satisfied the modulus-11 check; since then the office also issues numbers without
it, "normally always" with a birth date of 1 January, because some birth years ran out of
numbers with the check. Its list of such dates is "not necessarily exhaustive", so painpath
applies the check to every birth date except 1 January, and accepts any 1 January number
whose date part is valid — rejecting a real number would turn a patient away, which the CPR
office asks systems not to do.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from painpath.core.errors import PainpathError

__all__ = ["Cpr", "InvalidCpr", "parse_cpr"]

_FORMAT = re.compile(r"^(\d{2})(\d{2})(\d{2})-?(\d{4})$")
_WEIGHTS = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)


class InvalidCpr(PainpathError, ValueError):
    """A CPR number that cannot be valid; the message says why."""


@dataclass(frozen=True, slots=True)
class Cpr:
    digits: str  # ten digits, no hyphen
    birth_date: dt.date
    modulus_11_applies: bool

    @property
    def masked(self) -> str:
        """``DDMMYY-••••``: enough to tell two patients apart on a list, never the full number."""
        return f"{self.digits[:6]}-••••"

    @property
    def formatted(self) -> str:
        return f"{self.digits[:6]}-{self.digits[6:]}"


def _century(year2: int, seventh: int) -> int:
    # The CPR office's table: the 7th digit and the two-digit year give the century.
    if seventh in (0, 1, 2, 3):
        return 1900
    if seventh in (4, 9):
        return 2000 if year2 <= 36 else 1900
    # 5, 6, 7, 8
    return 2000 if year2 <= 57 else 1800


def parse_cpr(text: str) -> Cpr:
    """Parse ``DDMMYY-SSSS`` (hyphen optional); raise :class:`InvalidCpr` naming the fault."""
    match = _FORMAT.match(text.strip())
    if match is None:
        raise InvalidCpr("a CPR number is 10 digits: DDMMYY-SSSS")
    day, month, year2, serial = match.groups()
    year = _century(int(year2), int(serial[0])) + int(year2)
    try:
        born = dt.date(year, int(month), int(day))
    except ValueError:
        raise InvalidCpr(f"{day}{month}{year2} is not a date") from None
    digits = f"{day}{month}{year2}{serial}"
    applies = (born.month, born.day) != (1, 1)
    if applies and sum(int(d) * w for d, w in zip(digits, _WEIGHTS, strict=True)) % 11:
        raise InvalidCpr(
            "the modulus-11 check fails (it applies to every birth date but 1 January)"
        )
    return Cpr(digits, born, applies)
