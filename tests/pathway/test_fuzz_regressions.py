"""Inputs the fuzzer (tests/web/test_fuzz_forms.py) found answering 500, each refused at its
form now, with nothing stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from painpath.pathway.forms import PAUSE_DAYS_MAX, SESSIONS_MAX, MedicationForm, SessionForm
from painpath.pathway.models import TreatmentCourse, TreatmentSession
from painpath.patients.models import Episode


def test_an_agreed_pause_longer_than_the_schema_takes_is_refused_at_the_form(
    episode: Episode, clinician_client: Client
) -> None:
    # Found: pause_agreed_days=61 was stored, and the reclassification failed the episode
    # schema (maximum 60): a 500.
    response = clinician_client.post(
        reverse("clinic:add_medication", args=[episode.public_id]),
        {"code": "apixaban", "pause_agreed_days": str(PAUSE_DAYS_MAX + 1)},
    )
    assert response.status_code == 302
    assert not episode.medications.exists()
    assert MedicationForm({"code": "apixaban", "pause_agreed_days": "60"}).is_valid()


@pytest.mark.parametrize("days", ["-1", "1e309", "NaN"])
def test_an_agreed_pause_that_is_no_whole_number_of_days_is_refused(days: str) -> None:
    assert "pause_agreed_days" in MedicationForm({"code": "x", "pause_agreed_days": days}).errors


def test_a_session_beyond_what_a_course_holds_is_refused_at_the_form(
    episode: Episode, clinician_client: Client
) -> None:
    # Found beside the fuzzer's finds: the 201st session of a course (the schema holds 200)
    # failed the reclassification, a 500.
    course = TreatmentCourse.objects.create(
        episode=episode, modality="acupuncture", start=dt.date(2025, 1, 1)
    )
    TreatmentSession.objects.bulk_create(
        TreatmentSession(course=course, date=dt.date(2025, 1, 2)) for _ in range(SESSIONS_MAX)
    )
    data = {"course": course.pk, "date": "2025-02-01"}

    response = clinician_client.post(reverse("clinic:log_session", args=[episode.public_id]), data)

    assert response.status_code == 302
    assert course.sessions.count() == SESSIONS_MAX == 200
    form = SessionForm(data, episode=episode)
    assert "start a new course" in " ".join(form.errors["course"])
