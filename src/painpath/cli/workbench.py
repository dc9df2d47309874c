"""``painpath workbench``: latent classes, prognostic validity and planted test data.

``lca`` fits latent class models to a wide baseline table (one row per patient); ``validate``
reads what ``painpath report -i`` reads (a scores table, or a directory with
``scores.parquet`` and ``patients.parquet``) and gives a classification's prognostic validity
for one outcome and time point; ``planted`` writes a synthetic registry with known classes.
The JSON shapes are the contract in docs/workbench.md (issue 16). scikit-learn, SciPy,
Ibis and Polars are imported by these commands only, when they run.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from painpath.cli.streams import fail, print_table, read_table, shorten, write_output

if TYPE_CHECKING:
    import polars as pl

FORMATS = ("json", "table")
KINDS = ("categorical", "continuous")
MAX_CLASSES = 12
AXIS = "axis:"
LCA_CLASS = "lca_class"
"""The column ``lca --assignments`` writes: a patients table ``validate --patients`` joins."""


def _classes(text: str) -> list[int]:
    """``1..6`` or ``3``: the numbers of classes to fit."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?", text)
    if not match:
        fail(f"--classes {shorten(repr(text))}: give a range like 1..6 or one number")
    low, high = int(match[1]), int(match[2] or match[1])
    if not 1 <= low <= high <= MAX_CLASSES:
        fail(f"--classes {text}: give numbers from 1 to {MAX_CLASSES}, the smaller first")
    return list(range(low, high + 1))


def _format(value: str) -> str:
    if value not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {shorten(repr(value))}")
    return value


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _numbering(path: Path) -> tuple[int, str]:
    from painpath.cli.report import _numbering

    return _numbering(path)


def _numeric(frame: pl.DataFrame, column: str, path: Path) -> pl.Series:
    """``column`` as numbers (blank kept as missing); exit 2 naming the first row that is not."""
    import polars as pl

    from painpath.core.analytics.inputs import lines

    values = frame[column]
    if values.dtype == pl.Boolean or values.dtype.is_nested():
        fail(f"{path}: column {column} holds {values.dtype}, not numbers")
    numbers = values.cast(pl.Float64, strict=False)
    first, unit = _numbering(path)
    bad = frame.with_row_index("_line", offset=first).filter(
        values.is_not_null() & (numbers.is_null() | ~numbers.is_finite())
    )
    if bad.height:
        fail(
            f"{path}: {lines(bad['_line'].to_list(), unit)}: {column} "
            f"{shorten(repr(bad[column][0]), 40)} is not a finite number"
        )
    return numbers


def _ids(frame: pl.DataFrame, column: str, path: Path) -> list[Any]:
    import polars as pl

    from painpath.core.analytics.inputs import lines

    if column not in frame.columns:
        fail(f"{path}: no column {column} (--id-column); columns: {', '.join(frame.columns)}")
    first, unit = _numbering(path)
    rows = frame.with_row_index("_line", offset=first)
    blank = rows.filter(pl.col(column).is_null())
    if blank.height:
        fail(f"{path}: {lines(blank['_line'].to_list(), unit)}: {column} is blank")
    repeated = rows.filter(pl.col(column).is_duplicated())
    if repeated.height:
        fail(
            f"{path}: {lines(repeated['_line'].to_list(), unit)}: {column} "
            f"{shorten(repr(repeated[column][0]), 40)} more than once; one row per patient"
        )
    return frame[column].to_list()


