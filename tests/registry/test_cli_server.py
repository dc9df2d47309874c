"""``painpath registry init|site|extract|upload|status`` against this server's database
(synthetic patients: the pooled tests' world)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.registry.sending import extract_both_and_aggregate_b
from typer.testing import CliRunner

from painpath.cli import app
from painpath.registry.models import PooledScore, Registry, Site

pytestmark = pytest.mark.django_db
runner = CliRunner()


def _run(*args: str) -> Any:
    return runner.invoke(app, ["registry", *args])


def test_a_clinic_extracts_and_the_registry_receives_it(
    world: dict[str, Any],
    tmp_path: Path,
) -> None:
    key = tmp_path / "key"
    key.write_text(world["registry"].key().hex())
    out = tmp_path / "a.zip"

    made = _run(
        "extract", "--clinic", "reg-a", "--registry-key-file", str(key), "--site", "site-a",
        "-o", str(out),
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    assert f"{world['per_clinic']} persons" in made.output

    first = _run("upload", str(out), "--site", "site-a")
    again = _run("upload", str(out), "--site", "site-a")
    assert first.exit_code == 0 and "accepted" in first.output, first.output
    assert again.exit_code == 0 and "unchanged" in again.output
    assert PooledScore.objects.filter(site__code="site-a").count() == world["per_clinic"] * 4

    status = _run("status", "-f", "json")
    assert status.exit_code == 0
    sites = {s["site"]: s for s in json.loads(status.output)[0]["sites"]}
    assert sites["site-a"]["last_accepted"]["counts"]["scores"] == world["per_clinic"] * 4
    assert sites["site-a"]["last_upload"]["status"] == "unchanged"
    assert sites["site-b"]["last_upload"] is None


def test_init_writes_the_key_once_and_site_names_a_clinic(
    world: dict[str, Any],
    tmp_path: Path,
) -> None:
    key = tmp_path / "new.key"
    made = _run("init", "--code", "neck", "--name", "Neck (synthetic)", "--key-file", str(key))
    assert made.exit_code == 0, made.output
    registry = Registry.objects.get(code="neck")
    assert bytes.fromhex(key.read_text().strip()) == registry.key()
    assert registry.key().hex() not in registry.key_encrypted
    assert key.stat().st_mode & 0o077 == 0
    again = _run("init", "--code", "other", "--name", "x", "--key-file", str(key))
    assert again.exit_code == 2 and "exists" in again.output

    added = _run(
        "site", "--registry", "neck", "--code", "c", "--name", "C", "--participation",
        "aggregate", "--clinic", "reg-b",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert Site.objects.get(registry=registry, code="c").clinic.code == "reg-b"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("upload", "missing.zip", "--site", "site-a"), "missing.zip: no such file"),
        (("status", "-f", "xml"), "--format xml"),
        (("site", "--code", "x", "--name", "x", "--participation", "both"), "--participation"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    world: dict[str, Any],
    args: tuple[str, ...],
    message: str,
) -> None:
    result = _run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_bad_key_file_or_site_exits_2(
    world: dict[str, Any],
    tmp_path: Path,
) -> None:
    key = tmp_path / "key"
    key.write_text("not a key")
    bad = _run(
        "extract", "--clinic", "reg-a", "--registry-key-file", str(key), "--site", "s",
        "-o", str(tmp_path / "x.zip"),
    )  # fmt: skip
    assert bad.exit_code == 2 and "not a registry key" in bad.output
    archive = tmp_path / "y.zip"
    archive.write_bytes(b"PK not really")
    refused = _run("upload", str(archive), "--site", "nowhere")
    assert refused.exit_code == 2 and "--site nowhere" in refused.output
    broken = _run("upload", str(archive), "--site", "site-a")
    assert broken.exit_code == 2 and "refused, nothing stored" in broken.output


def test_one_clinic_pooled_and_one_aggregate_only_through_the_cli(
    world: dict[str, Any], tmp_path: Path
) -> None:
    """Clinic A sends its rows, clinic B (on the same server) only its statistics, made from
    its own extract by `painpath registry aggregate`; the registry combines them."""
    from painpath.registry import services

    registry = world["registry"]
    statistics = extract_both_and_aggregate_b(world, tmp_path)
    assert statistics.exit_code == 0, statistics.output
    assert "person_id" not in (tmp_path / "b.json").read_text()

    assert _run("upload", str(tmp_path / "a.zip"), "--site", "site-a").exit_code == 0
    sent = _run("upload", str(tmp_path / "b.json"), "--site", "site-b")
    assert sent.exit_code == 0 and "accepted" in sent.output, sent.output
    refused = _run("upload", str(tmp_path / "b.zip"), "--site", "site-b")
    assert refused.exit_code == 2 and "sends aggregates, not rows" in refused.output

    table = services.combined_outcome_table(registry.k, registry)
    row = next(
        r
        for r in table.combined.rows
        if r.stratum_column is None and r.outcome.instrument == "nrs" and r.outcome.timepoint == 3
    )
    n = world["per_clinic"]
    # The person seen at both clinics is counted at each: an aggregate-only site's persons
    # cannot be matched against the pooled ones.
    assert (row.outcome.n_baseline, row.outcome.n_followed) == (2 * n, 2 * n)
    assert set(row.sites) == {"site-b", "(pooled)"}
    # Every fixture person answers NRS 7 + n % 3 at baseline and 3 at three months.
    changes = [3 - (7 + i % 3) for i in range(n)] * 2
    assert row.outcome.change_mean == pytest.approx(sum(changes) / len(changes), abs=1e-9)
    assert row.pooled_only is not None and row.pooled_only["n_followed"] == n
