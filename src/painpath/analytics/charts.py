"""The report's figures, each twice from the same numbers: a static SVG (drawn here, on the
server, for the page, the PDF and the CLI's HTML alike — the page runs no chart script, so its
strict CSP has nothing to block) and the table of numbers behind it.

Every score axis spans the instrument's whole scale (``score_range`` in
:mod:`painpath.core.instruments`), so a change is never exaggerated by a truncated axis, and
every time axis ends at the last time point with data."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import get_format, number_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from painpath.core.analytics.stats import Z_95, Z_998, funnel_limits, t_interval
from painpath.core.charts import Frame, padded, tick_label, ticks
from painpath.core.instruments import REGISTRY

BLUE, GREY, RED, GREEN = "#1f6fb2", "#8a94a3", "#a4161a", "#1e6b3a"
INK = "#1b2430"


@dataclass
class Figure:
    id: str
    title: str
    svg: str
    headers: list[str]
    rows: list[list[str]]
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _num(value: float | None, digits: int = 1) -> str:
    """A number in the reader's locale (a decimal comma in Danish), rounded first: Django's
    number_format truncates floats instead of rounding them."""
    if value is None:
        return "–"
    return number_format(Decimal(f"{value:.{digits}f}"), decimal_pos=digits)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{_num(100 * value, 1)} %"


def _tick(value: float, style: str = "{:g}") -> str:
    """An axis label in the reader's locale."""
    text = tick_label(value, style).replace(".", str(get_format("DECIMAL_SEPARATOR")))
    return text.replace("%", " %")


def fewer_than(k: int | None) -> str:
    """How a withheld count is shown: never as a number."""
    return _("fewer than %(k)s") % {"k": k} if k is not None else _("withheld")


def count(n: int, k: int | None = None) -> str:
    return fewer_than(k) if n < 0 else str(n)


def instrument_title(instrument: str) -> str:
    """The instrument's proper name ("EQ-5D-5L") for its code ("eq5d5l"); a name already
    proper, or an instrument painpath does not know, as given."""
    cls = REGISTRY.get(instrument)
    return cls.title if cls is not None else instrument


def scale_of(instrument: str) -> tuple[float, float] | None:
    """The instrument's score range, by code or by proper name; None when unknown."""
    for code, cls in REGISTRY.items():
        if instrument in (code, cls.title):
            return (float(cls.score_range[0]), float(cls.score_range[1]))
    return None


def _y_range(instrument: str, values: Sequence[float | None]) -> tuple[float, float]:
    """The whole scale, widened only if a value lies outside it (a file from elsewhere)."""
    scale = scale_of(instrument)
    if scale is None:
        return padded(values)
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return (min([scale[0], *finite]), max([scale[1], *finite]))


def _digits(instrument: str) -> int:
    scale = scale_of(instrument)
    return 3 if scale is not None and scale[1] - scale[0] <= 2 else 1


# --------------------------------------------------------------------------- SVG


_FRAME = Frame(width=640, height=300, left=60, right=20, top=16, bottom=44)
_INSET = 14  # px between the plot's edge and its first and last time point


