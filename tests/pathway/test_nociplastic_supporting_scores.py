"""The CSI and the mood questionnaires are supporting information for the nociplastic axis,
never criteria (issue 15; nociplastic-kosek2021 2.1.0): Kosek 2021's criteria are clinical
findings, its comorbidities are sensitivity to sound/light/odours, sleep disturbance, fatigue
and cognitive problems — not mood, not a questionnaire. The rule set's own examples cover the
rules; these check the path from stored responses to the recorded supporting scores."""

import datetime as dt

import pytest

from painpath.core.instruments import get
from painpath.core.questionnaires import UNKNOWN_WORDING
from painpath.pathway.services import classify_episode, episode_document
from painpath.patients.models import Episode
from painpath.questionnaires.services import store_scored_response

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 1)
SHOWN = ("csi_score", "phq9_score", "gad7_score", "hads_anxiety", "hads_depression")


def store(episode: Episode, code: str, value: int) -> None:
    answers = {item.code: value for item in get(code).items}
    store_scored_response(
        episode,
        code,
        answers,
        get(code).score(answers),
        source="paper",
        language="da",
        wording=UNKNOWN_WORDING,
        answered_on=DAY,
    )


def possible_nociplastic(episode: Episode) -> None:
    """Criteria 1–4 met and no comorbidity recorded: possible (Kosek 2021)."""
    episode.onset_date = dt.date(2025, 1, 1)
    episode.intake = {**episode.intake, "pain_distribution": "widespread"}
    episode.findings = {
        **episode.findings,
        "sensory_findings": {
            "pain_entirely_explained_by_nociception": False,
            "pain_entirely_explained_by_neuropathy": False,
            "hypersensitivity_signs_in_region": True,
            "hypersensitivity_history": True,
            "comorbidity_sensory_sensitivity": False,
            "comorbidity_sleep": False,
            "comorbidity_fatigue": False,
            "comorbidity_cognitive": False,
        },
    }
    episode.save()


def test_the_scores_reach_the_episode_document(episode: Episode) -> None:
    store(episode, "csi", 3)
    store(episode, "gad7", 2)
    store(episode, "hads", 1)
    questionnaires = episode_document(episode, DAY)["questionnaires"]
    assert questionnaires["csi"] == {"total": 75}
    assert questionnaires["gad7"] == {"total": 14}
    assert questionnaires["hads"] == {"anxiety": 7, "depression": 7}


def test_high_csi_and_mood_scores_are_shown_but_do_not_raise_possible_to_probable(
    episode: Episode,
) -> None:
    possible_nociplastic(episode)
    before = classify_episode(episode, as_of=DAY).result["axes"]["nociplastic"]
    assert before["result"] == "possible"
    for code, value in (("csi", 4), ("phq9", 3), ("gad7", 3), ("hads", 3)):
        store(episode, code, value)
    after = classify_episode(episode, as_of=DAY).result["axes"]["nociplastic"]
    assert after["result"] == "possible"  # mood is not a comorbidity criterion
    fired = next(step for step in after["trace"] if step["rule"] == "possible")
    shown = {name: fired["reads"][name] for name in SHOWN}
    assert shown == {
        "csi_score": 100,
        "phq9_score": 27,
        "gad7_score": 21,
        "hads_anxiety": 21,
        "hads_depression": 21,
    }


def test_missing_questionnaires_never_leave_the_axis_unknown(episode: Episode) -> None:
    possible_nociplastic(episode)
    axis = classify_episode(episode, as_of=DAY).result["axes"]["nociplastic"]
    assert axis["result"] == "possible"
    assert not set(SHOWN) & set(axis["needs"])
