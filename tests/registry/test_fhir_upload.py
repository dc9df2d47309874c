"""``painpath registry upload`` of FHIR QuestionnaireResponses (issue 16): a Bundle or an NDJSON
directory becomes the site's contribution, once however often it is sent, and a bundle with a
bad answer stores nothing. The bundles are made from the synthetic world's extract."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from painpath.cli import app
from painpath.core.fhir.export import to_bundle, write_ndjson
from painpath.registry import services
from painpath.registry.models import PooledAnswer, PooledCondition, PooledScore, Upload

pytestmark = pytest.mark.django_db
runner = CliRunner()


def _upload(source: Path, site: str) -> Any:
    return runner.invoke(app, ["registry", "upload", str(source), "--site", site])


@pytest.fixture
def extract(world: dict[str, Any]) -> Any:
    return services.extract_for_site(world["sites"]["a"])


def test_a_bundle_is_stored_once_and_its_ndjson_twin_changes_nothing(
    world: dict[str, Any], extract: Any, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(to_bundle(extract, registry="lbp")))

    first = _upload(bundle, "site-a")
    again = _upload(bundle, "site-a")

    assert first.exit_code == 0 and "accepted" in first.output, first.output
    assert again.exit_code == 0 and "unchanged" in again.output, again.output
    stored = PooledScore.objects.filter(site__code="site-a")
    assert stored.count() == extract.scores.height
    assert PooledAnswer.objects.filter(site__code="site-a").count() == extract.answers.height
    by_key = {(s.patient_id, s.instrument, s.timepoint): s.score for s in stored}
    for row in extract.scores.iter_rows(named=True):
        assert by_key[(row["patient_id"], row["instrument"], row["timepoint"])] == row["score"]
    # FHIR carries neither the cohort columns nor the diagnoses: unknown, not invented.
    assert set(stored.values_list("treatment", flat=True)) == {None}
    assert set(stored.values_list("site__code", flat=True)) == {"site-a"}
    assert not PooledCondition.objects.filter(site__code="site-a").exists()

    bulk = tmp_path / "bulk"
    write_ndjson(extract, bulk, registry="lbp")
    twin = _upload(bulk, "site-a")
    assert twin.exit_code == 0 and "unchanged" in twin.output, twin.output


def _first_response(bundle: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    for index, entry in enumerate(bundle["entry"]):
        if entry["resource"]["resourceType"] == "QuestionnaireResponse":
            return index, entry["resource"]
    raise AssertionError("the bundle has no QuestionnaireResponse")


def test_a_bad_answer_is_refused_naming_entry_and_link_id_and_nothing_is_stored(
    world: dict[str, Any], extract: Any, tmp_path: Path
) -> None:
    good = to_bundle(extract, registry="lbp")
    bad = copy.deepcopy(good)
    index, response = _first_response(bad)
    item = response["item"][0]
    item["answer"] = [{"valueInteger": 999}]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(bad))

    # A site that has sent nothing yet, and one whose earlier bundle must stay as it was.
    (tmp_path / "good.json").write_text(json.dumps(good))
    assert _upload(tmp_path / "good.json", "site-a").exit_code == 0
    before = sorted(PooledScore.objects.filter(site__code="site-a").values_list("id", flat=True))

    for site in ("site-a", "site-b"):
        refused = _upload(path, site)
        assert refused.exit_code == 2, refused.output
        assert "nothing stored" in refused.output
        assert f"entry {index} (" in refused.output and f"item {item['linkId']}:" in refused.output
        assert "Traceback" not in refused.output
    assert not PooledScore.objects.filter(site__code="site-b").exists()
    assert not PooledAnswer.objects.filter(site__code="site-b").exists()
    after = sorted(PooledScore.objects.filter(site__code="site-a").values_list("id", flat=True))
    assert after == before
    assert Upload.objects.filter(site__code="site-b", status=Upload.Status.REFUSED).count() == 1
