"""``painpath demo-data`` and ``painpath report``: synthetic registries and outcome reports.

``report`` reads a long table of scores (CSV, Parquet or JSON Lines) — columns
``patient_id``, ``instrument``, ``timepoint`` (months; 0 = baseline), ``score``, optionally
``wording`` (which wording the patient saw: answers in different wordings are reported in
separate rows, never pooled) and any cohort columns — optionally joined with a patients
table, filters the cohort, and prints the outcome table. The JSON shape is documented in
docs/report.md. ``--k N`` applies disclosure control (docs/disclosure.md) to every format;
without it nothing is suppressed, since whoever holds the input file holds row-level data.
Polars, Ibis, DuckDB, SciPy, Django and WeasyPrint are imported by these commands only, when
they run.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from painpath import __version__
from painpath.cli.streams import fail, read_table, warn, write_output

if TYPE_CHECKING:
    import polars as pl

    from painpath.core.analytics import OutcomeRow

REQUIRED = ("patient_id", "instrument", "timepoint", "score")
WORDING = "wording"
FORMATS = ("json", "csv", "html", "pdf")
LOCALE = Path(__file__).parents[1] / "locale"


def _inputs(source: Path, patients: Path | None) -> tuple[pl.DataFrame, list[str]]:
    """The scores (checked: :func:`painpath.core.analytics.inputs.check_scores`) joined with
    the patients table, and what was dropped: warnings, printed once the report is written
    (a refusal after them must stay the one line on standard error)."""
    import polars as pl

    from painpath.core.analytics.inputs import InvalidScores, check_scores, lines

    if source.is_dir():
        scores_path, patients = source / "scores.parquet", patients or source / "patients.parquet"
    else:
        scores_path = source
    scores = read_table(scores_path)
    missing = [c for c in REQUIRED if c not in scores.columns]
    if missing:
        fail(f"{scores_path}: missing column(s) {', '.join(missing)}; need {', '.join(REQUIRED)}")
    first, unit = _numbering(scores_path)
    try:
        checked = check_scores(scores, first_line=first, unit=unit)
    except InvalidScores as error:
        fail(f"{scores_path}: {error}")
    notes = []
    if checked.blank:
        notes.append(
            f"{scores_path}: {lines(checked.blank, unit)}: blank score, counted as a missing answer"
        )
    if checked.duplicates:
        notes.append(
            f"{scores_path}: {lines(checked.duplicates, unit)}: the same as an earlier "
            f"{unit}; counted once"
        )
    scores = checked.frame
    if WORDING in scores.columns:
        scores = scores.with_columns(scores[WORDING].cast(pl.String))
    if patients is not None and patients.exists():
        scores = _join_patients(scores, patients)
    return scores, notes


def _numbering(path: Path) -> tuple[int, str]:
    """How a message names a table's first row: line 2 of a CSV file (under its header),
    line 1 of JSON Lines, row 1 of Parquet."""
    if path.suffix == ".parquet":
        return 1, "row"
    return (2 if path.suffix == ".csv" else 1), "line"


def _join_patients(scores: pl.DataFrame, patients: Path) -> pl.DataFrame:
    """``scores`` with the patients table's other columns; one row per patient there, or a
    score would be counted once per row."""
    import polars as pl

    from painpath.core.analytics.inputs import lines

    people = read_table(patients)
    if "patient_id" not in people.columns:
        fail(f"{patients}: missing column patient_id")
    first, unit = _numbering(patients)
    repeated = people.with_row_index("_line", offset=first).filter(
        pl.col("patient_id").is_duplicated()
    )
    if repeated.height:
        fail(
            f"{patients}: {lines(repeated['_line'].to_list(), unit)}: patient_id "
            f"{str(repeated['patient_id'][0])[:40]!r} more than once; one row per patient"
        )
    extra = [c for c in people.columns if c == "patient_id" or c not in scores.columns]
    if people.schema["patient_id"] != scores.schema["patient_id"]:
        # 17 in one file and "17" in the other are the same patient.
        people = people.with_columns(pl.col("patient_id").cast(pl.String))
        scores = scores.with_columns(pl.col("patient_id").cast(pl.String))
    return scores.join(people.select(extra), on="patient_id", how="left")


def _pair(prefix: str, interval: tuple[float, float] | None) -> dict[str, float | None]:
    low, high = interval or (None, None)
    return {f"{prefix}_ci_low": low, f"{prefix}_ci_high": high}


def _csv(rows: list[OutcomeRow]) -> str:
    """One line per instrument, time point and responder definition (the row's statistics
    repeated), so a spreadsheet can filter on any column."""
    from painpath.core.analytics.document import row_document, withheld_count

    records = []
    for r in rows:
        data = row_document(r)
        common = {k: v for k, v in data.items() if k not in ("responders", "change_ci")} | _pair(
            "change", r.change_ci
        )
        shares = r.responders or (None,)
        for s in shares:
            share: dict[str, Any] = {"responder": None, "responders": None}
            if s is not None:
                share = {
                    "responder": s.definition,
                    "responders": withheld_count(s.responders),
                    "responder_withheld": s.responders < 0,
                    "complete_case": s.complete_case,
                    **_pair("complete_case", s.complete_case_ci),
                    "missing_as_failure": s.missing_as_failure,
                    **_pair("missing_as_failure", s.missing_as_failure_ci),
                }
            records.append(common | share)
    columns = list(dict.fromkeys(key for record in records for key in record))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return buffer.getvalue()


def _template_engine() -> None:
    """Django's template engine and translations for the HTML/PDF report, configured
    standalone (no database, no project settings) unless Django is already set up."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            INSTALLED_APPS=["painpath.analytics"],
            TEMPLATES=[
                {
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "APP_DIRS": True,
                }
            ],
            USE_I18N=True,
            USE_TZ=True,
            LANGUAGE_CODE="en",
            LOCALE_PATHS=[str(LOCALE)],
        )
    django.setup()


