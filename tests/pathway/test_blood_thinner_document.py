"""The episode document carries the blood thinners' details and the doctor's decision, valid
against the episode schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from painpath.core.rules import validate_episode
from painpath.pathway.services import episode_document
from painpath.patients import services
from painpath.patients.models import Episode

pytestmark = pytest.mark.django_db


def test_the_document_carries_the_decision_who_when_why(episode: Episode, clinician: User) -> None:
    aspirin = services.add_medication(episode, code="Hjertemagnyl 75 mg")
    services.decide_medication(
        aspirin,
        decision="continue",
        reason="secondary prevention after a stroke",
        indication="secondary_prevention",
        user=clinician,
    )
    services.add_medication(episode, code="enoxaparin", anticoagulant=True)
    today = timezone.localdate()
    document = validate_episode(episode_document(episode, today))
    assert document["medications"] == [
        {
            "code": "Hjertemagnyl 75 mg",
            "anticoagulant": False,
            "indication": "secondary_prevention",
            "decision": {
                "action": "continue",
                "by": clinician.get_username(),
                "date": today.isoformat(),
                "reason": "secondary prevention after a stroke",
            },
        },
        {"code": "enoxaparin", "anticoagulant": True},
    ]


def test_a_pause_decision_carries_its_days(episode: Episode, clinician: User) -> None:
    warfarin = services.add_medication(episode, code="warfarin", anticoagulant=True)
    services.decide_medication(warfarin, decision="pause", days=5, user=clinician)
    document = validate_episode(episode_document(episode, timezone.localdate()))
    decision = document["medications"][0]["decision"]
    assert (decision["action"], decision["days"]) == ("pause", 5)
    assert dt.date.fromisoformat(decision["date"]) == timezone.localdate()
