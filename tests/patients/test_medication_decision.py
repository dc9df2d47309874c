"""The doctor's documented decision on a blood thinner (patients.services.decide_medication):
who, when and why, audited, and it makes the patient ready for the procedure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from painpath.audit.models import AuditEntry
from painpath.pathway import services as pathway
from painpath.pathway.services import latest_classification
from painpath.patients import services
from painpath.patients.models import Episode, Medication

pytestmark = pytest.mark.django_db


def _everything_but_the_blood_thinner(episode: Episode, user: User) -> None:
    """Paraspinal gold implantation (intermediate bleeding risk) with every other checklist
    item done."""
    today = timezone.localdate()
    services.add_imaging(episode, kind="mri", region="low_back", date=today - dt.timedelta(30))
    pathway.book_procedure(
        episode,
        kind="gold_implantation",
        region="low_back",
        appointment_date=today + dt.timedelta(20),
    )
    for item in (
        "appointment_booked",
        "imaging_requested",
        "imaging_received",
        "companion_arranged",
    ):
        pathway.set_readiness(episode, item, state="done", date=today, user=user)


def test_the_doctors_decision_to_continue_clopidogrel_makes_the_patient_ready(
    episode: Episode, clinician: User
) -> None:
    _everything_but_the_blood_thinner(episode, clinician)
    clopidogrel = services.add_medication(episode, code="clopidogrel", anticoagulant=True)
    before = latest_classification(episode)
    assert before is not None and before.axis("readiness").fired == (  # type: ignore[union-attr]
        "anticoagulant_pause_not_agreed",
    )

    services.decide_medication(
        clopidogrel,
        decision="continue",
        reason="drug-eluting stent 3 months ago; the cardiologist advises against a pause",
        user=clinician,
    )

    clopidogrel.refresh_from_db()
    assert (clopidogrel.decision, clopidogrel.decision_days, clopidogrel.decided_by) == (
        "continue",
        None,
        clinician,
    )
    assert clopidogrel.decided_at is not None
    after = latest_classification(episode)
    assert after is not None and after.result_of("readiness") == "ready"
    assert after.trigger == "medication decision"


def test_a_decision_is_audited_without_its_reason(episode: Episode, clinician: User) -> None:
    warfarin = services.add_medication(episode, code="warfarin", anticoagulant=True)
    services.decide_medication(
        warfarin, decision="pause", days=5, reason="atrial fibrillation", user=clinician
    )
    entry = AuditEntry.objects.get(code="patients.medication.decided")
    assert (entry.patient, entry.user, entry.action) == (episode.patient, clinician, "change")
    assert entry.detail == {"drug": "warfarin", "decision": "pause", "days": 5}
    assert "atrial" not in str(entry.detail)


def test_a_pause_needs_its_days_and_a_decision_is_continue_or_pause(
    episode: Episode, clinician: User
) -> None:
    warfarin = services.add_medication(episode, code="warfarin", anticoagulant=True)
    with pytest.raises(ValueError, match="number of days"):
        services.decide_medication(warfarin, decision="pause", user=clinician)
    with pytest.raises(ValueError, match="decision must be one of"):
        services.decide_medication(warfarin, decision="stop", user=clinician)
    assert Medication.objects.get().decision == ""


def test_the_details_the_table_asks_for_are_kept_with_the_decision(
    episode: Episode, clinician: User
) -> None:
    dabigatran = services.add_medication(episode, code="Pradaxa 150 mg", anticoagulant=True)
    services.decide_medication(
        dabigatran, decision="pause", days=6, renal_impaired=True, user=clinician
    )
    dabigatran.refresh_from_db()
    assert (dabigatran.renal_impaired, dabigatran.decision_days) == (True, 6)
