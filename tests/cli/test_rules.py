"""`painpath classify` and `painpath rulesets` (on a local Typer app until cli.py registers)."""

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from painpath.cli.rules import register

app = typer.Typer()


@app.callback()
def main() -> None:
    """test app"""


register(app)
runner = CliRunner()
RULESETS = Path(__file__).parents[2] / "src/painpath/core/data/rulesets"


def test_classify_prints_one_json_object(tmp_path):
    episode = tmp_path / "e.json"
    episode.write_text(
        json.dumps({"onset_date": "2024-01-15", "pain_regions": [{"region": "low_back"}]})
    )
    result = runner.invoke(app, ["classify", "--input", str(episode), "--as-of", "2024-07-16"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["axes"]["chronicity_seed004"]["result"] == "chronic"
    assert out["axes"]["chronicity_seed004"]["version"] == "1.0.0"
    assert out["axes"]["chronicity_seed004"]["trace"][0]["reads"] == {"duration_months": 6.0323}
    assert next(iter(out["axes"])) == "red_flags"


def test_selected_rulesets_only(tmp_path):
    episode = tmp_path / "e.json"
    episode.write_text("{}")
    result = runner.invoke(
        app, ["classify", "-i", str(episode), "--as-of", "2024-01-01", "--ruleset", "mechanism"]
    )
    assert list(json.loads(result.stdout)["axes"]) == ["mechanism"]


def test_invalid_episode_exits_2_naming_each_field_and_prints_nothing(tmp_path):
    episode = tmp_path / "e.json"
    episode.write_text(json.dumps({"age": -3, "pain_regions": [{"region": "moon"}], "x": 1}))
    result = runner.invoke(app, ["classify", "--input", str(episode)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "/age" in result.stderr and "/pain_regions/0/region" in result.stderr
    assert "'x' was unexpected" in result.stderr


def test_text_format_puts_urgent_red_flags_first_with_their_grade(tmp_path):
    # Saddle anaesthesia is a possible cauda equina: an emergency (red-flags 2.0.0, BASS 2018);
    # a history of cancer in the same answers is urgent, and each finding says its grade.
    episode = tmp_path / "e.json"
    flags = {"saddle_anaesthesia": True, "history_of_cancer": True}
    episode.write_text(json.dumps({"red_flags": flags}))
    result = runner.invoke(
        app, ["classify", "-i", str(episode), "--as-of", "2024-01-01", "--format", "text"]
    )
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[1].startswith("!!! EMERGENCY (same day): red flag(s)")
    assert lines[3].startswith("red_flags: emergency — EMERGENCY")
    assert "  - [emergency] Possible cauda equina syndrome — same-day emergency assessment" in lines
    assert "  - [urgent] Possible spinal malignancy: history of cancer" in lines


def test_schema_and_bad_date():
    assert (
        json.loads(runner.invoke(app, ["classify", "--schema"]).stdout)["title"]
        == "painpath episode"
    )
    assert runner.invoke(app, ["classify", "-i", "x.json", "--as-of", "2024-13-01"]).exit_code == 2


def test_rulesets_list_show_validate_test(tmp_path):
    assert "stepped-care-seed004" in runner.invoke(app, ["rulesets", "list"]).stdout
    shown = json.loads(runner.invoke(app, ["rulesets", "show", "startback"]).stdout)
    assert shown["constants"]["low_max_total"] == 3
    for file in sorted(RULESETS.glob("*.yaml")):
        result = runner.invoke(app, ["rulesets", "test", str(file)])
        assert result.exit_code == 0, result.stdout
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        (RULESETS / "startback.yaml").read_text().replace("startback_total <=", "shoe_size <=")
    )
    result = runner.invoke(app, ["rulesets", "validate", str(broken)])
    assert result.exit_code == 2
    assert "broken.yaml:" in result.stderr and "rule 'low'" in result.stderr


def test_text_format_says_why_a_step_was_chosen(tmp_path):
    # One good session and seven without effect: no notable lasting fall after 5 sessions
    # (stepped-care-seed004 2.0.0), so Step 2, and the text says why.
    sessions = [{"date": "2024-03-01", "pain_before": 6, "pain_after": 3}] + [
        {"date": f"2024-03-{day:02d}", "pain_before": 6, "pain_after": 6}
        for day in (4, 8, 11, 15, 18, 22, 25)
    ]
    episode = tmp_path / "e.json"
    course = {"modality": "acupuncture", "start": "2024-03-01", "sessions": sessions}
    episode.write_text(json.dumps({"onset_date": "2024-03-01", "treatment_courses": [course]}))
    result = runner.invoke(
        app, ["classify", "-i", str(episode), "--as-of", "2024-03-26", "--format", "text"]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    step = lines.index(
        "stepped_care: step_2 — Step 2 — long-lasting / chronic pain: specialist task"
    )
    assert lines[step + 2 : step + 4] == [
        "  fired: no_notable_effect",
        "  because: no notable lasting fall in pain after 5 or more sessions",
    ]