class _Canvas:
    """The report's SVG on the chart kit's canvas: colours and fonts as SVG attributes (no
    style attribute or element, which a strict CSP and WeasyPrint's missing stylesheet would
    both drop)."""

    def __init__(
        self, x_range: tuple[float, float], y_range: tuple[float, float], x_inset: float = 0
    ) -> None:
        self.plot = _FRAME.canvas(x_range, y_range, x_inset=x_inset)
        self.x = self.plot.x
        self.y = self.plot.y
        self.parts: list[str] = []
        self.labels: list[tuple[float, float, float, float]] = []

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
            f'stroke-width="{width}" stroke-opacity="{opacity:.3g}"{extra}/>'
        )

    def band(
        self, xs: Sequence[float], lows: Sequence[float], highs: Sequence[float], colour: str
    ) -> None:
        """A shaded area between two lines (a fan of quantiles)."""
        if len(xs) < 2:
            return
        outline = [*zip(xs, highs, strict=True), *reversed(list(zip(xs, lows, strict=True)))]
        self.parts.append(
            f'<polygon points="{self.plot.points(outline)}" fill="{colour}" fill-opacity="0.18" '
            f'stroke="none"/>'
        )

    def dot(self, a: float, b: float, colour: str, r: float = 3.5, tip: str = "") -> None:
        title = f"<title>{escape(tip)}</title>" if tip else ""
        self.parts.append(
            f'<circle cx="{self.x(a):.1f}" cy="{self.y(b):.1f}" r="{r}" fill="{colour}">'
            f"{title}</circle>"
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
            f'fill="{INK}"{transform}>{escape(label)}</text>'
        )

    def label(self, a: float, b: float, text: str, size: int = 10) -> None:
        """A data label on a white box beside the point (a, b) in pixels, moved down until it
        overlaps no earlier label, so lines and other labels never run through it."""
        w, h = 0.62 * size * len(text) + 6, size + 4
        left = a + 8 if a + 8 + w <= _FRAME.plot.right else a - 8 - w
        top = b - h / 2
        for _pass in range(len(self.labels) + 1):
            clash = next(
                (
                    (x, y, lw, lh)
                    for x, y, lw, lh in self.labels
                    if left < x + lw and x < left + w and top < y + lh and y < top + h
                ),
                None,
            )
            if clash is None:
                break
            top = clash[1] + clash[3] + 1
        self.labels.append((left, top, w, h))
        if abs(top + h / 2 - b) > h / 2:  # moved off its dot: a leader line back to it
            edge = left if left > a else left + w
            self.parts.append(
                f'<line x1="{a:.1f}" y1="{b:.1f}" x2="{edge:.1f}" y2="{top + h / 2:.1f}" '
                f'stroke="{INK}" stroke-width="0.6"/>'
            )
        self.parts.append(
            f'<rect x="{left:.1f}" y="{top:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'fill="#fff" fill-opacity="0.92" stroke="#c9d0d8" stroke-width="0.5"/>'
        )
        self.parts.append(
            f'<text x="{left + 3:.1f}" y="{top + h - 4:.1f}" font-size="{size}" '
            f'fill="{INK}">{escape(text)}</text>'
        )

    def axes(
        self,
        x_label: str,
        y_label: str,
        x_ticks: Sequence[float] | None = None,
        y_format: str = "{:g}",
        y_ticks: Sequence[float] | None = None,
    ) -> None:
        box = _FRAME.plot
        x0, x1, y0, y1 = box.left, box.right, box.bottom, box.top
        for tick in y_ticks if y_ticks is not None else ticks(*self.plot.y_range):
            y = self.y(tick)
            self.parts.append(
                f'<line x1="{x0:.1f}" x2="{x1:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e7ec"/>'
            )
            self.text(x0 - 6, y + 4, _tick(tick, y_format), anchor="end", size=10)
        self.parts.append(
            f'<path d="M{x0:.1f},{y1:.1f} V{y0:.1f} H{x1:.1f}" stroke="#55606e" fill="none"/>'
        )
        for tick in x_ticks if x_ticks is not None else ticks(*self.plot.x_range):
            self.text(self.x(tick), y0 + 16, _tick(tick), size=10)
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


def _scale_ticks(y_range: tuple[float, float]) -> list[float]:
    """Round ticks inside the scale, with its floor and ceiling labelled too (EQ-5D-5L's
    −0.758), unless a round tick sits right beside one."""
    lo, hi = y_range
    inner = ticks(lo, hi)
    step = (hi - lo) / 12
    return sorted({lo, hi, *(t for t in inner if abs(t - lo) > step and abs(t - hi) > step)})


def _time_canvas(
    instrument: str, months: Sequence[int], values: Sequence[float | None]
) -> tuple[_Canvas, tuple[float, float]]:
    y_range = _y_range(instrument, values)
    canvas = _Canvas((min(months, default=0), max(months, default=1)), y_range, _INSET)
    canvas.axes(
        _("months"),
        instrument_title(instrument),
        x_ticks=list(months),
        y_ticks=_scale_ticks(y_range) if scale_of(instrument) else None,
    )
    return canvas, y_range


# --------------------------------------------------------------------------- figures


def mean_with_ci(series: list[dict[str, Any]], instrument: str) -> Figure:
    """Mean with its 95 % CI at each time point with data, on the instrument's whole scale."""
    name = instrument_title(instrument)
    title = _("%(instrument)s: mean with 95 %% CI over time") % {"instrument": name}
    series = [s for s in series if s.get("mean") is not None]
    x = [s["timepoint"] for s in series]
    y = [s["mean"] for s in series]
    lows = [s["ci"][0] if s["ci"] else s["mean"] for s in series]
    highs = [s["ci"][1] if s["ci"] else s["mean"] for s in series]
    canvas, _range = _time_canvas(instrument, x, lows + highs)
    canvas.line(list(zip(x, y, strict=True)), BLUE, 2)
    for s, lo, hi in zip(series, lows, highs, strict=True):
        canvas.line([(s["timepoint"], lo), (s["timepoint"], hi)], BLUE, 1.5)
        canvas.dot(s["timepoint"], s["mean"], BLUE, tip=f"n = {s['n']}")
    d = _digits(instrument)
    rows = [
        [
            str(s["timepoint"]),
            str(s["n"]),
            _num(s["mean"], d + 1),
            f"{_num(s['ci'][0], d + 1)} – {_num(s['ci'][1], d + 1)}" if s["ci"] else "–",
        ]
        for s in series
    ]
    return Figure(
        "figure-mean",
        title,
        canvas.render(title),
        [_("Months"), "n", _("Mean"), _("95 % CI")],
        rows,
        note=_("Baseline: all patients with a baseline; follow-up: those answering then."),
    )


