"""Number formats of the outcome report: fixed decimals, shares as %, intervals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from painpath.analytics import charts, render

register = template.Library()


def _rounded(value: float, digits: int) -> str:
    # Round first (Python's correctly rounded float formatting), then localise: Django's
    # number_format truncates floats instead of rounding them.
    return number_format(Decimal(f"{value:.{digits}f}"), decimal_pos=digits)


@register.filter
def num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    return _rounded(float(value), int(digits))


@register.filter
def pct(value: Any, digits: int = 1) -> str:
    if value is None:
        return "–"
    return f"{_rounded(100 * float(value), int(digits))} %"


@register.filter
def ci(interval: Any, digits: int = 1) -> str:
    if not interval:
        return "–"
    return _("%(low)s to %(high)s") % {
        "low": num(interval[0], digits),
        "high": num(interval[1], digits),
    }


@register.filter
def ci_pct(interval: Any, digits: int = 1) -> str:
    if not interval:
        return "–"
    return _("%(low)s to %(high)s") % {
        "low": pct(interval[0], digits),
        "high": pct(interval[1], digits),
    }


@register.filter
def digits_for(instrument: str) -> int:
    """Decimals to show: EQ-5D's index needs 3, the 0–10 and 0–100 scales 1."""
    return 3 if instrument.startswith("eq5d") else 1


@register.filter
def wording_label(group: str | None) -> str:
    """A wording group in the reader's words (``licensed``, ``paraphrase``, …)."""
    return render.wording_label(group)


@register.filter
def count(value: Any, k: int | None = None) -> str:
    """A count, or "fewer than k" where disclosure control withheld it (never the number)."""
    if value is None:
        return "–"
    return charts.count(int(value), k)


@register.filter
def responder_text(text: str) -> str:
    """A responder definition's label or note in the screen's language."""
    return render.responder_text(text)
