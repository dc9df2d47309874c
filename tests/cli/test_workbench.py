"""``painpath workbench``: the CLI contract of issue 16 and its refusals (synthetic data)."""

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from painpath.cli import app

runner = CliRunner()
ITEMS = ",".join(f"item{j}" for j in range(1, 9))


@pytest.fixture(scope="module")
def registry(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("planted")
    result = runner.invoke(
        app, ["workbench", "planted", "-o", str(out), "--n", "300", "--classes", "2", "--seed", "3"]
    )
    assert result.exit_code == 0, result.output
    assert "300 synthetic patients in 2 planted classes" in result.stdout
    return out


def refused(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    return result.stderr


def test_planted_writes_a_synthetic_registry(registry: Path) -> None:
    scores = pl.read_parquet(registry / "scores.parquet")
    baseline = pl.read_csv(registry / "baseline.csv")
    assert scores["synthetic"].all() and baseline["synthetic"].all()
    assert set(scores["timepoint"].unique()) == {0, 3, 6, 12}
    assert baseline.height == 300


def lca(path: Path, items: str, *extra: str):
    return runner.invoke(app, ["workbench", "lca", "-i", str(path), "--items", items, *extra])


def test_lca_prints_the_contracts_json(registry: Path) -> None:
    result = lca(
        registry / "baseline.csv", ITEMS, "--id-column", "patient_id", "--classes", "1..3",
        "--seed", "1", "--starts", "2", "-f", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [m["classes"] for m in doc["models"]] == [1, 2, 3]
    assert {"classes", "bic", "entropy", "smallest_class_share"} <= set(doc["models"][1])
    assert doc["chosen"] == 2
    first = doc["assignments"][0]
    assert first["patient_id"] == "P000001" and first["class"] in (1, 2)
    assert sum(first["posterior"]) == pytest.approx(1.0)
    assert len(doc["assignments"]) == 300


def test_latent_classes_found_by_lca_validate_like_the_planted_ones(
    registry: Path, tmp_path: Path
) -> None:
    classes = tmp_path / "classes.csv"
    result = lca(registry / "baseline.csv", ITEMS, "--classes", "1..3", "--starts", "2",
                 "--assignments", str(classes))  # fmt: skip
    assert result.exit_code == 0, result.output
    found = pl.read_csv(classes)
    assert found.columns == ["patient_id", "lca_class"] and found.height == 300
    by_lca = runner.invoke(
        app,
        ["workbench", "validate", "-i", str(registry / "scores.parquet"), "--patients",
         str(classes), "--outcome", "nrs", "--timepoint", "12", "--classification", "lca_class"],
    )  # fmt: skip
    assert by_lca.exit_code == 0, by_lca.output
    doc = json.loads(by_lca.stdout)
    assert doc["n"] == 300 and doc["auc_ci"][0] > 0.5
    planted = json.loads(validate(registry, "12").stdout)
    assert abs(doc["auc"] - planted["auc"]) < 0.05


def test_lca_of_continuous_summary_scores(registry: Path) -> None:
    result = lca(registry / "baseline.csv", "odi,pcs,tsk", "--kind", "continuous",
                 "--classes", "1..3", "--starts", "2")  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["chosen"] == 2
    assert set(doc["profiles"][0]["items"]["odi"]) == {"mean", "sd"}


def test_lca_compares_with_a_classification_column(registry: Path, tmp_path: Path) -> None:
    baseline = pl.read_csv(registry / "baseline.csv").join(
        pl.read_parquet(registry / "patients.parquet"), on="patient_id"
    )
    baseline.write_csv(tmp_path / "b.csv")
    result = lca(tmp_path / "b.csv", ITEMS, "--classes", "2", "--compare", "planted_class")
    assert result.exit_code == 0, result.output
    agreement = json.loads(result.stdout)["agreement"]
    assert agreement["ari"] > 0.8
    assert sum(map(sum, agreement["table"])) == 300


def validate(registry: Path, timepoint: str, *extra: str):
    args = ["--classification", "planted_class", "--outcome", "nrs", "--timepoint", timepoint]
    return runner.invoke(app, ["workbench", "validate", "-i", str(registry), *args, *extra])


def test_validate_prints_the_contracts_json(registry: Path) -> None:
    result = validate(
        registry, "12", "--responder", "mic", "--compare", "noisy_class", "-f", "json"
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["n"] == 300
    low, high = doc["auc_ci"]
    assert low < doc["auc"] < high and low > 0.5
    assert isinstance(doc["r2"], float)
    assert [c["class"] for c in doc["per_class"]] == ["1", "2"]
    for c in doc["per_class"]:
        assert c["ci"][0] <= c["responder_rate"] <= c["ci"][1]
    assert sum(c["n"] for c in doc["per_class"]) == 300
    assert doc["net_reclassification"]["against"] == "noisy_class"


def test_validate_withholds_classes_under_k(registry: Path) -> None:
    result = validate(registry, "3", "--k", "1000")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["auc"] is None and all(c["n"] is None for c in doc["per_class"])


def test_validate_table_format(registry: Path) -> None:
    result = validate(registry, "6", "-f", "table")
    assert result.exit_code == 0, result.output
    assert "AUC" in result.stdout and "95 % CI" in result.stdout


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--classes", "6..1"], "--classes 6..1"),
        (["--classes", "one"], "--classes 'one'"),
        (["--kind", "ordinal"], "--kind must be"),
        (["--items", "item1,nope"], "no column(s) nope"),
        (["--id-column", "who"], "no column who"),
        (["-f", "xml"], "--format must be"),
    ],
)
def test_lca_refuses_bad_options(registry: Path, extra: list[str], message: str) -> None:
    args = ["workbench", "lca", "-i", str(registry / "baseline.csv"), "--items", ITEMS]
    assert message in refused([*args, *extra])


def test_lca_names_the_line_of_a_bad_answer_and_a_repeated_patient(tmp_path: Path) -> None:
    path = tmp_path / "b.csv"
    path.write_text("patient_id,a,b\np1,0,1\np2,x,0\np3,1,1\n")
    assert "line 3: a 'x' is not a finite number" in refused(
        ["workbench", "lca", "-i", str(path), "--items", "a,b", "--classes", "1"]
    )
    path.write_text("patient_id,a,b\np1,0,1\np1,1,0\np3,1,1\n")
    assert "lines 2, 3: patient_id 'p1' more than once" in refused(
        ["workbench", "lca", "-i", str(path), "--items", "a,b", "--classes", "1"]
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--classification", "axis:startback"], "needs startback_psychosocial"),
        (["--classification", "axis:orebro"], "no patient has the baseline scores"),
        (["--classification", "axis:nope"], "no shipped rule set for axis 'nope'"),
        (["--classification", "clinic"], "no column clinic"),
        (["--responder", "reduction_40"], "known: mic, reduction_50, reduction_30"),
        (["--outcome", "xyz"], "unknown instrument 'xyz'"),
        (["--timepoint", "7"], "at month 7"),
    ],
)
def test_validate_refuses_bad_input(registry: Path, extra: list[str], message: str) -> None:
    args = {"--classification": "planted_class", "--outcome": "nrs", "--timepoint": "12"}
    args |= dict(zip(extra[::2], extra[1::2], strict=True))
    flat = [part for pair in args.items() for part in pair]
    assert message in refused(["workbench", "validate", "-i", str(registry), *flat])


def scores_csv(path: Path, wordings: tuple[str, str] = ("licensed", "licensed")) -> Path:
    # Synthetic: 12 patients, NRS at 0 and 3 months, a stored axis per patient on every row.
    rows = ["patient_id,instrument,timepoint,score,wording,axis_startback"]
    for i in range(12):
        risk, wording = ("low", wordings[0]) if i < 6 else ("high", wordings[1])
        gain = 4 if (i < 6) == (i % 3 != 0) else 0
        rows += [f"p{i},nrs,0,8,{wording},{risk}", f"p{i},nrs,3,{8 - gain},{wording},{risk}"]
    path.write_text("\n".join(rows) + "\n")
    return path


def stored_axis_args(path: Path) -> list[str]:
    args = ["--classification", "axis_startback", "--outcome", "nrs", "--timepoint", "3"]
    return ["workbench", "validate", "-i", str(path), *args]


def test_validate_reads_a_stored_axis_from_a_scores_file(tmp_path: Path) -> None:
    result = runner.invoke(app, stored_axis_args(scores_csv(tmp_path / "s.csv")))
    assert result.exit_code == 0, result.output
    per_class = {c["class"]: c for c in json.loads(result.stdout)["per_class"]}
    assert (per_class["low"]["n"], per_class["low"]["responders"]) == (6, 4)
    assert (per_class["high"]["n"], per_class["high"]["responders"]) == (6, 2)


def test_validate_never_pools_two_wordings(tmp_path: Path) -> None:
    args = stored_axis_args(scores_csv(tmp_path / "s.csv", ("licensed", "paraphrase")))
    assert "several wordings (licensed, paraphrase)" in refused(args)
    result = runner.invoke(app, [*args, "--wording", "paraphrase"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["n"] == 6


def test_validate_counts_immpacts_30_percent_reduction(registry: Path) -> None:
    # Planted responders gain 3–4 points from 5–9 (≥ 30 %), the others −1 to +1 (< 30 %):
    # IMMPACT's moderately important reduction (Dworkin et al. 2008) is the planted verdict.
    by = {}
    for definition in ("mic", "reduction_30", "reduction_50"):
        result = validate(registry, "12", "--responder", definition)
        assert result.exit_code == 0, result.output
        by[definition] = [c["responders"] for c in json.loads(result.stdout)["per_class"]]
    assert by["reduction_30"] == by["mic"]
    assert sum(by["reduction_50"]) < sum(by["reduction_30"])


def test_validate_k_counts_persons_when_the_input_has_person_id(tmp_path: Path) -> None:
    # Synthetic: 12 episodes of 6 persons (two each); 6 episodes but 3 persons per class.
    path = scores_csv(tmp_path / "scores.csv")
    table = pl.read_csv(path)
    with_persons = table.with_columns(
        person_id=pl.format("person{}", pl.col("patient_id").str.slice(1).cast(pl.Int64) // 2)
    )
    with_persons.write_csv(tmp_path / "persons.csv")
    by_episode = runner.invoke(app, [*stored_axis_args(path), "--k", "5"])
    by_person = runner.invoke(app, [*stored_axis_args(tmp_path / "persons.csv"), "--k", "5"])
    assert by_episode.exit_code == by_person.exit_code == 0, by_person.output
    episodes, persons = json.loads(by_episode.stdout), json.loads(by_person.stdout)
    assert episodes["k_counts"] == "patient_id" and episodes["persons"] is None
    assert [c["n"] for c in episodes["per_class"]] == [6, 6]
    assert persons["k_counts"] == "person_id" and persons["persons"] == 6
    assert all(c["withheld"] and c["n"] is None for c in persons["per_class"])
    table = runner.invoke(
        app, [*stored_axis_args(tmp_path / "persons.csv"), "--k", "5", "-f", "table"]
    )
    assert table.exit_code == 0 and "k = 5 persons (person_id)" in table.stdout
