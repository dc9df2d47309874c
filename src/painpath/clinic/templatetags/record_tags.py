"""``{% record_section %}``: the patient page's record section (notes, diagnoses, work
status, opioids as OME, allergies), filled by :func:`painpath.clinic.record.record_context`
so that the page's view need not know about it."""

from typing import Any

from django import template

from painpath.clinic.record import record_context

register = template.Library()


@register.inclusion_tag("clinic/_record_body.html", takes_context=True)
def record_section(context: template.Context) -> dict[str, Any]:
    episode = context.get("episode")
    if episode is None:
        return {"episode": None}
    return {
        **record_context(episode, context.get("classification")),
        "perms": context.get("perms"),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
