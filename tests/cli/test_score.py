"""The `painpath score` contract (JSON Lines in, JSON Lines out) used for acceptance."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from painpath.cli import app

runner = CliRunner()


def run(args: list[str], stdin: str = "") -> tuple[int, list[dict[str, object]], str]:
    result = runner.invoke(app, args, input=stdin)
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.output


def jsonl(*records: object) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


ODI_ONE_MISSING = {
    "odi1": 2,
    "odi2": None,
    "odi3": 2,
    "odi4": 2,
    "odi5": 2,
    "odi6": 2,
    "odi7": 2,
    "odi8": 2,
    "odi9": 1,
    "odi10": 1,
}


def test_the_issue_example_line_is_scored_exactly() -> None:
    code, lines, _ = run(["score", "odi"], jsonl({"id": "r1", "answers": ODI_ONE_MISSING}))
    assert code == 0
    assert lines == [
        {
            "id": "r1",
            "score": 16 * 100 / 45,
            "subscales": {},
            "band": "moderate",
            "n_answered": 9,
            "error": None,
        }
    ]


def test_bad_rows_get_an_error_and_the_others_are_still_scored_in_order() -> None:
    stdin = jsonl(
        {"id": "bad-range", "answers": {**ODI_ONE_MISSING, "odi1": 6}},
        {"id": "ok", "answers": ODI_ONE_MISSING},
        {"id": "bad-code", "answers": {**ODI_ONE_MISSING, "odi12": 1}},
        {"id": "too-few", "answers": {"odi1": 1}},
        {"id": "no-answers"},
    )
    code, lines, _ = run(["score", "odi"], stdin)
    assert code == 0
    assert [line["id"] for line in lines] == [
        "bad-range",
        "ok",
        "bad-code",
        "too-few",
        "no-answers",
    ]
    assert lines[1]["score"] == pytest.approx(35.5556, abs=1e-4)
    for line, fragment in zip(
        [lines[0], lines[2], lines[3], lines[4]],
        [
            "odi1 = 6 is out of range",
            "unknown answer code 'odi12'",
            "9 of 10 items missing",
            "'answers' must be an object",
        ],
        strict=True,
    ):
        assert line["score"] is None
        assert fragment in str(line["error"])


def test_eq5d_uses_the_requested_value_set_and_three_decimals() -> None:
    stdin = jsonl({"id": "s", "answers": {"MO": 1, "SC": 1, "UA": 1, "PD": 2, "AD": 3}})
    assert run(["score", "eq5d5l"], stdin)[1][0]["score"] == 0.761
    assert run(["score", "eq5d5l", "--value-set", "england"], stdin)[1][0]["score"] == 0.833


def test_a_line_that_is_not_json_exits_2_naming_the_line_and_prints_no_rows() -> None:
    stdin = jsonl({"id": "ok", "answers": ODI_ONE_MISSING}) + "{oops\n"
    code, lines, output = run(["score", "odi"], stdin)
    assert code == 2
    assert lines == []
    assert "line 2" in output


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["score", "nope"], "unknown instrument 'nope'"),
        (["score", "odi", "--input", "/no/such/file.jsonl"], "cannot read /no/such/file.jsonl"),
        (["score", "odi", "--value-set", "us"], "--value-set applies to eq5d5l only"),
        (["score", "eq5d5l", "--value-set", "se"], "unknown value set 'se'"),
    ],
)
def test_unusable_invocations_exit_2_with_a_message(args: list[str], fragment: str) -> None:
    code, _, output = run(args)
    assert code == 2
    assert fragment in " ".join(output.split())


def test_files_in_and_out(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    target = tmp_path / "out.jsonl"
    source.write_text(jsonl({"id": 7, "answers": {"nrs": 4}}), encoding="utf-8")
    code, _, _ = run(["score", "nrs", "--input", str(source), "--output", str(target)])
    assert code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["band"] == "moderate"


def test_list_shows_every_instrument() -> None:
    from painpath.core.instruments import REGISTRY

    code, _, output = run(["score", "--list"])
    assert code == 0
    for name in REGISTRY:
        assert name in output


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "score" in result.output
