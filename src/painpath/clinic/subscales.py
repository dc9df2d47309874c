"""Subscale names in the clinician's language.

A stored response keeps its subscales by the core's codes (``sport_rec``, ``koos12_pain``:
stable for the API, ``painpath score`` and exports); the answers page shows them through
:func:`subscale_rows`. Only the instruments named here have their subscales on that page — an
instrument without names shows its score alone rather than English codes on a Danish page.
The KOOS is here so that the KOOS-12 scales derived from every KOOS (issue 15) are seen where
the KOOS is read. The Danish names are painpath's, after the Danish KOOS form's headings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

# KOOS Scoring 2012 and HOOS Scoring 2013 name the same five subscales.
ROOS = {
    "pain": pgettext_lazy("subscale", "Pain"),
    "symptoms": pgettext_lazy("subscale", "Symptoms"),
    "adl": pgettext_lazy("subscale", "Function in daily living (ADL)"),
    "sport_rec": pgettext_lazy("subscale", "Function in sport and recreation"),
    "qol": pgettext_lazy("subscale", "Quality of life"),
}
KOOS12 = {
    "koos12_pain": pgettext_lazy("subscale", "KOOS-12 pain"),
    "koos12_function": pgettext_lazy("subscale", "KOOS-12 function"),
    "koos12_qol": pgettext_lazy("subscale", "KOOS-12 quality of life"),
    "koos12_summary": pgettext_lazy("subscale", "KOOS-12 summary"),
}

SUBSCALES: dict[str, dict[str, Promise]] = {
    "koos": ROOS | KOOS12,
    "hoos": ROOS,
}


def subscale_rows(
    instrument: str, subscales: Mapping[str, object], number: Callable[[float], str]
) -> list[tuple[str, str]]:
    """``(name, value)`` for each named subscale the response has, in the table's order;
    ``number`` writes the value as the page writes its scores."""
    names = SUBSCALES.get(instrument, {})
    return [
        (str(label), number(float(value)))
        for code, label in names.items()
        if isinstance(value := subscales.get(code), int | float) and not isinstance(value, bool)
    ]
