"""Bad input to every command: exit 2, one line on standard error naming what and where, no
traceback, no figure (issue 12). Each case was a crash or a wrong figure before."""

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from painpath.cli import app

runner = CliRunner()
EPISODE = {"onset_date": "2024-01-15", "pain_regions": [{"region": "low_back"}]}


def refused(args: list[str], stdin: bytes | str | None = None) -> str:
    """Standard error of a refused invocation, checked to be the one-line contract."""
    result = runner.invoke(app, args, input=stdin)
    assert result.exit_code == 2, (args, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.strip().split("\n")
    assert len(lines) == 1, result.stderr
    return lines[0]


def csv(path: Path, rows: str) -> Path:
    path.write_text("patient_id,instrument,timepoint,score\n" + rows)
    return path


def report(path: Path) -> dict:
    result = runner.invoke(app, ["report", "-i", str(path), "--timepoints", "3"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["rows"][0]


# -- painpath report ----------------------------------------------------------------------------


def test_report_counts_an_exactly_repeated_row_once_and_says_so(tmp_path: Path) -> None:
    # Before: completeness 1.25 (over 100 %) and a 'math domain error' traceback.
    path = csv(tmp_path / "s.csv", "1,nrs,0,2\n1,nrs,3,8\n1,nrs,3,8\n1,nrs,3,8\n2,nrs,0,6\n")
    result = runner.invoke(app, ["report", "-i", str(path), "--timepoints", "3"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.stdout)["rows"][0]
    assert (row["n_baseline"], row["n_followed"], row["completeness"]) == (2, 1, 0.5)
    deterioration = next(s for s in row["responders"] if s["definition"] == "deterioration")
    assert (deterioration["responders"], deterioration["missing_as_failure"]) == (1, 1.0)
    assert "lines 4, 5: the same as an earlier line; counted once" in result.stderr


def test_a_warning_never_makes_a_refusal_two_lines(tmp_path: Path) -> None:
    # Found by the fuzz test: a blank score's warning, then the --k refusal.
    path = csv(tmp_path / "s.csv", "1,nrs,0,8\n1,nrs,3,\n")
    assert "fewer than 11 patients" in refused(["report", "-i", str(path), "--k", "11"])


def test_report_refuses_a_column_of_lists_from_json_lines(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text('{"patient_id": 1, "instrument": "nrs", "timepoint": 0, "score": [1]}\n')
    line = refused(["report", "-i", str(path)])
    assert line == f"error: {path}: column score holds List(Int64), not numbers"


def test_report_refuses_two_different_answers_for_one_time_point(tmp_path: Path) -> None:
    path = csv(tmp_path / "s.csv", "1,nrs,0,8\n1,nrs,3,2\n1,nrs,3,3\n")
    assert "lines 3, 4: two different answers for patient '1', nrs at month 3" in refused(
        ["report", "-i", str(path)]
    )


def test_report_counts_a_blank_score_as_missing_in_every_denominator(tmp_path: Path) -> None:
    # Before: n_followed 2 and completeness 1.0 with the follow-up mean over one patient.
    row = report(csv(tmp_path / "s.csv", "1,nrs,0,8\n1,nrs,3,\n2,nrs,0,6\n2,nrs,3,4\n"))
    assert (row["n_baseline"], row["n_followed"], row["completeness"]) == (2, 1, 0.5)
    assert (row["followup_mean"], row["change_mean"]) == (4.0, -2.0)
    mic = next(s for s in row["responders"] if s["definition"] == "mic")
    assert (mic["responders"], mic["complete_case"], mic["missing_as_failure"]) == (1, 1.0, 0.5)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("1,nrs,0,11\n", "line 2: nrs score 11 is outside nrs's range 0 to 10"),
        ("1,nrs,0,NaN\n1,nrs,3,2\n", "line 2: score nan is not a finite number"),
        ("1,nrs,0,8\n1,nrs,3,inf\n", "line 3: score inf is not a finite number"),
        ("1,nrs,0,8\n1,nrs,3.5,2\n", "line 3: timepoint 3.5 is not whole months"),
        ("1,nrs,0,8\n,nrs,3,2\n", "line 3: patient_id is blank"),
    ],
)
def test_report_refuses_a_score_it_cannot_report(tmp_path: Path, rows: str, message: str) -> None:
    assert message in refused(["report", "-i", str(csv(tmp_path / "s.csv", rows))])


def test_report_refuses_a_patients_table_that_would_count_a_score_twice(tmp_path: Path) -> None:
    scores = csv(tmp_path / "s.csv", "1,nrs,0,8\n1,nrs,3,2\n")
    people = tmp_path / "p.csv"
    people.write_text("patient_id,clinic\n1,a\n1,b\n")
    line = refused(["report", "-i", str(scores), "--patients", str(people)])
    assert "p.csv: lines 2, 3: patient_id '1' more than once" in line


def test_a_path_that_looks_like_markup_is_printed_as_it_is(tmp_path: Path) -> None:
    # Before: Rich read '[/]' as a closing tag, a MarkupError traceback.
    assert (
        refused(["report", "-i", "[/]x.csv"])
        == "error: cannot read [/]x.csv: no such file or directory"
    )


def test_typers_own_usage_errors_are_one_line_too() -> None:
    assert refused(["report", "-i", "x.csv", "--k", "1"]).startswith(
        "error: Invalid value for '--k'"
    )
    assert "see 'painpath --help'" in refused(["bogus"])


# -- painpath classify and score ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"onset_date": "\xff"}', "not UTF-8 text (byte 0xff at offset 16)"),
        (b"[" * 100_000 + b"]" * 100_000, "JSON nested deeper than 64 levels"),
        (b'{"questionnaires": {"orebro_short": {"score": NaN}}}', "NaN is not a JSON number"),
        (b'{"age": 1e400}', "1e400 is too large for a number"),
    ],
)
def test_classify_refuses_what_is_not_strict_json(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "e.json"
    path.write_bytes(content)
    assert message in refused(["classify", "-i", str(path), "--as-of", "2024-07-01"])


@pytest.mark.parametrize("date", ["9999-12-31", "0001-01-01"])
def test_classify_refuses_a_date_the_calendar_cannot_count_from(tmp_path: Path, date: str) -> None:
    # Before: ValueError 'year 10000 is out of range'.
    path = tmp_path / "e.json"
    path.write_text(json.dumps(EPISODE))
    line = refused(["classify", "-i", str(path), "--as-of", date])
    assert line == f"error: --as-of {date}: give a date from 1900-01-01 to 2999-12-31"


def test_a_250000_item_array_is_refused_quickly_in_one_short_line(tmp_path: Path) -> None:
    # Before: the message repeated the whole array: 15 MB on standard error, 28 s here.
    path = tmp_path / "e.json"
    path.write_text(json.dumps(EPISODE | {"pain_regions": [0] * 250_000}))
    started = time.perf_counter()
    line = refused(["classify", "-i", str(path), "--as-of", "2024-07-01"])
    assert time.perf_counter() - started < 5
    assert line == "error: " + str(path) + ": invalid episode: /pain_regions: 250000 items; " + (
        "at most 40 allowed"
    )


def test_each_invalid_field_is_named_on_the_one_line_with_its_value_cut(tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    path.write_text(json.dumps({"age": -3, "sex": "x" * 5000, "pain_regions": [{"region": 1}]}))
    line = refused(["classify", "-i", str(path)])
    assert "/age: -3 is less than the minimum of 0" in line
    assert "/pain_regions/0/region: 1 is not one of" in line
    assert "/sex: 'xxxx" in line and "…" in line and len(line) < 1000


def test_score_refuses_nan_instead_of_writing_invalid_json() -> None:
    line = refused(["score", "nrs"], '{"id": 1, "answers": {"nrs": NaN}}\n')
    assert line == (
        "error: line 1: NaN is not a JSON number; a score or a value must be a finite number"
    )


def test_score_gives_up_on_an_endless_line_naming_it() -> None:
    # Before: /dev/zero was read for ever.
    line = refused(["score", "nrs", "--input", "/dev/zero"])
    assert line == "error: /dev/zero: line 1: longer than 1 MB; one JSON object per line"


def test_score_refuses_deep_nesting_and_bad_bytes_by_line() -> None:
    deep = "[" * 5000 + "]" * 5000
    assert "line 2: JSON nested deeper than 64 levels" in refused(["score", "nrs"], "\n" + deep)
    assert "line 1: not UTF-8 text" in refused(["score", "nrs"], b'{"id": "\xe9"}\n')


# -- rulesets and questionnaires ----------------------------------------------------------------


def test_rulesets_validate_gives_up_on_an_endless_file() -> None:
    # Before: /dev/zero was read until the memory ran out.
    assert refused(["rulesets", "validate", "/dev/zero"]) == "error: /dev/zero: larger than 1 MB"


def test_a_licensed_wording_that_is_not_utf8_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PAINPATH_VAR_DIR", str(tmp_path / "var"))
    path = tmp_path / "nrs.csv"
    path.write_bytes(b"linkId,code,text\nnrs,,\x80\n")
    line = refused(["questionnaires", "load-wording", "nrs", str(path), "--lang", "da"])
    assert "nrs.csv: not UTF-8 text" in line
