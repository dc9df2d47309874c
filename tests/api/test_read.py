"""GET /api/v1/episodes/{id} and GET /api/v1/reports/outcomes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client, override_settings

from painpath.api import services
from painpath.audit.models import AuditEntry
from painpath.pathway.services import classify_episode
from painpath.patients.models import Clinic, Episode, Patient
from painpath.questionnaires.services import store_answers_as_shown

pytestmark = pytest.mark.django_db


def test_an_episode_with_its_scores_and_classification(episode: Episode, api: Client) -> None:
    # Synthetic: a red flag the patient reported (weight loss) and a pain score.
    episode.intake = {**episode.intake, "red_flags": {"unexplained_weight_loss": True}}
    episode.save()
    store_answers_as_shown(
        episode,
        "nrs",
        {"nrs": 8},
        source="patient",
        language="da",
        answered_on=dt.date.today(),
    )
    run = classify_episode(episode)
    data = api.get(f"/api/v1/episodes/{episode.public_id}").json()
    assert data["public_id"] == str(episode.public_id)
    assert data["patient"] == str(episode.patient.public_id)
    assert [(s["instrument"], s["score"]) for s in data["scores"]] == [("nrs", 8.0)]
    axes = data["classification"]["axes"]
    assert axes[0]["axis"] == "red_flags"
    assert {a["axis"] for a in axes} == set(run.axes)
    stored = run.axis("red_flags")
    assert stored is not None
    assert (axes[0]["result"], axes[0]["ruleset"], axes[0]["version"]) == (
        stored.result,
        stored.ruleset,
        stored.version,
    )
    assert axes[0]["fired"] == list(stored.fired)
    assert axes[0]["grade_rank"] == stored.grade_rank
    assert "name" not in str(data) and episode.patient.name not in str(data)


def test_an_unclassified_episode_says_so(episode: Episode, api: Client) -> None:
    data = api.get(f"/api/v1/episodes/{episode.public_id}").json()
    assert data["classification"] is None
    assert data["scores"] == []


def _patients_with_scores(clinic: Clinic, count: int) -> None:
    """Synthetic patients with a baseline NRS each."""
    for i in range(count):
        patient = Patient.objects.create(
            name=f"Synthetic {i}", date_of_birth=dt.date(1960, 1, 1), clinic=clinic, synthetic=True
        )
        episode = Episode.objects.create(patient=patient, complaint="Low back pain (synthetic)")
        store_answers_as_shown(
            episode,
            "nrs",
            {"nrs": i % 10},
            source="patient",
            language="da",
            answered_on=dt.date.today(),
        )


def _report(api: Client, query: str = "") -> Any:
    return api.get(f"/api/v1/reports/outcomes{query}")


@override_settings(PAINPATH_DISCLOSURE_K=3)
def test_the_report_is_the_clinics_under_disclosure_control(
    clinic: Clinic, other_clinic: Clinic, api: Client
) -> None:
    _patients_with_scores(clinic, 4)
    _patients_with_scores(other_clinic, 6)
    response = _report(api, "?instrument=nrs&timepoint=3")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["cohort"]["patients"] == 4  # the other clinic's six are not in it
    assert data["disclosure"] == {"k": 3}
    assert data["timepoints"] == [3]
    assert {row["instrument"] for row in data["rows"]} == {"nrs"}
    entry = AuditEntry.objects.get(code=services.REPORT_READ.code)
    assert entry.detail["disclosure_k"] == 3 and entry.api_client is not None


@override_settings(PAINPATH_DISCLOSURE_K=5)
def test_a_cohort_below_k_shows_no_figures(clinic: Clinic, api: Client) -> None:
    _patients_with_scores(clinic, 2)
    response = _report(api, "?instrument=nrs")
    assert response.status_code == 422
    assert "fewer than 5" in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "loc"),
    [
        ("?instrument=xyz", ["query", "instrument"]),
        ("?timepoint=0", ["query", "timepoint"]),
        ("?timepoint=soon", ["query", "timepoint", 0]),
        ("?instruments=nrs", ["query", "instruments"]),
    ],
)
def test_a_wrong_query_names_the_parameter(api: Client, query: str, loc: list[Any]) -> None:
    response = _report(api, query)
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == loc


@override_settings(PAINPATH_DISCLOSURE_K=3)
def test_a_get_with_a_token_writes_nothing_but_its_audit_entry(
    episode: Episode, clinic: Clinic, api: Client
) -> None:
    from tests.web.test_url_access import snapshot

    _patients_with_scores(clinic, 4)
    for url in (f"/api/v1/episodes/{episode.public_id}", "/api/v1/reports/outcomes"):
        before, entries = snapshot(), AuditEntry.objects.count()
        assert api.get(url).status_code == 200
        # Every table but the audit log (and the session's) row for row as it was: the
        # token's first use too, which once noted the client's last use on the client.
        assert snapshot() == before, url
        assert AuditEntry.objects.count() == entries + 1, url
