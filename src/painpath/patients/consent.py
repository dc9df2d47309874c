"""Consent per patient and purpose: recording a choice, withdrawing it, and which patients
each kind of report may include (the use cases of consent, with their audit events; kept
apart from ``services.py`` because every app above reads them).

- A choice is stored with the intake (``painpath.questionnaires.services.submit``, in the
  submission's transaction), changed by the patient on their link, or withdrawn by staff on
  the patient page. Every decision is a new row; the latest per purpose is current, and it
  holds from the moment it is stored: every report and export reads consent when it runs.
- ``research``: only a current ``given`` counts. No record — every patient recorded before
  consent was asked — is no consent.
- ``care`` (the clinic's own outcome report): the clinic's quality work under its own
  responsibility does not rest on consent (GDPR art. 9(2)(h); Danish Health Act), so a
  patient without a record is counted; a refusal or withdrawal is honoured all the same and
  keeps the patient out of the clinic's report (docs/consent.md).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth import get_user as session_user
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest

from painpath.audit.services import Event, record
from painpath.core import consent as texts
from painpath.patients.models import ConsentDecision, Patient

RECORDED = Event("patients.consent.recorded", "create")
WITHDRAWN = Event("patients.consent.withdrawn", "change")

PURPOSES = texts.PURPOSES


class NothingToWithdraw(ValueError):
    """The patient has no current consent for this purpose."""


def current(patient: Patient) -> dict[str, ConsentDecision | None]:
    """The patient's current decision per purpose (None: never asked)."""
    result: dict[str, ConsentDecision | None] = dict.fromkeys(PURPOSES)
    for decision in ConsentDecision.objects.filter(patient=patient).order_by("recorded_at", "id"):
        result[decision.purpose] = decision
    return result


def record_decision(
    patient: Patient,
    purpose: str,
    decision: str,
    *,
    version: int,
    source: str,
    language: str = "",
    user: Any = None,
    request: HttpRequest | None = None,
    submission_id: uuid.UUID | None = None,
    note: str = "",
) -> ConsentDecision:
    """Store a decision on version ``version`` of ``purpose``'s text and audit it."""
    texts.text(purpose, version)  # an unknown purpose or version raises ConsentError
    if decision not in ConsentDecision.Decision.values:
        raise ValueError(f"unknown consent decision {decision!r}")
    staff = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        stored = ConsentDecision.objects.create(
            patient=patient,
            purpose=purpose,
            decision=decision,
            text_version=version,
            language=language,
            source=source,
            recorded_by=staff,
            submission_id=submission_id,
            note=note[:300],
        )
        event = WITHDRAWN if decision == ConsentDecision.Decision.WITHDRAWN else RECORDED
        record(
            request,
            event,
            user=staff,
            patient=patient,
            obj=stored,
            purpose=purpose,
            decision=decision,
            text_version=version,
            source=source,
            **_staff_session(request, staff),
        )
    return stored


def _staff_session(request: HttpRequest | None, staff: Any) -> dict[str, Any]:
    """On the patient's link (no staff user), the staff member still signed in in the same
    browser, if any: the link's pages ignore that session, but an audit must be able to tell
    a choice the patient made from one made by staff at the patient's link."""
    if staff is not None or request is None or not hasattr(request, "session"):
        return {}
    signed_in = session_user(request)
    if not signed_in.is_authenticated:
        return {}
    return {"staff_session": {"id": signed_in.pk, "username": signed_in.get_username()}}


def withdraw(
    patient: Patient,
    purpose: str,
    *,
    source: str,
    user: Any = None,
    request: HttpRequest | None = None,
    note: str = "",
) -> ConsentDecision:
    """Withdraw the patient's current consent for ``purpose`` (raises
    :class:`NothingToWithdraw` when none is given)."""
    with transaction.atomic():
        # Locked, so that two withdrawals at once store one.
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        now = current(patient)[purpose]
        if now is None or now.decision != ConsentDecision.Decision.GIVEN:
            raise NothingToWithdraw(f"no current {purpose} consent to withdraw")
        return record_decision(
            patient,
            purpose,
            ConsentDecision.Decision.WITHDRAWN,
            version=now.text_version,
            source=source,
            user=user,
            request=request,
            note=note,
        )


def _latest(purpose: str) -> Subquery:
    return Subquery(
        ConsentDecision.objects.filter(patient=OuterRef("pk"), purpose=purpose)
        .order_by("-recorded_at", "-id")
        .values("decision")[:1]
    )


def patients_for(purpose: str, patients: QuerySet[Patient] | None = None) -> QuerySet[Patient]:
    """The patients whose data ``purpose``'s reports may include, as of now: for
    ``research`` those with a current consent; for ``care`` all but those who refused or
    withdrew."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown consent purpose {purpose!r}")
    base = (Patient.objects.all() if patients is None else patients).annotate(
        consent_now=_latest(purpose)
    )
    given = Q(consent_now=ConsentDecision.Decision.GIVEN)
    if purpose == texts.RESEARCH:
        return base.filter(given)
    return base.filter(given | Q(consent_now__isnull=True))
