"""The report's figures, each three ways from the same numbers: a Plotly figure (the page,
drawn by the locally served plotly.min.js), a static SVG (the PDF and the CLI's HTML, as
WeasyPrint runs no JavaScript) and the table of numbers behind it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.html import escape
from django.utils.translation import gettext as _

from painpath.core.analytics.stats import Z_95, Z_998, funnel_limits
from painpath.core.charts import Frame, padded, tick_label, ticks

BLUE, GREY, RED, GREEN = "#1f6fb2", "#8a94a3", "#a4161a", "#1e6b3a"


@dataclass
class Figure:
    id: str
    title: str
    plotly: dict[str, Any]
    svg: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _num(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def fewer_than(k: int | None) -> str:
    """How a withheld count is shown: never as a number."""
    return _("fewer than %(k)s") % {"k": k} if k is not None else _("withheld")


def count(n: int, k: int | None = None) -> str:
    return fewer_than(k) if n < 0 else str(n)


# --------------------------------------------------------------------------- SVG


_FRAME = Frame(width=640, height=300, left=56, right=16, top=16, bottom=44)


class _Canvas:
    """The report's SVG, drawn on the chart kit's canvas: inline colours and fonts, as
    WeasyPrint and the CLI's HTML have no stylesheet."""

    def __init__(self, x_range: tuple[float, float], y_range: tuple[float, float]) -> None:
        self.plot = _FRAME.canvas(x_range, y_range)
        self.x = self.plot.x
        self.y = self.plot.y
        self.parts: list[str] = []

    def line(
        self,
        points: Sequence[tuple[float, float]],
        colour: str,
        width: float = 1.5,
        opacity: float = 1.0,
        dash: str = "",
    ) -> None:
        if len(points) < 2:
            return
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.parts.append(
            f'<polyline points="{self.plot.points(points)}" fill="none" stroke="{colour}" '
            f'stroke-width="{width}" stroke-opacity="{opacity}"{extra}/>'
        )

    def dot(self, a: float, b: float, colour: str, r: float = 3.5) -> None:
        self.parts.append(
            f'<circle cx="{self.x(a):.1f}" cy="{self.y(b):.1f}" r="{r}" fill="{colour}"/>'
        )

    def bar(self, a0: float, a1: float, b: float, colour: str) -> None:
        x0, x1 = sorted((self.x(a0), self.x(a1)))
        y0, y1 = sorted((self.y(0), self.y(b)))
        self.parts.append(
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{max(x1 - x0, 0.5):.1f}" '
            f'height="{max(y1 - y0, 0.5):.1f}" fill="{colour}"/>'
        )

    def text(
        self,
        a: float,
        b: float,
        label: str,
        anchor: str = "middle",
        size: int = 11,
        rotate: bool = False,
    ) -> None:
        transform = f' transform="rotate(-90 {a:.1f} {b:.1f})"' if rotate else ""
        self.parts.append(
            f'<text x="{a:.1f}" y="{b:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="#1b2430"{transform}>{escape(label)}</text>'
        )

    def axes(
        self,
        x_label: str,
        y_label: str,
        x_ticks: Sequence[float] | None = None,
        y_format: str = "{:g}",
    ) -> None:
        box = _FRAME.plot
        x0, x1, y0, y1 = box.left, box.right, box.bottom, box.top
        self.parts.append(
            f'<path d="M{x0:.1f},{y1:.1f} V{y0:.1f} H{x1:.1f}" stroke="#55606e" fill="none"/>'
        )
        for tick in ticks(*self.plot.y_range):
            y = self.y(tick)
            self.parts.append(
                f'<line x1="{x0:.1f}" x2="{x1:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7ec"/>'
            )
            self.text(x0 - 6, y + 4, tick_label(tick, y_format), anchor="end", size=10)
        for tick in x_ticks if x_ticks is not None else ticks(*self.plot.x_range):
            self.text(self.x(tick), y0 + 16, tick_label(tick), size=10)
        self.text((x0 + x1) / 2, _FRAME.height - 6, x_label)
        self.text(14, (y0 + y1) / 2, y_label, rotate=True)

    def render(self, title: str) -> str:
        w, h = _FRAME.width, _FRAME.height
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
            f'width="{w}" height="{h}" role="img" '
            f'aria-label="{escape(title)}" font-family="DejaVu Sans, sans-serif">'
            f'<rect width="100%" height="100%" fill="#fff"/>{"".join(self.parts)}</svg>'
        )


def _layout(title: str, x_title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "xaxis": {"title": {"text": x_title}},
        "yaxis": {"title": {"text": y_title}},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "showlegend": False,
        **extra,
    }


