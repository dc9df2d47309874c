"""`painpath fhir export|import` (issue 16), on a local Typer app: a synthetic extract written
as the registry writes it → a Bundle or NDJSON → answers and scores again; bad input exits 2
with one line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from painpath.cli.fhir import register
from painpath.core.registry.extract import Extract, write_dir
from painpath.core.registry.schema import ANSWERS, CONDITIONS, PROCEDURES, SCORES

app = typer.Typer()


@app.callback()
def main() -> None:
    """test app"""


register(app)
runner = CliRunner()
ODI = {f"odi{i}": i % 6 for i in range(1, 11)}  # 25 of 50 points: 50 %


def run(*args: str):
    return runner.invoke(app, ["fhir", *args])


@pytest.fixture
def extract_dir(tmp_path: Path) -> Path:
    """One synthetic episode with an ODI at baseline (Danish paraphrase)."""
    label = "paraphrase odi-da 1.0.0"
    scores = dict.fromkeys(SCORES) | {
        "patient_id": "e" * 24,
        "person_id": "f" * 24,
        "site": "clinic-a",
        "instrument": "odi",
        "timepoint": 0,
        "score": 50.0,
        "wording": "paraphrase",
        "wording_id": label,
        "answered_on": dt.date(2026, 1, 5),
        "sex": "male",
        "age": 61,
        "synthetic": True,
    }
    answers = [
        {
            "patient_id": "e" * 24,
            "instrument": "odi",
            "timepoint": 0,
            "item": item,
            "value": str(value),
            "wording_id": label,
        }
        for item, value in ODI.items()
    ]
    extract = Extract(
        pl.DataFrame([scores], schema=SCORES, orient="row"),
        pl.DataFrame(answers, schema=ANSWERS, orient="row"),
        pl.DataFrame(schema=CONDITIONS),
        pl.DataFrame(schema=PROCEDURES),
        manifest={
            "registry": "dk-lbp",
            "site": "clinic-a",
            "created_at": "2026-02-01T09:00:00+01:00",
        },
    )
    return write_dir(extract, tmp_path / "extract")


def test_export_then_import_gives_back_the_answers_and_the_score(
    extract_dir: Path, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle.json"
    exported = run("export", "-i", str(extract_dir), "-o", str(bundle))
    assert exported.exit_code == 0, exported.output
    kinds = [e["resource"]["resourceType"] for e in json.loads(bundle.read_text())["entry"]]
    assert kinds == ["Patient", "QuestionnaireResponse", "Observation"]

    imported = run("import", str(bundle), "-o", str(tmp_path / "out"))
    assert imported.exit_code == 0, imported.output
    scores = pl.read_parquet(tmp_path / "out" / "scores.parquet")
    assert scores.select("patient_id", "score").row(0) == ("e" * 24, 50.0)
    answers = pl.read_parquet(tmp_path / "out" / "answers.parquet")
    assert dict(answers.select("item", "value").iter_rows()) == {k: str(v) for k, v in ODI.items()}


def test_ndjson_export_and_import_of_the_directory(extract_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "bulk"
    exported = run("export", "-i", str(extract_dir), "-o", str(out), "--ndjson")
    assert exported.exit_code == 0, exported.output
    assert (out / "QuestionnaireResponse.ndjson").read_text().count("\n") == 1
    imported = run("import", str(out), "-o", str(tmp_path / "csv"), "-f", "csv")
    assert imported.exit_code == 0, imported.output
    assert pl.read_csv(tmp_path / "csv" / "scores.csv")["score"].to_list() == [50.0]


def test_a_transaction_bundle_on_standard_output(extract_dir: Path) -> None:
    result = run("export", "-i", str(extract_dir), "-o", "-", "--type", "transaction")
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.stdout)
    assert bundle["type"] == "transaction"
    assert all(entry["request"]["method"] == "PUT" for entry in bundle["entry"])


def test_a_bad_bundle_exits_2_with_one_line_naming_entry_and_item(
    extract_dir: Path, tmp_path: Path
) -> None:
    bundle_path = tmp_path / "bundle.json"
    assert run("export", "-i", str(extract_dir), "-o", str(bundle_path)).exit_code == 0
    bundle = json.loads(bundle_path.read_text())
    response = bundle["entry"][1]["resource"]
    response["item"][3]["answer"] = [{"valueCoding": {"code": "9"}}]
    bundle_path.write_text(json.dumps(bundle))
    result = run("import", str(bundle_path), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.stderr.startswith(
        f"error: entry 1 (QuestionnaireResponse/{response['id']}), item odi4: code |9 is not"
    )
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out" / "scores.parquet").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "-i", "/nonexistent", "-o", "x.json"], "no such file or directory"),
        (["export", "-i", "{extract}", "-o", "x.json", "--type", "batch"], "--type must be"),
        (["import", "{tmp}/nothing.json", "-o", "{tmp}/out"], "no such file or directory"),
        (["import", "{tmp}/notjson.json", "-o", "{tmp}/out"], "not JSON"),
        (["import", "{tmp}/patient.json", "-o", "{tmp}/out"], "not a FHIR Bundle"),
        (["import", "{tmp}/patient.json", "-o", "{tmp}/out", "-f", "xlsx"], "--format must be"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    args: list[str], message: str, extract_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "notjson.json").write_text("{")
    (tmp_path / "patient.json").write_text('{"resourceType": "Patient"}')
    args = [a.format(extract=extract_dir, tmp=tmp_path) for a in args]
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def _items_nested(depth: int) -> str:
    """A response whose items nest ``depth`` deep: json reads it, FHIR validation would
    recurse through it."""
    head = '{"resourceType": "QuestionnaireResponse", "status": "completed", "item": '
    return head + '[{"linkId": "odi1", "item": ' * depth + "[]" + "}]" * depth + "}"


@pytest.mark.parametrize(
    "line", ["[" * 100_000 + "]" * 100_000, _items_nested(480)], ids=["json", "items"]
)
def test_ndjson_nested_too_deep_exits_2_naming_file_and_line(line: str, tmp_path: Path) -> None:
    source = tmp_path / "bulk"
    source.mkdir()
    (source / "QuestionnaireResponse.ndjson").write_text("\n" + line + "\n")
    result = run("import", str(source), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: QuestionnaireResponse.ndjson line 2")
    assert "nested deeper than" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
