"""Follow-up: protocol-driven time points, links and reminders on the cadence, and the two
stops (an answer, a withdrawal); a late answer recorded and flagged, never dropped."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from painpath.audit.models import AuditEntry
from painpath.core.followup import builtin_protocols, schedule
from painpath.followup import services
from painpath.followup.models import ContactAttempt, FollowUpAnswer, FollowUpPlan, FollowUpPoint
from painpath.followup.sms import LocmemBackend
from painpath.patients.models import Clinic, Episode
from painpath.questionnaires.models import IntakeLink, QuestionnaireResponse

pytestmark = pytest.mark.django_db

DEFAULT = builtin_protocols()["default"]
TODAY = timezone.localdate()
# Valid answers to the default protocol's instruments, as the patient's pages post them.
PAGES = {
    "nrs": {"nrs": "4"},
    "odi": {f"odi{i}": "1" for i in range(1, 11)},
    "eq5d5l": {"MO": "1", "SC": "1", "UA": "2", "PD": "2", "AD": "1", "VAS": "80"},
}


@pytest.fixture(autouse=True)
def _messages(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PAINPATH_SMS_BACKEND = "painpath.followup.sms.LocmemBackend"
    settings.PAINPATH_BASE_URL = "https://clinic.example"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    LocmemBackend.outbox.clear()


def index_for(offset: int) -> dt.date:
    """An index date whose 3-month target is ``offset`` days from today (or the nearest
    reachable day: 31 May is nobody's 3-month target)."""
    for slack in (0, 1, -1, 2, -2):
        wanted = TODAY + dt.timedelta(days=offset + slack)
        for back in range(80, 100):
            day = wanted - dt.timedelta(days=back)
            if schedule(DEFAULT, day)[0].target == wanted:
                return day
    raise AssertionError("no index date found")


@pytest.fixture
def with_email(episode: Episode) -> Episode:
    episode.patient.email = "patient@example.org"
    episode.patient.phone = "+45 12 34 56 78"
    episode.patient.save()
    return episode


def start(episode: Episode, user: User, offset: int = 0) -> FollowUpPlan:
    """A default-protocol plan whose 3-month window is open today (target ``offset`` days
    from today)."""
    return services.start_plan(episode, "default", index_for(offset), user, language="en")


def first(plan: FollowUpPlan) -> FollowUpPoint:
    return plan.points.get(months=3)


def token_in(message: str) -> str:
    found = re.search(r"https://clinic\.example/q/p/([A-Za-z0-9_-]+)/", message)
    assert found, message
    return found.group(1)


def answer_through_the_link(token: str, client: Client | None = None) -> Any:
    client = client or Client()
    response = client.post(reverse("questionnaires:start", args=[token]), {"language": "en"})
    assert response.status_code == 302
    for number, data in enumerate(PAGES.values(), start=1):
        response = client.post(reverse("questionnaires:page", args=[token, number]), data)
        assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("questionnaires:review", args=[token])
    review = client.get(reverse("questionnaires:review", args=[token]))
    submission = re.search(r'name="submission_id" value="([^"]+)"', review.content.decode())
    assert submission
    return client.post(
        reverse("questionnaires:submit", args=[token]), {"submission_id": submission.group(1)}
    )


def sends(point: FollowUpPoint) -> tuple[dt.date, ...]:
    return schedule(DEFAULT, point.plan.index_date)[0].reminders(DEFAULT)


# -- the plan -------------------------------------------------------------------------------


def test_a_plan_has_one_point_per_protocol_time_point_dated_by_the_core(
    episode: Episode, clinician: User
) -> None:
    index = dt.date(2025, 1, 31)
    plan = services.start_plan(episode, "default", index, clinician)

    points = list(plan.points.order_by("months"))
    assert [p.months for p in points] == [3, 6, 12, 24]
    expected = schedule(DEFAULT, index)
    assert [(p.target, p.window_start, p.window_end) for p in points] == [
        (d.target, d.window_start, d.window_end) for d in expected
    ]
    # 31 January + 3 months is the end of April (calendar months), ± 14 days.
    assert points[0].target == dt.date(2025, 4, 30)
    assert (plan.protocol_id, plan.protocol_version, plan.index_event) == (
        "default",
        DEFAULT.version,
        "first_visit",
    )
    assert {p.status for p in points} == {"scheduled"}
    assert AuditEntry.objects.filter(
        action="create", patient=episode.patient, code="followup.plan.started"
    ).exists()


def test_an_episode_has_at_most_one_active_plan(episode: Episode, clinician: User) -> None:
    start(episode, clinician)
    with pytest.raises(services.FollowUpError, match="already has an active"):
        start(episode, clinician)


def test_each_protocol_counts_from_its_own_index_event(episode: Episode) -> None:
    from painpath.pathway.models import ProcedureBooking, TreatmentCourse

    assert services.index_date_for(episode, "first_visit") == timezone.localdate(episode.created_at)
    assert services.index_date_for(episode, "course_start") is None
    TreatmentCourse.objects.create(episode=episode, modality="massage", start=dt.date(2025, 2, 3))
    ProcedureBooking.objects.create(
        episode=episode,
        kind="gold_implantation",
        region="low_back",
        appointment_date=dt.date(2025, 3, 4),
    )
    assert services.index_date_for(episode, "course_start") == dt.date(2025, 2, 3)
    assert services.index_date_for(episode, "procedure_date") == dt.date(2025, 3, 4)


# -- sending --------------------------------------------------------------------------------


def test_the_link_goes_out_when_the_window_opens_then_reminders_on_the_cadence(
    with_email: Episode, clinician: User
) -> None:
    point = first(start(with_email, clinician))
    opens, *reminders = sends(point)
    assert [(day - opens).days for day in reminders] == [5, 10]  # the protocol's cadence

    services.tick(opens - dt.timedelta(days=1))
    assert mail.outbox == []

    services.tick(opens)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["patient@example.org"]
    assert mail.outbox[0].subject == "Follow-up questions from your clinic"
    token = token_in(mail.outbox[0].body)
    assert with_email.patient.clinic.name in mail.outbox[0].body  # who is asking

    services.tick(opens)  # the same day again: nothing twice
    services.tick(opens + dt.timedelta(days=4))  # between send dates: nothing
    assert len(mail.outbox) == 1

    services.tick(reminders[0])
    services.tick(reminders[0])
    services.tick(reminders[1])
    assert len(mail.outbox) == 3
    assert mail.outbox[1].subject.startswith("Reminder")
    # Every reminder carries the same link, so answers saved so far are not lost.
    assert {token_in(m.body) for m in mail.outbox} == {token}

    point.refresh_from_db()
    assert point.status == "sent"
    assert point.link.purpose == IntakeLink.Purpose.FOLLOW_UP
    assert point.link.instruments == ["nrs", "odi", "eq5d5l"]
    assert list(point.contacts.values_list("kind", "channel", "ok")) == [
        ("link", "email", True),
        ("reminder", "email", True),
        ("reminder", "email", True),
    ]
    assert point.contacts.first().to == "p•••@example.org"  # masked


def test_a_tick_after_days_without_one_sends_one_message_not_a_burst(
    with_email: Episode, clinician: User
) -> None:
    point = first(start(with_email, clinician))
    services.tick(sends(point)[2])
    assert len(mail.outbox) == 1
    assert point.contacts.get().kind == "link"


def test_without_an_email_address_the_link_goes_by_text_message(
    episode: Episode, clinician: User
) -> None:
    episode.patient.phone = "+45 12 34 56 78"
    episode.patient.save()
    point = first(start(episode, clinician))

    services.tick(sends(point)[0])

    assert mail.outbox == []
    assert len(LocmemBackend.outbox) == 1
    sms = LocmemBackend.outbox[0]
    assert sms.to == "+45 12 34 56 78"
    assert "https://clinic.example/q/p/" in sms.text
    assert point.contacts.get().to == "••••78"


def test_a_patient_without_any_address_is_shown_as_not_sent(
    episode: Episode, clinician: User
) -> None:
    point = first(start(episode, clinician))
    services.tick(sends(point)[0])
    attempt = point.contacts.get()
    assert (attempt.channel, attempt.ok) == ("none", False)
    assert "no email address or phone number" in attempt.error


def test_a_follow_up_link_asks_only_the_protocols_instruments_in_the_patients_language(
    with_email: Episode, clinician: User
) -> None:
    plan = services.start_plan(with_email, "default", index_for(0), clinician, language="de")
    services.tick(sends(first(plan))[0])
    assert mail.outbox[0].subject == "Follow-up-Fragen Ihrer Praxis"
    token = token_in(mail.outbox[0].body)
    client = Client()

    page = client.get(reverse("questionnaires:start", args=[token])).content.decode()
    assert "Nachsorge" in page or "Wie geht es Ihnen" in page
    client.post(reverse("questionnaires:start", args=[token]), {"language": "de"})
    first_page = client.get(reverse("questionnaires:page", args=[token, 1])).content.decode()
    assert 'name="regions"' not in first_page  # no body map
    assert 'name="nrs"' in first_page
    assert client.get(reverse("questionnaires:page", args=[token, 4])).status_code == 302


# -- the two stops --------------------------------------------------------------------------


def test_reminders_stop_after_the_patient_answers_through_the_link(
    with_email: Episode, clinician: User
) -> None:
    point = first(start(with_email, clinician))
    opens, *reminders = sends(point)
    services.tick(opens)
    token = token_in(mail.outbox[0].body)

    response = answer_through_the_link(token)

    assert response.status_code == 302
    point.refresh_from_db()
    assert point.status == "answered"
    assert point.source == "patient"
    assert point.in_window is True
    answer = point.answers.get()
    assert answer.responses.count() == 3
    assert sorted(answer.responses.values_list("instrument", flat=True)) == ["eq5d5l", "nrs", "odi"]
    # The follow-up stored no intake: no body map, no medicines.
    with_email.refresh_from_db()
    assert "reported_by_patient" not in with_email.intake

    for day in reminders:
        services.tick(day)
    assert len(mail.outbox) == 1
    assert point.contacts.count() == 1


def test_reminders_stop_after_an_answer_recorded_by_the_clinic(
    with_email: Episode, clinician: User
) -> None:
    point = first(start(with_email, clinician))
    opens, *reminders = sends(point)
    services.tick(opens)

    services.record_answer(point, TODAY, "phone", clinician)
    for day in reminders:
        services.tick(day)

    assert len(mail.outbox) == 1


def test_reminders_stop_after_withdrawal_and_the_open_link_is_withdrawn(
    with_email: Episode, clinician: User
) -> None:
    plan = start(with_email, clinician)
    point = first(plan)
    opens, *reminders = sends(point)
    services.tick(opens)
    token = token_in(mail.outbox[0].body)

    services.withdraw(plan, clinician)

    for day in [*reminders, *(p.window_start for p in plan.points.all())]:
        services.tick(day)
    assert len(mail.outbox) == 1
    assert len(LocmemBackend.outbox) == 0
    plan.refresh_from_db()
    assert plan.status == "withdrawn" and plan.withdrawn_by == clinician
    assert set(plan.points.values_list("status", flat=True)) == {"withdrawn"}
    response = Client().get(reverse("questionnaires:start", args=[token]))
    assert response.status_code == 410
    assert AuditEntry.objects.filter(code="followup.plan.withdrawn").count() == 1


def test_after_the_window_closes_an_unanswered_point_is_missed_and_nothing_more_is_sent(
    with_email: Episode, clinician: User
) -> None:
    point = first(start(with_email, clinician))
    services.tick(point.window_start)
    services.tick(point.window_end + dt.timedelta(days=1))
    services.tick(point.window_end + dt.timedelta(days=2))

    point.refresh_from_db()
    assert point.status == "missed"
    assert len(mail.outbox) == 1
    clinic = point.plan.episode.patient.clinic
    due = services.overdue(clinic, point.window_end + dt.timedelta(days=1))
    assert [r.point for r in due] == [point]


def test_a_tick_run_twice_at_once_claims_each_send_date_once(
    with_email: Episode, clinician: User
) -> None:
    point = first(start(with_email, clinician))
    ContactAttempt.objects.create(
        point=point, scheduled_for=point.window_start, kind="link", channel="email", ok=True
    )
    # Another run already claimed today's message: this one sends nothing.
    assert services._claim(point.plan, point, point.window_start) is None
    assert mail.outbox == []


# -- answers outside the window -------------------------------------------------------------


def test_an_answer_after_the_window_is_recorded_flagged_and_shown_not_dropped(
    with_email: Episode, clinician: User, clinician_client: Client
) -> None:
    # The 3-month window closed 3 days ago; the link is still open for a late answer.
    plan = start(with_email, clinician, offset=-DEFAULT.timepoints[0].window_days - 3)
    point = first(plan)
    services.tick(point.window_start)
    token = token_in(mail.outbox[0].body)
    services.tick(TODAY)
    point.refresh_from_db()
    assert point.status == "missed"

    answer_through_the_link(token)

    point.refresh_from_db()
    assert point.status == "answered"
    assert point.in_window is False
    assert point.days_from_target == (TODAY - point.target).days > 14
    assert point.answers.get().responses.count() == 3
    assert QuestionnaireResponse.objects.filter(link=point.link).count() == 3

    worklist = clinician_client.get(reverse("clinic:worklist")).content.decode()
    assert "Overdue follow-ups" in worklist
    assert "outside window" in worklist
    page = clinician_client.get(
        reverse("clinic:episode", args=[with_email.patient.public_id, with_email.public_id])
    ).content.decode()
    assert 'id="followup"' in page
    assert f"outside window, +{point.days_from_target} days" in page
    # Seen on the patient page: off the worklist.
    worklist = clinician_client.get(reverse("clinic:worklist")).content.decode()
    assert "outside window" not in worklist


def test_a_very_late_answer_goes_on_the_time_point_it_belongs_to(
    episode: Episode, clinician: User
) -> None:
    plan = services.start_plan(episode, "default", dt.date(2024, 1, 1), clinician)
    three, six = plan.points.get(months=3), plan.points.get(months=6)

    # Asked at 3 months, answered 10 days after the 6-month target: nearest is 6 months.
    answer = services.record_answer(three, six.target + dt.timedelta(days=10), "paper", clinician)

    assert answer.point == six
    six.refresh_from_db()
    assert (six.status, six.in_window, six.days_from_target) == ("answered", True, 10)


def test_a_point_answered_twice_keeps_both_answers_and_is_flagged(
    episode: Episode, clinician: User, clinician_client: Client
) -> None:
    plan = services.start_plan(episode, "default", dt.date(2024, 1, 1), clinician)
    point = first(plan)
    services.record_answer(point, point.target, "phone", clinician)
    services.record_answer(point, point.target + dt.timedelta(days=20), "paper", clinician)

    assert point.answers.count() == 2
    point.refresh_from_db()
    assert (point.answered_on, point.in_window) == (point.target, True)  # the first answer
    page = clinician_client.get(
        reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])
    ).content.decode()
    assert "answered more than once" in page
    assert "outside window, +20 days" in page


