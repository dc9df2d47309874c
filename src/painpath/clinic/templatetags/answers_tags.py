"""The patient page's list of what the patient answered, each response linked to its answers
view (``clinic.answers``); included by ``clinic/_history.html``."""

from __future__ import annotations

from typing import Any

from django import template

from painpath.core.instruments import REGISTRY
from painpath.patients.models import Episode
from painpath.questionnaires.models import QuestionnaireResponse

register = template.Library()

SHOWN = 60
"""The newest responses listed; the rest are counted (the page stays one screen long)."""


@register.inclusion_tag("clinic/_answers_list.html")
def episode_answers(episode: Episode) -> dict[str, Any]:
    """The episode's responses, newest first, grouped by the day they were answered, and the
    intake when the episode holds one. ``episode`` came through the clinic-scoped accessor."""
    responses = list(
        QuestionnaireResponse.objects.filter(episode=episode)
        .only(
            "episode_id", "submission_id", "instrument", "answered_on", "source", "score", "link_id"
        )
        .order_by("-answered_on", "-id")[: SHOWN + 1]
    )
    days: list[dict[str, Any]] = []
    for response in responses[:SHOWN]:
        if not days or days[-1]["date"] != response.answered_on:
            days.append({"date": response.answered_on, "responses": []})
        cls = REGISTRY.get(response.instrument)
        days[-1]["responses"].append(
            {"response": response, "title": cls.title if cls else response.instrument.upper()}
        )
    return {
        "episode": episode,
        "days": days,
        "more": len(responses) > SHOWN,
        "has_intake": bool(episode.intake),
    }
