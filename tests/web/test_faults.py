"""What a crash or a lost database leaves behind: a web server killed (SIGKILL) during a burst
of submissions stores each intake completely or not at all; a task worker killed during the
reminder run sends no reminder twice; a database that goes away in the middle of a request
gives a clean error page and writes nothing. On the suite's database (SQLite, then
PostgreSQL in the PostgreSQL run)."""

from __future__ import annotations

import http.client
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError, connection
from django.test import Client
from tests.live_intake import (
    Patient,
    prepare,
    run_patients,
    state,
    stored_completely_or_not_at_all,
)
from tests.live_server import PYTHON, FileSms, Gunicorn, Process, fresh_database, run_django
from tests.live_server import server_env as make_env
from tests.questionnaires.test_intake import INSTRUMENTS, answer_all, snapshot, url

from painpath.patients.models import Episode
from painpath.questionnaires import services
from painpath.questionnaires.models import IntakeDraft, IntakeLink, QuestionnaireResponse

PATIENTS = 12


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database(connection.vendor, tmp_path) as database:
        yield database


# -- the web server killed during a burst of submissions -------------------------------------


def test_a_server_killed_during_a_burst_of_submissions_stores_each_intake_whole_or_not_at_all(
    database_url: str, tmp_path: Path
) -> None:
    env = make_env(database_url, tmp_path)
    links = prepare(env, PATIENTS)
    server = Gunicorn(env, workers=2)  # several processes, fewer to boot twice
    server.start()
    try:
        patients = [Patient(server.url, link["token"]) for link in links]
        run_patients(patients, send=False)
        assert [p.error for p in patients if p.error] == []
        for patient in patients:
            patient.review()
        answered = state(env)
        assert not any(row["completed"] for row in answered.values())

        # Everyone sends at once; the server dies (every process, SIGKILL) as soon as the
        # first answers are through, with the rest on their way or in the middle.
        returned: list[Patient] = []

        def send(patient: Patient) -> None:
            try:
                patient.send_again()
                returned.append(patient)
            except (OSError, http.client.HTTPException) as error:  # died with the server
                patient.error = error

        threads = [threading.Thread(target=send, args=(p,)) for p in patients]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 60
        while len(returned) < 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        server.kill()
        for thread in threads:
            thread.join()
    finally:
        server.stop()

    after_crash = state(env)
    completed = [pk for pk, row in after_crash.items() if row["completed"]]
    assert 3 <= len(completed) < PATIENTS, "the kill came after the burst: nothing tested"
    for pk, row in after_crash.items():
        assert stored_completely_or_not_at_all(row), (pk, row)
        # What was not stored is still the patient's draft, to send again.
        assert row["completed"] or row["draft"], (pk, row)

    # Restarted, every patient sends again (those who got no answer, with the same id): the
    # ones already stored are told so, the rest are stored now — each exactly once.
    with Gunicorn(env, workers=2) as again:
        for patient in patients:
            patient.browser.base = again.url
            response = patient.send_again()
            assert response.status == 302 and response.location == patient.url("done/"), (
                response.status,
                response.body[:300],
            )
    for pk, row in state(env).items():
        assert row["completed"] and stored_completely_or_not_at_all(row), (pk, row)


# -- the task worker killed during the reminder run ------------------------------------------

PLANS = """
import datetime as dt
from django.core.management import call_command
from django.utils import timezone
from painpath.core.followup import builtin_protocols, schedule
from painpath.followup import services
from painpath.followup.models import ContactAttempt, FollowUpPoint
from painpath.patients.models import Clinic, Episode, Patient

call_command("migrate", verbosity=0, interactive=False)
clinic, _ = Clinic.objects.get_or_create(code="live", defaults={{"name": "Live (synthetic)"}})
protocol = builtin_protocols()["default"]
# The first reminder is due today (months differ in length: the index date is found by
# trying); the link went out when the window opened.
index = today = timezone.localdate()
while True:
    link_day, reminder, second, *_ = schedule(protocol, index)[0].reminders(protocol)
    if reminder > today:
        index -= reminder - today
    elif second <= today:
        index += today - second + dt.timedelta(days=1)
    else:
        break
result = []
for n in range({count}):
    patient = Patient.objects.create(
        name=f"Reminded Patient {{n}} (synthetic)", date_of_birth=dt.date(1970, 1, 1),
        phone=f"+45 20 00 {{n:04d}}", synthetic=True, clinic=clinic,
    )
    episode = Episode.objects.create(patient=patient, complaint="Low back pain", region="low_back")
    plan = services.start_plan(episode, "default", index, None, language="en")
    point = plan.points.order_by("months").first()
    ContactAttempt.objects.create(
        point=point, scheduled_for=point.window_start, kind="link", channel="sms", ok=True
    )
    FollowUpPoint.objects.filter(pk=point.pk).update(status="sent")
    result.append(patient.phone)
"""

