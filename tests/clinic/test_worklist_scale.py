"""The worklist's cost follows the rows it shows, not the clinic's history (issue 13).

Two clinics with the same open episodes in the same state; the second has ten times the
history: stored classifications per episode, questionnaire responses, patient-page views,
closed episodes. The page must take the same number of queries and fetch the same number of
rows for both (all synthetic data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from tests.conftest import sign_in_verified

from painpath.accounts.roles import CLINICIAN
from painpath.audit.models import AuditEntry
from painpath.clinic.services import worklist
from painpath.pathway.models import Classification, ProcedureBooking, RedFlagAcknowledgement
from painpath.pathway.services import classify_episode
from painpath.patients.models import Clinic, Episode, Membership, Patient
from painpath.patients.services import VIEWED as PATIENT_VIEWED
from painpath.questionnaires.models import QuestionnaireResponse

pytestmark = pytest.mark.django_db

PAGE = 2


@pytest.fixture(autouse=True)
def _small_pages(settings: Any) -> None:
    settings.PAINPATH_WORKLIST_PAGE_SIZE = PAGE


@pytest.fixture
def rows_fetched(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How many rows the database cursors returned to Python, counted where Django's
    compiler fetches them (``fetchone``/``fetchmany``/``fetchall``)."""
    fetched = [0]

    def counting(name: str) -> Callable[..., Any]:
        def fetch(self: CursorWrapper, *args: Any) -> Any:
            result = getattr(self.cursor, name)(*args)
            if name == "fetchone":
                fetched[0] += result is not None
            else:
                fetched[0] += len(result)
            return result

        return fetch

    for name in ("fetchone", "fetchmany", "fetchall"):
        monkeypatch.setattr(CursorWrapper, name, counting(name), raising=False)
    yield fetched


def _patient(clinic: Clinic, n: int) -> Patient:
    patient = Patient(
        name=f"Scale Patient {n} (synthetic)",
        date_of_birth=dt.date(1960 + n % 30, 1 + n % 12, 1 + n % 28),
        sex="female" if n % 2 else "male",
        synthetic=True,
        clinic=clinic,
    )
    patient.save()
    return patient


def _episode(patient: Patient, **fields: Any) -> Episode:
    today = timezone.localdate()
    intake = {"pain_regions": [{"region": "low_back", "laterality": "midline"}]}
    intake.update(fields.pop("intake", {}))
    return Episode.objects.create(
        patient=patient,
        complaint="Low back pain",
        region="low_back",
        onset_date=today - dt.timedelta(days=40),
        intake=intake,
        **fields,
    )


def _at(days_ago: int, n: int = 0) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days_ago, minutes=n)


def _clinic_with_history(code: str, factor: int) -> Clinic:
    """A clinic whose worklist has rows in every section but follow-ups, with ``factor``
    times a unit of history behind each open episode."""
    clinic = Clinic.objects.create(code=code, name=f"Scale clinic {code} (synthetic)")
    today = timezone.localdate()
    open_episodes = []
    for n in range(3):  # red flags; the first one acknowledged
        episode = _episode(
            _patient(clinic, n), intake={"red_flags": {"bladder_or_bowel_dysfunction": True}}
        )
        classify_episode(episode)
        open_episodes.append(episode)
    user = User.objects.create_user(f"ack-{code}")
    RedFlagAcknowledgement.objects.create(
        classification=open_episodes[0].classifications.get(), user=user, action="referred"
    )
    for n in range(3, 6):  # Step 1 → Step 2: escalations and step changes
        episode = _episode(_patient(clinic, n))
        course = episode.courses.create(modality="massage", start=today - dt.timedelta(days=28))
        classify_episode(episode)
        for days in (28, 21, 14, 7, 0):
            course.sessions.create(
                date=today - dt.timedelta(days=days), pain_before=6, pain_after=6
            )
        classify_episode(episode)
        open_episodes.append(episode)
    for n in range(6, 9):  # procedures within days, not ready
        episode = _episode(_patient(clinic, n))
        ProcedureBooking.objects.create(
            episode=episode,
            kind="gold_implantation",
            region="low_back",
            appointment_date=today + dt.timedelta(days=3 + n),
        )
        classify_episode(episode)
        open_episodes.append(episode)
    intakes = []
    for n in range(9, 12):  # new intakes: the patient answered after the page was opened
        episode = _episode(_patient(clinic, n))
        classify_episode(episode)
        open_episodes.append(episode)
        intakes.append(episode)

    closed = [
        _episode(episode.patient, status=Episode.Status.CLOSED)
        for episode in open_episodes
        for _ in range(factor)
    ]
    history: list[Classification] = []
    responses: list[QuestionnaireResponse] = []
    views: list[AuditEntry] = []
    for episode in [*open_episodes, *closed]:
        latest = episode.classifications.first()
        result = latest.result if latest else open_episodes[0].classifications.first().result
        for i in range(3 * factor):
            history.append(
                Classification(
                    episode=episode, as_of=today, result=result, trigger=f"history {i % 2}"
                )
            )
            responses.append(
                QuestionnaireResponse(
                    episode=episode, instrument=("odi", "startback")[i % 2], answers={}, score=30
                )
            )
            views.append(
                AuditEntry(code=PATIENT_VIEWED.code, action="view", patient=episode.patient)
            )
    Classification.objects.bulk_create(history)
    QuestionnaireResponse.objects.bulk_create(responses)
    AuditEntry.objects.bulk_create(views)
    # Half before the step-change window, half in it (the step each episode has now, before
    # the runs above); each answer came before a page view.
    runs = Classification.objects.filter(episode__patient__clinic=clinic)
    runs.filter(trigger="history 0").update(created_at=_at(60))
    runs.filter(trigger="history 1").update(created_at=_at(5))
    QuestionnaireResponse.objects.filter(episode__patient__clinic=clinic).update(
        submitted_at=_at(50)
    )
    AuditEntry.objects.filter(code=PATIENT_VIEWED.code, patient__clinic=clinic).update(at=_at(40))
    # Many answers since the page was last opened, of two questionnaires.
    QuestionnaireResponse.objects.bulk_create(
        QuestionnaireResponse(
            episode=episode, instrument=("odi", "startback")[i % 2], answers={}, score=20
        )
        for episode in intakes
        for i in range(3 * factor)
    )
    return clinic