def lca_command(
    input: Annotated[
        Path, typer.Option("--input", "-i", help="Baseline table, one row per patient.")
    ],
    items: Annotated[str, typer.Option("--items", help="Item columns, comma-separated.")],
    id_column: Annotated[str, typer.Option("--id-column", help="The patient key.")] = "patient_id",
    kind: Annotated[str, typer.Option("--kind", help="categorical or continuous.")] = "categorical",
    classes: Annotated[
        str, typer.Option("--classes", help="Numbers of classes, e.g. 1..6.")
    ] = "1..6",
    seed: Annotated[int, typer.Option("--seed", help="Random starts' seed.")] = 1,
    starts: Annotated[int, typer.Option("--starts", min=1, max=100, help="Random starts.")] = 5,
    compare: Annotated[
        str | None, typer.Option("--compare", help="A classification column: ARI, cross-table.")
    ] = None,
    assignments: Annotated[
        Path | None,
        typer.Option("--assignments", help="Also write each patient's class (CSV: lca_class)."),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="json or table.")] = "json",
) -> None:
    """Latent classes of baseline items: models by BIC, entropy, smallest class; assignments."""
    output_format = _format(output_format)
    if kind not in KINDS:
        fail(f"--kind must be one of {', '.join(KINDS)}, not {shorten(repr(kind))}")
    wanted = _classes(classes)
    names = [name.strip() for name in items.split(",") if name.strip()]
    if not names:
        fail("--items: name at least one column")
    frame = read_table(input)
    missing = [n for n in names if n not in frame.columns]
    if missing:
        fail(
            f"{input}: no column(s) {', '.join(missing)} (--items); "
            f"columns: {', '.join(frame.columns)}"
        )
    if compare is not None and compare not in frame.columns:
        fail(f"{input}: no column {compare} (--compare)")
    ids = _ids(frame, id_column, input)
    import numpy as np

    from painpath.core.errors import PainpathError
    from painpath.core.workbench.lca import agreement, fit_lca

    data = np.column_stack([_numeric(frame, n, input).to_numpy() for n in names]).astype(float)
    try:
        result = fit_lca(data, names, kind=kind, classes=wanted, seed=seed, n_init=starts)
    except PainpathError as error:
        fail(f"{input}: {error}")
    document = result.as_dict(ids)
    if assignments is not None:
        import polars as pl

        table = pl.DataFrame({id_column: ids, LCA_CLASS: result.assignments.tolist()})
        write_output(assignments, table.write_csv())
    if compare is not None:
        document["agreement"] = {
            "column": compare,
            **agreement(frame[compare].to_list(), result.assignments.tolist()).as_dict(),
        }
    if output_format == "json":
        write_output(None, _json(document))
        return
    from rich.table import Table

    table = Table("classes", "BIC", "entropy", "smallest class", "chosen", title=str(input))
    for m in result.models:
        entropy = "—" if m.entropy is None else f"{m.entropy:.3f}"
        chosen = "←" if m.classes == result.chosen else ""
        table.add_row(
            str(m.classes), f"{m.bic:.1f}", entropy, f"{m.smallest_class_share:.1%}", chosen
        )
    print_table(table)


ANSWER_COLUMNS = ("patient_id", "instrument", "timepoint", "item", "value")


def _baseline_answers(path: Path) -> dict[str, dict[str, dict[str, str]]] | None:
    """Patient → instrument → item → baseline answer from ``answers.parquet`` beside the
    scores (the extract's and ``painpath registry pooled``'s layout); None without one."""
    import polars as pl

    file = path / "answers.parquet"
    if not path.is_dir() or not file.is_file():
        return None
    try:
        table = pl.read_parquet(file)
    except (OSError, pl.exceptions.PolarsError) as error:
        fail(f"{file}: not a readable Parquet file ({shorten(str(error), 80)})")
    lacking = [c for c in ANSWER_COLUMNS if c not in table.columns]
    if lacking:
        fail(f"{file}: no column {', '.join(lacking)} (answers table)")
    out: dict[str, dict[str, dict[str, str]]] = {}
    base = table.filter(pl.col("timepoint") == 0).drop_nulls("value")
    for patient, code, item, value in base.select(
        pl.col("patient_id", "instrument", "item", "value").cast(pl.String)
    ).iter_rows():
        out.setdefault(patient, {}).setdefault(code, {})[item] = value
    return out


