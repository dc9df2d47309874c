import datetime as dt

import pytest

from painpath.pathway.models import TreatmentCourse
from painpath.pathway.services import classify_episode, episode_document, log_session
from painpath.patients.models import Episode

pytestmark = pytest.mark.django_db


def test_the_document_carries_age_on_the_as_of_date_and_the_intake(episode: Episode) -> None:
    doc = episode_document(episode, dt.date(2026, 5, 16))
    assert doc["age"] == 55  # birthday 17 May: one day short of 56
    assert doc["pain_regions"] == [{"region": "low_back", "laterality": "midline"}]
    assert doc["onset_date"] == "2025-01-10"
    assert "treatment_courses" not in doc  # absent, not an empty list: missing stays visible


def test_logging_sessions_without_effect_escalates_to_step_two(episode: Episode) -> None:
    episode.onset_date = dt.date(2026, 8, 1)  # recent: not yet chronic, so Step 1
    episode.save()
    course = TreatmentCourse.objects.create(
        episode=episode, modality="acupuncture", start=dt.date(2026, 9, 1), planned_sessions=5
    )
    first = classify_episode(episode, as_of=dt.date(2026, 9, 2))
    assert first.result["axes"]["stepped_care"]["result"] == "step_1"
    for day in (1, 8, 15, 22, 29):  # the rule set looks after 5 sessions (seed: "3–5")
        _, latest = log_session(course, date=dt.date(2026, 9, day), pain_before=7, pain_after=7)
    result = latest.result["axes"]["stepped_care"]
    assert result["result"] == "step_2", result
    assert result["fired"] == ["no_notable_effect"]
    assert latest.trigger == "treatment session"


def test_the_daily_refresh_stores_a_run_only_where_a_result_changed(episode: Episode) -> None:
    from painpath.pathway.models import Classification
    from painpath.pathway.services import refresh_stale

    today = dt.date(2026, 11, 30)
    # Onset 2026-09-05: subacute low back pain on 2026-11-01 (6-12 weeks), chronic (over 12
    # weeks) today; still under 3 months (IASP) tomorrow.
    episode.onset_date = dt.date(2026, 9, 5)
    episode.save()
    early = classify_episode(episode, as_of=dt.date(2026, 11, 1))

    assert refresh_stale(today=today) == 1
    stored = Classification.objects.filter(episode=episode).exclude(pk=early.pk).get()
    assert (stored.as_of, stored.trigger) == (today, "refreshed for today")
    assert (early.result_of("lbp_duration"), stored.result_of("lbp_duration")) == (
        "subacute",
        "chronic",
    )

    # The next day nothing changes: nothing more is stored.
    assert refresh_stale(today=today + dt.timedelta(days=1)) == 0
    assert Classification.objects.filter(episode=episode).count() == 2