# --------------------------------------------------------------------------- figures


def mean_with_ci(series: list[dict[str, Any]], instrument: str) -> Figure:
    title = _("%(instrument)s: mean with 95 %% CI over time") % {"instrument": instrument}
    x = [s["timepoint"] for s in series]
    y = [s["mean"] for s in series]
    lows = [s["ci"][0] if s["ci"] else s["mean"] for s in series]
    highs = [s["ci"][1] if s["ci"] else s["mean"] for s in series]
    plotly = {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": x,
                "y": y,
                "line": {"color": BLUE},
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [h - m for h, m in zip(highs, y, strict=True)],
                    "arrayminus": [m - lo for lo, m in zip(lows, y, strict=True)],
                },
                "text": [f"n = {s['n']}" for s in series],
            }
        ],
        "layout": _layout(title, _("months"), instrument, xaxis={"tickvals": x}),
    }
    canvas = _Canvas((min(x, default=0) - 0.5, max(x, default=1) + 0.5), padded(lows + highs))
    canvas.axes(_("months"), instrument, x_ticks=x)
    canvas.line(list(zip(x, y, strict=True)), BLUE, 2)
    for a, b, lo, hi in zip(x, y, lows, highs, strict=True):
        canvas.line([(a, lo), (a, hi)], BLUE, 1.5)
        canvas.dot(a, b, BLUE)
    rows = [
        [
            str(s["timepoint"]),
            str(s["n"]),
            _num(s["mean"], 2),
            f"{_num(s['ci'][0], 2)} – {_num(s['ci'][1], 2)}" if s["ci"] else "–",
        ]
        for s in series
    ]
    return Figure(
        "figure-mean",
        title,
        plotly,
        canvas.render(title),
        [_("Months"), "n", _("Mean"), _("95 % CI")],
        rows,
        note=_("Baseline: all patients with a baseline; follow-up: those answering then."),
    )


def trajectories(
    long: list[dict[str, Any]], instrument: str, *, cap: int, timepoints: Sequence[int]
) -> Figure:
    by_patient: dict[str, list[tuple[int, float]]] = {}
    for r in long:
        by_patient.setdefault(str(r["patient_id"]), []).append((r["timepoint"], r["score"]))
    title = _("%(instrument)s: individual trajectories (%(n)s patients)") % {
        "instrument": instrument,
        "n": len(by_patient),
    }
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": [t for t, _ in points],
            "y": [s for _, s in points],
            "name": patient,
            "line": {"color": "rgba(31,111,178,0.25)", "width": 1},
            "marker": {"size": 3},
            "hovertemplate": f"{patient}: %{{y}} (%{{x}} m)<extra></extra>",
        }
        for patient, points in by_patient.items()
    ]
    plotly = {
        "data": data,
        "layout": _layout(title, _("months"), instrument, xaxis={"tickvals": list(timepoints)}),
    }
    scores = [s for points in by_patient.values() for _, s in points]
    canvas = _Canvas((min(timepoints) - 0.5, max(timepoints) + 0.5), padded(scores))
    canvas.axes(_("months"), instrument, x_ticks=list(timepoints))
    for points in by_patient.values():
        canvas.line(points, BLUE, 1, opacity=0.25)
    rows = []
    for patient, points in by_patient.items():
        at = dict(points)
        rows.append([patient, *[_num(at.get(t), 1) for t in timepoints]])
    return Figure(
        "figure-trajectories",
        title,
        plotly,
        canvas.render(title),
        [_("Patient (pseudonym)"), *[str(t) for t in timepoints]],
        rows,
        note=_("At most %(cap)s patients are drawn (by pseudonym order, which is random).")
        % {"cap": cap},
    )


