"""The episode history found by the database is the one a run-by-run comparison gives
(issue 13: the patient page no longer decodes every stored run; all synthetic data)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.utils import timezone

from painpath.pathway.models import Classification
from painpath.pathway.services import Change, classify_episode, flag_latest, history, step_changes
from painpath.patients.models import Episode

pytestmark = pytest.mark.django_db


def _with(result: dict[str, Any], **results: str) -> dict[str, Any]:
    axes = dict(result["axes"])
    for name, code in results.items():
        axes[name] = {**axes[name], "result": code, "label": f"label {code}"}
    return {**result, "axes": axes}


def _naive(runs: list[Classification]) -> list[tuple[int, list[Change]]]:
    """The history as it was computed before: every run decoded and compared in Python."""
    entries, before = [], {}
    for run in runs:
        axes = run.axes
        changes = [
            Change(name, axis.title, before[name].label if name in before else None, axis.label)
            for name, axis in axes.items()
            if name not in before or before[name].result != axis.result
        ]
        if changes:
            entries.append((run.pk, changes))
        before = axes
    return entries[::-1]


def test_the_history_lists_the_runs_that_changed_something_newest_first(episode: Episode) -> None:
    base = classify_episode(episode).result
    codes = ["step_1", "step_1", "step_2", "unknown", "step_2", "step_1", "step_1"]
    start = timezone.now() - dt.timedelta(days=30)
    for day, code in enumerate(codes):
        run = Classification.objects.create(
            episode=episode, as_of=timezone.localdate(), result=_with(base, stepped_care=code)
        )
        Classification.objects.filter(pk=run.pk).update(created_at=start + dt.timedelta(days=day))
    # One run without an axis the others have: it is not a change, the next one is.
    lacking = {**base, "axes": {k: v for k, v in base["axes"].items() if k != "orebro"}}
    run = Classification.objects.create(episode=episode, as_of=timezone.localdate(), result=lacking)
    Classification.objects.filter(pk=run.pk).update(created_at=start + dt.timedelta(days=8))
    flag_latest([episode.pk])
    runs = list(episode.classifications.order_by("created_at", "id"))

    expected = _naive(runs)
    found = history(episode)
    assert [(e.classification.pk, e.changes) for e in found] == expected
    assert len(found) < len(runs)  # the runs that changed nothing are left out
    assert [(e.classification.pk, e.changes) for e in history(episode, limit=2)] == expected[:2]
    # The first run lists every axis, with nothing before it.
    assert all(change.before is None for change in found[-1].changes)
    assert len(found[-1].changes) == len(runs[0].axes)

    # Step 1 → 2 → (unknown) → 2 → 1 → …: each change once, the unknown run passed over.
    steps = [run.step for run in runs if run.step in ("step_1", "step_2")]
    expected_steps = [(a, b) for a, b in itertools.pairwise(steps) if a != b][::-1]
    assert len(expected_steps) >= 2
    changes = step_changes(episode)
    assert [(c.before, c.after) for c in changes] == expected_steps
    assert [(c.before, c.after) for c in step_changes(episode, limit=1)] == expected_steps[:1]
