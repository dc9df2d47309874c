"""Answers in different wordings are never pooled: painpath's paraphrase of a questionnaire is
not the validated instrument (synthetic numbers worked out by hand)."""

from __future__ import annotations

import ibis
import pytest

from painpath.core.analytics import outcome_table, stratified_outcome_table, wording_groups

# ODI at baseline (0) and 3 months. p1–p2 answered the licensed Danish ODI, p3–p4 painpath's
# paraphrase; p5 the paraphrase at baseline and the licensed version at 3 months (mixed).
#   licensed:   40 → 30, 50 → 30   change −10, −20: mean −15
#   paraphrase: 20 → 20, 60 → 40   change 0, −20:   mean −10
#   mixed:      30 → 10            change −20
ODI = [
    ("p1", 0, 40, "licensed"), ("p1", 3, 30, "licensed"),
    ("p2", 0, 50, "licensed"), ("p2", 3, 30, "licensed"),
    ("p3", 0, 20, "paraphrase"), ("p3", 3, 20, "paraphrase"),
    ("p4", 0, 60, "paraphrase"), ("p4", 3, 40, "paraphrase"),
    ("p5", 0, 30, "paraphrase"), ("p5", 3, 10, "licensed"),
]  # fmt: skip


def table(rows: list[tuple[str, int, float, str | None]], *, wording: bool = True) -> ibis.Table:
    data: dict[str, list[object]] = {
        "patient_id": [p for p, _, _, _ in rows],
        "instrument": ["odi"] * len(rows),
        "timepoint": [t for _, t, _, _ in rows],
        "score": [float(s) for _, _, s, _ in rows],
    }
    if wording:
        data["wording"] = [w for _, _, _, w in rows]
    return ibis.memtable(data)


def test_each_wording_has_its_own_rows_and_a_mixed_series_its_own() -> None:
    rows = outcome_table(table(ODI), instruments=["odi"], timepoints=[3])
    by = {r.wording: r for r in rows}
    assert [r.wording for r in rows] == ["licensed", "paraphrase", "mixed"]
    assert (by["licensed"].n_baseline, by["licensed"].change_mean) == (2, pytest.approx(-15))
    assert (by["paraphrase"].n_baseline, by["paraphrase"].change_mean) == (2, pytest.approx(-10))
    assert (by["mixed"].n_baseline, by["mixed"].change_mean) == (1, pytest.approx(-20))
    assert wording_groups(rows) == {"odi": {"licensed": 2, "paraphrase": 2, "mixed": 1}}


def test_without_a_wording_column_the_table_is_as_before() -> None:
    (row,) = outcome_table(table(ODI, wording=False), instruments=["odi"], timepoints=[3])
    assert row.wording is None
    assert (row.n_baseline, row.change_mean) == (5, pytest.approx(-14))  # (−10−20+0−20−20)/5
    assert wording_groups([row]) == {}


def test_one_wording_gives_one_row_per_time_point() -> None:
    licensed = [r for r in ODI if r[0] in ("p1", "p2")]
    rows = outcome_table(table(licensed), instruments=["odi"], timepoints=[3, 6])
    assert [(r.wording, r.timepoint) for r in rows] == [("licensed", 3), ("licensed", 6)]


def test_only_the_reported_time_points_decide_a_series_wording() -> None:
    # p1 answered the paraphrase at 12 months too; a report of 3 months does not see it.
    rows = outcome_table(
        table([*ODI[:4], ("p1", 12, 25, "paraphrase")]), instruments=["odi"], timepoints=[3]
    )
    assert [(r.wording, r.n_baseline) for r in rows] == [("licensed", 2)]


def test_a_missing_wording_counts_as_unknown() -> None:
    rows = outcome_table(
        table([("p1", 0, 40, None), ("p1", 3, 30, None)]), instruments=["odi"], timepoints=[3]
    )
    assert [r.wording for r in rows] == ["unknown"]


def test_strata_keep_the_wordings_apart_too() -> None:
    scores = table(ODI).mutate(clinic=ibis.literal("north"))
    (rows,) = stratified_outcome_table(
        scores, "clinic", instruments=["odi"], timepoints=[3]
    ).values()
    assert [r.wording for r in rows] == ["licensed", "paraphrase", "mixed"]
