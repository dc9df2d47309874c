"""Issue 16's "done when": two painpath servers, each a process on its own database — C, a
clinic server with clinics A and B as tenants, and R, the registry. A takes part pooled (its
extract goes to R), B aggregate-only (its statistics are made at C from B's extract, which
never leaves C). At R the combined outcome table, the prognostic table and an LCA report come
out as the same computations on C's data do. Once through the API over HTTP (R under real
gunicorn), once through the CLI alone. Both servers are SQLite files whatever the suite runs
on (the pooled tests cover PostgreSQL). All patients are synthetic."""

from __future__ import annotations

import json
import shutil
import uuid
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from tests.live_server import Gunicorn, run_django, server_env

K = 5
PER_CLINIC = 40
ODI_ITEMS = [f"odi{i}" for i in range(1, 11)]

# Run at C: clinics A and B, PER_CLINIC synthetic persons each, all but the last with a
# research consent; NRS and ODI (with its items) at baseline and 3, 6 and 12 months, some
# follow-ups missed; each episode's STarT Back result stored as a classification run, the
# high-risk ones improving less (a prognostic signal the table can find).
POPULATE = """
import datetime as dt, random
from painpath.core.consent import RESEARCH
from painpath.pathway.models import Classification, ProcedureBooking
from painpath.patients.consent import record_decision
from painpath.patients.models import Clinic, Diagnosis, Episode, Patient
from painpath.questionnaires.models import QuestionnaireResponse

rng = random.Random(16)
index = dt.date(2024, 3, 1)
for c, code in enumerate(("clin-a", "clin-b")):
    clinic = Clinic.objects.create(code=code, name=f"Clinic {code} (synthetic)")
    for n in range(PER_CLINIC):
        patient = Patient(
            name=f"Two Servers {code} {n} (synthetic)", date_of_birth=dt.date(1950 + n, 3, 1),
            sex="female" if rng.random() < 0.55 else "male", synthetic=True, clinic=clinic,
        )
        # 1 January: no modulus-11 check, so any serial is valid; each person at one clinic.
        patient.set_cpr(f"0101{40 + n:02d}-{2000 + 100 * c + n}")
        patient.save()
        if n < PER_CLINIC - 1:
            record_decision(patient, RESEARCH, "given", version=1, source="intake")
        episode = Episode.objects.create(
            patient=patient, complaint="Low back pain", region="low_back"
        )
        ProcedureBooking.objects.create(
            episode=episode, kind="gold_implantation", region="low_back", appointment_date=index
        )
        Diagnosis.objects.create(episode=episode, code="DM545", primary=True)
        risk = rng.choice(("low", "medium", "high"))
        Classification(
            episode=episode, as_of=index, result={"axes": {"startback": {"result": risk}}}
        ).save()
        severity = {"low": 1, "medium": 2, "high": 3}[risk]
        gain = {"low": 0.6, "medium": 0.35, "high": 0.1}[risk]
        base_items = [min(5, max(0, severity + rng.randint(-1, 2))) for _ in range(10)]
        base_nrs = min(10, 3 + severity + rng.randint(0, 3))
        for months in (0, 3, 6, 12):
            if months and rng.random() < 0.15:
                continue
            day = index + dt.timedelta(days=-3 if months == 0 else round(months * 30.44))
            keep = 1 - gain * min(months, 6) / 6 if months else 1
            nrs = min(10, max(0, round(base_nrs * keep + rng.randint(-1, 1))))
            items = [min(5, max(0, round(v * keep + rng.randint(-1, 1)))) for v in base_items]
            if not months:
                items = base_items
            QuestionnaireResponse.objects.create(
                episode=episode, instrument="nrs", answers={"nrs": nrs}, score=nrs,
                answered_on=day,
            )
            QuestionnaireResponse.objects.create(
                episode=episode, instrument="odi",
                answers={f"odi{i + 1}": v for i, v in enumerate(items)},
                score=2 * sum(items), answered_on=day,
            )
"""