def waterfall(
    changes: list[dict[str, Any]], instrument: str, timepoint: int, *, higher_is_better: bool
) -> Figure:
    title = _("%(instrument)s at %(months)s months: %% change per patient") % {
        "instrument": instrument,
        "months": timepoint,
    }
    usable = [c for c in changes if c["percent_change"] is not None]
    usable.sort(key=lambda c: c["percent_change"], reverse=not higher_is_better)
    values = [c["percent_change"] for c in usable]

    def better(v: float) -> bool:
        return v > 0 if higher_is_better else v < 0

    colours = [GREEN if better(v) else RED if v != 0 else GREY for v in values]
    plotly = {
        "data": [
            {
                "type": "bar",
                "x": list(range(1, len(values) + 1)),
                "y": values,
                "marker": {"color": colours},
                "text": [str(c["patient_id"]) for c in usable],
                "textposition": "none",  # pseudonyms on hover only, not drawn on the bars
                "hovertemplate": "%{text}: %{y:.1f} %<extra></extra>",
            }
        ],
        "layout": _layout(
            title, _("patients, ordered by change"), _("Change from baseline (%)"), bargap=0
        ),
    }
    canvas = _Canvas((0, max(len(values), 1)), padded([0.0, *values]))
    canvas.axes(_("patients, ordered by change"), _("Change from baseline (%)"), x_ticks=[])
    for i, (v, colour) in enumerate(zip(values, colours, strict=True)):
        canvas.bar(i + 0.1, i + 0.9, v, colour)
    if values:
        canvas.line([(0, 0), (len(values), 0)], "#55606e", 1)
    rows = [
        [
            str(c["patient_id"]),
            _num(c["baseline"]),
            _num(c["followup"]),
            _num(c["change"]),
            _num(c["percent_change"]),
        ]
        for c in usable
    ]
    return Figure(
        "figure-waterfall",
        title,
        plotly,
        canvas.render(title),
        [_("Patient (pseudonym)"), _("Baseline"), _("Follow-up"), _("Change"), _("Change (%)")],
        rows,
        note=_(
            "Green: better, red: worse. Patients with a baseline of 0 have no change in per cent."
        ),
    )


def funnel(points: Sequence[Any], p0: float, definition: str, *, k: int | None = None) -> Figure:
    """A withheld clinic (disclosure control: count -1, share None) is listed, not drawn."""
    title = _("Clinics: %(definition)s against number followed up") % {"definition": definition}
    table = points
    points = [p for p in points if p.n >= 0 and p.share is not None]
    n_max = max([p.n for p in points] + [10])
    grid = sorted({max(1, round(n_max * i / 60)) for i in range(61)} | {1})
    limits = {}
    for z, key in ((Z_95, "95"), (Z_998, "99.8")):
        pairs = [(n, funnel_limits(p0, n, z)) for n in grid]
        limits[key] = [(n, lim) for n, lim in pairs if lim is not None]
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": [0, n_max],
            "y": [p0, p0],
            "line": {"color": GREY},
            "name": _("overall"),
        },
    ]
    for key, dash in (("95", "dash"), ("99.8", "dot")):
        for side in (0, 1):
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "x": [n for n, _ in limits[key]],
                    "y": [lim[side] for _, lim in limits[key]],
                    "line": {"color": GREY, "dash": dash},
                    "name": f"{key} %",
                    "hoverinfo": "skip",
                }
            )
    data.append(
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": [p.n for p in points],
            "y": [p.share for p in points],
            "text": [p.clinic for p in points],
            "textposition": "top center",
            "marker": {"color": BLUE, "size": 10},
        }
    )
    plotly = {
        "data": data,
        "layout": _layout(
            title,
            _("patients followed up (n)"),
            _("responder share"),
            yaxis={"title": {"text": _("responder share")}, "tickformat": ".0%", "range": [0, 1]},
        ),
    }
    canvas = _Canvas((0, n_max * 1.05), (0.0, 1.0))
    canvas.axes(_("patients followed up (n)"), _("responder share"), y_format="{:.0%}")
    canvas.line([(0, p0), (n_max, p0)], GREY, 1.5)
    for key, dash in (("95", "6,4"), ("99.8", "2,3")):
        for side in (0, 1):
            canvas.line([(n, lim[side]) for n, lim in limits[key]], GREY, 1, dash=dash)
    for p in points:
        if p.share is not None:
            canvas.dot(p.n, p.share, BLUE, 5)
            canvas.text(canvas.x(p.n), canvas.y(p.share) - 8, p.clinic, size=10)

    def inside(verdict: bool | None) -> str:
        return "–" if verdict is None else _("yes") if verdict else _("no")

    rows = [
        [
            p.clinic,
            count(p.n, k),
            count(p.k, k),
            _pct(p.share),
            f"{_pct(p.ci[0])} – {_pct(p.ci[1])}" if p.ci else "–",
            inside(p.inside_95),
            inside(p.inside_998),
        ]
        for p in table
    ]
    return Figure(
        "figure-funnel",
        title,
        plotly,
        canvas.render(title),
        [
            _("Clinic"),
            "n",
            _("Responders"),
            _("Share"),
            _("95 % CI"),
            _("Inside the limits (95 %)"),
            _("Inside the limits (99.8 %)"),
        ],
        rows,
        note=_(
            "Overall share %(p0)s. Dashed: 95 %% control limits, dotted: 99.8 %% "
            "(Spiegelhalter 2005); a clinic outside the 99.8 %% limits differs by more than "
            "chance would usually explain."
        )
        % {"p0": _pct(p0)},
    )