# -- the clinician's screens ----------------------------------------------------------------


def test_a_clinician_starts_a_plan_from_the_first_visit_by_default(
    episode: Episode, clinician_client: Client
) -> None:
    response = clinician_client.post(
        reverse("followup:start", args=[episode.public_id]),
        {"protocol": "default", "index_date": "", "language": "da"},
    )
    assert response.status_code == 302 and response["Location"].endswith("#followup")
    plan = FollowUpPlan.objects.get(episode=episode)
    assert plan.index_date == timezone.localdate(episode.created_at)
    assert plan.language == "da"


def test_starting_a_plan_for_a_patient_with_no_address_warns_that_nothing_can_be_sent(
    episode: Episode, clinician_client: Client
) -> None:
    response = clinician_client.post(
        reverse("followup:start", args=[episode.public_id]),
        {"protocol": "default", "index_date": "", "language": "da"},
        follow=True,
    )
    html = response.content.decode()
    assert FollowUpPlan.objects.filter(episode=episode).exists()  # started all the same
    assert "neither an e-mail address nor a phone number" in html


def test_a_phone_number_alone_is_no_address_where_no_texts_are_sent(
    episode: Episode, clinician_client: Client, settings: Any
) -> None:
    episode.patient.phone = "+45 12 34 56 78"
    episode.patient.save()
    start_url = reverse("followup:start", args=[episode.public_id])
    data = {"protocol": "default", "index_date": "", "language": "da"}
    texts = clinician_client.post(start_url, data, follow=True).content.decode()
    assert "no link or reminder can be sent" not in texts  # the Locmem gateway sends
    FollowUpPlan.objects.all().delete()
    settings.PAINPATH_SMS_BACKEND = "painpath.followup.sms.DisabledBackend"
    none = clinician_client.post(start_url, data, follow=True).content.decode()
    assert "painpath sends no text messages here" in none


