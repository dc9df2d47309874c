"""Disclosure control: small cells, subtraction from totals, differencing two cohorts."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from painpath.core.analytics.disclosure import (
    DisclosureError,
    DisclosurePolicy,
    is_withheld,
    protect_outcome_rows,
    protect_strata,
    share_key,
    suppress_cells,
    withhold_rare_answers,
    withhold_rare_combinations,
    withhold_shares,
)
from painpath.core.analytics.report import OutcomeRow, ResponderShare

K5 = DisclosurePolicy(k=5)


def share(responders: int, n: int) -> ResponderShare:
    return ResponderShare(
        definition="mic",
        label="minimal important change",
        responders=responders,
        complete_case=responders / n if n else None,
        complete_case_ci=(0.1, 0.9),
        missing_as_failure=responders / n if n else None,
        missing_as_failure_ci=(0.1, 0.9),
    )


def row(n_baseline: int, n_followed: int, responders: int = 0, **fields: object) -> OutcomeRow:
    values: dict[str, object] = {
        f.name: None for f in dataclasses.fields(OutcomeRow) if f.name != "wording"
    }
    values.update(
        instrument="nrs",
        timepoint=12,
        higher_is_better=False,
        n_baseline=n_baseline,
        n_followed=n_followed,
        completeness=n_followed / n_baseline,
        baseline_mean=7.0,
        followup_mean=4.0,
        change_mean=-3.0,
        change_ci=(-4.0, -2.0),
        responders=(share(responders, n_followed),),
    )
    values.update(fields)
    return OutcomeRow(**values)  # type: ignore[arg-type]


def test_k_below_two_protects_nobody_and_is_refused() -> None:
    with pytest.raises(DisclosureError, match="at least 2"):
        DisclosurePolicy(k=1)


def test_a_row_with_fewer_than_k_followed_up_is_withheld_whole() -> None:
    (protected,) = protect_outcome_rows([row(20, 4)], K5)
    assert is_withheld(protected.n_followed) and is_withheld(protected.n_baseline)
    assert protected.followup_mean is None and protected.change_ci is None
    assert protected.completeness is None
    assert is_withheld(protected.responders[0].responders)
    assert protected.responders[0].complete_case is None


def test_k_patients_are_enough() -> None:
    (protected,) = protect_outcome_rows([row(5, 5, responders=0)], K5)
    assert protected.n_followed == 5 and protected.followup_mean == 4.0


@pytest.mark.parametrize(
    ("responders", "withheld"),
    [(0, False), (1, True), (4, True), (5, False), (15, False), (16, True), (20, False)],
)
def test_a_share_is_withheld_when_responders_or_non_responders_are_fewer_than_k(
    responders: int, withheld: bool
) -> None:
    # 20 followed up: 16 responders leave 4 non-responders, who are as identifiable.
    (protected,) = protect_outcome_rows([row(30, 20, responders)], K5)
    assert is_withheld(protected.responders[0].responders) is withheld
    assert protected.n_followed == 20  # the row itself stays


def test_a_lone_small_cell_takes_the_next_smallest_with_it() -> None:
    counts = {"a": 3, "b": 9, "c": 7, "d": 40}
    # a + b + c + d is shown as the total: a alone withheld would be total − b − c − d.
    assert suppress_cells(counts, [list(counts)], K5) == {"a", "c"}


def test_complementary_suppression_runs_until_no_group_has_a_lone_hidden_cell() -> None:
    # Rows and columns of a 2 × 2 table, each with a shown total.
    counts = {("m", "x"): 2, ("m", "y"): 10, ("f", "x"): 12, ("f", "y"): 30}
    groups = [
        [("m", "x"), ("m", "y")],
        [("f", "x"), ("f", "y")],
        [("m", "x"), ("f", "x")],
        [("m", "y"), ("f", "y")],
    ]
    hidden = suppress_cells(counts, groups, K5)
    assert ("m", "x") in hidden
    for group in groups:
        assert sum(key in hidden for key in group) != 1, group


def test_small_cells_withheld_together_take_a_complement_when_they_add_up_below_k() -> None:
    # a and b are withheld, but total − c − d would be their sum: a group of 3 patients.
    counts = {"a": 1, "b": 2, "c": 9, "d": 40}
    assert suppress_cells(counts, [list(counts)], K5) == {"a", "b", "c"}
    # Withheld cells of 6 together need no complement.
    assert suppress_cells({"a": 3, "b": 3, "c": 9}, [["a", "b", "c"]], K5) == {"a", "b"}


def test_empty_cells_are_not_suppressed_and_do_not_serve_as_complements() -> None:
    assert suppress_cells({"a": 0, "b": 12}, [["a", "b"]], K5) == set()
    assert suppress_cells({"a": 2, "b": 0}, [["a", "b"]], K5) == {"a"}


def test_strata_adding_up_to_the_overall_row_hide_a_second_stratum() -> None:
    strata = {"clinic-a": [row(3, 3)], "clinic-b": [row(12, 10)], "clinic-c": [row(30, 25)]}
    protected = protect_strata(strata, K5)
    assert is_withheld(protected["clinic-a"][0].n_followed)
    assert is_withheld(protected["clinic-b"][0].n_followed)  # the complement
    assert protected["clinic-c"][0].n_followed == 25


def test_strata_withheld_together_below_k_at_follow_up_hide_another() -> None:
    # a: 50 with a baseline, 2 followed up; b: 1 and 1. Both withheld, 51 at baseline together
    # — but the overall follow-up minus c's would be the 3 followed up in a and b.
    strata = {"a": [row(50, 2)], "b": [row(1, 1)], "c": [row(50, 50)]}
    protected = protect_strata(strata, K5)
    assert all(is_withheld(rows[0].n_followed) for rows in protected.values())


def patients(**columns: list[object]) -> pl.DataFrame:
    n = len(next(iter(columns.values())))
    return pl.DataFrame({"patient_id": [f"p{i}" for i in range(n)], **columns})


def test_patients_in_combinations_rarer_than_k_are_withheld_and_counted() -> None:
    table = patients(
        sex=["F"] * 6 + ["M"] * 4 + [None] * 5,
        clinic=["a"] * 6 + ["a"] * 4 + ["b"] * 5,
    )
    kept, withheld = withhold_rare_combinations(table, ["sex", "clinic"], K5)
    assert withheld.patients == 4  # the four men at clinic a
    assert kept.height == 11
    assert set(kept["sex"].to_list()) == {"F", None}  # a missing value is a value of its own


def test_the_differencing_attack_finds_nothing_once_rare_combinations_are_withheld() -> None:
    # 12 women at clinic a, of whom one had treatment x. "Women at clinic a" and "women at
    # clinic a without treatment x" differ by exactly that patient, whose score would follow
    # by subtraction: 12 × mean(all) − 11 × mean(rest).
    table = patients(
        sex=["F"] * 12,
        clinic=["a"] * 12,
        treatment=["x"] + ["y"] * 11,
        score=[9.0] + [3.0] * 11,
    )
    whole = table.filter(pl.col("sex") == "F")
    narrower = whole.filter(pl.col("treatment") != "x")
    leaked = whole["score"].sum() - narrower["score"].sum()
    assert leaked == 9.0  # without protection, the attack works

    kept, withheld = withhold_rare_combinations(table, ["sex", "clinic", "treatment"], K5)
    whole = kept.filter(pl.col("sex") == "F")
    narrower = whole.filter(pl.col("treatment") != "x")
    assert withheld.patients == 1
    assert whole["score"].sum() - narrower["score"].sum() == 0.0  # nothing left to learn


@given(
    st.lists(
        st.tuples(st.sampled_from("FM"), st.sampled_from("abc"), st.sampled_from("xyz")),
        min_size=0,
        max_size=80,
    ),
    st.integers(min_value=2, max_value=11),
)
def test_any_two_cohorts_of_kept_patients_differ_by_zero_or_at_least_k(
    people: list[tuple[str, str, str]], k: int
) -> None:
    policy = DisclosurePolicy(k=k)
    table = pl.DataFrame(
        {
            "patient_id": [str(i) for i in range(len(people))],
            "sex": [p[0] for p in people],
            "clinic": [p[1] for p in people],
            "treatment": [p[2] for p in people],
        },
        schema={
            "patient_id": pl.String,
            "sex": pl.String,
            "clinic": pl.String,
            "treatment": pl.String,
        },
    )
    kept, withheld = withhold_rare_combinations(table, ["sex", "clinic", "treatment"], policy)
    assert kept.height + withheld.patients == table.height
    # Every atom left has at least k patients, so any two filters built from these columns
    # (unions of atoms) differ by 0 or at least k patients.
    sizes = kept.group_by(["sex", "clinic", "treatment"]).len()["len"].to_list()
    assert all(size >= k for size in sizes)


def test_the_baseline_of_all_is_withheld_when_fewer_than_k_were_lost_to_follow_up() -> None:
    # 15 with a baseline, 11 followed: 15 × mean(all) − 11 × mean(followed) would be the sum
    # of the 4 lost patients' baselines.
    (protected,) = protect_outcome_rows(
        [row(15, 11, baseline_all_mean=46.3, baseline_all_sd=9.0)], K5
    )
    assert protected.baseline_all_mean is None and protected.baseline_all_sd is None
    assert protected.followup_mean == 4.0  # the row itself stays
    (kept,) = protect_outcome_rows([row(20, 11, baseline_all_mean=46.3)], K5)
    assert kept.baseline_all_mean == 46.3  # 9 lost: no one singled out


def answers(atom: str, first: int, n: int, *, at_12: int, score_12: float = 3.0) -> list[dict]:
    """``n`` patients of ``atom`` (numbered from ``first``) with an NRS baseline of 7, a
    3-month answer each and a 12-month answer from the first ``at_12`` of them."""
    rows = []
    for i in range(first, first + n):
        rows += [
            {"patient_id": f"p{i}", "atom": atom, "instrument": "nrs", "timepoint": t, "score": s}
            for t, s in ((0, 7.0), (3, 5.0), (12, score_12))
            if t != 12 or i < first + at_12
        ]
    return rows


def _sum_at(scores: pl.DataFrame, timepoint: int, atoms: set[str]) -> tuple[int, float]:
    cells = scores.filter((pl.col("timepoint") == timepoint) & pl.col("atom").is_in(atoms))
    return cells.height, cells["score"].sum()


def test_an_atom_s_answers_at_a_time_point_fewer_than_k_gave_are_withheld() -> None:
    # Atoms a (10 patients, all answered at 12 months) and b (6, one answered at 12 months,
    # score 0): cohorts a and a + b differ at 12 months by that one answer.
    scores = pl.DataFrame(answers("a", 0, 10, at_12=10) + answers("b", 100, 6, at_12=1, score_12=0))
    n_ab, sum_ab = _sum_at(scores, 12, {"a", "b"})
    n_a, sum_a = _sum_at(scores, 12, {"a"})
    assert (n_ab - n_a, sum_ab - sum_a) == (1, 0.0)  # without protection: one patient's score

    kept = withhold_rare_answers(scores, "atom", K5).scores
    n_ab, sum_ab = _sum_at(kept, 12, {"a", "b"})
    n_a, sum_a = _sum_at(kept, 12, {"a"})
    assert (n_ab - n_a, sum_ab - sum_a) == (0, 0.0)
    # Only that answer went: b's baseline and 3-month answers stay, and all of a's.
    assert kept.height == scores.height - 1


def test_an_atom_s_answers_are_withheld_when_fewer_than_k_went_without() -> None:
    # 7 with a baseline, 6 answered at 12 months: the baselines of all (7) minus those of the
    # followed (6) would be the lost patient's baseline.
    scores = pl.DataFrame(answers("a", 0, 7, at_12=6))
    kept = withhold_rare_answers(scores, "atom", K5).scores
    assert kept.filter(pl.col("timepoint") == 12).height == 0
    assert kept.filter(pl.col("timepoint") == 3).height == 7


def test_a_share_fewer_than_k_of_an_atom_responded_to_is_marked_and_its_answers_stay() -> None:
    # 8 answered at 3 months, all responders by the MIC (7 → 5 is 2 points; Farrar 2001), but
    # only 2 by half (7 → 1), and to at most 2: "2 of 8 responded" in the atom.
    rows = answers("a", 0, 8, at_12=8) + answers("b", 100, 8, at_12=8)
    for r in rows:
        if r["timepoint"] == 3 and r["patient_id"] in ("p0", "p1"):
            r["score"] = 1.0
    scores = pl.DataFrame(rows)
    result = withhold_rare_answers(scores, "atom", K5)

    assert result.scores.height == scores.height  # withholding them would cost the means
    unsafe = set(result.unsafe_shares.iter_rows())
    assert ("a", share_key("nrs", None, 3, "reduction_50")) in unsafe
    assert ("a", share_key("nrs", None, 3, "resolution")) in unsafe
    assert ("a", share_key("nrs", None, 3, "mic")) not in unsafe  # all 8 responded
    assert not any(atom == "b" for atom, _ in unsafe)


def test_a_share_marked_unsafe_is_withheld_from_the_row() -> None:
    unsafe = {share_key("nrs", None, 12, "mic")}
    (shown,) = withhold_shares([row(30, 20, 10)], {share_key("nrs", None, 3, "mic")})
    (hidden,) = withhold_shares([row(30, 20, 10)], unsafe)
    assert shown.responders[0].responders == 10
    assert is_withheld(hidden.responders[0].responders)
    assert hidden.responders[0].complete_case is None and hidden.followup_mean == 4.0


def test_follow_ups_without_a_baseline_enter_no_figure_and_are_withheld() -> None:
    rows = answers("a", 0, 6, at_12=6)
    rows = [r for r in rows if not (r["patient_id"] == "p0" and r["timepoint"] == 0)]
    kept = withhold_rare_answers(pl.DataFrame(rows), "atom", K5).scores
    assert "p0" not in kept["patient_id"].to_list()
