"""check_scores: one finite, in-range answer per patient, instrument and time point."""

import math

import polars as pl
import pytest

from painpath.core.analytics.inputs import InvalidScores, check_scores
from painpath.core.analytics.stats import wilson_interval


def table(**columns: list[object]) -> pl.DataFrame:
    base: dict[str, list[object]] = {
        "patient_id": [1, 1, 2, 2],
        "instrument": ["nrs"] * 4,
        "timepoint": [0, 3, 0, 3],
        "score": [8.0, 2.0, 6.0, 5.0],
    }
    return pl.DataFrame(base | columns, strict=False)


def test_a_clean_table_comes_back_typed_and_whole() -> None:
    checked = check_scores(table(timepoint=["0", "3", "0", "3.0"]))
    assert checked.frame["timepoint"].to_list() == [0, 3, 0, 3]
    assert checked.frame.schema["score"] == pl.Float64
    assert (checked.blank, checked.duplicates) == ((), ())


def test_a_blank_score_is_dropped_as_a_missing_answer_and_listed_by_line() -> None:
    checked = check_scores(table(score=[8.0, None, 6.0, 5.0]))
    assert checked.frame.height == 3
    assert checked.blank == (3,)  # CSV line 3: the header is line 1


def test_an_exact_repeat_is_counted_once_and_listed() -> None:
    frame = pl.concat([table(), table().slice(1, 1)])
    checked = check_scores(frame, first_line=1)
    assert checked.frame.height == 4
    assert checked.duplicates == (5,)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"score": [8.0, 2.0, 6.0, 3.0], "timepoint": [0, 3, 3, 3]}, "lines 4, 5: two different"),
        ({"score": [8.0, 11.0, 6.0, 5.0]}, "line 3: nrs score 11 is outside nrs's range 0 to 10"),
        ({"score": [8.0, math.nan, 6.0, 5.0]}, "line 3: score nan is not a finite number"),
        ({"score": [8.0, 2.0, math.inf, 5.0]}, "line 4: score inf is not a finite number"),
        ({"score": ["8", "x", "6", "5"]}, "line 3: score 'x' is not a number"),
        ({"timepoint": [0, 3.5, 0, 3]}, "line 3: timepoint 3.5 is not whole months"),
        ({"patient_id": [1, None, 2, 2]}, "line 3: patient_id is blank"),
        ({"instrument": ["nrs", "nrs", "shoe", "nrs"]}, "line 4: unknown instrument(s) shoe"),
    ],
)
def test_what_cannot_be_reported_is_refused_naming_the_lines(
    columns: dict[str, list[object]], message: str
) -> None:
    with pytest.raises(InvalidScores) as error:
        check_scores(table(**columns))
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"score": [[1], [2], [3], [4]]}, "column score holds List(Int64), not numbers"),
        ({"timepoint": [True, False, True, False]}, "column timepoint holds Boolean"),
        ({"instrument": [1, 1, 1, 1]}, "column instrument holds Int64, not text"),
    ],
)
def test_a_column_of_the_wrong_kind_is_refused_before_any_cast(
    columns: dict[str, list[object]], message: str
) -> None:
    # JSON Lines and Parquet can hold lists and true/false where numbers belong.
    with pytest.raises(InvalidScores, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_scores(table(**columns))


def test_a_score_that_differs_only_in_another_column_is_a_conflict() -> None:
    frame = table(answered_on=["a", "b", "c", "d"])
    twice = pl.concat([frame, frame.slice(1, 1).with_columns(pl.lit("e").alias("answered_on"))])
    with pytest.raises(InvalidScores, match="lines 3, 6: two different answers for patient '1'"):
        check_scores(twice)


def test_eq5d5l_accepts_the_danish_value_sets_floor() -> None:
    frame = table(instrument=["eq5d5l"] * 4, score=[-0.758, 1.0, 0.5, 0.2])
    assert check_scores(frame).frame.height == 4


def test_a_share_outside_0_to_1_gives_an_interval_not_a_math_domain_error() -> None:
    # Only a table with a patient counted twice can give k > n; the interval stays in 0–1.
    assert wilson_interval(-1, 4) == wilson_interval(0, 4)
    assert wilson_interval(5, 4) == wilson_interval(4, 4)
    assert wilson_interval(3, 0) is None