def test_starting_a_plan_for_a_reachable_patient_warns_of_nothing(
    with_email: Episode, clinician_client: Client
) -> None:
    response = clinician_client.post(
        reverse("followup:start", args=[with_email.public_id]),
        {"protocol": "default", "index_date": "", "language": "da"},
        follow=True,
    )
    assert "no link or reminder can be sent" not in response.content.decode()


def test_the_messages_give_the_last_day_as_the_patients_language_writes_it(
    with_email: Episode, clinician: User
) -> None:
    plan = services.start_plan(with_email, "default", index_for(0), clinician, language="da")
    point = first(plan)
    services.tick(sends(point)[0])
    (message,) = mail.outbox
    months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august",
              "september", "oktober", "november", "december"]  # fmt: skip
    day = point.window_end
    assert f"{day.day}. {months[day.month - 1]} {day.year}" in message.body
    assert day.isoformat() not in message.body


def test_a_plan_counted_from_a_course_needs_a_course_or_a_date(
    episode: Episode, clinician_client: Client
) -> None:
    response = clinician_client.post(
        reverse("followup:start", args=[episode.public_id]),
        {"protocol": "step1-course", "index_date": "", "language": "da"},
        follow=True,
    )
    assert not FollowUpPlan.objects.exists()
    assert "enter the index date" in response.content.decode()


