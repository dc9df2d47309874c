"""Changes of the stepped-care step, either way, found in the stored classifications
(pathway.services.step_changes / recent_step_changes; stepped-care-seed004 2.0.0)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from painpath.core.rules.derive import add_months
from painpath.pathway.models import Classification, TreatmentCourse
from painpath.pathway.services import (
    _transitions,
    classify_episode,
    current_classification,
    log_session,
    recent_step_changes,
    step_changes,
)
from painpath.patients.models import Episode

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(episode: Episode) -> TreatmentCourse:
    """A recent episode (ordinary pain: Step 1) with a massage course begun five weeks ago."""
    today = timezone.localdate()
    episode.onset_date = today - dt.timedelta(days=40)
    episode.save()
    classify_episode(episode)
    return TreatmentCourse.objects.create(
        episode=episode, modality="massage", start=today - dt.timedelta(days=35)
    )


def _log(course: TreatmentCourse, days_ago: int, before: float, after: float) -> Classification:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    return log_session(course, date=day, pain_before=before, pain_after=after)[1]


def test_the_first_step_is_not_a_change(course: TreatmentCourse) -> None:
    assert step_changes(course.episode) == []


def test_five_sessions_without_effect_are_a_change_to_step_two_with_its_reason(
    course: TreatmentCourse,
) -> None:
    for days_ago in (35, 28, 21, 14):
        _log(course, days_ago, 6, 6)
    assert step_changes(course.episode) == []  # 4 sessions: still within the 3–5 window
    fifth = _log(course, 7, 6, 6)
    [change] = step_changes(course.episode)
    assert (change.before, change.after, change.escalated) == ("step_1", "step_2", True)
    assert (change.before_number, change.after_number) == (1, 2)
    assert change.classification == fifth
    assert change.on == timezone.localdate()
    assert change.rules == ("no_notable_effect",)
    assert change.reasons == ("no notable lasting fall in pain after 5 or more sessions",)


def test_one_good_session_then_seven_without_effect_escalates(course: TreatmentCourse) -> None:
    # The case: a session's immediate relief is not a lasting change.
    _log(course, 35, 6, 3)
    for days_ago in (31, 28, 24, 21, 17, 14, 10):
        latest = _log(course, days_ago, 6, 6)
    assert latest.result_of("stepped_care") == "step_2"
    assert [c.after for c in step_changes(course.episode)] == ["step_2"]


def test_a_move_back_to_step_one_is_a_change_too_never_silent(course: TreatmentCourse) -> None:
    for days_ago in (35, 28, 21, 14, 7):
        _log(course, days_ago, 6, 6)
    _log(course, 3, 3, 3)
    back = _log(course, 1, 3, 3)  # recent pain 3 against a baseline of 6: a notable fall
    newest, oldest = step_changes(course.episode)
    assert (oldest.before, oldest.after) == ("step_1", "step_2")
    assert (newest.before, newest.after, newest.escalated) == ("step_2", "step_1", False)
    assert newest.classification == back
    assert newest.reasons == ("the course shows a notable lasting fall in pain",)


def test_an_unknown_step_in_between_does_not_hide_the_change() -> None:
    # Step 2 → unknown → Step 1 is one change, on the run that brought Step 1.
    runs = [(1, "step_2"), (2, "unknown"), (3, None), (4, "step_1"), (5, "step_1")]
    assert _transitions(runs) == [(4, "step_2")]
    assert _transitions([(1, "step_1")], "step_1") == []
    assert _transitions([(1, "step_1")], "step_2") == [(1, "step_2")]


def test_todays_unsaved_rerun_shows_a_change_that_the_calendar_made(episode: Episode) -> None:
    # Six months and a day after the onset, ordinary pain becomes chronic (seed 004): Step 2.
    today = timezone.localdate()
    episode.onset_date = add_months(today, -6) - dt.timedelta(days=1)
    episode.save()
    classify_episode(episode, as_of=today - dt.timedelta(days=1))
    current = current_classification(episode)
    assert current is not None and current.pk is None
    [change] = step_changes(episode, current=current)
    assert (change.before, change.after, change.on) == ("step_1", "step_2", today)
    assert change.reasons == ("chronic (long-lasting) pain belongs in Step 2",)
    assert step_changes(episode) == []  # nothing stored yet


def test_recent_step_changes_takes_a_few_queries_whatever_the_number_of_episodes(
    course: TreatmentCourse, episode: Episode, django_assert_max_num_queries
) -> None:
    for days_ago in (35, 28, 21, 14, 7):
        _log(course, days_ago, 6, 6)
    others = []
    for n in range(3):
        other = Episode.objects.create(
            patient=episode.patient,
            complaint=f"Other {n}",
            region="neck",
            onset_date=timezone.localdate() - dt.timedelta(days=30),
            intake={"pain_regions": [{"region": "neck", "laterality": "midline"}]},
        )
        classify_episode(other)
        others.append(other)
    since = timezone.now() - dt.timedelta(days=14)
    with django_assert_max_num_queries(4):
        found = recent_step_changes([episode, *others], since=since)
    assert list(found) == [episode.pk]
    assert found[episode.pk].after == "step_2"
    # A change stored before ``since`` is not recent; the step before it still counts.
    assert recent_step_changes([episode], since=timezone.now() + dt.timedelta(seconds=1)) == {}
