import polars as pl

from painpath.core.instruments import REGISTRY
from painpath.core.synthetic import TIMEPOINTS, generate


def test_same_seed_same_registry_and_everything_marked_synthetic() -> None:
    a, b = generate(500, seed=7), generate(500, seed=7)
    assert a.scores.equals(b.scores) and a.patients.equals(b.patients)
    assert a.patients["synthetic"].all()
    assert not generate(500, seed=8).scores.equals(a.scores)


def test_scores_stay_in_each_instruments_range_and_follow_up_only_shrinks() -> None:
    reg = generate(2000, seed=3)
    for code, frame in reg.scores.group_by("instrument"):
        low, high = REGISTRY[str(code[0])].score_range
        assert frame["score"].min() >= low and frame["score"].max() <= high  # type: ignore[operator]
    counts = (
        reg.scores.filter(pl.col("instrument") == "nrs")
        .group_by("timepoint")
        .len()
        .sort("timepoint")["len"]
        .to_list()
    )
    assert len(counts) == len(TIMEPOINTS)
    assert counts[0] == 2000
    assert counts == sorted(counts, reverse=True)  # once lost, never back
