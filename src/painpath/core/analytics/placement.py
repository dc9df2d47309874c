"""Answers placed on their follow-up time points, for a whole batch of episodes at once.

The same rules as :func:`painpath.core.followup.place` and the registry export's baseline
(``painpath.analytics.services``), written as polars expressions over columns: the export
places some 200,000 answers, and doing it one answer at a time in Python (a ``place`` call,
a dict per row) cost about ten seconds at 20,000 patients (docs/performance.md).

- Baseline, per episode and instrument: the latest answer on or before the index date (the
  larger id on the same day); without one, the earliest answer after it that no time point
  takes (the smaller id on the same day).
- Follow-up: an answer after the index date, from the day the first time point's window
  opens halfway, belongs to the time point whose target is nearest (the earlier one on a
  tie); per time point the answer nearest its target is kept (the earlier answer, then the
  smaller id, on a tie), ``in_window`` telling whether it came inside the window.

A property test holds it to the row-by-row rules (tests/core/analytics/test_placement.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from painpath.core.followup import FollowUpProtocol

__all__ = ["PLACED_COLUMNS", "place_answers"]

PLACED_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "episode_id": pl.Int64,
    "instrument": pl.String,
    "timepoint": pl.Int64,
    "score": pl.Float64,
    "answered_on": pl.Date,
    "in_window": pl.Boolean,
    "days_from_target": pl.Int64,
}
_KEY = ["episode_id", "instrument"]


def _points(episodes: pl.DataFrame, protocols: Mapping[str, FollowUpProtocol]) -> pl.DataFrame:
    """Per distinct (protocol, index date): each time point's target and window, and the day
    from which an answer is a follow-up (the first window opened halfway, as ``place``
    computes it: a date plus half a timedelta keeps only the whole days). Targets are
    calendar months clipped to the month's end, as ``schedule`` gives them (polars'
    ``offset_by`` clips the same way; the property test holds it)."""
    used = episodes.select("protocol", "index_date").unique()
    rows = [
        (protocol_id, point.months, point.window_days, protocol.timepoints[0].months)
        for protocol_id in used["protocol"].unique().to_list()
        for protocol in (protocols[protocol_id],)
        for point in protocol.timepoints
    ]
    points = pl.DataFrame(
        rows,
        schema={
            "protocol": pl.String,
            "months": pl.Int64,
            "window_days": pl.Int64,
            "first_months": pl.Int64,
        },
        orient="row",
    )

    def months_after(months: str) -> pl.Expr:
        return pl.col("index_date").dt.offset_by(pl.format("{}mo", pl.col(months)))

    window = pl.duration(days=pl.col("window_days"))
    first = _days(months_after("first_months"), pl.col("index_date"))
    return (
        used.join(points, on="protocol")
        .with_columns(months_after("months").alias("target"))
        .select(
            "protocol",
            "index_date",
            "months",
            "target",
            (pl.col("target") - window).alias("window_start"),
            (pl.col("target") + window).alias("window_end"),
            (pl.col("index_date") + pl.duration(days=first // 2)).alias("follow_up_from"),
        )
    )


def _days(later: pl.Expr, earlier: pl.Expr) -> pl.Expr:
    return (later - earlier).dt.total_days().cast(pl.Int64)


def place_answers(
    answers: pl.DataFrame,
    episodes: pl.DataFrame,
    protocols: Mapping[str, FollowUpProtocol],
) -> pl.DataFrame:
    """The kept answers on their time points (0: baseline), one row per episode, instrument
    and time point, sorted so.

    ``answers``: ``episode_id``, ``id`` (unique), ``instrument``, ``answered_on`` (date),
    ``score`` (answers without a score are left out), and any further columns, which the
    kept answers carry along (the export's wording). ``episodes``: ``episode_id``,
    ``protocol`` (a key of ``protocols``) and ``index_date``. Columns:
    :data:`PLACED_COLUMNS` and the carried ones."""
    carried = [c for c in answers.columns if c not in ("episode_id", "id", *PLACED_COLUMNS)]
    a = (
        answers.lazy()
        .filter(pl.col("score").is_not_null())
        .join(episodes.lazy().select("episode_id", "protocol", "index_date"), on="episode_id")
    )
    points = _points(episodes, protocols).lazy()
    # Each answer beside each time point of its episode's schedule; the nearest target
    # wins, the earlier time point on a tie (place's min over (distance, months)).
    candidates = (
        a.filter(pl.col("answered_on") > pl.col("index_date"))
        .join(points, on=["protocol", "index_date"])
        .filter(pl.col("answered_on") >= pl.col("follow_up_from"))
        .with_columns(
            _days(pl.col("answered_on"), pl.col("target")).alias("days_from_target"),
        )
        .with_columns(pl.col("days_from_target").abs().alias("_distance"))
        .sort(["episode_id", "id", "_distance", "months"])
        .group_by(["episode_id", "id"], maintain_order=True)
        .first()
        .with_columns(
            pl.col("answered_on")
            .is_between(pl.col("window_start"), pl.col("window_end"))
            .alias("in_window"),
        )
    )
    follow_ups = (
        candidates.sort([*_KEY, "months", "_distance", "answered_on", "id"])
        .group_by([*_KEY, "months"], maintain_order=True)
        .first()
        .rename({"months": "timepoint"})
    )
    # Baseline: the latest answer on or before the index date; else the earliest after it
    # that no time point takes. One sort puts the chosen one first: those before the index
    # first, newest first among them, then the others oldest first.
    day = pl.col("answered_on").cast(pl.Int32).cast(pl.Int64)
    before = pl.col("answered_on") <= pl.col("index_date")
    baseline = (
        a.join(candidates.select("episode_id", "id"), on=["episode_id", "id"], how="anti")
        .with_columns(
            (~before).alias("_after"),
            pl.when(before).then(-day).otherwise(day).alias("_day"),
            pl.when(before).then(-pl.col("id")).otherwise(pl.col("id")).alias("_id"),
        )
        .sort([*_KEY, "_after", "_day", "_id"])
        .group_by(_KEY, maintain_order=True)
        .first()
        .with_columns(
            pl.lit(0, pl.Int64).alias("timepoint"),
            pl.lit(True).alias("in_window"),
            _days(pl.col("answered_on"), pl.col("index_date")).alias("days_from_target"),
        )
    )
    columns = [*PLACED_COLUMNS, *carried]
    out = pl.concat([baseline.select(columns), follow_ups.select(columns)], how="vertical_relaxed")
    return (
        out.with_columns([pl.col(name).cast(kind) for name, kind in PLACED_COLUMNS.items()])
        .sort([*_KEY, "timepoint"])
        .collect()
    )
