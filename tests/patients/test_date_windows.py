"""Every date field of every form accepts a sensible window only, and says which field and
which window when a date falls outside it (docs/forms.md): a date of birth from 1900 (and
at most 130 years ago) to today; what happened from 1900 to today; what is planned up to two
years ahead. A typo such as 1850 or 9999 is refused at the form, so it never reaches the age
or the calendar arithmetic."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from painpath.administration.forms import AuditSearchForm
from painpath.analytics.forms import ReportForm
from painpath.followup.forms import RecordForm, StartPlanForm
from painpath.followup.services import start_plan
from painpath.pathway.forms import (
    CourseForm,
    ImagingForm,
    ProcedureForm,
    ReadinessForm,
    SessionForm,
)
from painpath.pathway.models import TreatmentCourse
from painpath.patients.forms import EpisodeForm, PatientForm, earliest_birth, years_after
from painpath.patients.models import Clinic, Episode, Patient
from painpath.questionnaires.forms import DurationForm

TODAY = timezone.localdate()
TOMORROW = TODAY + dt.timedelta(days=1)
TOO_FAR_AHEAD = years_after(TODAY, 2) + dt.timedelta(days=1)
TYPOS = [dt.date(1850, 1, 1), dt.date(1899, 12, 31), dt.date(9999, 12, 31)]


def _error(form: forms.BaseForm, name: str) -> str:
    assert not form.is_valid()
    assert name in form.errors, form.errors
    return " ".join(form.errors[name])


def _patient_data(born: dt.date) -> dict[str, str]:
    return {"name": "Test Patient (synthetic)", "date_of_birth": born.isoformat(), "sex": "male"}


def _shown(day: dt.date) -> str:
    """A date as the message shows it: in the screen's language (English here), not ISO."""
    return formats.date_format(day, "SHORT_DATE_FORMAT")


@pytest.mark.parametrize("born", [*TYPOS, TOMORROW])
def test_a_date_of_birth_outside_1900_to_today_is_refused_naming_the_field(
    clinic: Clinic, born: dt.date
) -> None:
    form = PatientForm(_patient_data(born), instance=Patient(clinic=clinic))
    message = _error(form, "date_of_birth")
    assert message == f"Date of birth must be between {_shown(earliest_birth())} and today."


@pytest.mark.parametrize("born", [dt.date(1900, 1, 1), TODAY, dt.date(1970, 5, 17)])
def test_a_date_of_birth_in_the_window_is_accepted(clinic: Clinic, born: dt.date) -> None:
    assert PatientForm(_patient_data(born), instance=Patient(clinic=clinic)).is_valid()


def test_the_earliest_birth_keeps_the_age_the_rules_accept() -> None:
    assert earliest_birth() == max(dt.date(1900, 1, 1), years_after(TODAY, -130))
    assert years_after(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)


@pytest.mark.django_db
def test_the_patient_form_refuses_1850_and_stores_nothing(clinician_client: Client) -> None:
    # The bug: 1850-01-01 was stored, and the patient page and every action then broke.
    response = clinician_client.post(reverse("patients:create"), _patient_data(dt.date(1850, 1, 1)))
    assert response.status_code == 200
    assert "Date of birth must be between" in response.content.decode()
    assert not Patient.objects.exists()


def test_an_onset_before_the_patients_birth_or_after_today_is_refused(episode: Episode) -> None:
    born = episode.patient.date_of_birth
    for onset in (born - dt.timedelta(days=1), TOMORROW):
        data = {"complaint": "Low back pain", "region": "low_back", "onset_date": onset}
        form = EpisodeForm(data, instance=Episode(patient=episode.patient))
        assert _error(form, "onset_date") == (f"Onset must be between {_shown(born)} and today.")
    ok = {"complaint": "Low back pain", "region": "low_back", "onset_date": born}
    assert EpisodeForm(ok, instance=Episode(patient=episode.patient)).is_valid()


