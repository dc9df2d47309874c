"""Disclosure control counts persons, not episodes or clinic records (docs/disclosure.md): a
person with two episodes, or with records at two clinics, is one of the k. All synthetic."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from painpath.analytics import disclosure, services
from painpath.core.analytics.disclosure import DisclosurePolicy
from painpath.core.consent import RESEARCH
from painpath.patients.consent import record_decision
from painpath.patients.models import Clinic, Episode, Patient
from painpath.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db

K5 = DisclosurePolicy(5)


def person(clinic: Clinic, serial: int, *, episodes: int) -> Patient:
    """Synthetic: a woman born 1 January 1975 (no modulus-11 check on 1 January) at
    ``clinic`` with research consent and ``episodes`` episodes, each with an NRS baseline on
    its first visit and a 3-month answer."""
    patient = Patient.objects.create(
        name=f"Person {serial} (synthetic)",
        date_of_birth=dt.date(1975, 1, 1),
        sex="female",
        synthetic=True,
        clinic=clinic,
    )
    patient.set_cpr(f"010175-{serial:04d}")
    patient.save()
    record_decision(patient, RESEARCH, "given", version=1, source="intake")
    for _ in range(episodes):
        episode = Episode.objects.create(patient=patient, complaint="Low back pain")
        first_visit = timezone.localtime(episode.created_at).date()
        for days, score in ((0, 7), (91, 4)):
            QuestionnaireResponse.objects.create(
                episode=episode,
                instrument="nrs",
                answers={},
                score=score,
                answered_on=first_visit + dt.timedelta(days=days),
            )
    return patient


def test_three_persons_with_two_episodes_each_are_fewer_than_five(clinic: Clinic) -> None:
    for serial in range(3):
        person(clinic, 1000 + serial, episodes=2)
    frame = services.export_registry()
    assert frame["patient_id"].n_unique() == 6  # six episodes: six units before
    assert frame["person_id"].n_unique() == 3

    cohort, withheld = disclosure.research_cohort(frame, disclosure.DEFAULT_RESEARCH_COLUMNS, K5)

    assert cohort.height == 0
    assert withheld.patients == 3 and withheld.further_episodes == 3


def test_five_persons_with_two_episodes_each_are_five_units_one_per_person(
    clinic: Clinic,
) -> None:
    people = [person(clinic, 1000 + serial, episodes=2) for serial in range(5)]
    frame = services.export_registry()

    cohort, withheld = disclosure.research_cohort(frame, disclosure.DEFAULT_RESEARCH_COLUMNS, K5)

    assert cohort["patient_id"].n_unique() == 5
    # The first episode of each stands for the person.
    assert set(cohort["patient_id"]) == {services.pseudonym(p.public_id) for p in people}
    assert withheld.patients == 0 and withheld.further_episodes == 5


def test_a_person_s_records_at_two_clinics_are_one_person(
    clinic: Clinic, other_clinic: Clinic
) -> None:
    here = person(clinic, 1234, episodes=1)
    there = person(other_clinic, 1234, episodes=1)  # the same CPR number at another clinic
    frame = services.export_registry()

    assert frame["patient_id"].n_unique() == 2
    assert set(frame["person_id"]) == {services.person_pseudonym(here)}
    assert services.person_pseudonym(there) == services.person_pseudonym(here)
    # The person pseudonym is neither the record's pseudonym nor anything identifying.
    assert services.person_pseudonym(here) != services.pseudonym(here.public_id)
    assert "010175" not in str(frame.to_dicts())
    assert disclosure.one_unit_per_person(frame)["patient_id"].n_unique() == 1