# Run at R: what the registry holds, as the research group reads it.
READ_REGISTRY = """
import polars as pl
from painpath.cli.registry import combined_document
from painpath.registry import services
from painpath.registry.models import PooledAnswer, Registry

registry = Registry.objects.get(code="lbp")
table = services.combined_outcome_table(registry.k, registry)
services.pooled_scores(registry).write_parquet(OUT + "/pooled.parquet")
rows = PooledAnswer.objects.filter(instrument="odi", timepoint=0).values_list(
    "patient_id", "item", "value"
)
baseline = pl.DataFrame(list(rows), schema=["patient_id", "item", "value"], orient="row")
baseline.pivot(on="item", index="patient_id", values="value").with_columns(
    pl.exclude("patient_id").cast(pl.Int64)
).write_csv(OUT + "/baseline.csv")
result = {
    "combined": combined_document(table.combined),
    "pooled_persons": sorted(services.pooled_scores(registry)["person_id"].unique()),
    "pooled_patients": sorted(services.pooled_scores(registry)["patient_id"].unique()),
}
"""


def painpath(
    env: Mapping[str, str], *commands: list[str], before: str = ""
) -> list[tuple[int, str]]:
    """Several ``painpath`` commands in one Python process (Django and polars load once,
    which on a busy machine is seconds a process), after the Django code ``before``: each
    command's exit code and output."""
    code = (
        before + "\nfrom typer.testing import CliRunner\nfrom painpath.cli import app\n"
        f"runs = [CliRunner().invoke(app, args) for args in {list(commands)!r}]\n"
        "result = [(r.exit_code, r.output) for r in runs]\n"
    )
    done = run_django(code, env)
    return [(int(status), str(output)) for status, output in done]


def ok(env: Mapping[str, str], *commands: list[str], before: str = "") -> list[str]:
    outputs = []
    done = painpath(env, *commands, before=before)
    for args, (status, output) in zip(commands, done, strict=True):
        assert status == 0, f"painpath {' '.join(args)}: {output}"
        outputs.append(output)
    return outputs


@dataclass
class Clinic:
    """Server C, its data made and its two sites' contributions ready."""

    env: dict[str, str]
    key: Path
    work: Path
    a_zip: Path
    b_json: Path
    expected: dict[frozenset[str], dict[str, Any]]
    """`painpath report` on the raw scores of the registry's sites: both (the union), and
    each alone (a figure that one site withheld is the other's)."""
    a_validate: dict[str, Any]  # `painpath workbench validate` on A's own extract


def _extract(key: Path, clinic: str, site: str, out: Path) -> list[str]:
    return ["registry", "extract", "--clinic", clinic, "--registry-key-file", str(key),
            "--site", site, "--registry", "lbp", "-o", str(out)]  # fmt: skip


def _unzip(archive: Path, into: Path) -> Path:
    with zipfile.ZipFile(archive) as z:
        z.extractall(into)
    return into


