"""Acknowledging a red flag records what was done — referred, patient contacted, judged not
relevant — and a note, with the grade, in the audit log (issue 10)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from painpath.audit.models import AuditEntry
from painpath.pathway.models import RedFlagAcknowledgement
from painpath.pathway.services import (
    acknowledge_red_flag,
    classify_episode,
    red_flag_acknowledgement,
    red_flag_grade,
)
from painpath.patients.models import Episode

pytestmark = pytest.mark.django_db


def _raise(episode: Episode, **flags: bool) -> object:
    episode.intake["red_flags"] = flags
    episode.save()
    return classify_episode(episode)


def test_the_action_and_the_note_are_recorded_and_audited(
    episode: Episode, clinician: User
) -> None:
    classification = _raise(episode, sexual_dysfunction=True)
    ack = acknowledge_red_flag(
        classification, user=clinician, action="referred", note="Acute MRI booked"
    )
    assert (ack.action, ack.get_action_display(), ack.note) == (
        "referred",
        "Referred for assessment",
        "Acute MRI booked",
    )
    entry = AuditEntry.objects.get(action="acknowledge")
    assert entry.code == "pathway.red_flag.acknowledged"
    assert entry.detail == {
        "red_flags": ["cauda_equina"],
        "grade": "emergency",
        "action": "referred",
    }


@pytest.mark.parametrize("action", ["", "seen", "unrecorded"])
def test_an_acknowledgement_must_say_what_was_done(
    episode: Episode, clinician: User, action: str
) -> None:
    classification = _raise(episode, history_of_cancer=True)
    with pytest.raises(ValueError, match="say what was done"):
        acknowledge_red_flag(classification, user=clinician, action=action)
    assert not RedFlagAcknowledgement.objects.exists()


def test_a_review_grade_red_flag_is_acknowledged_too(episode: Episode, clinician: User) -> None:
    # Inflammatory features alone: review (NICE NG59), not urgent — still to be seen.
    classification = _raise(episode, inflammatory_features=True)
    assert not classification.urgent
    assert red_flag_grade(classification) == "review"
    assert red_flag_acknowledgement(classification) is None
    ack = acknowledge_red_flag(classification, user=clinician, action="not_relevant")
    assert red_flag_acknowledgement(classification) == ack


def test_no_red_flag_has_no_grade(episode: Episode) -> None:
    classification = _raise(episode, history_of_cancer=False)
    assert red_flag_grade(classification) is None
    assert red_flag_acknowledgement(classification) is None
