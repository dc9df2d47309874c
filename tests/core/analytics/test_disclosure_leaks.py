"""Two differencing attacks on the protected outcome report (issue 16, docs/disclosure.md):

1. the baseline of all patients, shown in one time point's row, minus the paired baseline of
   another time point that lost 1 to k − 1 patients, is the lost patients' baselines;
2. the responders of all patients minus those of the strata shown are the responders of the
   strata withheld — a count of 1 to k − 1 if only the patients were suppressed
   complementarily.

Each attack is first run on what was shown before the fix (it recovers a patient), then on the
protected figures (it recovers nothing). All data are synthetic."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from pathlib import Path

import ibis
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from painpath.core.analytics.disclosure import (
    DisclosurePolicy,
    is_withheld,
    protect_outcome_rows,
    protect_strata,
)
from painpath.core.analytics.report import OutcomeRow, ResponderShare, outcome_table

K = 5
K5 = DisclosurePolicy(K)
LOST_BASELINE = 9.0


# -- 1. the baseline of all across time points -------------------------------------------------


def _lost_at_three_months() -> pl.DataFrame:
    """14 patients with an NRS baseline; p0 (baseline 9) missed 3 months, all answered at 6."""
    rows = []
    for p in range(14):
        base = LOST_BASELINE if p == 0 else 5.0 + p % 3
        rows.append((p, 0, base))
        if p != 0:
            rows.append((p, 3, base - 1))
        rows.append((p, 6, base - 2))
    return pl.DataFrame(
        {
            "patient_id": [r[0] for r in rows],
            "instrument": ["nrs"] * len(rows),
            "timepoint": [r[1] for r in rows],
            "score": [r[2] for r in rows],
        }
    )


def lost_baselines(rows: Sequence[dict]) -> list[float]:
    """The attack: the baseline of all (n × mean) shown in any row minus the paired baseline
    of any row of the same instrument and wording that lost 1 to k − 1 patients."""
    found = []
    for a in rows:
        for b in rows:
            if (a["instrument"], a.get("wording")) != (b["instrument"], b.get("wording")):
                continue
            if a["baseline_all_mean"] is None or b["baseline_mean"] is None:
                continue
            n_all, n_paired = a["n_baseline"], b["n_followed"]
            if n_all is None or n_paired is None or not 0 < n_all - n_paired < K:
                continue
            found.append(a["baseline_all_mean"] * n_all - b["baseline_mean"] * n_paired)
    return found


def test_the_baseline_of_all_across_time_points_recovers_nothing() -> None:
    rows = outcome_table(
        ibis.memtable(_lost_at_three_months()), instruments=["nrs"], timepoints=[3, 6]
    )
    # Before the fix the 3-month row withheld it, but the 6-month row showed the same figure.
    shown_before = [
        dataclasses.replace(r, baseline_all_mean=None) if r.timepoint == 3 else r for r in rows
    ]
    assert lost_baselines([r.as_dict() for r in shown_before]) == [pytest.approx(LOST_BASELINE)]

    protected = protect_outcome_rows(rows, K5)
    assert lost_baselines([r.as_dict() for r in protected]) == []
    assert all(r.baseline_all_mean is None and r.baseline_all_sd is None for r in protected)
    six = next(r for r in protected if r.timepoint == 6)
    assert (six.n_baseline, six.n_followed) == (14, 14) and six.baseline_mean is not None


def test_the_baseline_of_all_stays_where_nobody_or_at_least_k_were_lost() -> None:
    frame = _lost_at_three_months().filter(pl.col("timepoint") != 3)
    mean = frame.filter(pl.col("timepoint") == 0)["score"].mean()
    rows = outcome_table(ibis.memtable(frame), instruments=["nrs"], timepoints=[6, 12])
    protected = protect_outcome_rows(rows, K5)
    # 6 months: nobody lost; 12 months: all 14 lost.
    assert [r.n_followed for r in protected] == [14, 0]
    assert all(r.baseline_all_mean == pytest.approx(mean) for r in protected)


runner = CliRunner()


def test_the_cli_s_json_and_document_carry_no_baseline_of_all_to_subtract(
    tmp_path: Path,
) -> None:
    from painpath.analytics.report import Options, build, mean_series
    from painpath.cli import app

    path = tmp_path / "scores.csv"
    _lost_at_three_months().write_csv(path)
    args = ["report", "-i", str(path), "--timepoints", "3,6", "--k", "5"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert lost_baselines(doc["rows"]) == []
    assert all(row["baseline_all_mean"] is None for row in doc["rows"])

    # The HTML and PDF document's mean plot starts at the baseline of all when one is shown.
    report = build(
        ibis.memtable(_lost_at_three_months()),
        [],
        Options(instruments=("nrs",), timepoints=(3, 6)),
        policy=K5,
    )
    assert [point["timepoint"] for point in mean_series(report, "nrs")] == [3, 6]


# -- 2. responders across strata ----------------------------------------------------------------


def share(definition: str, responders: int, n: int) -> ResponderShare:
    return ResponderShare(
        definition=definition,
        label=definition,
        responders=responders,
        complete_case=responders / n if n else None,
        complete_case_ci=(0.0, 1.0) if n else None,
        missing_as_failure=responders / n if n else None,
        missing_as_failure_ci=(0.0, 1.0) if n else None,
    )


def row(
    n_baseline: int,
    n_followed: int,
    responders: dict[str, int],
    timepoint: int = 12,
    baseline_all_mean: float | None = 6.0,
) -> OutcomeRow:
    values: dict[str, object] = {
        f.name: None for f in dataclasses.fields(OutcomeRow) if f.name != "wording"
    }
    values.update(
        instrument="nrs",
        timepoint=timepoint,
        higher_is_better=False,
        n_baseline=n_baseline,
        n_followed=n_followed,
        baseline_all_mean=baseline_all_mean if n_baseline else None,
        baseline_mean=6.0 if n_followed else None,
        responders=tuple(share(d, r, n_followed) for d, r in responders.items()),
    )
    return OutcomeRow(**values)  # type: ignore[arg-type]


def total(strata: dict[str, list[OutcomeRow]]) -> list[OutcomeRow]:
    """The overall rows the strata add up to."""
    out = []
    for rows in zip(*strata.values(), strict=True):
        counts: dict[str, int] = {}
        for r in rows:
            for s in r.responders:
                counts[s.definition] = counts.get(s.definition, 0) + s.responders
        out.append(
            row(
                sum(r.n_baseline for r in rows),
                sum(r.n_followed for r in rows),
                counts,
                rows[0].timepoint,
            )
        )
    return out


def recovered(
    overall: Sequence[OutcomeRow], strata: dict[str, list[OutcomeRow]], k: int = K
) -> list[str]:
    """The attack: every count of the overall row minus the strata shown, where some stratum
    is withheld — each must be 0 or at least k (else it is the withheld strata's, 1 to k − 1).
    """
    found = []
    for i, whole in enumerate(overall):
        if is_withheld(whole.n_baseline):
            continue
        rows = [r[i] for r in strata.values()]
        counts = {"n_baseline": (whole.n_baseline, [r.n_baseline for r in rows])}
        counts["n_followed"] = (whole.n_followed, [r.n_followed for r in rows])
        for j, s in enumerate(whole.responders):
            if is_withheld(s.responders):
                continue
            mine = [r.responders[j].responders for r in rows]
            counts[s.definition] = (s.responders, mine)
            others = [
                -1 if is_withheld(m) else r.n_followed - m for r, m in zip(rows, mine, strict=True)
            ]
            counts[f"not {s.definition}"] = (whole.n_followed - s.responders, others)
        for name, (all_of_them, each) in counts.items():
            if not any(is_withheld(n) for n in each):
                continue
            rest = all_of_them - sum(n for n in each if not is_withheld(n))
            if 0 < rest < k:
                found.append(f"t={whole.timepoint} {name}: {rest}")
    return found


def _three_strata() -> dict[str, list[OutcomeRow]]:
    # low: 2 of 10 responded (withheld); medium: 0 of 10; high: 10 of 20.
    return {
        "low": [row(10, 10, {"mic": 2})],
        "medium": [row(10, 10, {"mic": 0})],
        "high": [row(20, 20, {"mic": 10})],
    }


def test_responders_across_strata_recover_nothing() -> None:
    strata = _three_strata()
    overall = protect_outcome_rows(total(strata), K5)
    assert overall[0].responders[0].responders == 12  # shown: 12 of 40
    # Each stratum protected alone (as protect_strata did for responders): 12 − 0 − 10 = 2.
    alone = {name: protect_outcome_rows(rows, K5) for name, rows in strata.items()}
    assert recovered(overall, alone) == ["t=12 mic: 2"]

    protected = protect_strata(strata, K5)
    assert recovered(overall, protected) == []
    assert is_withheld(protected["low"][0].responders[0].responders)
    # The patients counted are all shown: only the shares are withheld.
    assert all(rows[0].n_followed > 0 for rows in protected.values())


def _cli_registry(path: Path) -> Path:
    """40 synthetic patients in three STarT Back strata as above; a responder's NRS drops from
    8 to 2 at 12 months, a non-responder's stays at 8."""
    rows = []
    sizes = {"low": (10, 2), "medium": (10, 0), "high": (20, 10)}
    p = 0
    for group, (n, responders) in sizes.items():
        for i in range(n):
            rows += [(p, group, 0, 8.0), (p, group, 12, 2.0 if i < responders else 8.0)]
            p += 1
    pl.DataFrame(
        {
            "patient_id": [r[0] for r in rows],
            "startback": [r[1] for r in rows],
            "instrument": ["nrs"] * len(rows),
            "timepoint": [r[2] for r in rows],
            "score": [r[3] for r in rows],
        }
    ).write_csv(path)
    return path


def _strata_cells(page: str) -> dict[str, str]:
    out = {}
    for value, body in re.findall(r'<tr data-stratum="([^"]+)">(.*?)</tr>', page, re.S):
        cell = re.search(r'<td class="complete-case">(.*?)</td>', body, re.S)
        assert cell is not None
        out[value] = cell.group(1)
    return out


def test_the_cli_document_s_strata_recover_no_responder(tmp_path: Path) -> None:
    from painpath.cli import app

    path = _cli_registry(tmp_path / "scores.csv")
    args = ["report", "-i", str(path), "--timepoints", "12", "--k", "5"]
    doc = json.loads(runner.invoke(app, args).stdout)
    (twelve,) = doc["rows"]
    (mic,) = [s for s in twelve["responders"] if s["definition"] == "mic"]
    assert mic["responders"] == 12 and twelve["n_followed"] == 40

    page = runner.invoke(app, [*args, "-f", "html"]).stdout
    cells = _strata_cells(page)
    assert set(cells) == {"low", "medium", "high"}
    shown = {v: int(c.split("/")[0]) for v, c in cells.items() if "withheld" not in c}
    assert "low" not in shown and len(shown) < 3
    rest = mic["responders"] - sum(shown.values())
    assert not 0 < rest < K, f"the withheld strata's responders: {rest}"


def test_the_web_report_s_research_cohort_withholds_the_overall_share(tmp_path: Path) -> None:
    # The web app's researcher cohort marks the share unsafe in the rare atom (2 of 10), so
    # the overall share is withheld too and there is nothing to subtract from.
    from painpath.analytics import disclosure
    from painpath.analytics.report import Options, build

    frame = pl.read_csv(_cli_registry(tmp_path / "s.csv"))
    frame = frame.with_columns(
        pl.col("startback").alias("treatment"),
        pl.lit("test").alias("clinic"),
        pl.lit("original").alias("wording"),
        pl.lit(None, pl.String).alias("procedure"),
        pl.lit("female").alias("sex"),
        pl.lit(45).alias("age"),
        pl.lit("2024-03-01").str.to_date().alias("index_date"),
        pl.col("patient_id").cast(pl.String),
    )
    cohort, _ = disclosure.research_cohort(frame, disclosure.DEFAULT_RESEARCH_COLUMNS, K5)
    options = Options(stratum="treatment", plot_instrument="nrs", timepoints=(12,))
    report = build(
        ibis.memtable(cohort),
        [],
        options,
        policy=K5,
        dimensions=disclosure.DEFAULT_RESEARCH_COLUMNS,
    )
    (twelve,) = report.rows
    (mic,) = [s for s in twelve.responders if s.definition == "mic"]
    assert is_withheld(mic.responders)
    assert {line.value for line in report.strata} == {"low", "medium", "high"}


# -- property: every difference of shown counts is 0 or at least k -----------------------------


@st.composite
def strata_tables(draw: st.DrawFn) -> dict[str, list[OutcomeRow]]:
    names = draw(st.integers(2, 5))
    timepoints = draw(st.sampled_from([(12,), (3, 12)]))
    out = {}
    for i in range(names):
        n_baseline = draw(st.integers(0, 16))
        rows = []
        for t in timepoints:
            n_followed = draw(st.integers(0, n_baseline))
            responders = {d: draw(st.integers(0, n_followed)) for d in ("mic", "reduction_50")}
            rows.append(row(n_baseline, n_followed, responders, t))
        out[f"s{i}"] = rows
    return out


def lost_recovered(
    overall: Sequence[OutcomeRow],
    strata: dict[str, list[OutcomeRow]],
    protected: dict[str, list[OutcomeRow]],
    k: int,
) -> list[str]:
    """The baseline-of-all attacks on one instrument: a table's baseline of all minus a
    time point's paired baseline; all's minus the strata's shown (H), minus their paired
    baselines and the rows withheld (B: all's paired minus those shown); and without H, B's
    baselines of all (from their other rows) minus B's paired baselines. Each gives the
    baselines of the patients lost at that time point; the number of them is returned where
    it is 1 to k − 1."""

    def shown(rows: Sequence[OutcomeRow]) -> bool:
        return any(not is_withheld(r.n_baseline) and r.baseline_all_mean is not None for r in rows)

    found = []
    for name, rows in {"all": overall, **protected}.items():
        for r in rows:
            if (
                shown(rows)
                and not is_withheld(r.n_baseline)
                and 0 < r.n_baseline - r.n_followed < k
            ):
                found.append(f"{name} t={r.timepoint}: {r.n_baseline - r.n_followed}")
    held = {s for s, rows in protected.items() if strata[s][0].n_baseline > 0 and not shown(rows)}
    for i, whole in enumerate(overall):
        if is_withheld(whole.n_baseline):
            continue
        lost = {s: rows[i].n_baseline - rows[i].n_followed for s, rows in strata.items()}
        blanked = {
            s
            for s, rows in protected.items()
            if is_withheld(rows[i].n_baseline) and strata[s][i].n_baseline > 0
        }
        if held and shown(overall) and 0 < sum(lost[s] for s in held | blanked) < k:
            found.append(f"withheld strata t={whole.timepoint}")
        if blanked and not held & blanked and 0 < sum(lost[s] for s in blanked) < k:
            found.append(f"strata withheld at t={whole.timepoint}")
    return found


@settings(max_examples=300, deadline=None)
@given(strata_tables(), st.sampled_from([2, 3, 5]))
def test_all_minus_the_strata_shown_is_zero_or_at_least_k(
    strata: dict[str, list[OutcomeRow]], k: int
) -> None:
    policy = DisclosurePolicy(k)
    overall = protect_outcome_rows(total(strata), policy)
    protected = protect_strata(strata, policy)
    assert recovered(overall, protected, k) == []
    assert lost_recovered(overall, strata, protected, k) == []


def test_a_stratum_s_baseline_of_all_is_not_all_s_minus_the_others() -> None:
    # a lost 2 of 10 at 12 months (its baseline of all withheld), b 10 of 20, c nobody: all's
    # baseline of all (12 lost ≥ k) minus b's and c's is a's, and minus a's paired baseline
    # the 2 lost patients'.
    strata = {
        "a": [row(10, 10, {}, 3), row(10, 8, {}, 12)],
        "b": [row(20, 20, {}, 3), row(20, 10, {}, 12)],
        "c": [row(10, 10, {}, 3), row(10, 10, {}, 12)],
    }
    overall = protect_outcome_rows(total(strata), K5)
    alone = {name: protect_outcome_rows(rows, K5) for name, rows in strata.items()}
    assert lost_recovered(overall, strata, alone, K) == ["withheld strata t=12"]

    protected = protect_strata(strata, K5)
    assert lost_recovered(overall, strata, protected, K) == []
    assert protected["b"][0].baseline_all_mean is None  # withheld with a's
    assert protected["c"][0].baseline_all_mean == 6.0


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 20).flatmap(
        lambda n: st.lists(st.integers(0, n), min_size=1, max_size=4).map(
            lambda followed: [(n, f) for f in followed]
        )
    ),
    st.sampled_from([2, 3, 5]),
)
def test_no_baseline_of_all_is_shown_beside_a_row_that_lost_fewer_than_k(
    counts: list[tuple[int, int]], k: int
) -> None:
    rows = [row(n, f, {}, timepoint=3 * (i + 1)) for i, (n, f) in enumerate(counts)]
    protected = protect_outcome_rows(rows, DisclosurePolicy(k))
    lost_few = any(0 < n - f < k for n, f in counts)
    shown = [r for r in protected if r.baseline_all_mean is not None]
    assert not (lost_few and shown)
    if not lost_few and counts[0][0] >= k:
        assert len(shown) == len([r for r in protected if not is_withheld(r.n_baseline)])