VALIDATE = ["--classification", "axis_startback", "--outcome", "odi", "--timepoint", "3",
            "--responder", "mic", "-f", "json"]  # fmt: skip


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each server (a migration costs ~20 s here)."""
    work = tmp_path_factory.mktemp("template")
    env = server_env(f"sqlite:///{work / 'db.sqlite3'}", work)
    run_django("from django.core.management import call_command; call_command('migrate')", env)
    return work / "db.sqlite3"


def _server(migrated: Path, work: Path, **extra: str) -> dict[str, str]:
    work.mkdir(parents=True, exist_ok=True)
    shutil.copy(migrated, work / "db.sqlite3")
    return server_env(f"sqlite:///{work / 'db.sqlite3'}", work, **extra)


@pytest.fixture(scope="module")
def clinic(
    migrated: Path, registry_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Clinic:
    work = tmp_path_factory.mktemp("clinic")
    env = _server(migrated, work / "c")
    key = Path(shutil.copy(registry_template / "lbp.key", work / "lbp.key"))
    a_zip, b_zip, b_json = work / "a.zip", work / "b.zip", work / "b.json"
    ok(
        env,
        _extract(key, "clin-a", "site-a", a_zip),
        _extract(key, "clin-b", "site-b", b_zip),
        before=f"PER_CLINIC = {PER_CLINIC}\n" + POPULATE,
    )
    a_dir, b_dir = _unzip(a_zip, work / "a"), _unzip(b_zip, work / "b")
    # The union of both clinics' rows, each person counted at the clinic they came from (as
    # the registry must: an aggregate-only site's persons cannot be matched).
    union = pl.concat(
        [pl.read_parquet(d / "scores.parquet") for d in (a_dir, b_dir)], how="diagonal_relaxed"
    )
    assert union["person_id"].n_unique() == 2 * (PER_CLINIC - 1), "consent is not honoured"
    union.write_parquet(work / "union.parquet")
    sources = {"union": work / "union.parquet", "a": a_dir / "scores.parquet",
               "b": b_dir / "scores.parquet"}  # fmt: skip
    *_reports, _statistics, validate = ok(
        env,
        *(["report", "-i", str(path), "-f", "json", "-o", str(work / f"report-{name}.json")]
          for name, path in sources.items()),
        ["registry", "aggregate", "-i", str(b_dir), "--site", "site-b", "--registry", "lbp",
         "--k", str(K), "-o", str(b_json)],
        ["workbench", "validate", "-i", str(a_dir / "scores.parquet"), *VALIDATE],
    )  # fmt: skip
    assert "person_id" not in b_json.read_text() and "patient_id" not in b_json.read_text()
    return Clinic(
        env=env,
        key=key,
        work=work,
        a_zip=a_zip,
        b_json=b_json,
        expected={
            frozenset(sites): json.loads((work / f"report-{name}.json").read_text())
            for name, sites in (
                ("union", ("(pooled)", "site-b")),
                ("a", ("(pooled)",)),
                ("b", ("site-b",)),
            )
        },
        a_validate=json.loads(validate),
    )


@pytest.fixture(scope="module")
def registry_template(migrated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Server R as its administrator sets it up once: a registry whose key file goes to the
    clinics out of band, site A pooled, site B aggregate-only. Copied for each test."""
    work = tmp_path_factory.mktemp("registry")
    env = _server(migrated, work)
    ok(
        env,
        ["registry", "init", "--code", "lbp", "--name", "LBP registry (SYNTHETIC)",
         "--k", str(K), "--key-file", str(work / "lbp.key")],
        ["registry", "site", "--registry", "lbp", "--code", "site-a", "--name", "Clinic A",
         "--participation", "pooled"],
        ["registry", "site", "--registry", "lbp", "--code", "site-b", "--name", "Clinic B",
         "--participation", "aggregate"],
    )  # fmt: skip
    # The registry's key is stored encrypted with the server's field key: a copy of the
    # server keeps its field key.
    (work / "field.key").write_text(env["PAINPATH_FIELD_KEY"])
    return work


def _registry(template: Path, work: Path) -> dict[str, str]:
    """A fresh server R: the template's database and field key."""
    field_key = (template / "field.key").read_text()
    return _server(template / "db.sqlite3", work, PAINPATH_FIELD_KEY=field_key)


def _read(env: Mapping[str, str], work: Path) -> dict[str, Any]:
    result: dict[str, Any] = run_django(f"OUT = {str(work)!r}\n" + READ_REGISTRY, env)
    return result


FIGURES = ("baseline_all_mean", "baseline_all_sd", "baseline_mean", "baseline_sd",
           "followup_mean", "followup_sd", "change_mean", "change_sd")  # fmt: skip


SHARES = ("complete_case", "complete_case_ci", "missing_as_failure", "missing_as_failure_ci")


def _rows(report: dict[str, Any]) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {(r["instrument"], r["timepoint"], r.get("wording")): r for r in report["rows"]}


def _check_combined(
    combined: dict[str, Any], expected: dict[frozenset[str], dict[str, Any]]
) -> int:
    """Every row of the combined table for all patients equals the report on the union of
    both clinics' rows — a figure one site withheld (`partial`), the report on the other's;
    medians and quartiles only from the pooled site, said so."""
    assert "baseline_median" in combined["not_combinable"]["figures"]
    assert combined["not_combinable"]["shown_as"] == "pooled sites only"
    both = frozenset({"(pooled)", "site-b"})
    reports = {sites: _rows(report) for sites, report in expected.items()}
    wanted = {key: row for key, row in reports[both].items() if key[1] in (3, 6, 12)}
    rows = [r for r in combined["rows"] if r["stratum_column"] is None]
    compared, partial = 0, 0
    for row in rows:
        key = (row["instrument"], row["timepoint"], row.get("wording"))
        if key not in wanted:
            continue
        want = wanted[key]
        assert not row["withheld"] and set(row["sites"]) == both, row
        assert (row["n_baseline"], row["n_followed"]) == (want["n_baseline"], want["n_followed"])
        over = frozenset(row["partial"].get("baseline_all", {}).get("sites", both))
        partial += over != both
        for name in FIGURES:
            source = reports[over][key] if name.startswith("baseline_all") else want
            assert row[name] == pytest.approx(source[name], abs=1e-9), (key, name, sorted(over))
        assert row["change_ci"] == pytest.approx(want["change_ci"], abs=1e-9), key
        for share in row["responders"]:
            if share["withheld"]:
                continue
            name = f"responders:{share['definition']}"
            over = frozenset(row["partial"].get(name, {}).get("sites", both))
            partial += over != both
            source = {s["definition"]: s for s in reports[over][key]["responders"]}
            assert share["responders"] == source[share["definition"]]["responders"], (key, name)
            for figure in SHARES:
                value, want_value = share[figure], source[share["definition"]][figure]
                assert value == pytest.approx(want_value, abs=1e-9), (key, name, figure)
        assert "baseline_median" not in row and "followup_q1" not in row
        pooled = row["pooled_only"]
        assert pooled is not None and 0 < pooled["n_followed"] < want["n_followed"]
        assert pooled["followup_median"] == reports[frozenset({"(pooled)"})][key]["followup_median"]
        compared += 1
    assert compared == len(wanted) >= 6  # NRS and ODI at 3, 6 and 12 months
    return partial


