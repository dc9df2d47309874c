"""The arithmetic of every SVG chart the app draws: the patient page's score charts and
session sparklines, and the outcome report's figures.

Pure geometry, no drawing and no words: a :class:`Scale` maps data values to pixels along
one axis; a :class:`Frame` is a kind of chart's size and margins; a :class:`Canvas` is one
chart's data ranges on a frame, with an x and a y scale into its plot area; :func:`ticks`,
:func:`extent_ticks` and :func:`padded` choose axis ranges and tick values; :func:`points`
writes an SVG ``polyline``'s ``points`` attribute; :func:`tick_label` and
:func:`number_label` format numbers for labels. The callers keep the markup, the colours and
the translated text.

Degenerate data: a range of zero width (one point, or equal values) maps every value to the
middle of its axis, so a lone point sits centred rather than on an edge; :func:`padded` widens
equal values into a usable range first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "Box",
    "Canvas",
    "Frame",
    "Scale",
    "extent_ticks",
    "number_label",
    "padded",
    "points",
    "tick_label",
    "ticks",
]


@dataclass(frozen=True)
class Scale:
    """A linear map from the data range ``lo``–``hi`` to the pixels ``start``–``end``.

    ``end`` may be smaller than ``start``: an SVG's y grows downwards, so a y scale runs from
    the plot's bottom (``lo``) to its top (``hi``). Values outside the range map outside the
    pixels; nothing is clipped. A range of zero width maps every value to the middle.
    """

    lo: float
    hi: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        span = self.hi - self.lo
        if span == 0:
            return (self.start + self.end) / 2
        return self.start + (value - self.lo) / span * (self.end - self.start)


@dataclass(frozen=True)
class Box:
    """The pixel edges of a plot area (``top`` < ``bottom``: an SVG's y grows downwards)."""

    left: int
    top: int
    right: int
    bottom: int


@dataclass(frozen=True, kw_only=True)
class Frame:
    """One kind of chart: an SVG of ``width`` × ``height`` pixels whose plot area lies inside
    the margins ``left``, ``right``, ``top`` and ``bottom``."""

    width: int
    height: int
    left: int = 0
    right: int = 0
    top: int = 0
    bottom: int = 0

    @property
    def plot(self) -> Box:
        return Box(self.left, self.top, self.width - self.right, self.height - self.bottom)

    def canvas(
        self, x_range: tuple[float, float], y_range: tuple[float, float], *, x_inset: float = 0
    ) -> Canvas:
        """This frame with one chart's data ranges mapped onto its plot area."""
        return Canvas(self, x_range, y_range, x_inset)


@dataclass(frozen=True)
class Canvas:
    """A frame with ``x_range`` mapped left to right and ``y_range`` bottom to top across its
    plot area. ``x_inset`` keeps the first and last x value that many pixels inside the
    plot's edges (so their dots are not cut by the frame)."""

    frame: Frame
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    x_inset: float = 0

    @property
    def x_scale(self) -> Scale:
        plot = self.frame.plot
        return Scale(*self.x_range, plot.left + self.x_inset, plot.right - self.x_inset)

    @property
    def y_scale(self) -> Scale:
        plot = self.frame.plot
        return Scale(*self.y_range, plot.bottom, plot.top)

    def x(self, value: float) -> float:
        """The pixel column of the data value ``value``."""
        return self.x_scale(value)

    def y(self, value: float) -> float:
        """The pixel row of the data value ``value`` (0 is the top of the SVG)."""
        return self.y_scale(value)

    def points(self, data: Iterable[tuple[float, float]]) -> str:
        """The ``points`` attribute of a polyline through the data pairs ``(x, y)``."""
        x, y = self.x_scale, self.y_scale
        return points((x(a), y(b)) for a, b in data)


def points(pixels: Iterable[tuple[float, float]]) -> str:
    """The ``points`` attribute of an SVG polyline through pixel pairs: ``"x,y x,y"``, one
    decimal each (a tenth of a pixel is finer than any screen or PDF shows)."""
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pixels)


def ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values (steps of 1, 2, 2.5 or 5 × 10ⁿ) inside ``lo``–``hi``.

    An empty, reversed or non-finite range gives ``[lo]``.
    """
    if count < 1:
        raise ValueError(f"ticks: count must be at least 1, got {count}")
    if not math.isfinite(lo) or not math.isfinite(hi) or hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    out = []
    value = math.ceil(lo / step) * step
    while value <= hi + step * 1e-9:
        out.append(round(value, 10) + 0.0)  # + 0.0 turns -0.0 into 0.0
        value += step
    return out


def extent_ticks(lo: float, hi: float) -> list[float]:
    """Three ticks for a small chart: ``hi``, the middle and ``lo``, top to bottom; the middle
    is 0 when the range straddles it (so a change score's zero line is drawn). Equal ends
    give one tick."""
    mid = 0.0 if lo < 0 < hi else (lo + hi) / 2
    return list(dict.fromkeys((hi, mid, lo)))


def padded(values: Iterable[float | None], pad: float = 0.05) -> tuple[float, float]:
    """The range of the finite ``values`` widened by ``pad`` of its span at each end.

    Equal values are widened by ``pad`` of their size (or of 1 for zero); no finite value at
    all gives ``(0.0, 1.0)``. ``None`` and non-finite values are ignored.
    """
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if not finite:
        return (0.0, 1.0)
    lo, hi = min(finite), max(finite)
    span = (hi - lo) or abs(hi) or 1.0
    return (lo - span * pad, hi + span * pad)


def tick_label(value: float, style: str = "{:g}") -> str:
    """A tick value as text, by default as short as ``g`` makes it (``10``, ``2.5``);
    ``style`` is a ``str.format`` pattern such as ``"{:.0%}"``."""
    return style.format(value + 0.0)


def number_label(value: float) -> str:
    """A score as text: up to three decimals below 2 (``0.667``, ``1.5``), else four
    significant digits (``42``, ``47.33``), trailing zeros dropped."""
    if abs(value) < 2:
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{value:.4g}"