def test_the_patient_page_shows_the_plan_and_each_point(
    with_email: Episode, clinician: User, clinician_client: Client
) -> None:
    plan = start(with_email, clinician)
    services.tick(first(plan).window_start)
    page = clinician_client.get(
        reverse("clinic:episode", args=[with_email.patient.public_id, with_email.public_id])
    ).content.decode()
    assert DEFAULT.title in page
    assert f"protocol version {DEFAULT.version}" in page
    assert "asks NRS, ODI, EQ-5D-5L" in page  # the episode's main region is the low back
    assert "p•••@example.org" in page
    assert reverse("followup:record", args=[with_email.public_id]) in page
    assert reverse("followup:withdraw", args=[with_email.public_id]) in page


def record_post(point: FollowUpPoint, day: dt.date, source: str = "phone") -> dict[str, str]:
    data = {
        "point": str(point.pk),
        "answered_on": day.isoformat(),
        "source": source,
        "wording": "shown",
    }
    for code, answers in PAGES.items():
        data.update({f"{code}-{name}": value for name, value in answers.items()})
    return data


def test_a_follow_up_taken_by_phone_is_scored_stored_with_its_source_and_audited(
    episode: Episode, clinician: User, clinician_client: Client
) -> None:
    plan = start(episode, clinician)
    point = first(plan)
    url = reverse("followup:record", args=[episode.public_id])

    form = clinician_client.get(url)
    assert form.status_code == 200
    assert AuditEntry.objects.filter(action="view", patient=episode.patient).exists()

    response = clinician_client.post(url, record_post(point, TODAY, "phone"))

    assert response.status_code == 302, response.content.decode()[:3000]
    responses = QuestionnaireResponse.objects.filter(episode=episode).order_by("instrument")
    assert [(r.instrument, r.source, r.recorded_by) for r in responses] == [
        ("eq5d5l", "phone", clinician),
        ("nrs", "phone", clinician),
        ("odi", "phone", clinician),
    ]
    assert responses.get(instrument="nrs").score == 4
    assert responses.get(instrument="odi").score == 20  # 10 sections × 1 of 5 = 20 %
    point.refresh_from_db()
    assert (point.status, point.source, point.in_window) == ("answered", "phone", True)
    entry = AuditEntry.objects.get(code="followup.answered")
    assert entry.username == clinician.username and entry.patient == episode.patient