def _check_workbench(
    env: Mapping[str, str], work: Path, clinic: Clinic, held: dict[str, Any]
) -> None:
    validate, lca = ok(
        env,
        ["workbench", "validate", "-i", str(work / "pooled.parquet"), *VALIDATE],
        ["workbench", "lca", "-i", str(work / "baseline.csv"), "--id-column", "patient_id",
         "--items", ",".join(ODI_ITEMS), "--kind", "categorical", "--classes", "1..3",
         "--seed", "16", "-f", "json"],
    )  # fmt: skip
    prognostic = json.loads(validate)
    assert prognostic["n"] > 2 * K
    assert prognostic == clinic.a_validate
    classes = json.loads(lca)
    assert [m["classes"] for m in classes["models"]] == [1, 2, 3]
    assigned = {a["patient_id"] for a in classes["assignments"]}
    assert assigned == set(held["pooled_patients"])
    assert len(held["pooled_patients"]) == PER_CLINIC - 1


@pytest.fixture
def registry_work(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "r"


class Api:
    def __init__(self, url: str, token: str) -> None:
        self.url, self.token = url, token

    def post(self, path: str, body: bytes, content_type: str) -> tuple[int, dict[str, Any]]:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(self.url + path, data=body, method="POST")
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def extract(self, archive: Path) -> tuple[int, dict[str, Any]]:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="{archive.name}"\r\nContent-Type: application/zip\r\n\r\n'
            ).encode()
            + archive.read_bytes()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.post(
            "/api/v1/registry/extracts", body, f"multipart/form-data; boundary={boundary}"
        )

    def aggregates(self, document: Path) -> tuple[int, dict[str, Any]]:
        return self.post("/api/v1/registry/aggregates", document.read_bytes(), "application/json")


def _tokens(env: Mapping[str, str], *sites: str) -> dict[str, str]:
    """Each site's registry client, made as `manage.py api_client create --site` does."""
    code = (
        "from painpath.api import services\n"
        f"result = {{site: services.create_client(site + ' feed (synthetic)', clinic=None, "
        f"site_code=site, scopes=['registry:upload'])[1] for site in {list(sites)!r}}}\n"
    )
    tokens: dict[str, str] = run_django(code, env)
    return tokens


