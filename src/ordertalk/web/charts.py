"""Server-drawn charts for the overview: geometry for inline SVG (no script, no library).

Each chart is drawn in a fixed viewBox that scales to the page's width; the page pairs every
chart with a table of the same numbers for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

WIDTH = 340
LABEL_W = 150  # horizontal bars: room for the label on the left
ROW_H = 26
LINE_H = 150
PAD = 24


@dataclass(frozen=True, slots=True)
class Bar:
    """One horizontal bar: its label, value and rectangle."""

    label: str
    value: int
    y: float
    width: float


@dataclass(frozen=True, slots=True)
class BarChart:
    """Horizontal bars, one row each."""

    bars: list[Bar]
    width: int
    height: int
    label_w: int
    row_h: int


def bar_chart(rows: list[tuple[str, int]]) -> BarChart:
    """Bars proportional to the largest value (labels clipped to fit)."""
    top = max((value for _, value in rows), default=0) or 1
    room = WIDTH - LABEL_W - 40  # leaves space for the value after the bar
    bars = [
        Bar(
            label if len(label) <= 22 else label[:21] + "…",
            value,
            index * ROW_H,
            max(1.0, room * value / top) if value else 0.0,
        )
        for index, (label, value) in enumerate(rows)
    ]
    return BarChart(bars, WIDTH, max(ROW_H, ROW_H * len(rows)), LABEL_W, ROW_H)


@dataclass(frozen=True, slots=True)
class Series:
    """One line: its name, how it is drawn (class, dashes) and its points."""

    name: str
    css: str
    dash: str
    points: str  # "x,y x,y …" for a polyline


@dataclass(frozen=True, slots=True)
class LineChart:
    """Lines over days, with the largest value and the first and last day as axis labels."""

    series: list[Series]
    width: int
    height: int
    pad: int
    top: float
    first: date | None
    last: date | None


def line_chart(
    days: list[date], lines: Sequence[tuple[str, str, str, Sequence[float]]]
) -> LineChart:
    """One polyline per (name, css class, dash pattern, values by day), on a shared scale."""
    top = max((max(values, default=0) for *_, values in lines), default=0) or 1
    plot_w, plot_h = WIDTH - 2 * PAD, LINE_H - 2 * PAD
    step = plot_w / (len(days) - 1) if len(days) > 1 else 0
    series = []
    for name, css, dash, values in lines:
        points = " ".join(
            f"{PAD + i * step:.1f},{PAD + plot_h - plot_h * v / top:.1f}"
            for i, v in enumerate(values)
        )
        series.append(Series(name, css, dash, points))
    return LineChart(
        series, WIDTH, LINE_H, PAD, top, days[0] if days else None, days[-1] if days else None
    )
