"""Demo data for the outcome report: clinics for the demo patients, and a larger synthetic
registry (``load_synthetic_registry``) so the report has something to show. Everything is
synthetic and marked so."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from painpath.core import consent
from painpath.core import questionnaires as fhir
from painpath.core.instruments import REGISTRY
from painpath.core.rules import AxisResult
from painpath.core.rules import Classification as RulesClassification
from painpath.core.rules.derive import add_months
from painpath.core.synthetic import generate
from painpath.pathway.models import Classification, ProcedureBooking, TreatmentCourse
from painpath.patients.models import Clinic, ConsentDecision, Episode, ImagingStudy, Patient
from painpath.questionnaires.models import QuestionnaireResponse

DEMO_CLINICS = (
    ("clinic-a", "Demo Clinic A (synthetic)"),
    ("clinic-b", "Demo Clinic B (synthetic)"),
    ("clinic-c", "Demo Clinic C (synthetic)"),
)
PROCEDURES = {
    "gold_implantation": ProcedureBooking.Kind.GOLD,
    "steroid_injection": ProcedureBooking.Kind.STEROID,
}


def synthetic_axes(as_of: dt.date, **results: str) -> dict[str, Any]:
    """A stored classification that states each axis's result without running the rules (a
    synthetic registry has no records to run them on), in the stored shape the pages read."""
    axes = [
        AxisResult(
            axis=axis,
            ruleset="synthetic",
            version="0",
            title=axis,
            as_of=as_of,
            result=result,
            label=result,
            fired=(),
            findings=(),
            needs=(),
            options=(),
            options_source=None,
            urgent=False,
            trace=(),
        )
        for axis, result in results.items()
    ]
    return RulesClassification(as_of=as_of, axes=tuple(axes)).as_dict()


# Made-up addresses and numbers (the 55 55 55 xx range is not given to subscribers).
DEMO_CONTACT = {
    "clinic-a": ("Demovej 1, 2100 København Ø (synthetic)", "+45 55 55 55 01"),
    "clinic-b": ("Prøvegade 2, 8000 Aarhus C (synthetic)", "+45 55 55 55 02"),
    "clinic-c": ("Eksempelstræde 3, 5000 Odense C (synthetic)", "+45 55 55 55 03"),
}


def ensure_clinics() -> dict[str, Clinic]:
    clinics = {}
    for code, name in DEMO_CLINICS:
        address, phone = DEMO_CONTACT[code]
        clinics[code] = Clinic.objects.get_or_create(
            code=code, defaults={"name": name, "address": address, "phone": phone}
        )[0]
    return clinics


@transaction.atomic
def load_synthetic_registry(n: int, *, seed: int = 0, today: dt.date | None = None) -> int:
    """Create ``n`` synthetic patients (``painpath.core.synthetic``) with episodes, treatment,
    classification, imaging and scores at 0–24 months, dated so that the 24-month follow-up
    is in the past. Returns the number of patients created."""
    today = today or timezone.localdate()
    registry = generate(n, seed=seed)
    clinics = ensure_clinics()
    start = add_months(today, -30)
    scores: dict[int, list[tuple[str, int, float]]] = {}
    for row in registry.scores.iter_rows(named=True):
        scores.setdefault(row["patient_id"], []).append(
            (row["instrument"], row["timepoint"], row["score"])
        )
    responses: list[QuestionnaireResponse] = []
    # As if printed from painpath and entered from paper: the wording painpath ships.
    wordings = {code: fhir.wording_of(fhir.load(code, "da")).as_dict() for code in REGISTRY}
    for person in registry.patients.iter_rows(named=True):
        pid: int = person["patient_id"]
        index = start + dt.timedelta(days=(pid * 37) % 150)
        born = dt.date(index.year - person["age"], 1 + pid % 12, 1 + pid % 28)
        patient = Patient.objects.create(
            name=f"Synthetic Registry {pid:05d}",
            date_of_birth=born,
            sex=person["sex"],
            synthetic=True,
            clinic=clinics.get(person["clinic"]),
        )
        episode = Episode.objects.create(
            patient=patient, complaint="Low back pain (synthetic)", region="low_back"
        )
        treatment = person["treatment"]
        first_visit = index - dt.timedelta(days=60) if treatment in PROCEDURES else index
        Episode.objects.filter(pk=episode.pk).update(
            created_at=timezone.make_aware(dt.datetime.combine(first_visit, dt.time(9)))
        )
        if treatment in PROCEDURES:
            ProcedureBooking.objects.create(
                episode=episode,
                kind=PROCEDURES[treatment],
                region="low_back",
                appointment_date=index,
            )
        else:
            TreatmentCourse.objects.create(episode=episode, modality=treatment, start=index)
        ImagingStudy.objects.create(
            episode=episode,
            kind="mri",
            region="low_back",
            date=first_visit,
            findings={"multifidus_fat_grade": person["multifidus_fat_grade"]},
        )
        Classification.objects.create(
            episode=episode,
            as_of=first_visit,
            trigger="synthetic registry",
            result=synthetic_axes(
                first_visit, startback=person["startback"], stepped_care=person["step"]
            ),
        )
        for code, months, score in scores.get(pid, []):
            jitter = (pid * 7 + months) % 15 - 7
            day = index - dt.timedelta(days=3) if months == 0 else add_months(index, months)
            responses.append(
                QuestionnaireResponse(
                    episode=episode,
                    instrument=code,
                    answers={},
                    score=score,
                    source=QuestionnaireResponse.Source.PAPER,
                    language="da",
                    wording=wordings[code],
                    answered_on=day if months == 0 else day + dt.timedelta(days=jitter),
                )
            )
    QuestionnaireResponse.objects.bulk_create(responses, batch_size=2000)
    # As if every synthetic patient had said yes to both purposes in the intake: the report
    # shows only patients whose consent allows it (docs/consent.md).
    ConsentDecision.objects.bulk_create(
        [
            ConsentDecision(
                patient=patient,
                purpose=purpose,
                decision=ConsentDecision.Decision.GIVEN,
                text_version=consent.current(purpose).version,
                language="da",
                source=ConsentDecision.Source.INTAKE,
            )
            for patient in Patient.objects.filter(name__startswith="Synthetic Registry ")
            .exclude(consents__isnull=False)
            .only("pk")
            for purpose in consent.PURPOSES
        ],
        batch_size=2000,
    )
    return n
