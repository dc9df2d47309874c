"""The patient page's cost does not grow with the episode's history (issues 13 and 14).

Two patients with the same episode in the same state today — a red flag, a procedure booked
on warfarin, a treatment course, scores — the second with ten times the history behind it:
stored classification runs (every logged session, checklist change and day's rerun adds
one) and page views in the audit log. The page must take the same number of queries and
fetch the same number of rows for both (all synthetic data)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from tests.clinic import test_worklist_scale
from tests.conftest import sign_in_verified

from painpath.audit.models import AuditEntry
from painpath.pathway.models import Classification, ProcedureBooking, TreatmentCourse
from painpath.pathway.services import classify_episode, flag_latest
from painpath.patients.models import Clinic, Episode, Medication, Patient
from painpath.patients.services import VIEWED as PATIENT_VIEWED
from painpath.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db

rows_fetched = test_worklist_scale.rows_fetched  # the fixture: rows the cursors returned


def _episode(clinic: Clinic, name: str) -> Episode:
    """Today's state, the same for every history: red flag, warfarin before a gold
    implantation in eight days, five sessions of massage, ODI and NRS at baseline and now."""
    today = timezone.localdate()
    patient = Patient(
        name=name,
        date_of_birth=dt.date(1968, 3, 4),
        sex="female",
        synthetic=True,
        clinic=clinic,
    )
    patient.save()
    episode = Episode.objects.create(
        patient=patient,
        complaint="Low back pain",
        region="low_back",
        onset_date=today - dt.timedelta(days=400),
        intake={
            "pain_regions": [{"region": "low_back", "laterality": "midline"}],
            "red_flags": {"unexplained_weight_loss": True},
        },
    )
    ProcedureBooking.objects.create(
        episode=episode,
        kind="gold_implantation",
        region="low_back",
        appointment_date=today + dt.timedelta(days=8),
    )
    Medication.objects.create(episode=episode, code="warfarin", anticoagulant=True)
    course = TreatmentCourse.objects.create(
        episode=episode, modality="massage", start=today - dt.timedelta(days=35)
    )
    for days in (35, 28, 21, 14, 7):
        course.sessions.create(date=today - dt.timedelta(days=days), pain_before=6, pain_after=6)
    QuestionnaireResponse.objects.bulk_create(
        QuestionnaireResponse(
            episode=episode,
            instrument=code,
            answers={},
            score=score,
            answered_on=today - dt.timedelta(days=days),
        )
        for days, scores in ((300, {"odi": 44.0, "nrs": 7.0}), (10, {"odi": 30.0, "nrs": 6.0}))
        for code, score in scores.items()
    )
    return episode


def _with_history(episode: Episode, factor: int) -> Episode:
    """``factor`` units of history behind the episode, then today's run on top: stored runs
    that alternate the step (so the history and the step changes have something to show),
    page views, and answers in between that do not change the first or the latest."""
    today = timezone.localdate()
    current = classify_episode(episode)
    runs = []
    for i in range(50 * factor):
        result = current.result
        if i % 2:
            result = {**result, "axes": dict(result["axes"])}
            stepped = dict(result["axes"]["stepped_care"])
            stepped["result"] = "step_1" if stepped["result"] == "step_2" else "step_2"
            result["axes"]["stepped_care"] = stepped
        runs.append(
            Classification(
                episode=episode, as_of=today - dt.timedelta(days=250), result=result, trigger="x"
            )
        )
    Classification.objects.bulk_create(runs)
    Classification.objects.filter(episode=episode, trigger="x").update(
        created_at=timezone.now() - dt.timedelta(days=250)
    )
    AuditEntry.objects.bulk_create(
        AuditEntry(code=PATIENT_VIEWED.code, action="view", patient=episode.patient)
        for _ in range(30 * factor)
    )
    classify_episode(episode)
    flag_latest([episode.pk])
    return episode


def _cost(episode: Episode, user: User, fetched: list[int]) -> tuple[int, int, str]:
    client = sign_in_verified(user)
    url = reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])
    client.get(url)  # the session and the permissions warmed up
    fetched[0] = 0
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    return len(queries), fetched[0], body


def test_the_patient_page_costs_the_same_with_ten_times_the_history(
    rows_fetched: list[int], clinic: Clinic, clinician: User
) -> None:
    small = _with_history(_episode(clinic, "Small History (synthetic)"), 1)
    large = _with_history(_episode(clinic, "Large History (synthetic)"), 10)
    assert large.classifications.count() > 9 * small.classifications.count()

    small_queries, small_rows, small_body = _cost(small, clinician, rows_fetched)
    large_queries, large_rows, large_body = _cost(large, clinician, rows_fetched)

    assert large_queries == small_queries
    assert large_rows == small_rows
    for body in (small_body, large_body):
        # The newest 20 changes of the history, the newest 10 step changes on the card.
        history = body.split('id="history"')[1].split("</section>")[0]
        assert history.count("<li>\n      <p><strong>") == 20
        assert "?history=all#history" in body
        card = body.split('id="axis-stepped_care"')[1].split("</article>")[0]
        assert "9 earlier step changes" in card
    whole = sign_in_verified(clinician).get(
        reverse("clinic:episode", args=[large.patient.public_id, large.public_id]),
        {"history": "all"},
    )
    history = whole.content.decode().split('id="history"')[1].split("</section>")[0]
    assert history.count("<li>\n      <p><strong>") > 200
