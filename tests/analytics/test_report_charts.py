"""The outcome report's figures as printed (issue 14): score axes over the instrument's whole
scale, time axes that end at the last time point with data, no figure from a withheld or
empty cell, funnel labels apart from each other and from the limits, and the outcome table's
sections without time points nobody answered at. Synthetic numbers only."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

from painpath.analytics import charts
from painpath.analytics.render import sections
from painpath.analytics.report import Options, Report
from painpath.core.analytics import OutcomeRow, ResponderShare


def _row(instrument: str, timepoint: int, n_followed: int, centre: float) -> OutcomeRow:
    empty = n_followed <= 0
    value = None if empty else centre
    spread = None if empty else 1.0
    share = ResponderShare(
        "mic",
        "MIC",
        -1 if n_followed < 0 else n_followed // 2,
        None if empty else 0.5,
        None if empty else (0.4, 0.6),
        None if empty else 0.4,
        None if empty else (0.3, 0.5),
    )
    return OutcomeRow(
        instrument=instrument,
        timepoint=timepoint,
        higher_is_better=False,
        n_baseline=100 if n_followed >= 0 else -1,
        n_followed=n_followed,
        completeness=None if empty else n_followed / 100,
        baseline_all_mean=centre + 1,
        baseline_all_sd=1.0,
        baseline_mean=None if empty else centre + 1,
        baseline_sd=spread,
        baseline_median=None if empty else centre + 1,
        baseline_q1=None if empty else centre,
        baseline_q3=None if empty else centre + 2,
        followup_mean=value,
        followup_sd=spread,
        followup_median=value,
        followup_q1=None if empty else centre - 1,
        followup_q3=None if empty else centre + 1,
        change_mean=None if empty else -1.0,
        change_sd=spread,
        change_ci=None if empty else (-1.2, -0.8),
        responders=(share,),
    )


ROWS = [
    _row("nrs", 3, 80, 5.0),
    _row("nrs", 6, 60, 4.5),
    _row("nrs", 12, 0, 0.0),  # nobody answered yet
    _row("nrs", 24, -1, 0.0),  # withheld by disclosure control
]


def _texts(svg: str) -> list[tuple[float, float, str]]:
    return [
        (float(x), float(y), text)
        for x, y, text in re.findall(r'<text x="([\d.-]+)" y="([\d.-]+)"[^>]*>([^<]*)</text>', svg)
    ]


def test_a_course_spans_the_whole_scale_and_ends_at_the_last_time_point_with_data() -> None:
    figure = charts.course(ROWS, "nrs")
    assert figure is not None
    labels = [text for _x, _y, text in _texts(figure.svg)]
    assert "0" in labels and "10" in labels  # NRS 0–10, though every score lies in 3–7
    assert "12" not in labels and "24" not in labels
    assert [row[0] for row in figure.rows] == ["0", "3", "6"]
    assert figure.title.startswith("NRS: ")
    # The x axis's last tick sits at the plot's right edge (less its inset): no empty axis.
    ticks = {text: x for x, y, text in _texts(figure.svg) if y > 250 and text.isdigit()}
    assert ticks["6"] > 580


def test_an_eq5d_course_starts_at_the_scales_floor() -> None:
    rows = [_row("eq5d5l", 3, 80, 0.6), _row("eq5d5l", 6, 70, 0.65)]
    figure = charts.course(rows, "eq5d5l")
    assert figure is not None
    assert figure.title.startswith("EQ-5D-5L: ")
    labels = [text for _x, _y, text in _texts(figure.svg)]
    assert "-0.758" in labels and "1" in labels


def test_no_course_where_no_time_point_has_data() -> None:
    assert charts.course([ROWS[2], ROWS[3]], "nrs") is None


def test_trajectories_fade_with_their_number_and_stop_where_the_data_stop() -> None:
    def long(patients: int) -> list[dict[str, Any]]:
        return [
            {"patient_id": f"p{p:03d}", "timepoint": t, "score": float((p + t) % 11)}
            for p in range(patients)
            for t in (0, 3, 6)
        ]

    few = charts.trajectories(long(9), "NRS", cap=200, timepoints=(0, 3, 6, 12, 24))
    many = charts.trajectories(long(200), "NRS", cap=200, timepoints=(0, 3, 6, 12, 24))
    opacity = {
        name: float(re.findall(r'stroke-width="1" stroke-opacity="([\d.]+)"', f.svg)[0])
        for name, f in (("few", few), ("many", many))
    }
    assert opacity["many"] < opacity["few"] <= 0.6
    assert few.headers[1:] == ["0", "3", "6"]
    assert "24" not in [text for _x, _y, text in _texts(many.svg)]


def test_funnel_is_titled_and_its_labels_keep_apart_and_clear_of_the_limits() -> None:
    clinics = [
        SimpleNamespace(
            clinic=f"clinic-{c}",
            n=n,
            k=round(n * s),
            share=s,
            ci=None,
            inside_95=True,
            inside_998=True,
        )
        for c, n, s in (("a", 189, 0.71), ("b", 205, 0.68), ("c", 193, 0.67))
    ]
    figure = charts.funnel(clinics, 0.69, "MIC", instrument="nrs", timepoint=12)
    assert figure.title.startswith("NRS at 12 months, clinics: MIC")
    boxes = [
        tuple(map(float, box))
        for box in re.findall(
            r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" fill="#fff" '
            r"fill-opacity",
            figure.svg,
        )
    ]
    assert len(boxes) == 3
    for i, (x, y, w, h) in enumerate(boxes):
        for x2, y2, w2, h2 in boxes[i + 1 :]:
            assert not (x < x2 + w2 and x2 < x + w and y < y2 + h2 and y2 < y + h)
    limit_end = max(
        float(px.split(",")[0])
        for line in re.findall(r'points="([^"]+)"[^>]*stroke-dasharray', figure.svg)
        for px in line.split()
    )
    largest = max(boxes, key=lambda b: b[0])
    assert largest[0] > limit_end  # the largest clinic's label lies beyond the limits


def test_sections_leave_out_time_points_without_answers_and_say_so_once() -> None:
    report = Report(
        filters=[],
        n_patients=100,
        options=Options(instruments=("nrs",), timepoints=(3, 6, 12, 24)),
        rows=ROWS,
        definitions=(),
        definition=None,
        stratum="",
        strata=[],
        clinics=[],
        overall_rate=None,
    )
    (section,) = sections(report)
    assert section["title"] == "NRS"
    assert section["empty_timepoints"] == [12]
    assert [line["row"].timepoint for line in section["rows"]] == [3, 6, 24]
    assert [line["withheld"] for line in section["rows"]] == [False, False, True]
    blocks = section["responder_blocks"]
    assert [b["row"].timepoint for b in blocks] == [3, 6, 24] and blocks[2]["withheld"]
