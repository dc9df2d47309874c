"""Template filters for patient screens."""

from __future__ import annotations

from django import template

from painpath.patients.forms import REGION_LABELS

register = template.Library()


@register.filter
def region(code: str) -> str:
    """A body-region code in words ("low_back" → "low back"), translated."""
    return str(REGION_LABELS.get(code, code.replace("_", " ")))
