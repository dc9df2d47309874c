"""Template helpers for the patient pages: options of a choice field, ARIA descriptions."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField

from painpath.questionnaires import sending

register = template.Library()


@register.filter
def options(field: BoundField) -> list[dict[str, Any]]:
    """Each choice of a radio/checkbox/select field with its id and whether it is chosen."""
    value = field.value()
    chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}
    return [
        {
            "value": str(key),
            "label": label,
            "id": f"{field.auto_id}_{index}",
            "checked": str(key) in chosen,
        }
        for index, (key, label) in enumerate(field.field.choices)  # type: ignore[attr-defined]
    ]


@register.filter
def first_id(field: BoundField) -> str:
    """The id to link to from the error summary: the first option of a group."""
    kind = getattr(field.field, "kind", "")
    if kind == "bodymap":
        return f"{field.auto_id}_head"
    return f"{field.auto_id}_0" if kind in ("radio", "checkboxes") else str(field.auto_id)


@register.filter
def describedby(field: BoundField) -> str:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_hint")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


@register.filter
def kind(field: BoundField) -> str:
    return str(getattr(field.field, "kind", "text"))


@register.filter
def attr(field: BoundField, name: str) -> Any:
    return getattr(field.field, name, "")


@register.filter
def local_datetime(value: Any) -> str:
    """A moment as the current language writes it ("14. dec. 2026 kl. 01.09" in Danish)."""
    return sending.local_datetime(value) if value else ""
