import csv
import io
import json
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from painpath.cli import app

runner = CliRunner()


def write_cohort(path: Path) -> Path:
    # Synthetic: three patients, NRS at 0 and 3 months; p3 lost to follow-up.
    pl.DataFrame(
        {
            "patient_id": [1, 1, 2, 2, 3],
            "instrument": ["nrs"] * 5,
            "timepoint": [0, 3, 0, 3, 0],
            "score": [8, 2, 6, 5, 7],
            "clinic": ["a", "a", "b", "b", "a"],
        }
    ).write_csv(path)
    return path


def test_json_report_of_a_csv_cohort(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["report", "-i", str(write_cohort(tmp_path / "s.csv")), "--timepoints", "3"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    (row,) = doc["rows"]
    assert (row["n_baseline"], row["n_followed"]) == (3, 2)
    assert row["change_mean"] == -3.5  # (−6 + −1) / 2
    assert {d["id"] for d in doc["definitions"]} >= {"mic", "resolution"}
    assert doc["cohort"] == {"filters": [], "patients": 3}


def test_cohort_filter_narrows_the_table(tmp_path: Path) -> None:
    path = write_cohort(tmp_path / "s.csv")
    result = runner.invoke(app, ["report", "-i", str(path), "-c", "clinic=a", "--timepoints", "3"])
    (row,) = json.loads(result.stdout)["rows"]
    assert (row["n_baseline"], row["n_followed"]) == (2, 1)


def test_bad_inputs_exit_2_naming_the_problem(tmp_path: Path) -> None:
    path = write_cohort(tmp_path / "s.csv")
    cases = {
        ("-c", "ward=3"): "no column 'ward'",
        ("-c", "clinic"): "write column=value",
        ("--format", "xml"): "--format must be one of",
        ("--timepoints", "x"): "whole months",
        ("--instrument", "nope"): "unknown instrument",
    }
    for args, message in cases.items():
        result = runner.invoke(app, ["report", "-i", str(path), *args])
        assert result.exit_code == 2, args
        assert message in result.output, (args, result.output)
        assert result.stdout.strip() == "" or not result.stdout.startswith("{")
    missing = runner.invoke(app, ["report", "-i", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2 and "cannot read" in missing.output


def test_demo_data_writes_a_marked_synthetic_registry_that_reports(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    made = runner.invoke(app, ["demo-data", "--patients", "300", "--seed", "4", "-o", str(out)])
    assert made.exit_code == 0, made.output
    assert "No real person" in (out / "SYNTHETIC.txt").read_text()
    result = runner.invoke(
        app, ["report", "-i", str(out), "-c", "startback=high", "-f", "csv", "--timepoints", "6"]
    )
    assert result.exit_code == 0, result.output
    header, *lines = result.stdout.splitlines()
    assert header.startswith("instrument,timepoint")
    assert any(line.startswith("odi,6,") for line in lines)


def test_html_and_pdf_reports_from_a_synthetic_registry(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    runner.invoke(app, ["demo-data", "--patients", "150", "--seed", "2", "-o", str(out)])

    page = runner.invoke(app, ["report", "-i", str(out), "-f", "html", "-c", "clinic=clinic-a"])
    assert page.exit_code == 0, page.output
    assert page.stdout.startswith("<!doctype html>")
    assert "clinic=clinic-a" in page.stdout and "<svg" in page.stdout
    assert "<script" not in page.stdout  # a static document: no JavaScript

    refused = runner.invoke(app, ["report", "-i", str(out), "-f", "pdf"])
    assert refused.exit_code == 2 and "--output" in refused.output

    pytest.importorskip("weasyprint")
    pdf = tmp_path / "report.pdf"
    made = runner.invoke(app, ["report", "-i", str(out), "-f", "pdf", "-o", str(pdf)])
    assert made.exit_code == 0, made.output
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_json_keeps_its_keys_and_adds_the_wording(tmp_path: Path) -> None:
    # A file without a wording column: the same rows and keys as before, plus "wording".
    result = runner.invoke(
        app, ["report", "-i", str(write_cohort(tmp_path / "s.csv")), "--timepoints", "3"]
    )
    doc = json.loads(result.stdout)
    assert {"painpath_version", "cohort", "timepoints", "definitions", "rows"} < set(doc)
    (row,) = doc["rows"]
    assert row["instrument"] == "nrs" and row["wording"] is None
    assert doc["wording"]["recorded"] is False
    assert "may be pooled" in doc["wording"]["note"]


def test_answers_in_paraphrase_and_licensed_wording_are_reported_apart(tmp_path: Path) -> None:
    # Synthetic: p1, p2 answered the licensed wording, p3 painpath's paraphrase.
    path = tmp_path / "s.csv"
    pl.DataFrame(
        {
            "patient_id": [1, 1, 2, 2, 3, 3],
            "instrument": ["odi"] * 6,
            "timepoint": [0, 3, 0, 3, 0, 3],
            "score": [40, 30, 50, 30, 60, 40],
            "wording": ["licensed"] * 4 + ["paraphrase"] * 2,
        }
    ).write_csv(path)

    doc = json.loads(runner.invoke(app, ["report", "-i", str(path), "--timepoints", "3"]).stdout)
    assert [(r["wording"], r["n_baseline"], r["change_mean"]) for r in doc["rows"]] == [
        ("licensed", 2, -15.0),
        ("paraphrase", 1, -20.0),
    ]
    assert doc["wording"]["recorded"] is True
    assert doc["wording"]["groups"] == {"odi": {"licensed": 2, "paraphrase": 1}}
    assert "never pooled" in doc["wording"]["note"]

    only = runner.invoke(
        app, ["report", "-i", str(path), "--timepoints", "3", "-c", "wording=licensed"]
    )
    assert [r["wording"] for r in json.loads(only.stdout)["rows"]] == ["licensed"]

    csv_text = runner.invoke(
        app, ["report", "-i", str(path), "--timepoints", "3", "-f", "csv"]
    ).stdout
    assert "wording" in csv_text.splitlines()[0]

    page = runner.invoke(app, ["report", "-i", str(path), "--timepoints", "3", "-f", "html"])
    assert page.exit_code == 0, page.output
    assert 'id="wording-note"' in page.stdout
    assert 'data-instrument="odi" data-wording="licensed"' in page.stdout
    assert 'data-instrument="odi" data-wording="paraphrase"' in page.stdout
    assert "painpath&#x27;s paraphrase (not the validated instrument)" in page.stdout


# -- disclosure control (--k) -------------------------------------------------------------------


def write_registry(path: Path) -> Path:
    # Synthetic: 12 patients with NRS at 0 and 3 months; only 3 of them answered at 12.
    ids = list(range(1, 13))
    rows = [(p, 0, 7.0) for p in ids] + [(p, 3, 5.0) for p in ids] + [(p, 12, 2.0) for p in ids[:3]]
    pl.DataFrame(
        {
            "patient_id": [r[0] for r in rows],
            "instrument": ["nrs"] * len(rows),
            "timepoint": [r[1] for r in rows],
            "score": [r[2] for r in rows],
        }
    ).write_csv(path)
    return path


def test_k_withholds_small_rows_as_null_with_a_flag(tmp_path: Path) -> None:
    path = write_registry(tmp_path / "s.csv")
    result = runner.invoke(app, ["report", "-i", str(path), "--timepoints", "3,12", "--k", "5"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    three, twelve = doc["rows"]
    assert doc["disclosure"] == {"k": 5}
    assert (three["n_followed"], three["withheld"]) == (12, False)
    assert (twelve["n_baseline"], twelve["n_followed"], twelve["withheld"]) == (None, None, True)
    assert twelve["followup_mean"] is None and twelve["change_mean"] is None
    assert all(s["withheld"] and s["responders"] is None for s in twelve["responders"])
    assert not re.search(r'":\s*-1\s*[,}\n]', result.stdout)  # never the core's -1


def test_without_k_nothing_is_withheld_and_the_shape_only_grows(tmp_path: Path) -> None:
    path = write_registry(tmp_path / "s.csv")
    doc = json.loads(runner.invoke(app, ["report", "-i", str(path), "--timepoints", "12"]).stdout)
    (row,) = doc["rows"]
    assert doc["disclosure"] == {"k": None}
    assert (row["n_followed"], row["withheld"], row["followup_mean"]) == (3, False, 2.0)


def test_k_applies_to_csv_and_html(tmp_path: Path) -> None:
    path = write_registry(tmp_path / "s.csv")
    args = ["report", "-i", str(path), "--timepoints", "3,12", "--k", "5"]
    text = runner.invoke(app, [*args, "-f", "csv"]).stdout
    lines = list(csv.DictReader(io.StringIO(text)))
    twelve = [line for line in lines if line["timepoint"] == "12"]
    assert twelve and all(
        line["withheld"] == "True" and line["n_followed"] == "" for line in twelve
    )
    page = runner.invoke(app, [*args, "-f", "html"]).stdout
    assert "fewer than 5" in page and "figure-trajectories" not in page
    assert "individual trajectories" not in page


def test_k_refuses_a_cohort_smaller_than_k(tmp_path: Path) -> None:
    path = write_registry(tmp_path / "s.csv")
    result = runner.invoke(app, ["report", "-i", str(path), "-c", "patient_id=1,2", "--k", "5"])
    assert result.exit_code == 2
    assert "fewer than 5 patients" in result.output
