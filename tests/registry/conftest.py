"""The registry tests' world: two clinics on this server, both sites of one registry.
All patients are synthetic."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from painpath.core.consent import RESEARCH
from painpath.pathway.models import ProcedureBooking
from painpath.patients.consent import record_decision
from painpath.patients.models import Clinic, Diagnosis, Episode, Patient
from painpath.questionnaires.models import QuestionnaireResponse
from painpath.registry.models import Registry, Site

INDEX = dt.date(2024, 3, 1)
SHARED_CPR = "010175-1234"  # synthetic; the person treated at both clinics
PER_CLINIC = 6


def _person(clinic: Clinic, n: int, cpr: str | None, *, consent: bool = True) -> Episode:
    patient = Patient(
        name=f"Pooled Testperson {clinic.code} {n} (synthetic)",
        date_of_birth=dt.date(1960 + n, 2, 1 + n),
        sex="female" if n % 2 else "male",
        email=f"person{n}@example.com",
        phone="12 34 56 78",
        synthetic=True,
        clinic=clinic,
    )
    patient.set_cpr(cpr)
    patient.save()
    if consent:
        record_decision(patient, RESEARCH, "given", version=1, source="intake")
    episode = Episode.objects.create(patient=patient, complaint="Low back pain", region="low_back")
    ProcedureBooking.objects.create(
        episode=episode, kind="gold_implantation", region="low_back", appointment_date=INDEX
    )
    Diagnosis.objects.create(episode=episode, code="DM545", primary=True)
    for day, nrs, odi in (
        (INDEX - dt.timedelta(days=3), 7 + n % 3, 4),
        (dt.date(2024, 6, 2), 3, 2),
    ):
        QuestionnaireResponse.objects.create(
            episode=episode, instrument="nrs", answers={"nrs": nrs}, score=nrs, answered_on=day
        )
        items = {f"odi{i}": odi for i in range(1, 11)}
        QuestionnaireResponse.objects.create(
            episode=episode, instrument="odi", answers=items, score=odi * 20, answered_on=day
        )
    return episode


def _cpr(n: int) -> str:
    # 1 January: the modulus-11 check does not apply, so any serial is a valid number.
    return f"0101{40 + n:02d}-{1000 + n}"


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    """Clinics A and B on this server, both sites of one registry; PER_CLINIC research-
    consented persons each (one of them the same person at both), one without consent."""
    a = Clinic.objects.create(code="reg-a", name="Registry A (synthetic)")
    b = Clinic.objects.create(code="reg-b", name="Registry B (synthetic)")
    episodes: dict[str, list[Episode]] = {"a": [], "b": []}
    for n in range(PER_CLINIC):
        episodes["a"].append(_person(a, n, SHARED_CPR if n == 0 else _cpr(n + 1)))
        episodes["b"].append(_person(b, n, SHARED_CPR if n == 0 else _cpr(n + 11)))
    _person(a, 9, _cpr(28), consent=False)
    registry = Registry(code="lbp", name="Low back pain registry (synthetic)", k=3)
    registry.set_key(b"r" * 32)
    registry.save()
    sites = {
        name: Site.objects.create(
            registry=registry, code=f"site-{name}", name=name, participation="pooled", clinic=c
        )
        for name, c in (("a", a), ("b", b))
    }
    return {
        "registry": registry,
        "sites": sites,
        "episodes": episodes,
        "clinics": (a, b),
        "per_clinic": PER_CLINIC,
    }