def test_a_paper_follow_up_with_a_missing_answer_is_refused_and_stores_nothing(
    episode: Episode, clinician: User, clinician_client: Client
) -> None:
    point = first(start(episode, clinician))
    data = record_post(point, TODAY, "paper")
    del data["nrs-nrs"]

    response = clinician_client.post(reverse("followup:record", args=[episode.public_id]), data)

    assert response.status_code == 422
    assert not QuestionnaireResponse.objects.exists()
    assert not FollowUpAnswer.objects.exists()


def test_a_clinician_withdraws_the_plan(
    episode: Episode, clinician: User, clinician_client: Client
) -> None:
    plan = start(episode, clinician)
    response = clinician_client.post(reverse("followup:withdraw", args=[episode.public_id]))
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "withdrawn"


@pytest.mark.parametrize("name", ["followup:start", "followup:withdraw", "followup:record"])
def test_a_researcher_is_refused(
    name: str,
    episode: Episode,
    clinician: User,
    researcher: User,
    verified_client: Callable[[User], Client],
) -> None:
    plan = start(episode, clinician)
    client = verified_client(researcher)
    url = reverse(name, args=[episode.public_id])
    assert client.get(url).status_code in (403, 405)
    assert client.post(url, record_post(first(plan), TODAY)).status_code == 403
    plan.refresh_from_db()
    assert plan.status == "active"
    assert not QuestionnaireResponse.objects.exists()