CONTACTS = """
from painpath.followup.models import ContactAttempt

rows = ContactAttempt.objects.filter(kind="reminder").values_list(
    "point__plan__episode__patient__phone", "ok"
)
result = [{"phone": phone, "ok": ok} for phone, ok in rows]
"""


def test_a_worker_killed_during_the_reminder_run_sends_no_reminder_twice(
    database_url: str, tmp_path: Path
) -> None:
    outbox = tmp_path / "sms.jsonl"
    env = make_env(
        database_url,
        tmp_path,
        PAINPATH_SMS_BACKEND="tests.live_server.FileSms",
        PAINPATH_TEST_SMS_FILE=str(outbox),
        PAINPATH_TEST_SMS_DELAY="0.1",
    )
    phones = run_django(PLANS.format(count=PATIENTS), env, timeout=300)
    tick = "from django.core.management import call_command\ncall_command('followup_tick')"
    run_django(tick, env)
    worker_args = [PYTHON, "-m", "painpath.web.manage", "db_worker", "--no-startup-delay"]
    worker = Process([*worker_args, "--interval=0.1"], env, tmp_path / "worker.log")
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while len(FileSms.sent(outbox)) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        worker.kill()  # in the middle of the run: a message just handed over, or on its way
    finally:
        worker.stop()
    at_kill = len(FileSms.sent(outbox))
    assert 5 <= at_kill < PATIENTS, f"the kill missed the run ({at_kill} sent)\n{worker.output()}"

    # Restarted: the next run (cron's next tick) sends what is still due, and nothing twice.
    run_django(tick, env)
    rerun = Process([*worker_args, "--batch"], env, tmp_path / "worker2.log")
    rerun.start()
    assert rerun.process is not None
    assert rerun.process.wait(timeout=120) == 0, rerun.output()

    sent = Counter(message["to"] for message in FileSms.sent(outbox))
    assert set(sent) <= set(phones)
    assert [phone for phone, times in sent.items() if times > 1] == []
    contacts = run_django(CONTACTS, env)
    # One claim per patient for today's reminder: sent, or (the one in flight when the
    # worker died) claimed with its outcome unknown — never claimed again.
    assert sorted(c["phone"] for c in contacts) == sorted(phones)
    unconfirmed = [c["phone"] for c in contacts if c["ok"] is None]
    assert len(unconfirmed) <= 1
    confirmed = {c["phone"] for c in contacts if c["ok"]}
    assert confirmed <= set(sent) <= confirmed | set(unconfirmed)
    assert len(confirmed) >= PATIENTS - 1


# -- the database going away in the middle of a request --------------------------------------


def _fail_on_the_second_response(vendor: str) -> Callable[..., Any]:
    """An execute wrapper: the database goes away as the second response is being stored,
    after the first one was written in the same transaction. On PostgreSQL the server ends
    the connection itself (pg_terminate_backend); SQLite has no server, so the error it
    gives when its file cannot be written is raised instead."""
    inserts = 0

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        nonlocal inserts
        if sql.startswith('INSERT INTO "questionnaires_questionnaireresponse"'):
            inserts += 1
            if inserts == 2:
                if vendor == "postgresql":
                    context["cursor"].execute("SELECT pg_terminate_backend(pg_backend_pid())")
                raise OperationalError("disk I/O error")
        return execute(sql, params, many, context)

    return wrapper


@pytest.mark.django_db(transaction=True)
def test_the_database_going_away_mid_submission_gives_a_clean_error_page_and_writes_nothing(
    episode: Episode, clinician: User
) -> None:
    _link, path = services.issue_link(episode, INSTRUMENTS, "da", clinician, days=14)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    client = Client(raise_request_exception=False)
    answer_all(client, token)
    link = IntakeLink.objects.get(episode=episode)
    draft = IntakeDraft.objects.get(link=link)
    before, answers_before = snapshot(episode), draft.answers

    with connection.execute_wrapper(_fail_on_the_second_response(connection.vendor)):
        response = client.post(url("submit", token), {"submission_id": draft.submission_id})
    connection.close()  # the broken connection; the next query opens a new one

    assert response.status_code in (500, 503)
    body = response.content.decode()
    for leak in ("Traceback", 'File "', "OperationalError", "INSERT INTO", "pg_terminate"):
        assert leak not in body
    assert snapshot(episode) == before
    assert IntakeDraft.objects.get(link=link).answers == answers_before

    # The database is back: sending again stores everything, once.
    again = client.post(url("submit", token), {"submission_id": draft.submission_id})
    assert again.status_code == 302 and again["Location"] == url("done", token)
    assert sorted(
        QuestionnaireResponse.objects.filter(link=link).values_list("instrument", flat=True)
    ) == sorted(INSTRUMENTS)
    assert uuid.UUID(str(IntakeLink.objects.get(pk=link.pk).submission_id)) == draft.submission_id
