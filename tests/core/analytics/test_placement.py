"""The registry export's vectorised placement gives exactly what placing each answer in turn
gave: the row-by-row implementation the export used until issue 13 is kept here as the
reference, and hypothesis draws protocols, index dates and answers (same-day answers, ties
between two time points, answers before the first window opens) for both."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from painpath.core.analytics.placement import place_answers
from painpath.core.followup import FollowUpProtocol, TimePoint, builtin_protocols, place


class Answer(NamedTuple):
    id: int
    instrument: str
    answered_on: dt.date
    score: float
    wording: str


def reference(
    responses: Iterable[Answer], protocol: FollowUpProtocol, index: dt.date
) -> list[dict[str, Any]]:
    """analytics.services._placed as it was (one place() call and one dict per answer)."""
    by_instrument: dict[str, list[Answer]] = defaultdict(list)
    for response in responses:
        if response.score is not None:
            by_instrument[response.instrument].append(response)
    rows = []
    for code, answers in by_instrument.items():
        answers.sort(key=lambda r: (r.answered_on, r.id))
        before = [r for r in answers if r.answered_on <= index]
        placements = {r.id: place(protocol, index, r.answered_on) for r in answers}
        early = [r for r in answers if r.answered_on > index and placements[r.id] is None]
        baseline = before[-1] if before else (early[0] if early else None)
        if baseline is not None:
            rows.append(
                {
                    "instrument": code,
                    "timepoint": 0,
                    "score": float(baseline.score),
                    "wording": baseline.wording,
                    "answered_on": baseline.answered_on,
                    "in_window": True,
                    "days_from_target": (baseline.answered_on - index).days,
                }
            )
        best: dict[int, tuple[Any, Any]] = {}
        for r in answers:
            p = placements[r.id]
            if p is None:
                continue
            kept = best.get(p.months)
            if kept is None or abs(p.days_from_target) < abs(kept[1].days_from_target):
                best[p.months] = (r, p)
        for months, (r, p) in sorted(best.items()):
            rows.append(
                {
                    "instrument": code,
                    "timepoint": months,
                    "score": float(r.score),
                    "wording": r.wording,
                    "answered_on": r.answered_on,
                    "in_window": p.in_window,
                    "days_from_target": p.days_from_target,
                }
            )
    return rows


@st.composite
def protocols(draw: st.DrawFn) -> FollowUpProtocol:
    months = draw(st.lists(st.integers(1, 30), min_size=0, max_size=5, unique=True))
    points = tuple(TimePoint(m, draw(st.integers(0, 60))) for m in sorted(months))
    return FollowUpProtocol(
        id="drawn",
        version="1.0.0",
        title="synthetic",
        index_event="first_visit",
        timepoints=points,
        instruments=("nrs",),
        reminder_after_days=(),
        give_up="window_end",
        source="synthetic",
    )


@st.composite
def episodes(draw: st.DrawFn) -> list[tuple[FollowUpProtocol, dt.date, list[Answer]]]:
    out = []
    next_id = draw(st.integers(1, 1000))
    for n in range(draw(st.integers(1, 4))):
        protocol = draw(st.one_of(protocols(), st.sampled_from(list(builtin_protocols().values()))))
        if protocol.id == "drawn":
            # Each drawn protocol its own id: the export looks protocols up by id.
            protocol = dataclasses.replace(protocol, id=f"drawn-{n}")
        # Month ends, leap days and year ends among the index dates (calendar-month targets).
        index = draw(st.dates(dt.date(2019, 1, 1), dt.date(2026, 12, 31)))
        answers = []
        for _ in range(draw(st.integers(0, 12))):
            # Near the index and the time points, so that ties and windows edges occur.
            offset = draw(st.integers(-120, 30 * 32))
            next_id += draw(st.integers(1, 3))
            answers.append(
                Answer(
                    next_id,
                    draw(st.sampled_from(["nrs", "odi"])),
                    index + dt.timedelta(days=offset),
                    draw(st.floats(0, 100, allow_nan=False)),
                    draw(st.sampled_from(["a", "b"])),
                )
            )
        # Answers stored in any order (the export's query does not sort them).
        out.append((protocol, index, draw(st.permutations(answers))))
    return out


def vectorised(drawn: list[tuple[FollowUpProtocol, dt.date, list[Answer]]]) -> list[dict[str, Any]]:
    protocols = {protocol.id: protocol for protocol, _, _ in drawn}
    rows = [(n, *answer) for n, (_, _, answers) in enumerate(drawn) for answer in answers]
    answers = pl.DataFrame(
        list(zip(*rows, strict=True)) if rows else None,
        schema={
            "episode_id": pl.Int64,
            "id": pl.Int64,
            "instrument": pl.String,
            "answered_on": pl.Date,
            "score": pl.Float64,
            "wording": pl.String,
        },
        orient="col",
    )
    episodes = pl.DataFrame(
        {
            "episode_id": list(range(len(drawn))),
            "protocol": [protocol.id for protocol, _, _ in drawn],
            "index_date": [index for _, index, _ in drawn],
        },
        schema={"episode_id": pl.Int64, "protocol": pl.String, "index_date": pl.Date},
    )
    return place_answers(answers, episodes, protocols).to_dicts()


def expected(drawn: list[tuple[FollowUpProtocol, dt.date, list[Answer]]]) -> list[dict[str, Any]]:
    rows = [
        {"episode_id": n, **row}
        for n, (protocol, index, answers) in enumerate(drawn)
        for row in reference(answers, protocol, index)
    ]
    return sorted(rows, key=lambda r: (r["episode_id"], r["instrument"], r["timepoint"]))


@settings(max_examples=100, deadline=None)
@given(episodes())
def test_vectorised_placement_is_the_row_by_row_placement(drawn: Any) -> None:
    assert vectorised(drawn) == expected(drawn)


def test_of_two_answers_as_near_to_the_target_the_earlier_is_kept() -> None:
    protocol = FollowUpProtocol(
        id="t",
        version="1.0.0",
        title="t",
        index_event="first_visit",
        timepoints=(TimePoint(1, 5), TimePoint(2, 5)),
        instruments=("nrs",),
        reminder_after_days=(),
        give_up="window_end",
        source="t",
    )
    index = dt.date(2024, 1, 1)  # targets 1 February and 1 March: 29 days apart
    answers = [
        Answer(1, "nrs", dt.date(2023, 12, 1), 5.0, "a"),
        Answer(2, "nrs", dt.date(2024, 1, 30), 4.0, "a"),  # 2 days before 1 Feb
        Answer(3, "nrs", dt.date(2024, 2, 3), 3.0, "b"),  # 2 days after: the later, not kept
        Answer(4, "nrs", dt.date(2024, 2, 15), 2.0, "a"),  # 14 from Feb, 15 from Mar: month 1
    ]
    drawn = [(protocol, index, answers)]
    got = vectorised(drawn)
    assert got == expected(drawn)
    assert [(r["timepoint"], r["score"], r["in_window"]) for r in got] == [
        (0, 5.0, True),
        (1, 4.0, True),
    ]
