"""``Classification.axis_codes`` (issue 13): each run's axis result codes in a small column,
written with every run — through the services and by the bulk writers — and equal to what
the run's JSON says, which the registry export used to read out of the JSON itself."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.db.models.fields.json import KT

from painpath.analytics.demo import load_synthetic_registry
from painpath.analytics.services import Registry, _axis_results
from painpath.pathway.models import Classification, TreatmentCourse
from painpath.pathway.services import classify_episode, log_session, refresh_stale
from painpath.patients.models import Episode
from painpath.web import scale

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("painpath.pathway.migrations.0007_classification_axis_codes")


def assert_codes_match_the_json() -> int:
    """Every stored run's ``axis_codes`` against its JSON, read by the database (``KT``, what
    the export read before) — the same axes, each with the same code. Returns the runs."""
    runs = list(Classification.objects.values("id", "result", "axis_codes"))
    assert runs
    for run in runs:
        axes = run["result"]["axes"]
        assert set(run["axis_codes"]) == set(axes), run["id"]
        read = Classification.objects.filter(id=run["id"]).values(
            **{f"k_{name}": KT(f"result__axes__{name}__result") for name in axes}
        )
        assert {f"k_{n}": code for n, code in run["axis_codes"].items()} == read.get()
    return len(runs)


def test_runs_stored_by_the_services_carry_their_codes(episode: Episode) -> None:
    episode.onset_date = dt.date(2026, 8, 1)
    episode.save()
    course = TreatmentCourse.objects.create(
        episode=episode, modality="acupuncture", start=dt.date(2026, 9, 1), planned_sessions=5
    )
    first = classify_episode(episode, as_of=dt.date(2026, 9, 2))
    for day in (1, 8, 15, 22, 29):
        _, latest = log_session(course, date=dt.date(2026, 9, day), pain_before=7, pain_after=7)
    assert refresh_stale(today=dt.date(2027, 3, 1)) == 1
    # The step changed on the way: the codes follow each run, not the first one.
    assert first.axis_codes["stepped_care"] == "step_1"
    assert latest.axis_codes["stepped_care"] == "step_2"
    assert len(first.axis_codes) > 5
    assert assert_codes_match_the_json() == 7


def test_the_scale_generator_writes_the_codes_in_bulk() -> None:
    scale.build_clinic(patients=12, audit_rows=0, seed=13, batch=5)
    assert assert_codes_match_the_json() > 12
    assert not Classification.objects.filter(axis_codes={}).exists()


def test_the_synthetic_registry_writes_the_codes() -> None:
    load_synthetic_registry(15, seed=2)
    assert assert_codes_match_the_json() == 15
    codes = set(Classification.objects.values_list("axis_codes__stepped_care", flat=True))
    assert codes <= {"step_1", "step_2", "step_3"} and codes


def test_the_migration_fills_the_codes_of_runs_stored_before_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scale.build_clinic(patients=6, audit_rows=0, seed=5, batch=5)
    stored = dict(Classification.objects.values_list("id", "axis_codes"))
    Classification.objects.update(axis_codes={})
    monkeypatch.setattr(backfill, "BATCH", 4)  # several batches, the last one short
    assert len(stored) % 4 and len(stored) > 8
    backfill.fill_axis_codes(apps, None)
    assert dict(Classification.objects.values_list("id", "axis_codes")) == stored
    assert_codes_match_the_json()


def test_the_export_reads_axes_and_codes_from_the_column() -> None:
    load_synthetic_registry(10, seed=4)
    latest = Classification.objects.filter(is_latest=True)
    expected: dict[int, dict[str, Any]] = {
        run.episode_id: {f"axis_{n}": a["result"] for n, a in run.result["axes"].items()}
        for run in latest
    }
    registry = Registry()
    assert registry.axes == sorted({n for run in latest for n in run.result["axes"]})
    assert _axis_results(list(expected), registry.axes) == expected
    # The column is what the export reads: a run whose column disagrees with its JSON shows
    # the column's codes, so the JSON is no longer read.
    latest.update(axis_codes={"stepped_care": "step_3"})
    assert Registry().axes == ["stepped_care"]
    read = _axis_results(list(expected), ["stepped_care"])
    assert read == {episode: {"axis_stepped_care": "step_3"} for episode in expected}