def _cost(clinic: Clinic, fetched: list[int]) -> tuple[int, int, str]:
    client = sign_in_verified(_clinician(clinic))
    url = reverse("clinic:worklist")
    client.get(url)  # the session and the permissions warmed up
    fetched[0] = 0
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    return len(queries), fetched[0], body


def _clinician(clinic: Clinic) -> User:
    user = User.objects.create_user(f"clinician-{clinic.code}")
    Membership.objects.create(user=user, clinic=clinic, role=CLINICIAN)
    TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)
    return user


def test_the_worklist_costs_the_same_with_ten_times_the_history(
    rows_fetched: list[int],
) -> None:
    small = _clinic_with_history("s", 1)
    large = _clinic_with_history("l", 10)
    history = {
        clinic.code: (
            Classification.objects.filter(episode__patient__clinic=clinic).count(),
            QuestionnaireResponse.objects.filter(episode__patient__clinic=clinic).count(),
            AuditEntry.objects.filter(patient__clinic=clinic).count(),
        )
        for clinic in (small, large)
    }
    assert all(big > 5 * few for few, big in zip(history["s"], history["l"], strict=True))

    small_queries, small_rows, small_body = _cost(small, rows_fetched)
    large_queries, large_rows, large_body = _cost(large, rows_fetched)

    assert large_queries == small_queries
    assert large_rows == small_rows
    # Bounded by the open episodes, not by the history (12 open, each a handful of rows).
    assert large_rows < 100
    for body in (small_body, large_body):
        for key in ("new", "ready", "steps", "escalate"):  # three rows each, two a page
            assert f"?{key}=2#wl-{key}" in body
        assert "red=2" not in body  # two waiting: one of three is acknowledged
        assert body.count("1–2 of 3") == 4


def test_each_section_pages_on_its_own(rows_fetched: list[int]) -> None:
    clinic = _clinic_with_history("p", 1)
    first = worklist(clinic)
    assert {key: page.total for key, page in first.pages.items()} == {
        "red": 2,  # the acknowledged one is not waiting
        "new": 3,
        "ready": 3,
        "steps": 3,
        "escalate": 3,
        "followup": 0,
    }
    second = worklist(clinic, pages={"ready": 2, "red": 9, "new": 9})
    whole = worklist(clinic, size=10).not_ready
    assert [row.episode for row in [*first.not_ready, *second.not_ready]] == [
        row.episode for row in whole
    ]
    assert len(second.not_ready) == 1
    assert [row.when for row in whole] == sorted(row.when for row in whole)  # soonest first
    assert second.pages["red"].number == 1  # past the end: the last page
    assert (second.pages["new"].number, second.pages["new"].total) == (2, 3)
    assert [row.episode for row in [*first.new_intakes, *second.new_intakes]] == [
        row.episode for row in worklist(clinic, size=10).new_intakes
    ]
    # The acknowledged one is the oldest: without the acknowledgement it would come first.
    assert all(row.episode.patient.name != "Scale Patient 0 (synthetic)" for row in first.red_flags)
