"""A change of the stepped-care step, either way, on the patient page's stepped-care card and
on the worklist until someone opens the page (all synthetic data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone

from painpath.clinic.services import worklist
from painpath.pathway.models import Classification, TreatmentCourse
from painpath.pathway.services import classify_episode, log_session
from painpath.patients.models import Episode

pytestmark = pytest.mark.django_db


@pytest.fixture
def escalated(episode: Episode) -> TreatmentCourse:
    """Ordinary pain, then five massage sessions without effect: Step 1 → Step 2 today."""
    today = timezone.localdate()
    episode.onset_date = today - dt.timedelta(days=40)
    episode.save()
    classify_episode(episode)
    course = TreatmentCourse.objects.create(
        episode=episode, modality="massage", start=today - dt.timedelta(days=35)
    )
    for days_ago in (35, 28, 21, 14, 7):
        log_session(course, date=today - dt.timedelta(days=days_ago), pain_before=6, pain_after=6)
    return course


def _page(episode: Episode) -> str:
    return reverse("clinic:episode", args=[episode.patient.public_id, episode.public_id])


def _card(body: str) -> str:
    return body.split('id="axis-stepped_care"')[1].split("</article>")[0]


def test_the_stepped_care_card_says_what_changed_when_and_why(
    clinician_client: Client, escalated: TreatmentCourse
) -> None:
    card = _card(clinician_client.get(_page(escalated.episode)).content.decode())
    today = formats.date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    assert "Step 1 → Step 2" in card
    assert f"on {today}: no notable lasting fall in pain after 5 or more sessions" in card


def test_a_move_back_to_step_one_is_shown_on_the_card_and_the_worklist(
    clinician_client: Client, escalated: TreatmentCourse
) -> None:
    clinician_client.get(_page(escalated.episode))  # the escalation has been seen
    today = timezone.localdate()
    for days_ago in (3, 1):
        log_session(
            escalated, date=today - dt.timedelta(days=days_ago), pain_before=3, pain_after=3
        )
    [row] = worklist(escalated.episode.patient.clinic).step_changes
    assert (row.change.before, row.change.after) == ("step_2", "step_1")
    work = clinician_client.get(reverse("clinic:worklist")).content.decode()
    section = work.split('id="wl-steps"')[1].split("</section>")[0]
    assert "Step 2 → Step 1" in section
    assert "the course shows a notable lasting fall in pain" in section
    card = _card(clinician_client.get(_page(escalated.episode)).content.decode())
    assert "Step 2 → Step 1" in card
    assert "1 earlier step change" in card  # the escalation before it stays on record


def test_the_worklist_shows_a_step_change_until_the_page_is_opened(
    clinician_client: Client, escalated: TreatmentCourse
) -> None:
    [row] = worklist(escalated.episode.patient.clinic).step_changes
    assert row.episode == escalated.episode
    assert row.change.escalated
    body = clinician_client.get(reverse("clinic:worklist")).content.decode()
    assert body.index('id="wl-steps"') < body.index('id="wl-escalate"')
    clinician_client.get(_page(escalated.episode))
    assert worklist(escalated.episode.patient.clinic).step_changes == []


def test_a_step_change_older_than_the_window_leaves_the_worklist(
    escalated: TreatmentCourse, settings
) -> None:
    settings.PAINPATH_STEP_CHANGE_DAYS = 14
    Classification.objects.filter(episode=escalated.episode).update(
        created_at=timezone.now() - dt.timedelta(days=20)
    )
    assert worklist(escalated.episode.patient.clinic).step_changes == []
    earlier = timezone.localdate() - dt.timedelta(days=19)
    assert worklist(escalated.episode.patient.clinic, today=earlier).step_changes


def test_a_danish_clinician_reads_the_step_change_in_danish(
    clinician: User, verified_client: Callable[[User], Client], escalated: TreatmentCourse
) -> None:
    from painpath.accounts.models import Profile

    Profile.objects.update_or_create(user=clinician, defaults={"language": "da"})
    client = verified_client(clinician)
    work = client.get(reverse("clinic:worklist")).content.decode()
    section = work.split('id="wl-steps"')[1].split("</section>")[0]
    assert "Trin 1 → trin 2" in section
    assert "intet betydningsfuldt varigt smertefald efter 5 eller flere behandlinger" in section
    card = _card(client.get(_page(escalated.episode)).content.decode())
    assert "Trin 1 → trin 2" in card