def course(rows: Sequence[Any], instrument: str) -> Figure | None:
    """An instrument's course as a fan of quantiles: median and interquartile range at
    baseline and each follow-up, with the mean and its 95 % CI beside them.

    Drawn from the outcome rows only — aggregates of cells the outcome table shows, so a
    researcher's figure passes the same disclosure control (a withheld row has no figures and
    is left out) and no single patient is drawn. None when no time point has data."""
    shown = [r for r in rows if r.n_followed > 0 and r.followup_median is not None]
    if not shown:
        return None
    name = instrument_title(instrument)
    title = _("%(instrument)s: median, interquartile range and mean over time") % {
        "instrument": name
    }
    first = shown[0]
    points: list[dict[str, Any]] = [
        {
            "t": 0,
            "n": first.n_followed,
            "q": (first.baseline_q1, first.baseline_median, first.baseline_q3),
            "mean": first.baseline_mean,
            "ci": t_interval(first.baseline_mean, first.baseline_sd, first.n_followed),
        }
    ]
    for r in shown:
        points.append(
            {
                "t": r.timepoint,
                "n": r.n_followed,
                "q": (r.followup_q1, r.followup_median, r.followup_q3),
                "mean": r.followup_mean,
                "ci": t_interval(r.followup_mean, r.followup_sd, r.n_followed),
            }
        )
    months = [p["t"] for p in points]
    values = [v for p in points for v in (*p["q"], *(p["ci"] or ()))]
    canvas, _range = _time_canvas(instrument, months, values)
    canvas.band(months, [p["q"][0] for p in points], [p["q"][2] for p in points], BLUE)
    canvas.line([(p["t"], p["q"][1]) for p in points], BLUE, 1.5, dash="5,3")
    canvas.line([(p["t"], p["mean"]) for p in points if p["mean"] is not None], INK, 2)
    for p in points:
        if p["ci"]:
            canvas.line([(p["t"], p["ci"][0]), (p["t"], p["ci"][1])], INK, 1.5)
        if p["mean"] is not None:
            canvas.dot(p["t"], p["mean"], INK, tip=f"n = {p['n']}")
    d = _digits(instrument)
    table = [
        [
            str(p["t"]),
            str(p["n"]),
            _num(p["q"][1], d),
            f"{_num(p['q'][0], d)} – {_num(p['q'][2], d)}",
            _num(p["mean"], d + 1),
            f"{_num(p['ci'][0], d + 1)} – {_num(p['ci'][1], d + 1)}" if p["ci"] else "–",
        ]
        for p in points
    ]
    return Figure(
        f"figure-course-{instrument}",
        title,
        canvas.render(title),
        [_("Months"), "n", _("Median"), _("Interquartile range"), _("Mean"), _("95 % CI")],
        table,
        note=_(
            "Shaded: interquartile range; dashed: median; solid with bars: mean and its 95 %% "
            "CI. The y-axis is the whole scale (%(lo)s to %(hi)s). At 0 months the baseline "
            "of the patients followed up at %(first)s months; at each follow-up the patients "
            "who answered then."
        )
        % {
            "lo": _tick(_range[0]),
            "hi": _tick(_range[1]),
            "first": first.timepoint,
        },
        extra={"instrument": instrument},
    )


