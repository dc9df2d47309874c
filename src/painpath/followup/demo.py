"""Follow-up plans for the demo clinic (synthetic patients only), built through the same
services the screens use: one plan answered on time, one with an overdue time point, one
answered late (flagged), one with its window open and reminders sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from painpath.followup import services
from painpath.followup.models import ContactAttempt, FollowUpPlan, FollowUpPoint
from painpath.patients.models import Episode
from painpath.questionnaires.models import QuestionnaireResponse
from painpath.questionnaires.services import store_answers_as_shown

NRS_ODI_EQ = {
    "nrs": {"nrs": 4},
    "odi": {f"odi{i}": 1 + (i % 3 == 0) for i in range(1, 11)},
    "eq5d5l": {"MO": 2, "SC": 1, "UA": 2, "PD": 2, "AD": 1, "VAS": 70},
}


def _episode(name: str) -> Episode | None:
    return (
        Episode.objects.filter(patient__name=name, patient__synthetic=True)
        .select_related("patient")
        .first()
    )


def _patient_answer(point: FollowUpPoint, day: dt.date) -> None:
    """An answer the patient sent through the link (stored as the link flow stores it)."""
    responses = []
    for code, answers in NRS_ODI_EQ.items():
        responses.append(
            store_answers_as_shown(
                point.plan.episode,
                code,
                answers,
                source=QuestionnaireResponse.Source.PATIENT,
                language="da",
                answered_on=day,
            )
        )
    services.record_answer(point, day, QuestionnaireResponse.Source.PATIENT, responses=responses)


def _contacts(point: FollowUpPoint, days: list[dt.date], to: str) -> None:
    # Recorded, not sent: the demo patients' addresses are made up.
    for n, day in enumerate(days):
        ContactAttempt.objects.get_or_create(
            point=point,
            scheduled_for=day,
            defaults={
                "kind": ContactAttempt.Kind.LINK if n == 0 else ContactAttempt.Kind.REMINDER,
                "channel": ContactAttempt.Channel.EMAIL,
                "to": to,
                "ok": True,
            },
        )
    FollowUpPoint.objects.filter(pk=point.pk, status=FollowUpPoint.Status.SCHEDULED).update(
        status=FollowUpPoint.Status.SENT
    )


def _sent_before(point: FollowUpPoint, today: dt.date) -> list[dt.date]:
    dates = services._send_dates(point, services.protocol_of(point.plan))
    return [day for day in dates if day <= today]


@transaction.atomic
def add_demo_followups(today: dt.date | None = None) -> int:
    """Add the demo plans that are not there yet; return how many were added."""
    today = today or timezone.localdate()
    clinician: Any = get_user_model().objects.filter(username="demo-clinician").first()
    added = 0

    # Bravo: 3 months answered on time through the link; 6 months overdue.
    episode = _episode("Bravo Eksempelsen (demo)")
    if episode is not None and not episode.followup_plans.exists():
        plan = services.start_plan(
            episode, "default", today - dt.timedelta(days=200), clinician, language="da"
        )
        three, six = plan.points.get(months=3), plan.points.get(months=6)
        _contacts(three, [three.window_start], "b•••@example.invalid")
        _patient_answer(three, three.target + dt.timedelta(days=2))
        _contacts(six, _sent_before(six, today), "b•••@example.invalid")
        added += 1

    # Charlie: 3 months on time, 6 months answered on paper three weeks late (flagged).
    episode = _episode("Charlie Fiktivsen (demo)")
    if episode is not None and not episode.followup_plans.exists():
        plan = services.start_plan(
            episode, "default", today - dt.timedelta(days=330), clinician, language="da"
        )
        three, six = plan.points.get(months=3), plan.points.get(months=6)
        _contacts(three, [three.window_start], "c•••@example.invalid")
        _patient_answer(three, three.target - dt.timedelta(days=4))
        _contacts(six, _sent_before(six, six.window_end), "c•••@example.invalid")
        late = six.window_end + dt.timedelta(days=7)
        services.record_by_clinician(
            six,
            answered_on=late,
            source=QuestionnaireResponse.Source.PAPER,
            answers=NRS_ODI_EQ,
            language="da",
            user=clinician,
        )
        added += 1

    # Echo: the 3-month window is open; the link and a reminder went out, no answer yet.
    episode = _episode("Echo Opdigtetsen (demo)")
    if episode is not None and not episode.followup_plans.exists():
        plan = services.start_plan(
            episode, "default", today - dt.timedelta(days=97), clinician, language="da"
        )
        three = plan.points.get(months=3)
        _contacts(three, _sent_before(three, today), "e•••@example.invalid")
        added += 1

    # Give up on closed windows, as the daily task would (nothing is sent: every due
    # message above is already recorded).
    for plan in FollowUpPlan.objects.filter(
        status=FollowUpPlan.Status.ACTIVE, episode__patient__synthetic=True
    ):
        for point in plan.points.filter(status__in=FollowUpPoint.OPEN, window_end__lt=today):
            point.status = FollowUpPoint.Status.MISSED
            point.save(update_fields=["status"])
    return added
