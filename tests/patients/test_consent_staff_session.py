"""A consent choice made on the patient's link while a staff member is signed in in the same
browser (a clinic tablet, the secretary's PC): the link's pages ignore the staff session, so
the choice is the patient's — but its audit entry names the staff session, so that an audit
can tell a choice the patient made alone from one made with staff at the keyboard."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from painpath.audit.models import AuditEntry
from painpath.core import consent as texts
from painpath.patients import consent
from painpath.patients.models import ConsentDecision, Episode
from painpath.questionnaires import services
from painpath.questionnaires.models import IntakeLink

pytestmark = pytest.mark.django_db

GIVEN, REFUSED = ConsentDecision.Decision.GIVEN, ConsentDecision.Decision.REFUSED


@pytest.fixture
def sent_link(episode: Episode, clinician: User) -> str:
    """A link whose intake is sent, with research consent given: its consent page changes
    the choice at once."""
    consent.record_decision(
        episode.patient, "research", GIVEN, version=1, source=ConsentDecision.Source.INTAKE
    )
    issued, path = services.issue_link(episode, ["nrs"], "en", clinician, days=14)
    IntakeLink.objects.filter(pk=issued.pk).update(completed_at="2026-01-05T10:00:00Z")
    return reverse("questionnaires:consent", args=[path.rstrip("/").rsplit("/", 1)[-1]])


def refuse_research() -> dict[str, str]:
    return {
        "care": GIVEN,
        "research": REFUSED,
        "care_version": str(texts.current("care").version),
        "research_version": str(texts.current("research").version),
    }


def test_a_withdrawal_on_the_link_with_staff_signed_in_names_the_staff_session(
    sent_link: str, episode: Episode, verified_client: Callable[[User], Client], clinician: User
) -> None:
    tablet = verified_client(clinician)

    tablet.post(sent_link, refuse_research())

    withdrawn = consent.current(episode.patient)["research"]
    assert withdrawn is not None and withdrawn.decision == ConsentDecision.Decision.WITHDRAWN
    assert (withdrawn.source, withdrawn.recorded_by) == (ConsentDecision.Source.PATIENT, None)
    entry = AuditEntry.objects.get(code=consent.WITHDRAWN.code)
    assert entry.user is None  # the choice is the link holder's, not the staff member's
    assert entry.detail["staff_session"] == {"id": clinician.pk, "username": "test-clinician"}


def test_the_patient_alone_on_their_link_leaves_no_staff_session(
    sent_link: str, episode: Episode
) -> None:
    Client().post(sent_link, refuse_research())

    entry = AuditEntry.objects.get(code=consent.WITHDRAWN.code)
    assert entry.user is None and "staff_session" not in entry.detail


def test_staff_recording_a_withdrawal_themselves_are_its_author(
    episode: Episode, clinician_client: Client
) -> None:
    consent.record_decision(
        episode.patient, "research", GIVEN, version=1, source=ConsentDecision.Source.INTAKE
    )
    clinician_client.post(
        reverse("clinic:withdraw_consent", args=[episode.patient.public_id]),
        {"purpose": "research", "note": str(uuid.uuid4())},
    )
    entry = AuditEntry.objects.get(code=consent.WITHDRAWN.code)
    assert entry.username == "test-clinician" and "staff_session" not in entry.detail
