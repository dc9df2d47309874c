"""The registry's pooled data written out for the research group's tools.

``painpath registry pooled -o DIR`` writes what ``painpath report -i DIR`` and ``painpath
workbench validate -i DIR`` read — ``scores.parquet``, the long table of every pooled site with
``clinic`` = the site's code, and ``answers.parquet``, the item answers in the extract's
layout, from which ``validate --classification axis:NAME`` scores the subscales — and what
``painpath workbench lca -i`` reads: ``baseline.csv``, one row per episode (``patient_id``) and
one column per baseline item answer (time point 0) of the instruments asked for. Row-level
pseudonymised data leaves the database here, so each writing is audited as an export; it is a
command for the registry's server, like backup.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import polars as pl

from painpath.audit.services import Event, record
from painpath.registry.models import PooledAnswer, Registry
from painpath.registry.services import pooled_scores

POOLED_EXPORTED = Event("registry.pooled.exported", "export")
ANSWER_COLUMNS = dict.fromkeys(("patient_id", "instrument", "item", "value"), pl.String)


class Written(NamedTuple):
    folder: Path
    score_rows: int
    patients: int
    items: tuple[str, ...]
    answer_rows: int = 0


def pooled_answers(registry: Registry | None) -> pl.DataFrame:
    """Every pooled item answer, long, as the extract's ``answers`` table has them."""
    schema = {**ANSWER_COLUMNS, "timepoint": pl.Int64}
    rows = PooledAnswer.objects.order_by("patient_id", "instrument", "timepoint", "item")
    if registry is not None:
        rows = rows.filter(site__registry=registry)
    return pl.DataFrame(list(rows.values_list(*schema)), schema=schema, orient="row")


def baseline_items(registry: Registry | None, instruments: list[str]) -> pl.DataFrame:
    """The pooled baseline answers, wide: ``patient_id`` and one column per item. A column is
    the item's linkId; where two of the instruments share a linkId (TSK and TSK-11) each is
    named ``<instrument>_<linkId>``. Values are numbers where the answer is one, else null (a
    text answer is not an item a latent class model reads)."""
    rows = PooledAnswer.objects.filter(timepoint=0, instrument__in=instruments)
    if registry is not None:
        rows = rows.filter(site__registry=registry)
    long = pl.DataFrame(
        list(rows.values_list(*ANSWER_COLUMNS)), schema=ANSWER_COLUMNS, orient="row"
    )
    if long.is_empty():
        return pl.DataFrame(schema={"patient_id": pl.String})
    shared = (
        long.select("instrument", "item").unique().group_by("item").len().filter(pl.col("len") > 1)
    )["item"].to_list()
    long = long.with_columns(
        pl.when(pl.col("item").is_in(shared))
        .then(pl.col("instrument") + "_" + pl.col("item"))
        .otherwise(pl.col("item"))
        .alias("column"),
        pl.col("value").cast(pl.Float64, strict=False),
    )
    wide = long.pivot(on="column", index="patient_id", values="value", aggregate_function="first")
    items = sorted(c for c in wide.columns if c != "patient_id")
    return wide.select("patient_id", *items).sort("patient_id")


def write_pooled(
    folder: Path, registry: Registry | None = None, *, instruments: list[str] | None = None
) -> Written:
    """Write ``scores.parquet``, ``answers.parquet`` (and ``baseline.csv`` of the instruments'
    baseline items) and audit the export with what was written."""
    scores = pooled_scores(registry)
    answers = pooled_answers(registry)
    folder.mkdir(parents=True, exist_ok=True)
    scores.write_parquet(folder / "scores.parquet")
    answers.write_parquet(folder / "answers.parquet")
    items: tuple[str, ...] = ()
    if instruments:
        wide = baseline_items(registry, instruments)
        wide.write_csv(folder / "baseline.csv")
        items = tuple(c for c in wide.columns if c != "patient_id")
    patients = scores["patient_id"].n_unique() if scores.height else 0
    record(
        None,
        POOLED_EXPORTED,
        object_type="registry.registry",
        registry=registry.code if registry is not None else "all",
        score_rows=scores.height,
        answer_rows=answers.height,
        patients=patients,
        instruments=instruments or [],
    )
    return Written(folder, scores.height, patients, items, answers.height)
