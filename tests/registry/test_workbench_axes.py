"""A shipped rule set that reads a subscale applied to the registry's pooled baseline answers
(issue 16): STarT Back's risk group computed from the pooled item answers equals the group
the clinic classified and stored (axis_startback). All patients are synthetic."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from painpath.cli import app
from painpath.core.instruments import REGISTRY
from painpath.core.rules import builtin_rulesets
from painpath.pathway.services import classify_episode
from painpath.questionnaires.models import QuestionnaireResponse
from painpath.registry import services, workbench
from painpath.registry.pooled import write_pooled
from painpath.registry.services import pooled_scores

from .conftest import INDEX

pytestmark = pytest.mark.django_db
runner = CliRunner()


def _startback(n: int) -> dict[str, int]:
    """Answers that walk through the low, medium and high risk groups as n grows."""
    physical, distress = n % 5, (n * 3) % 5
    items = [int(i < physical) for i in range(4)] + [int(i < distress) for i in range(4)]
    return {**{f"sbst{i}": v for i, v in enumerate(items, 1)}, "sbst9": 4 * (n % 2)}


@pytest.fixture
def pooled(world: dict[str, Any]) -> dict[str, Any]:
    scorer = REGISTRY["startback"]()
    n = 0
    for episodes in world["episodes"].values():
        for episode in episodes:
            answers = _startback(n)
            result = scorer.score(answers)
            QuestionnaireResponse.objects.create(
                episode=episode,
                instrument="startback",
                answers=answers,
                score=result.score,
                subscales=dict(result.subscales),
                answered_on=INDEX - dt.timedelta(days=3),
            )
            classify_episode(episode, as_of=INDEX)
            n += 1
    for site in world["sites"].values():
        services.receive_extract(site, services.extract_for_site(site))
    return world


def test_startback_from_pooled_answers_equals_the_clinics_stored_group(
    pooled: dict[str, Any],
) -> None:
    registry = pooled["registry"]
    scores = pooled_scores(registry)
    stored = workbench.stored_axis(scores, "startback")
    assert len(set(stored.values())) >= 2  # the answers reach more than one group
    computed = workbench.apply_ruleset(
        builtin_rulesets()["startback"],
        workbench.baseline_totals(scores),
        as_of=INDEX,
        answers=workbench.baseline_answers(registry),
    )
    assert computed == stored
    assert workbench.lacking_inputs(builtin_rulesets()["startback"]) == []


def test_without_answers_startback_gives_no_class_and_a_duration_axis_is_refused(
    pooled: dict[str, Any],
) -> None:
    scores = pooled_scores(pooled["registry"])
    startback = builtin_rulesets()["startback"]
    assert workbench.apply_ruleset(startback, workbench.baseline_totals(scores), as_of=INDEX) == {}
    with pytest.raises(workbench.AxisNeedsInputs, match=r"needs .*duration"):
        workbench.apply_ruleset(builtin_rulesets()["chronicity-iasp"], {}, as_of=INDEX)


def _validate(folder: Path, classification: str) -> Any:
    query = ["--classification", classification, "--outcome", "odi", "--timepoint", "3"]
    return runner.invoke(app, ["workbench", "validate", "-i", str(folder), *query, "-f", "json"])


def test_the_cli_computes_startback_from_the_pooled_answers_as_the_registry_does(
    pooled: dict[str, Any], tmp_path: Path
) -> None:
    registry = pooled["registry"]
    write_pooled(tmp_path, registry)
    answers = pl.read_parquet(tmp_path / "answers.parquet")
    assert set(answers["instrument"].unique().to_list()) >= {"startback", "odi"}
    by_axis = _validate(tmp_path, "axis:startback")
    assert by_axis.exit_code == 0, by_axis.output
    stored = _validate(tmp_path, "axis_startback")
    assert stored.exit_code == 0, stored.output
    computed, kept = json.loads(by_axis.stdout), json.loads(stored.stdout)
    assert computed["n"] == kept["n"] > 0
    assert computed["per_class"] == kept["per_class"]
    # Without the answers the axis cannot be computed and says so.
    (tmp_path / "answers.parquet").unlink()
    refused = _validate(tmp_path, "axis:startback")
    assert refused.exit_code == 2 and "startback_psychosocial" in refused.output