def _course(episode: Episode) -> TreatmentCourse:
    return TreatmentCourse.objects.create(episode=episode, modality="acupuncture", start=TODAY)


@pytest.mark.parametrize("day", [*TYPOS, TOMORROW])
def test_a_session_is_dated_from_1900_to_today(episode: Episode, day: dt.date) -> None:
    course = _course(episode)
    form = SessionForm({"course": course.pk, "date": day}, episode=episode)
    assert _error(form, "date") == "Date must be between 01/01/1900 and today."
    assert SessionForm({"course": course.pk, "date": TODAY}, episode=episode).is_valid()


PLANNED: list[tuple[type[forms.BaseForm], str, dict[str, Any]]] = [
    (CourseForm, "start", {"modality": "acupuncture", "pain_instrument": "nrs"}),
    (ProcedureForm, "appointment_date", {"kind": "steroid_injection", "region": "low_back"}),
    (ReadinessForm, "date", {"item": "appointment_booked", "state": "done"}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("form_class", "name", "data"), PLANNED)
@pytest.mark.parametrize("day", [dt.date(1850, 1, 1), TOO_FAR_AHEAD, dt.date(9999, 12, 31)])
def test_a_planned_date_is_at_most_two_years_ahead(
    form_class: type[forms.BaseForm], name: str, data: dict[str, Any], day: dt.date
) -> None:
    message = _error(form_class({**data, name: day}), name)
    latest = _shown(years_after(TODAY, 2))
    assert message.endswith(f"must be between 01/01/1900 and {latest}."), message
    assert form_class({**data, name: years_after(TODAY, 2)}).is_valid()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["date", "requested_on", "received_on"])
def test_imaging_dates_are_from_1900_to_today(name: str) -> None:
    data = {"kind": "mri", "region": "low_back", "date": TODAY}
    message = _error(ImagingForm({**data, name: TOMORROW}), name)
    assert message.endswith("must be between 01/01/1900 and today.")
    assert ImagingForm(data).is_valid()


def test_a_follow_up_counts_from_an_index_date_at_most_two_years_ahead(
    episode: Episode,
) -> None:
    data = {"protocol": "default", "language": "da", "index_date": dt.date(9999, 12, 31)}
    message = _error(StartPlanForm(data, episode=episode), "index_date")
    assert message.startswith("Count from (index date) must be between 01/01/1900 and")


def test_a_follow_up_answer_is_dated_from_1900_to_today(episode: Episode, clinician: Any) -> None:
    plan = start_plan(episode, "default", TODAY, clinician)
    point = plan.points.first()
    assert point is not None
    data = {"point": point.pk, "source": "phone", "wording": "shown"}
    for day in (dt.date(1850, 1, 1), TOMORROW):
        form = RecordForm({**data, "answered_on": day}, plan=plan)
        assert _error(form, "answered_on") == "Answered on must be between 01/01/1900 and today."


@pytest.mark.parametrize("name", ["since", "until"])
def test_the_audit_search_dates_are_from_1900_to_today(name: str) -> None:
    message = _error(AuditSearchForm({name: "9999-12-31"}), name)
    assert message.endswith("must be between 01/01/1900 and today.")


@pytest.mark.parametrize("name", ["index_from", "index_to"])
def test_the_report_index_dates_reach_two_years_ahead_at_most(name: str) -> None:
    message = _error(ReportForm({name: "9999-12-31"}, pl.DataFrame()), name)
    assert "must be between 01/01/1900 and" in message


@pytest.mark.parametrize(
    ("onset", "message"),
    [
        (TOMORROW, "The date cannot be in the future."),
        (dt.date(1850, 1, 1), "The date is too far back: enter a date from 1900-01-01 on."),
    ],
)
def test_the_patient_intake_refuses_an_onset_before_1900_or_in_the_future(
    onset: dt.date, message: str
) -> None:
    form = DurationForm({"onset_date": onset.isoformat(), "pattern": "constant"})
    assert _error(form, "onset_date") == message
