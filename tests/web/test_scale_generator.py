"""The scale generator (painpath.web.scale, ``load_demo --patients N``): a small clinic built
with it has the shape of the large one the benchmarks measure, and its pages work."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.test import Client

from painpath.audit.models import AuditEntry
from painpath.core.cpr import parse_cpr
from painpath.core.instruments import REGISTRY
from painpath.core.instruments import get as get_instrument
from painpath.core.questionnaires import UNKNOWN_WORDING
from painpath.followup.models import ContactAttempt, FollowUpPlan, FollowUpPoint
from painpath.pathway.models import Classification, TreatmentCourse
from painpath.pathway.services import latest_classification
from painpath.patients.models import Clinic, ConsentDecision, Episode, Membership, Patient
from painpath.questionnaires.models import QuestionnaireResponse
from painpath.web import scale

PATIENTS = 200
AUDIT_ROWS = 20_000


@pytest.fixture(scope="module")
def clinic_built(
    django_db_setup: None, django_db_blocker: pytest.FixtureRequest
) -> Iterator[scale.Summary]:
    """Built once for the module (a few seconds) and rolled back after its last test; each
    test runs in a savepoint inside it."""
    with django_db_blocker.unblock(), transaction.atomic():  # type: ignore[attr-defined]
        yield scale.build_clinic(patients=PATIENTS, audit_rows=AUDIT_ROWS, seed=13, batch=80)
        transaction.set_rollback(True)


@pytest.fixture
def built(clinic_built: scale.Summary, db: None) -> scale.Summary:
    return clinic_built


def between(value: int, low: float, high: float) -> bool:
    return low <= value <= high


def test_a_small_clinic_has_the_shape_of_a_real_one(built: scale.Summary) -> None:
    patients = Patient.objects.all()
    assert patients.count() == built.patients == PATIENTS
    assert not patients.filter(Q(synthetic=False) | ~Q(name__contains=scale.MARK)).exists()
    # Two clinics, round robin.
    by_clinic = dict(patients.values_list("clinic__code").annotate(n=Count("id")))
    assert by_clinic == {"clinic-a": PATIENTS // 2, "clinic-b": PATIENTS // 2}

    episodes = Episode.objects.all()
    per_patient = patients.annotate(n=Count("episodes")).values_list("n", flat=True)
    assert set(per_patient) == {1, 2}
    assert between(episodes.count(), PATIENTS * 1.15, PATIENTS * 1.45)
    # About 15 % of patients are in an open episode (3,000 of 20,000).
    assert between(episodes.filter(status="open").count(), PATIENTS * 0.07, PATIENTS * 0.25)

    answered = patients.annotate(n=Count("episodes__responses")).values_list("n", flat=True)
    assert min(answered) >= 3 and max(answered) <= 10
    runs = episodes.annotate(n=Count("classifications")).values_list("n", flat=True)
    assert min(runs) >= 2 and max(runs) <= 8
    assert Classification.objects.count() == built.classifications

    assert between(
        TreatmentCourse.objects.count(), episodes.count() * 0.45, episodes.count() * 0.75
    )
    assert (
        FollowUpPlan.objects.filter(status="active").count()
        <= episodes.filter(status="open").count()
    )
    assert FollowUpPoint.objects.filter(status="missed").exists()
    assert ContactAttempt.objects.count() == built.contacts > 0
    assert ConsentDecision.objects.count() == 2 * PATIENTS

    views = AuditEntry.objects.filter(action="view")
    assert views.count() == AUDIT_ROWS == AuditEntry.objects.count()
    # Spread over the years, not stamped with the moment of the insert.
    assert views.dates("at", "year").count() >= 4


def test_every_row_belongs_to_a_clinic_and_its_staff(built: scale.Summary) -> None:
    generated = set(Clinic.objects.filter(code__in=("clinic-a", "clinic-b")))
    assert {p.clinic for p in Patient.objects.select_related("clinic")} == generated
    # Every view of a patient's page is by a member of the patient's clinic.
    member = Membership.objects.filter(
        user=OuterRef("user"), clinic=OuterRef("patient__clinic"), active=True
    )
    about_patients = AuditEntry.objects.filter(patient__isnull=False)
    assert about_patients.count() > AUDIT_ROWS // 2
    assert not about_patients.filter(~Exists(member)).exists()
    assert not AuditEntry.objects.filter(user__isnull=True).exists()


def test_cpr_numbers_are_encrypted_like_the_model_does_and_valid(built: scale.Summary) -> None:
    with_cpr = Patient.objects.exclude(cpr_encrypted="")
    assert between(with_cpr.count(), PATIENTS * 0.85, PATIENTS)
    for patient in with_cpr[:50]:
        number = patient.cpr()
        assert number is not None and patient.cpr_encrypted != number
        cpr = parse_cpr(number)  # passes the format, date and modulus-11 checks
        assert cpr.birth_date == patient.date_of_birth
        assert patient.cpr_masked == cpr.masked
        again = Patient(clinic=patient.clinic)
        again.set_cpr(number)
        assert again.cpr_hash == patient.cpr_hash


def test_responses_are_scored_by_the_core_with_their_wording(built: scale.Summary) -> None:
    responses = list(QuestionnaireResponse.objects.all())
    assert len(responses) == built.responses
    for response in responses:
        low, high = REGISTRY[response.instrument].score_range
        assert response.score is not None and low <= response.score <= high
        assert response.wording_ref != UNKNOWN_WORDING
    for response in random.Random(1).sample(responses, 40):
        assert get_instrument(response.instrument).score(response.answers).score == pytest.approx(
            response.score
        )


def test_the_latest_classification_is_the_engines_and_reads_back_typed(
    built: scale.Summary,
) -> None:
    for episode in Episode.objects.filter(status="open")[:30]:
        latest = latest_classification(episode)
        assert latest is not None
        assert latest.as_of == max(c.as_of for c in episode.classifications.all())
        assert latest.result["as_of"] == latest.as_of.isoformat()
        axis = latest.axis("stepped_care")
        assert axis is not None and axis.as_of == latest.as_of and axis.trace
        assert {"red_flags", "stepped_care", "readiness"} <= set(latest.axes)
    # The red-flag profile gives urgent runs, as the engine decides.
    assert Classification.objects.filter(urgent=True).exists()
    if scale.FLAGS_LATEST:
        assert Classification.objects.filter(is_latest=True).count() == Episode.objects.count()


def test_a_clinician_of_the_clinic_opens_the_worklist_and_patient_pages(
    built: scale.Summary, verified_client: Callable[[User], Client]
) -> None:
    clinic = Clinic.objects.get(code="clinic-a")
    client = verified_client(scale.clinician_of(clinic))
    worklist = client.get("/clinic/")
    assert worklist.status_code == 200
    ours = Patient.objects.filter(clinic=clinic, episodes__status="open").distinct()[:3]
    for patient in ours:
        page = client.get(f"/patients/{patient.public_id}/")
        assert page.status_code == 200
        assert patient.name in page.content.decode()
    theirs = Patient.objects.exclude(clinic=clinic).first()
    assert theirs is not None
    assert client.get(f"/patients/{theirs.public_id}/").status_code == 404
    assert client.get("/patients/").status_code == 200


def test_it_refuses_to_build_a_second_clinic_into_the_same_database(
    built: scale.Summary,
) -> None:
    with pytest.raises(ValueError, match="already holds"):
        scale.build_clinic(patients=5, audit_rows=0)
    with pytest.raises(CommandError, match="already holds"):
        call_command("load_demo", patients=5, audit_rows=0)


def test_synthetic_cpr_numbers_pass_the_check_and_are_never_repeated() -> None:
    rng, taken = random.Random(0), set[str]()
    born = dt.date(1980, 6, 15)
    numbers = [scale.synthetic_cpr(born, rng, taken) for _ in range(100)]
    assert None not in numbers and len(set(numbers)) == 100
    assert all(parse_cpr(n or "").birth_date == born for n in numbers)
    # The same seed, the same numbers.
    rng, taken = random.Random(0), set()
    assert numbers == [scale.synthetic_cpr(born, rng, taken) for _ in range(100)]
