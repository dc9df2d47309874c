"""Aggregate-only participation (issue 16): sites' sufficient statistics, combined, give the
outcome table of all their rows together; cells about fewer than k patients never leave a
site; a contribution that could not have come from painpath is refused, naming cell and field.

All data here are synthetic, drawn by hypothesis or written by hand."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from functools import cache
from typing import Any

import ibis
import polars as pl
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from painpath.core.analytics.report import OutcomeRow, outcome_table, stratified_outcome_table
from painpath.core.registry.aggregate import (
    NOT_COMBINABLE,
    CombinedTable,
    ContributionError,
    Moments,
    aggregate,
    combine,
    contribution_document,
    parse_contribution,
)

TIMEPOINTS = (3, 6)
INSTRUMENTS = ("nrs", "odi")
COMBINABLE = (
    "n_baseline",
    "n_followed",
    "completeness",
    "baseline_all_mean",
    "baseline_all_sd",
    "baseline_mean",
    "baseline_sd",
    "followup_mean",
    "followup_sd",
    "change_mean",
    "change_sd",
    "change_ci",
)


@st.composite
def registries(draw: st.DrawFn, sites: int = 3, most: int = 60) -> pl.DataFrame:
    """A long table of scores over ``sites`` sites: per patient a site, a sex, a wording per
    instrument (sometimes mixed), and NRS/ODI answers at 0, 3 and 6 months, some missing."""
    n = draw(st.integers(min_value=1, max_value=most))
    rows: list[dict[str, Any]] = []
    for patient in range(n):
        site = f"site-{draw(st.integers(0, sites - 1))}"
        sex = draw(st.sampled_from(["female", "male", None]))
        for code in INSTRUMENTS:
            wording = draw(st.sampled_from(["original", "paraphrase"]))
            for timepoint in (0, *TIMEPOINTS):
                if (not draw(st.booleans()) and timepoint != 0) or draw(st.integers(0, 9)) == 0:
                    continue
                score = (
                    float(draw(st.integers(0, 10)))
                    if code == "nrs"
                    else draw(st.integers(0, 50)) * 2.0
                )
                mixed = draw(st.integers(0, 19)) == 0
                rows.append(
                    {
                        "patient_id": f"p{patient}",
                        "instrument": code,
                        "timepoint": timepoint,
                        "score": score,
                        "wording": "unknown" if mixed else wording,
                        "site": site,
                        "sex": sex,
                    }
                )
    schema = {
        "patient_id": pl.String,
        "instrument": pl.String,
        "timepoint": pl.Int64,
        "score": pl.Float64,
        "wording": pl.String,
        "site": pl.String,
        "sex": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def report(frame: pl.DataFrame, by: str | None = None) -> dict[Any, OutcomeRow]:
    """The report on ``frame``, keyed like a combined row: (stratum, instrument, wording,
    time point)."""
    table = ibis.memtable(frame)
    codes = [c for c in INSTRUMENTS if c in set(frame["instrument"].to_list())]
    if not codes:
        return {}
    if by is None:
        tables = {None: outcome_table(table, instruments=codes, timepoints=TIMEPOINTS)}
    else:
        tables = dict(stratified_outcome_table(table, by, instruments=codes, timepoints=TIMEPOINTS))
    return {
        (value, r.instrument, r.wording, r.timepoint): r
        for value, rows in tables.items()
        for r in rows
        if r.n_baseline > 0
    }


def contributions(frame: pl.DataFrame, k: int | None) -> list[Any]:
    out = []
    for site in sorted(set(frame["site"].to_list())):
        part = aggregate(
            frame.filter(pl.col("site") == site),
            site=site,
            k=k,
            strata=["sex"],
            timepoints=TIMEPOINTS,
        )
        if k is not None:  # through the JSON a site sends
            text = json.dumps(contribution_document(part, "test"))
            part = parse_contribution(json.loads(text), site)
        out.append(part)
    return out


def close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, tuple):
        return all(close(x, y) for x, y in zip(a, b, strict=True))
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def assert_same(
    got: OutcomeRow,
    want: OutcomeRow,
    figures: Sequence[str] = COMBINABLE,
    shares_from_fewer_sites: Sequence[str] = (),
) -> None:
    for name in figures:
        assert close(getattr(got, name), getattr(want, name)), (name, got, want)
    assert len(got.responders) == len(want.responders)
    for a, b in zip(got.responders, want.responders, strict=True):
        if a.definition in shares_from_fewer_sites:
            continue
        assert (a.definition, a.responders) == (b.definition, b.responders)
        for name in ("complete_case", "complete_case_ci", "missing_as_failure"):
            assert close(getattr(a, name), getattr(b, name)), (name, a, b)


def rows_of(table: CombinedTable, column: str | None) -> dict[Any, Any]:
    return {
        (row.stratum, row.outcome.instrument, row.outcome.wording, row.outcome.timepoint): row
        for row in table.rows
        if row.stratum_column == column
    }


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries())
def test_combined_sites_equal_the_report_on_all_their_rows(frame: pl.DataFrame) -> None:
    assume(frame.height > 0)
    table = combine(contributions(frame, k=None))
    for column in (None, "sex"):
        want = report(frame, column)
        got = rows_of(table, column)
        assert set(got) == set(want)
        for key, row in got.items():
            assert_same(row.outcome, want[key])
            # Order statistics are never combined: none in an aggregate-only row.
            assert all(getattr(row.outcome, name) is None for name in NOT_COMBINABLE)
            assert row.pooled_only is None


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registries(most=90))
def test_under_k_each_combined_figure_is_the_report_on_the_sites_that_sent_it(
    frame: pl.DataFrame,
) -> None:
    assume(frame.height > 0)
    k = 3
    parts = contributions(frame, k=k)
    table = combine(parts)
    cache: dict[tuple[Any, ...], dict[Any, OutcomeRow]] = {}

    def report_on(sites: Sequence[str], column: str | None) -> dict[Any, OutcomeRow]:
        key = (tuple(sorted(sites)), column)
        if key not in cache:
            cache[key] = report(frame.filter(pl.col("site").is_in(list(sites))), column)
        return cache[key]

    for column in (None, "sex"):
        for key, row in rows_of(table, column).items():
            if not row.sites:
                assert row.outcome.n_baseline == -1 and row.withheld_by
                continue
            want = report_on(row.sites, column)[key]
            fewer = [name.removeprefix("responders:") for name in row.partial]
            figures = [
                n for n in COMBINABLE if "baseline_all" not in row.partial or "_all_" not in n
            ]
            assert_same(row.outcome, want, figures, fewer)
            for name, part in row.partial.items():
                # A figure one site withheld: the report on the sites that sent it.
                if not part["sites"]:
                    continue
                sub = report_on(part["sites"], column)
                if name == "baseline_all":
                    assert close(row.outcome.baseline_all_mean, sub[key].baseline_all_mean)
                    continue
                (a,) = [s for s in row.outcome.responders if s.definition == name[11:]]
                (b,) = [s for s in sub[key].responders if s.definition == name[11:]]
                assert a.responders == b.responders
                assert close(a.complete_case, b.complete_case)
                assert close(a.missing_as_failure, b.missing_as_failure)
    # Nothing a site sent counts 1 to k − 1 patients, responders or non-responders, and no
    # baseline of all is sent beside 1 to k − 1 patients lost (their baselines by difference).
    for part in parts:
        for cell in part.cells:
            counts = [cell.n_baseline, cell.n_followed]
            for responders in cell.responders.values():
                counts += [responders, cell.n_followed - responders]
            assert not any(0 < n < k for n in counts), cell
            if 0 < cell.n_baseline - cell.n_followed < k:
                assert cell.baseline_all is None
        assert_no_small_difference(part.cells, k)


def assert_no_small_difference(cells: Sequence[Any], k: int) -> None:
    """The cell of all patients minus the strata shown beside it — patients, followed up,
    responders and non-responders of each definition — is 0 or at least k: complementary
    suppression leaves no withheld stratum to be recovered by subtraction."""
    totals = {(c.instrument, c.wording, c.timepoint): c for c in cells if c.stratum_column is None}
    columns = {c.stratum_column for c in cells} - {None}
    for column in columns:
        for where, total in totals.items():
            strata = [
                c
                for c in cells
                if c.stratum_column == column and (c.instrument, c.wording, c.timepoint) == where
            ]
            counts = {
                "n_baseline": total.n_baseline - sum(c.n_baseline for c in strata),
                "n_followed": total.n_followed - sum(c.n_followed for c in strata),
            }
            for definition, count in total.responders.items():
                shown = [c for c in strata if definition in c.responders]
                counts[definition] = count - sum(c.responders[definition] for c in shown)
                counts[f"not {definition}"] = (total.n_followed - count) - sum(
                    c.n_followed - c.responders[definition] for c in shown
                )
            if total.baseline_all is not None:
                # Withheld baselines of all: their sum is the total's minus the strata shown,
                # and minus their paired baselines it would be the lost patients'.
                counts["lost, baseline of all withheld"] = sum(
                    c.n_baseline - c.n_followed for c in strata if c.baseline_all is None
                )
            small = {name: n for name, n in counts.items() if 0 < n < k}
            assert not small, (column, where, small)


def hand_made() -> pl.DataFrame:
    """Synthetic: 12 women and 2 men with NRS at baseline and 3 months at one site."""
    rows = []
    for i in range(14):
        sex = "female" if i < 12 else "male"
        rows += [
            {"patient_id": f"s{i}", "instrument": "nrs", "timepoint": 0, "score": 7.0, "sex": sex},
            {
                "patient_id": f"s{i}",
                "instrument": "nrs",
                "timepoint": 3,
                "score": float(i % 6),
                "sex": sex,
            },
        ]
    return pl.DataFrame(rows)


def test_a_small_stratum_and_its_complement_are_left_out_and_named() -> None:
    part = aggregate(hand_made(), site="a", k=5, strata=["sex"], timepoints=[3])
    doc = contribution_document(part, "test")
    cells = {(c["stratum_column"], c["stratum"]) for c in doc["cells"]}
    # Two men are fewer than 5; the women alone would be all minus the men: both withheld.
    assert cells == {(None, None)}
    reasons = {(w["stratum"], w["reason"]) for w in doc["withheld_cells"]}
    assert reasons == {("male", "fewer than k"), ("female", "complementary")}
    assert doc["k"] == 5 and doc["format"] == "painpath-aggregate/1"
    assert "baseline_median" in doc["not_combinable"]["figures"]


def test_the_baseline_of_all_is_withheld_in_every_row_when_few_are_lost() -> None:
    frame = hand_made().filter(~((pl.col("patient_id") == "s0") & (pl.col("timepoint") == 3)))
    part = aggregate(frame, site="a", k=5, timepoints=[3, 6])
    by_point = {c.timepoint: c for c in part.cells}
    # One patient lost at 3 months: the baseline of all (14) beside the 13 followed would be
    # theirs, and the 6-month row shows the same baseline of all — withheld in both.
    assert by_point[3].n_followed == 13
    assert by_point[3].baseline_all is None and by_point[6].baseline_all is None
    assert "baseline_all" in by_point[6].withheld


def test_pooled_data_add_to_the_sites_and_alone_give_medians() -> None:
    frame = hand_made()
    site_part = aggregate(frame.head(14), site="a", k=2, timepoints=[3])
    pooled = frame.slice(14).with_columns(pl.col("patient_id") + "-pooled")
    table = combine([site_part], pooled, k=2)
    (row,) = [r for r in table.rows if r.stratum_column is None]
    want = report(pl.concat([frame.head(14), pooled]).with_columns(wording=pl.lit(None)))
    assert row.outcome.n_baseline == 14
    assert close(row.outcome.change_mean, next(iter(want.values())).change_mean)
    alone = next(iter(report(pooled.with_columns(wording=pl.lit(None))).values()))
    assert row.pooled_only is not None
    assert row.pooled_only["n_followed"] == 7
    assert row.pooled_only["followup_median"] == alone.followup_median
    assert {s["site"]: s["participation"] for s in table.sites} == {
        "a": "aggregate",
        "(pooled)": "pooled",
    }


def test_moments_combine_without_losing_a_small_spread_on_a_large_mean() -> None:
    values = [1e9 + x for x in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)]
    mean = sum(values) / 6
    a = Moments(3, sum(values[:3]) / 3, sum((v - sum(values[:3]) / 3) ** 2 for v in values[:3]))
    b = Moments(3, sum(values[3:]) / 3, sum((v - sum(values[3:]) / 3) ** 2 for v in values[3:]))
    want = math.sqrt(sum((v - mean) ** 2 for v in values) / 5)
    assert math.isclose((a + b).sd or 0, want, rel_tol=1e-6)
    naive = sum(v * v for v in values) - sum(values) ** 2 / 6
    assert not math.isclose(max(naive, 0) / 5, want**2, rel_tol=1e-3)  # what Chan avoids


@cache
def valid_text() -> str:
    part = aggregate(hand_made(), site="a", k=2, strata=["sex"], timepoints=[3])
    return json.dumps(contribution_document(part, "test"))


def valid() -> dict[str, Any]:
    """A contribution (k = 2) of :func:`hand_made`, a fresh copy each time."""
    result: dict[str, Any] = json.loads(valid_text())
    return result


def mutate(path: Sequence[Any], value: Any) -> dict[str, Any]:
    doc = valid()
    target: Any = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("format",), "painpath-aggregate/9", "format"),
        (("k",), 1, "k: 1"),
        (("created",), "yesterday", "created"),
        (("timepoints",), [], "timepoints"),
        (("cells", 0, "instrument"), "xyz", "cells[0]: instrument"),
        (("cells", 0, "n_baseline"), 1, "cells[0] (all=all, nrs, month 3): n_baseline"),
        (("cells", 0, "n_followed"), 99, "n_followed: 99"),
        (("cells", 0, "followup", "mean"), 11.0, "followup.mean: 11 is outside 0 to 10"),
        (("cells", 0, "change", "m2"), -1.0, "change.m2"),
        (("cells", 0, "baseline", "m2"), 1e6, "baseline.m2"),
        (("cells", 0, "responders", "mic"), 1, "responders.mic: 1 of 14"),
        (("cells", 0, "responders", "improvement_20"), 5, "responders.improvement_20"),
        (("cells", 1, "stratum_column"), "clinic", "stratum_column 'clinic'"),
        (("cells", 0, "baseline"), None, "baseline: null"),
        (("cells", 0, "timepoint"), 12, "timepoint: 12"),
        (("withheld_cells",), [{"instrument": "x"}], "withheld_cells[0]: must name a cell"),
    ],
)
def test_an_invalid_contribution_is_refused_naming_the_cell_and_field(
    path: Sequence[Any], value: Any, message: str
) -> None:
    with pytest.raises(ContributionError) as error:
        parse_contribution(mutate(path, value), "a.json")
    assert str(error.value).startswith("a.json: ")
    assert message in str(error.value)


def test_a_cell_sent_twice_and_a_field_left_out_are_refused() -> None:
    doc = valid()
    doc["cells"].append(doc["cells"][0])
    with pytest.raises(ContributionError, match=r"cells\[\d+\]: the same cell"):
        parse_contribution(doc)
    doc = valid()
    del doc["cells"][0]["change"]
    with pytest.raises(ContributionError, match=r"cells\[0\]: missing field\(s\) change"):
        parse_contribution(doc)


def test_contributions_that_disagree_cannot_be_combined() -> None:
    a = parse_contribution(valid())
    b = parse_contribution(valid() | {"site": "b", "timepoints": [3, 6]})
    with pytest.raises(ContributionError, match="site b: timepoints"):
        combine([a, b])
    with pytest.raises(ContributionError, match="site a: more than one"):
        combine([a, a])


def json_paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list):
        items = list(enumerate(value))
    else:
        return []
    return [p for key, v in items for p in [(*prefix, key), *json_paths(v, (*prefix, key))]]


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=5,
)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_field_of_any_json_type_is_refused_as_a_contribution_error(data: st.DataObject) -> None:
    doc = valid()
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(json_paths(doc)))
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = data.draw(JSON_VALUES)
        if not json_paths(doc):
            break
    try:
        combine([parse_contribution(doc, "f.json")])
    except ContributionError as error:
        assert str(error).startswith("f.json")


def test_k_counts_persons_not_episodes() -> None:
    # Synthetic: 6 persons, the first with a second, later episode: 6 patients, not 7.
    frame = hand_made().filter(pl.col("patient_id").is_in([f"s{i}" for i in range(6)]))
    second = frame.filter(pl.col("patient_id") == "s0").with_columns(patient_id=pl.lit("s0-2"))
    frame = pl.concat([frame, second]).with_columns(
        person_id=pl.col("patient_id").str.replace("-2", ""),
        index_date=pl.when(pl.col("patient_id") == "s0-2")
        .then(pl.date(2025, 6, 1))
        .otherwise(pl.date(2025, 1, 1)),
    )
    part = aggregate(frame, site="a", k=2, timepoints=[3])
    assert {c.n_baseline for c in part.cells} == {6}
