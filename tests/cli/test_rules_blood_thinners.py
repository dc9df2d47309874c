"""`painpath classify --format text` shows the procedure's bleeding-risk class and, per blood
thinner, what the pause table says and what the doctor decided."""

import json

import typer
from typer.testing import CliRunner

from painpath.cli.rules import register

app = typer.Typer()


@app.callback()
def main() -> None:
    """test app"""


register(app)
runner = CliRunner()


def test_text_format_shows_the_bleeding_risk_and_each_blood_thinner(tmp_path):
    episode = tmp_path / "episode.json"
    episode.write_text(
        json.dumps(
            {
                "procedure": {"kind": "gold_implantation", "region": "low_back"},
                "medications": [
                    {"code": "Hjertemagnyl 75 mg"},
                    {
                        "code": "clopidogrel",
                        "decision": {"action": "continue", "by": "dr_hansen", "date": "2024-05-20"},
                    },
                ],
            }
        )
    )
    result = runner.invoke(
        app,
        ["classify", "-i", str(episode), "--as-of", "2024-06-01", "--format", "text"],
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    readiness = lines.index(next(line for line in lines if line.startswith("readiness:")))
    assert lines[readiness + 2] == "  bleeding risk of the procedure: intermediate"
    assert (
        "  blood thinner: clopidogrel: pause 7 days before the procedure "
        "[anticoagulant-pauses 2.0.0, intermediate]" in lines
    )
    assert "  decided: clopidogrel: continue — decided by dr_hansen on 2024-05-20" in lines
    assert "  possible blood thinner — confirm: Hjertemagnyl 75 mg → aspirin" in lines


def test_a_procedure_the_table_does_not_classify_says_so(tmp_path):
    episode = tmp_path / "episode.json"
    episode.write_text(json.dumps({"procedure": {"kind": "other", "region": "knee"}}))
    result = runner.invoke(
        app, ["classify", "-i", str(episode), "--as-of", "2024-06-01", "--format", "text"]
    )
    assert "  bleeding risk of the procedure: not classified — the doctor decides" in result.stdout