def trajectories(
    long: list[dict[str, Any]], instrument: str, *, cap: int, timepoints: Sequence[int]
) -> Figure:
    """Each patient's scores as a faint line (a spaghetti plot: where many patients run
    together the lines darken), with the median per time point over them. Patient-level data:
    only for a clinic's own report, never under disclosure control."""
    by_patient: dict[str, list[tuple[int, float]]] = {}
    for r in long:
        if r["score"] is not None:
            by_patient.setdefault(str(r["patient_id"]), []).append((r["timepoint"], r["score"]))
    name = instrument_title(instrument)
    title = _("%(instrument)s: individual trajectories (%(n)s patients)") % {
        "instrument": name,
        "n": len(by_patient),
    }
    seen = {t for points in by_patient.values() for t, _s in points}
    months = [t for t in timepoints if t in seen] or list(timepoints[:1])
    scores = [s for points in by_patient.values() for _t, s in points]
    canvas, _range = _time_canvas(instrument, months, scores)
    # Fainter the more lines there are, so that 10 patients stay visible and 200 do not
    # paint the plot solid.
    opacity = min(0.6, max(0.06, 3 / math.sqrt(max(len(by_patient), 1))))
    for points in by_patient.values():
        canvas.line(points, BLUE, 1, opacity=opacity)
    medians = []
    for t in months:
        at = sorted(s for points in by_patient.values() for m, s in points if m == t)
        if at:
            mid = len(at) // 2
            medians.append((t, at[mid] if len(at) % 2 else (at[mid - 1] + at[mid]) / 2))
    canvas.line(medians, INK, 2.5)
    rows = []
    for patient, points in by_patient.items():
        at_t = dict(points)
        rows.append([patient, *[_num(at_t.get(t), 1) for t in months]])
    return Figure(
        "figure-trajectories",
        title,
        canvas.render(title),
        [_("Patient (pseudonym)"), *[str(t) for t in months]],
        rows,
        note=_(
            "Faint lines: one per patient; dark line: the median. At most %(cap)s patients "
            "are drawn (by pseudonym order, which is random)."
        )
        % {"cap": cap},
    )


def waterfall(
    changes: list[dict[str, Any]], instrument: str, timepoint: int, *, higher_is_better: bool
) -> Figure:
    title = _("%(instrument)s at %(months)s months: %% change per patient") % {
        "instrument": instrument_title(instrument),
        "months": timepoint,
    }
    usable = [c for c in changes if c["percent_change"] is not None]
    usable.sort(key=lambda c: c["percent_change"], reverse=not higher_is_better)
    values = [c["percent_change"] for c in usable]

    def better(v: float) -> bool:
        return v > 0 if higher_is_better else v < 0

    colours = [GREEN if better(v) else RED if v != 0 else GREY for v in values]
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
        canvas.render(title),
        [_("Patient (pseudonym)"), _("Baseline"), _("Follow-up"), _("Change"), _("Change (%)")],
        rows,
        note=_(
            "Green: better, red: worse. Patients with a baseline of 0 have no change in per cent."
        ),
    )


def funnel(
    points: Sequence[Any],
    p0: float,
    definition: str,
    *,
    k: int | None = None,
    instrument: str = "",
    timepoint: int | None = None,
) -> Figure:
    """A withheld clinic (disclosure control: count -1, share None) is listed, not drawn."""
    if instrument and timepoint is not None:
        title = _(
            "%(instrument)s at %(months)s months, clinics: %(definition)s against number "
            "followed up"
        ) % {
            "instrument": instrument_title(instrument),
            "months": timepoint,
            "definition": definition,
        }
    else:
        title = _("Clinics: %(definition)s against number followed up") % {"definition": definition}
    table = points
    points = [p for p in points if p.n >= 0 and p.share is not None]
    n_max = max([p.n for p in points] + [10])
    grid = sorted({max(1, round(n_max * i / 60)) for i in range(61)} | {1})
    limits = {}
    for z, key in ((Z_95, "95"), (Z_998, "99.8")):
        pairs = [(n, funnel_limits(p0, n, z)) for n in grid]
        limits[key] = [(n, lim) for n, lim in pairs if lim is not None]
    # Room right of the largest clinic, where no limit runs, for the labels beside the dots.
    canvas = _Canvas((0, n_max * 1.3), (0.0, 1.0))
    canvas.axes(_("patients followed up (n)"), _("responder share"), y_format="{:.0%}")
    canvas.line([(0, p0), (n_max, p0)], GREY, 1.5)
    for key, dash in (("95", "6,4"), ("99.8", "2,3")):
        for side in (0, 1):
            canvas.line([(n, lim[side]) for n, lim in limits[key]], GREY, 1, dash=dash)
    for p in points:
        canvas.dot(p.n, p.share, BLUE, 5, tip=f"{p.clinic}: {_pct(p.share)} (n = {p.n})")
    # Labels after every dot and line, on white boxes beside their dot, stacked apart.
    for p in sorted(points, key=lambda p: (-p.n, -p.share)):
        canvas.label(canvas.x(p.n), canvas.y(p.share), p.clinic)

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
