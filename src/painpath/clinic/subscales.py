"""Subscales in the clinician's language, wherever a score is read.

A stored response keeps its subscales by the core's codes (``anxiety``, ``koos12_pain``:
stable for the API, ``painpath score`` and exports); the answers page, the patient page and
the summary name them from the instrument's questionnaire source (``painpath.core.subscales``:
every subscale of every instrument is named in da, en and de there), never by code. A HADS
reads "Angst 9 (mulig), Depression 8 (mulig)": each subscale with its own band where the
source bands it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from painpath.core.errors import PainpathError
from painpath.core.subscales import SCORE, band_of, subscales


@dataclass(frozen=True)
class SubscaleValue:
    name: str
    value: str
    band: str = ""

    def __str__(self) -> str:
        return f"{self.name} {self.value}" + (f" ({self.band})" if self.band else "")


def subscale_values(
    instrument: str,
    values: Mapping[str, object],
    number: Callable[[float], str] | None = None,
    score: float | None = None,
) -> list[SubscaleValue]:
    """Each shown subscale the response has a value for, in the source's order, named in the
    screen language; ``number`` writes the value as the page writes its scores. ``score`` is
    the response's score, shown among them where the source names it (the BPI's interference)."""
    # Imported here: the answers page imports this module.
    from painpath.clinic.answers import score_number, screen_language

    try:
        named = subscales(instrument)
    except PainpathError:  # an instrument the core no longer knows: its codes are not shown
        return []
    language = screen_language()
    rows = []
    for subscale in named:
        value = score if subscale.code == SCORE else values.get(subscale.code)
        if subscale.hidden or not isinstance(value, int | float) or isinstance(value, bool):
            continue
        band = band_of(subscale, float(value))
        rows.append(
            SubscaleValue(
                subscale.name[language],
                (number or score_number)(float(value)),
                subscale.band_names[band][language] if band else "",
            )
        )
    return rows


def subscale_rows(
    instrument: str, values: Mapping[str, object], number: Callable[[float], str]
) -> list[tuple[str, str]]:
    """``(name, value)`` per shown subscale, the value followed by its band, if any."""
    return [
        (row.name, f"{row.value} ({row.band})" if row.band else row.value)
        for row in subscale_values(instrument, values, number)
    ]


def subscale_line(instrument: str, values: Mapping[str, object]) -> str:
    """The subscales on one line: "Angst 9 (mulig), Depression 8 (mulig)"."""
    return ", ".join(str(row) for row in subscale_values(instrument, values))