# -- background work ------------------------------------------------------------------------


def test_the_task_sends_what_is_due(with_email: Episode, clinician: User) -> None:
    from painpath.followup.tasks import send_due_followups

    start(with_email, clinician, offset=DEFAULT.timepoints[0].window_days)  # window opens today
    result = send_due_followups.enqueue()
    assert result.return_value["sent"] == 1
    assert len(mail.outbox) == 1


def test_the_cron_command_queues_the_task_in_the_database(settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command("followup_tick", stdout=_Sink())
    queued = DBTaskResult.objects.get(task_path="painpath.followup.tasks.send_due_followups")
    assert queued.status == "READY"
    # The same daily run stores today's classifications (the patient page never writes).
    assert DBTaskResult.objects.filter(
        task_path="painpath.pathway.tasks.refresh_classifications"
    ).exists()


class _Sink:
    def write(self, text: str) -> None:
        pass


# -- demo -----------------------------------------------------------------------------------


def test_the_demo_has_plans_answered_overdue_and_late() -> None:
    import io

    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # idempotent

    assert FollowUpPlan.objects.count() == 3
    assert FollowUpPoint.objects.filter(status="answered", in_window=True).exists()
    assert FollowUpPoint.objects.filter(status="answered", in_window=False).exists()
    assert FollowUpPoint.objects.filter(status="missed").exists()
    assert FollowUpPoint.objects.filter(status="sent").exists()
    clinic_a = Clinic.objects.get(code="clinic-a")  # the demo's follow-ups are clinic A's
    reasons = sorted(row.reason for row in services.overdue(clinic_a))
    assert reasons == ["late", "missed"]
    assert QuestionnaireResponse.objects.filter(source="paper").count() == 3


# -- the instruments: by the episode's region ----------------------------------------------------


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("low_back", ["nrs", "odi", "eq5d5l"]),
        ("neck", ["nrs", "ndi", "eq5d5l"]),
        ("knee", ["nrs", "oks", "eq5d5l"]),
        ("hip", ["nrs", "ohs", "eq5d5l"]),
        ("shoulder", ["nrs", "eq5d5l"]),
        ("", ["nrs", "eq5d5l"]),
    ],
)
def test_the_episodes_region_chooses_what_the_plan_asks(
    with_email: Episode, clinician: User, region: str, expected: list[str]
) -> None:
    # IMMPACT (Dworkin et al. 2005): average pain (NRS), the region's disability measure and
    # quality of life (EQ-5D-5L); the generic set where no region measure fits.
    with_email.region = region
    with_email.save()
    plan = start(with_email, clinician)
    assert plan.instruments == expected
    services.tick(sends(first(plan))[0])
    link = first(plan)
    link.refresh_from_db()
    assert link.link is not None and link.link.instruments == expected
    entry = AuditEntry.objects.get(code="followup.plan.started")
    assert entry.detail["instruments"] == expected and entry.detail["region"] == region


