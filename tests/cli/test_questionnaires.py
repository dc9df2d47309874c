"""`painpath questionnaires` (on a local Typer app until cli.py registers it)."""

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from painpath.cli.questionnaires import register

app = typer.Typer()


@app.callback()
def main() -> None:
    """test app"""


register(app)
runner = CliRunner()


def run(tmp_path: Path, *args: str):
    return runner.invoke(app, ["questionnaires", *args], env={"PAINPATH_VAR_DIR": str(tmp_path)})


def test_list_shows_every_instrument_with_its_wording_and_licence_holder(tmp_path: Path) -> None:
    result = run(tmp_path, "list")
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    assert {"nrs", "vas", "odi", "eq5d5l", "ohs"} <= set(lines)
    assert "original" in lines["nrs"] and "Public domain" in lines["nrs"]
    assert "paraphrase" in lines["eq5d5l"] and "EuroQol Research Foundation" in lines["eq5d5l"]
    assert "da en de" in lines["odi"]


def test_show_prints_the_questionnaire_as_json(tmp_path: Path) -> None:
    result = run(tmp_path, "show", "startback", "--lang", "da")
    assert result.exit_code == 0, result.output
    resource = json.loads(result.stdout)
    assert resource["resourceType"] == "Questionnaire"
    assert resource["id"] == "startback-da"
    assert resource["item"][8]["linkId"] == "sbst9"


def test_show_refuses_an_unknown_instrument_or_language(tmp_path: Path) -> None:
    unknown = run(tmp_path, "show", "sf36")
    assert unknown.exit_code == 2
    assert "unknown instrument 'sf36'" in unknown.stderr
    assert unknown.stdout == ""
    french = run(tmp_path, "show", "odi", "--lang", "fr")
    assert french.exit_code == 2
    assert "--lang must be one of da, en, de" in french.stderr


def test_load_wording_installs_the_licensed_text_that_show_and_list_then_use(
    tmp_path: Path,
) -> None:
    file = tmp_path / "pcs-en.csv"
    rows = ["linkId,code,text"]
    rows += [f"*,{n},Licensed answer {n}" for n in range(5)]
    rows += [f"pcs{n},,Licensed question {n}" for n in range(1, 14)]
    file.write_text("\n".join(rows) + "\n", encoding="utf-8")

    result = run(tmp_path, "load-wording", "pcs", "--lang", "en", str(file))

    assert result.exit_code == 0, result.output
    assert "pcs (en) now uses the licensed wording" in result.stdout
    shown = json.loads(run(tmp_path, "show", "pcs", "--lang", "en").stdout)
    assert shown["item"][12]["text"] == "Licensed question 13"
    listed = run(tmp_path, "list").stdout
    (pcs,) = [line for line in listed.splitlines() if "│ pcs " in line]
    assert "en: licensed" in pcs and "da: paraphrase" in pcs


def test_load_wording_refuses_a_file_with_an_unknown_link_id(tmp_path: Path) -> None:
    file = tmp_path / "odi.json"
    file.write_text(json.dumps({"items": {"odi99": "x"}}), encoding="utf-8")
    result = run(tmp_path, "load-wording", "odi", "--lang", "de", str(file))
    assert result.exit_code == 2
    assert "odi99" in result.stderr and "odi.json" in result.stderr
    assert not (tmp_path / "questionnaires").exists()


def test_load_wording_records_the_validated_translation_named_on_the_command_line(
    tmp_path: Path,
) -> None:
    # SYNTHETIC stand-in for the licensed STarT-dk (Morsø et al. 2011), without its name.
    data = json.loads(
        (Path(__file__).parents[1] / "core/data/licensed-synthetic/startback.da.json").read_text(
            encoding="utf-8"
        )
    )
    del data["translation"]
    file = tmp_path / "start-dk.json"
    file.write_text(json.dumps(data), encoding="utf-8")

    result = run(
        tmp_path,
        "load-wording",
        "startback",
        "--lang",
        "da",
        str(file),
        "--translation-id",
        "STarT-dk",
        "--translation-version",
        "2011",
    )

    assert result.exit_code == 0, result.output
    assert "answers record it as: licensed STarT-dk 2011 (startback-da)" in result.stdout
    shown = json.loads(run(tmp_path, "show", "startback", "--lang", "da").stdout)
    (translation,) = [e for e in shown["extension"] if e["url"].endswith("wording-translation")]
    assert {e["url"]: e["valueString"] for e in translation["extension"]}.items() >= {
        "id": "STarT-dk",
        "version": "2011",
    }.items()
