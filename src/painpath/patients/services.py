"""Use cases for patients and episodes: find, register, update.

Classifying an episode after a change is the pathway's job
(``painpath.pathway.services.classify_episode``); callers run it after saving.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from painpath.core.cpr import InvalidCpr, parse_cpr
from painpath.patients import crypto
from painpath.patients.models import Episode, Patient

_CPR_LIKE = re.compile(r"^\d{6}-?\d{4}$")
_BIRTH_PART = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class Search:
    patients: QuerySet[Patient]
    kind: str  # "all", "name", "cpr", "birth" (the first six CPR digits)
    problem: str = ""


def search_patients(query: str) -> Search:
    """Find patients by part of the name, by a full CPR number (through its keyed hash —
    the number itself is never compared or stored in clear), or by the CPR's first six
    digits (the birth date, kept in the masked form)."""
    query = query.strip()
    patients = Patient.objects.all()
    if not query:
        return Search(patients, "all")
    if _CPR_LIKE.match(query):
        try:
            cpr = parse_cpr(query)
        except InvalidCpr as error:
            return Search(patients.none(), "cpr", str(error))
        return Search(patients.filter(cpr_hash=crypto.lookup_hash(cpr.digits)), "cpr")
    if _BIRTH_PART.match(query):
        return Search(patients.filter(cpr_masked__startswith=query), "birth")
    return Search(patients.filter(name__icontains=query), "name")


@transaction.atomic
def save_patient(patient: Patient, *, cpr: str | None, clear_cpr: bool = False) -> Patient:
    """Save ``patient``; ``cpr`` (already validated) replaces the stored number when given."""
    if clear_cpr:
        patient.set_cpr(None)
    elif cpr:
        patient.set_cpr(cpr)
    patient.save()
    return patient


@transaction.atomic
def save_episode(episode: Episode, *, intake: dict[str, Any]) -> Episode:
    episode.intake = intake
    episode.save()
    return episode


def changed_fields(form: Any) -> list[str]:
    """Names of the fields a form changed — for the audit entry; never their values."""
    return sorted(name for name in form.changed_data if name not in ("cpr", "clear_cpr")) + (
        ["cpr"] if {"cpr", "clear_cpr"} & set(form.changed_data) else []
    )