def test_a_plan_keeps_its_instruments_when_the_region_changes_later(
    with_email: Episode, clinician: User
) -> None:
    plan = start(with_email, clinician)
    with_email.region = "neck"
    with_email.save()
    services.tick(sends(first(plan))[0])
    assert first(plan).link.instruments == ["nrs", "odi", "eq5d5l"]


def test_plans_started_before_keep_asking_their_protocols_one_list(
    episode: Episode, clinician: User
) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "painpath.followup.migrations.0002_followupplan_instruments"
    )
    episode.region = "knee"  # now it would be NRS, OKS, EQ-5D-5L
    episode.save()
    plan = services.start_plan(episode, "step1-course", dt.date(2025, 1, 6), clinician)
    FollowUpPlan.objects.filter(pk=plan.pk).update(instruments=[])  # as before the migration

    migration.fill(apps, None)

    plan.refresh_from_db()
    assert plan.instruments == ["nrs", "odi"]  # what step1-course 1.0.0 asked of everyone


def test_the_start_form_says_what_each_protocol_would_ask(
    episode: Episode, clinician: User
) -> None:
    from painpath.followup.forms import StartPlanForm

    episode.region = "knee"
    form = StartPlanForm(episode=episode)
    labels = dict(form.fields["protocol"].choices)
    assert labels["default"].endswith("asks NRS, Oxford Knee Score, EQ-5D-5L")
    assert labels["restorative-neurostimulation"].endswith("asks VAS, ODI, EQ-5D-5L")


def test_a_phone_follow_up_records_the_wording_read_out_or_unknown(
    episode: Episode, clinician: User, clinician_client: Client
) -> None:
    plan = start(episode, clinician)
    url = reverse("followup:record", args=[episode.public_id])

    clinician_client.post(url, record_post(first(plan), TODAY, "phone"))
    read_out = {
        r.instrument: r.wording_ref for r in QuestionnaireResponse.objects.filter(episode=episode)
    }
    assert read_out["odi"].kind == "paraphrase" and read_out["odi"].questionnaire == "odi-en"
    assert read_out["nrs"].kind == "original"

    other_form = record_post(plan.points.get(months=6), TODAY, "paper") | {"wording": "other"}
    clinician_client.post(url, other_form)
    latest = QuestionnaireResponse.objects.filter(episode=episode, source="paper")
    assert {r.wording["kind"] for r in latest} == {"unknown"}


def test_the_intake_suggests_what_the_follow_up_asks_so_the_baseline_matches() -> None:
    from painpath.core.vocabularies import region_codes
    from painpath.questionnaires.forms import DEFAULT_INSTRUMENTS, FALLBACK_INSTRUMENTS

    for region in (*region_codes(), ""):
        intake = DEFAULT_INSTRUMENTS.get(region, FALLBACK_INSTRUMENTS)
        assert set(DEFAULT.instruments_for(region)) <= set(intake), region