def _classification(
    scores: pl.DataFrame, spec: str, *, instrument: str, path: Path
) -> dict[str, str | None]:
    """Per patient their class: a column (one value per patient) or ``axis:NAME`` (from the
    baseline scores, and the baseline answers where the directory holds them)."""
    import polars as pl

    from painpath.core.errors import PainpathError
    from painpath.core.workbench.axes import axis_from_scores

    if spec.startswith(AXIS):
        base = scores.filter(pl.col("timepoint") == 0)
        by_patient: dict[str, dict[str, float]] = {}
        for patient, code, score in base.select("patient_id", "instrument", "score").iter_rows():
            by_patient.setdefault(str(patient), {})[code] = score
        try:
            found = axis_from_scores(
                spec.removeprefix(AXIS),
                by_patient,
                as_of=dt.date.today(),
                answers=_baseline_answers(path),
            )
        except PainpathError as error:
            fail(f"--classification {spec}: {error}")
        if not found:
            fail(
                f"--classification {spec}: no patient has the baseline scores or answers the "
                "axis reads"
            )
        return dict(found)
    if spec not in scores.columns:
        fail(
            f"{path}: no column {spec} (--classification) in the scores or patients table; "
            f"or give axis:NAME"
        )
    values = (
        scores.select(pl.col("patient_id").cast(pl.String), pl.col(spec).cast(pl.String))
        .drop_nulls(spec)
        .unique()
    )
    twice = values.filter(pl.col("patient_id").is_duplicated())
    if twice.height:
        patient = twice["patient_id"][0]
        fail(
            f"{path}: patient {shorten(patient, 40)} has more than one {spec}; "
            "one class per patient"
        )
    return dict(values.iter_rows())


def _one_wording(
    scores: pl.DataFrame, outcome: str, wording: str | None, path: Path
) -> pl.DataFrame:
    """The outcome's answers in one wording: the report never pools answers to the validated
    instrument with answers to painpath's paraphrase, and neither does a responder rate."""
    import polars as pl

    if "wording" not in scores.columns:
        if wording is not None:
            fail(f"{path}: --wording {shorten(wording, 40)}: the scores have no wording column")
        return scores
    if wording is not None:
        chosen = scores.filter((pl.col("instrument") != outcome) | (pl.col("wording") == wording))
        if chosen.filter(pl.col("instrument") == outcome).height == 0:
            fail(f"{path}: no {outcome} answers in wording {shorten(repr(wording), 40)}")
        return chosen
    found = scores.filter(pl.col("instrument") == outcome)["wording"].unique().to_list()
    if len(found) > 1:
        shown = ", ".join(sorted(str(w) for w in found))
        fail(
            f"{path}: {outcome} was answered in several wordings ({shown}); they are never "
            "pooled: choose one with --wording"
        )
    return scores