def _document(
    scores: Any,
    filters: list[str],
    codes: list[str],
    points: list[int],
    output_format: str,
    k: int | None = None,
) -> bytes:
    _template_engine()
    from painpath.analytics.render import render_document, render_pdf
    from painpath.analytics.report import Options, build
    from painpath.core.analytics.disclosure import DisclosurePolicy

    options = Options(instruments=tuple(codes), timepoints=tuple(points))
    policy = DisclosurePolicy(k) if k is not None else None
    built = build(scores, filters, options, policy=policy)
    if output_format == "pdf":
        try:
            return render_pdf(built)
        except OSError as error:  # WeasyPrint could not load Pango
            fail(f"cannot make a PDF: {error} (install Pango: apt-get install libpango-1.0-0)")
    return render_document(built).encode("utf-8")


def demo_data(
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory to write.")],
    patients: Annotated[int, typer.Option("--patients", min=0)] = 1000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Generate a SYNTHETIC registry (patients.parquet, scores.parquet) — no real person."""
    from rich.progress import Progress

    from painpath.core.synthetic import generate

    with Progress(transient=True) as progress:
        task = progress.add_task("generating synthetic registry", total=3)
        registry = generate(patients, seed=seed)
        progress.advance(task)
        try:
            output.mkdir(parents=True, exist_ok=True)
            registry.patients.write_parquet(output / "patients.parquet")
            progress.advance(task)
            registry.scores.write_parquet(output / "scores.parquet")
            progress.advance(task)
            (output / "SYNTHETIC.txt").write_text(
                f"Synthetic data generated by painpath {__version__} "
                f"(patients={patients}, seed={seed}). No real person is described.\n",
                encoding="utf-8",
            )
        except OSError as error:
            fail(f"cannot write {output}: {error.strerror or error}")
    typer.echo(f"{patients} synthetic patients, {registry.scores.height} scores → {output}")


def report(
    input: Annotated[
        Path,
        typer.Option(
            "--input", "-i", help="Scores file (.csv/.parquet/.jsonl) or a demo-data dir."
        ),
    ],
    patients: Annotated[
        Path | None, typer.Option("--patients", help="Patients table to join (optional).")
    ] = None,
    cohort: Annotated[
        list[str] | None,
        typer.Option(
            "--cohort",
            "-c",
            help="Filter: column=value, column=a,b (any of), column=lo..hi (range). Repeat.",
        ),
    ] = None,
    instrument: Annotated[
        list[str] | None, typer.Option("--instrument", help="Instrument(s); default: all.")
    ] = None,
    timepoints: Annotated[
        str, typer.Option("--timepoints", help="Follow-up months, comma-separated.")
    ] = "3,6,12,24",
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="json|csv|html|pdf (pdf needs --output)")
    ] = "json",
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    k: Annotated[
        int | None,
        typer.Option(
            "--k",
            min=2,
            help="Disclosure control: withhold every figure about fewer than K patients "
            "(default: none; the input file is row-level data already).",
        ),
    ] = None,
) -> None:
    """The outcome table for a cohort: completeness, change, responders (with CIs)."""
    if output_format not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {output_format!r}")
    try:
        points = [int(part) for part in timepoints.split(",") if part.strip()]
    except ValueError:
        fail(f"--timepoints {timepoints!r}: whole months, comma-separated, e.g. 3,6,12")
    if not points or any(p <= 0 for p in points):
        fail("--timepoints: follow-up months must be positive")
    import ibis

    from painpath.core.analytics import outcome_table
    from painpath.core.analytics.cohort import CohortError, apply_filters, parse_filters
    from painpath.core.instruments import REGISTRY

    frame, notes = _inputs(input, patients)
    filters = cohort or []
    try:
        frame = apply_filters(frame, parse_filters(filters))
    except CohortError as error:
        fail(str(error))
    codes = instrument or sorted(set(frame["instrument"].to_list()), key=list(REGISTRY).index)
    unknown = [c for c in codes if c not in REGISTRY]
    if unknown:
        fail(f"unknown instrument(s) {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    if output_format == "pdf" and output is None:
        fail("--format pdf writes a binary file: give --output report.pdf")
    n_patients = frame["patient_id"].n_unique()
    if k is not None and 0 < n_patients < k:
        fail(f"the cohort has fewer than {k} patients (--k {k}): no figures; widen the filters")
    if output_format in ("html", "pdf"):
        # The cohort is already filtered; the document lists the filters it came from.
        document = _document(ibis.memtable(frame), filters, codes, points, output_format, k)
        write_output(output, document)
        _warn(notes)
        return
    wording = WORDING in frame.columns
    scores = ibis.memtable(frame.select([*REQUIRED, WORDING] if wording else list(REQUIRED)))
    rows = outcome_table(scores, instruments=codes, timepoints=points)
    if k is not None:
        from painpath.core.analytics.disclosure import DisclosurePolicy, protect_outcome_rows

        rows = protect_outcome_rows(rows, DisclosurePolicy(k))
    if output_format == "json":
        from painpath.core.analytics.document import report_document

        document = report_document(rows, filters, n_patients, points, wording_recorded=wording, k=k)
        text = json.dumps(document, indent=1) + "\n"
    else:
        text = _csv(rows)
    write_output(output, text)
    _warn(notes)


def _warn(notes: list[str]) -> None:
    for note in notes:
        warn(note)


def register(app: typer.Typer) -> None:
    """Add ``demo-data`` and ``report`` to the ``painpath`` command."""
    app.command("demo-data")(demo_data)
    app.command("report")(report)