def test_a_pooled_and_an_aggregate_only_clinic_reach_the_registry_through_the_api(
    registry_template: Path, clinic: Clinic, registry_work: Path
) -> None:
    env = _registry(registry_template, registry_work)
    tokens = _tokens(env, "site-a", "site-b")
    with Gunicorn(env, workers=1, threads=2) as server:
        a, b = Api(server.url, tokens["site-a"]), Api(server.url, tokens["site-b"])
        status, sent = a.extract(clinic.a_zip)
        assert (status, sent["status"]) == (200, "accepted"), sent
        assert sent["persons"] == PER_CLINIC - 1
        # Each client for its own kind of contribution.
        status, refused = b.extract(clinic.a_zip)
        assert status == 422 and "aggregate" in refused["detail"], refused
        status, wrong = a.aggregates(clinic.b_json)
        assert status == 422 and "POST /registry/extracts" in wrong["detail"], wrong
        status, statistics = b.aggregates(clinic.b_json)
        assert (status, statistics["status"]) == (200, "accepted"), statistics
        assert statistics["cells"] > 0

        held = _read(env, registry_work)
        # Site B withheld some figures (a few patients lost to a follow-up): the combined
        # table's partial figures are checked too, against A's report alone.
        assert _check_combined(held["combined"], clinic.expected) > 0
        _check_workbench(env, registry_work, clinic, held)

        status, again = a.extract(clinic.a_zip)
        assert (status, again["status"], again["removed_persons"]) == (200, "unchanged", 0)
        status, again = b.aggregates(clinic.b_json)
        assert (status, again["status"]) == (200, "unchanged")

        # A's first patient withdraws their research consent at C; the next extract leaves
        # them out and the registry drops their rows.
        later = clinic.work / "a-later.zip"
        ok(
            clinic.env,
            _extract(clinic.key, "clin-a", "site-a", later),
            before="from painpath.core.consent import RESEARCH\n"
            "from painpath.patients.consent import record_decision\n"
            "from painpath.patients.models import Patient\n"
            "p = Patient.objects.get(name='Two Servers clin-a 0 (synthetic)')\n"
            "record_decision(p, RESEARCH, 'refused', version=1, source='staff')\n",
        )
        status, withdrawn = a.extract(later)
        assert (status, withdrawn["status"], withdrawn["removed_persons"]) == (200, "accepted", 1)
    persons = run_django(
        "from painpath.registry.models import PooledScore\n"
        "result = sorted(set(PooledScore.objects.values_list('person_id', flat=True)))\n",
        env,
    )
    gone = set(held["pooled_persons"]) - set(persons)
    left = pl.read_parquet(_unzip(later, clinic.work / "a-later") / "scores.parquet")
    assert len(gone) == 1 and not gone & set(left["person_id"].to_list())


def test_the_same_through_the_cli_alone(
    registry_template: Path, clinic: Clinic, registry_work: Path
) -> None:
    env = _registry(registry_template, registry_work)
    sent = ok(
        env,
        ["registry", "upload", str(clinic.a_zip), "--site", "site-a"],
        ["registry", "upload", str(clinic.b_json), "--site", "site-b"],
        ["registry", "upload", str(clinic.a_zip), "--site", "site-a"],
        ["registry", "status", "-f", "json"],
    )
    assert "accepted" in sent[0] and "accepted" in sent[1] and "unchanged" in sent[2]
    sites = {s["site"]: s for s in json.loads(sent[3])[0]["sites"]}
    assert sites["site-a"]["persons"] == PER_CLINIC - 1
    assert sites["site-b"]["last_accepted"]["counts"]["cells"] > 0
    held = _read(env, registry_work)
    assert _check_combined(held["combined"], clinic.expected) > 0
    _check_workbench(env, registry_work, clinic, held)


@pytest.mark.django_db
def test_the_aggregates_endpoint_refuses_with_the_extracts_error_shape(
    world: dict[str, Any], client: Any
) -> None:
    """In-process: no token, a pooled site's token and a broken contribution are refused,
    each as the extracts' endpoint refuses, and the refusal is audited."""
    from painpath.api import services
    from painpath.audit.models import AuditEntry
    from painpath.registry.models import Site, Upload

    Site.objects.filter(code="site-b").update(participation="aggregate")
    tokens = {
        site: services.create_client(
            f"{site} feed (synthetic)", clinic=None, site_code=site, scopes=["registry:upload"]
        )[1]
        for site in ("site-a", "site-b")
    }
    url = "/api/v1/registry/aggregates"

    def post(body: Any, site: str | None) -> Any:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {tokens[site]}"} if site else {}
        return client.post(url, json.dumps(body), content_type="application/json", **headers)

    assert post({}, None).status_code == 401
    pooled = post({"format": "painpath-aggregate/1"}, "site-a")
    assert pooled.status_code == 422 and "site site-a sends pooled rows" in pooled.json()["detail"]
    broken = post({"format": "painpath-aggregate/1", "site": "site-b", "cells": "none"}, "site-b")
    assert broken.status_code == 422, broken.content
    body = broken.json()
    assert body["errors"][0]["loc"] == ["body"] and "missing field(s) registry" in body["detail"]
    refused = Upload.objects.get(site__code="site-b")
    assert refused.status == "refused" and refused.client == "api:site-b feed (synthetic)"
    entry = AuditEntry.objects.get(code="registry.upload.refused")
    assert entry.api_client is not None and entry.api_client.site_code == "site-b"