def validate_command(
    input: Annotated[
        Path, typer.Option("--input", "-i", help="Scores table or registry directory.")
    ],
    classification: Annotated[
        str, typer.Option("--classification", help="A column, or axis:NAME (shipped rule set).")
    ],
    outcome: Annotated[str, typer.Option("--outcome", help="Outcome instrument code.")],
    timepoint: Annotated[int, typer.Option("--timepoint", min=1, help="Months after baseline.")],
    responder: Annotated[str, typer.Option("--responder", help="Responder definition.")] = "mic",
    compare: Annotated[
        str | None, typer.Option("--compare", help="A second classification: net reclassification.")
    ] = None,
    k: Annotated[
        int | None, typer.Option("--k", min=2, help="Disclosure control: minimum cell.")
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Cross-validation folds' seed.")] = 1,
    wording: Annotated[
        str | None, typer.Option("--wording", help="Only answers in this wording.")
    ] = None,
    patients: Annotated[
        Path | None, typer.Option("--patients", help="Patients table to join (optional).")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", "-f", help="json or table.")] = "json",
) -> None:
    """Prognostic validity of a classification: responder rate per class, AUC, R², calibration."""
    output_format = _format(output_format)
    from painpath.cli.report import _inputs
    from painpath.core.errors import PainpathError
    from painpath.core.instruments import REGISTRY
    from painpath.core.workbench.validity import (
        class_validity,
        net_reclassification,
        person_ids,
        protect,
        responders,
    )

    if outcome not in REGISTRY:
        fail(
            f"--outcome: unknown instrument {shorten(repr(outcome))}; known: {', '.join(REGISTRY)}"
        )
    scores, _ = _inputs(input, patients)
    scores = _one_wording(scores, outcome, wording, input)
    try:
        paired = responders(scores, instrument=outcome, timepoint=timepoint, definition=responder)
    except PainpathError as error:
        fail(f"--responder: {error}")
    if paired.height == 0:
        fail(
            f"{input}: no patient has {outcome} at baseline (timepoint 0) and at month {timepoint}"
        )
    classes = _classification(scores, classification, instrument=outcome, path=input)
    ids = [str(p) for p in paired["patient_id"].to_list()]
    try:
        result = class_validity(
            [classes.get(p) for p in ids],
            paired["responder"].to_list(),
            paired["followup"].to_list(),
            paired["baseline"].to_list(),
            seed=seed,
            persons=person_ids(scores, ids),
        )
        if k is not None:
            result = protect(result, k)
        document = {
            "classification": classification,
            "outcome": outcome,
            "timepoint": timepoint,
            "responder": responder,
            "k": k,
            **result.as_dict(),
        }
        if compare is not None:
            other = _classification(scores, compare, instrument=outcome, path=input)
            both = [p for p in ids if classes.get(p) is not None and other.get(p) is not None]
            flags = dict(zip(ids, paired["responder"].to_list(), strict=True))
            document["net_reclassification"] = {
                "against": compare,
                "n": len(both),
                **net_reclassification(
                    [other[p] for p in both], [classes[p] for p in both], [flags[p] for p in both]
                ).as_dict(),
            }
    except PainpathError as error:
        fail(f"{input}: {error}")
    if output_format == "json":
        write_output(None, _json(document))
        return
    from rich.table import Table

    auc = "—" if result.auc is None else f"{result.auc:.3f}"
    table = Table(
        "class", "n", "responders", "rate", "95 % CI", title=f"{classification}: AUC {auc}"
    )
    for c in result.per_class:
        rate = "withheld" if c.rate is None else f"{c.rate:.1%}"
        ci = "" if c.ci is None else f"{c.ci[0]:.1%}–{c.ci[1]:.1%}"
        table.add_row(
            c.cls, str(c.n) if c.n is not None else "—", str(c.responders or "—"), rate, ci
        )
    if k is not None:
        unit = "persons" if result.k_counts == "person_id" else "episodes"
        table.caption = f"k = {k} {unit} ({result.k_counts})"
    print_table(table)


def planted_command(
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory to write.")],
    n: Annotated[int, typer.Option("--n", min=10, max=1_000_000, help="Patients.")] = 600,
    classes: Annotated[int, typer.Option("--classes", min=1, max=MAX_CLASSES, help="Classes.")] = 3,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 1,
    missing: Annotated[
        float, typer.Option("--missing", min=0.0, max=0.9, help="MCAR share.")
    ] = 0.0,
    strength: Annotated[
        float, typer.Option("--strength", min=0.0, max=1.0, help="Prognostic strength.")
    ] = 0.6,
) -> None:
    """Write a synthetic registry with planted latent classes (scores, patients, baseline)."""
    from painpath.core.workbench.planted import PlantedSpec, planted_registry

    if output.exists() and not output.is_dir():
        fail(f"--output {shorten(output)}: not a directory")
    planted = planted_registry(
        PlantedSpec(n=n, classes=classes, seed=seed, missing=missing, strength=strength)
    )
    try:
        output.mkdir(parents=True, exist_ok=True)
        planted.scores.write_parquet(output / "scores.parquet")
        planted.patients.write_parquet(output / "patients.parquet")
        planted.baseline.write_csv(output / "baseline.csv")
    except OSError as error:
        fail(f"cannot write {shorten(output)}: {error.strerror or error}")
    rates = ", ".join(f"{r:.2f}" for r in planted.responder_rates)
    typer.echo(
        f"{output}: {n} synthetic patients in {classes} planted classes "
        f"(responder rates {rates}); scores.parquet, patients.parquet, baseline.csv"
    )


def register(app: typer.Typer) -> None:
    """Add the ``workbench`` group to the ``painpath`` command."""
    group = typer.Typer(
        help="Classification workbench: latent classes, prognostic validity.", no_args_is_help=True
    )
    commands = {"lca": lca_command, "validate": validate_command, "planted": planted_command}
    for name, command in commands.items():
        group.command(name)(command)
    app.add_typer(group, name="workbench")
