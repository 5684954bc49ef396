"""The geometry of the report pages' charts, as plain data the templates draw as inline SVG: horizontal
bars, the Pareto chart, the I-MR control chart and box plots (on the scales of `scales`). Pure: numbers
in, positions out (in the SVG's own units, y growing downwards), no markup and no I/O.

Every chart has a title and a description for `role="img"`; its numbers are in the table beside it,
so a chart never carries a figure the page does not also say in text."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from liaison_console.rules.scales import Plot, Scale, Tick, hours_text, number_text, percent_text, r, ticks

WIDTH = 720.0
LINE = 16.0  # a line of text
BAR = 14.0  # a bar's thickness
SERIES = ("series-0", "series-1")  # classes of the bars of each series (console.css)


# -- horizontal bars ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    text: str  # the value, written after the bar
    text_x: float
    text_y: float


@dataclass(frozen=True)
class BarGroup:
    label: str  # written above its bars
    label_y: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class LegendEntry:
    text: str
    css: str  # the swatch's class
    shape: str = "box"  # box, circle, diamond, line, dashed, hatched


@dataclass(frozen=True)
class BarChart:
    title: str
    description: str
    width: float
    height: float
    plot: Plot
    groups: tuple[BarGroup, ...]
    axis: tuple[Tick, ...]  # along the bottom, with grid lines up through the plot
    axis_title: str
    legend: tuple[LegendEntry, ...]
    kind: str = "bars"


def bar_chart(*, title: str, description: str, groups: Sequence[tuple[str, Sequence[tuple[float, str]]]],
              series: Sequence[str], axis_title: str, maximum: float | None = None, whole: bool = False,
              tick_text: Callable[[float], str] = number_text) -> BarChart:
    """One row per group: its label, then a bar per series (value, text written after the bar).
    Bars start at 0; the scale ends at `maximum` (or at a round value above the largest; `whole`:
    ticks at whole numbers, for counts)."""
    largest = max((value for _, bars in groups for value, _ in bars), default=0.0)
    values = ticks(0.0, maximum if maximum is not None else largest or 1.0, whole=whole)
    plot_left, plot_right, top = 16.0, WIDTH - 200.0, 28.0 if len(series) > 1 else 8.0
    scale = Scale(0.0, values[-1], plot_left, plot_right)
    rows: list[BarGroup] = []
    y = top
    for label, bars in groups:
        label_y = y + 12
        y += LINE
        drawn = []
        for index, (value, text) in enumerate(bars):
            width = max(0.0, scale(value) - plot_left)
            drawn.append(Bar(x=plot_left, y=r(y), width=r(width), height=BAR, css=SERIES[index % len(SERIES)],
                             text=text, text_x=r(plot_left + width + 6), text_y=r(y + BAR - 3)))
            y += BAR + 3
        rows.append(BarGroup(label=label, label_y=r(label_y), bars=tuple(drawn)))
        y += 9
    plot = Plot(plot_left, top, plot_right, r(y))
    legend = tuple(LegendEntry(name, SERIES[i % len(SERIES)]) for i, name in enumerate(series)) \
        if len(series) > 1 else ()
    return BarChart(title=title, description=description, width=WIDTH, height=r(y + 40), plot=plot,
                    groups=tuple(rows), axis=tuple(Tick(r(scale(v)), tick_text(v)) for v in values),
                    axis_title=axis_title, legend=legend)


# -- Pareto -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParetoBar:
    label: str
    x: float
    y: float
    width: float
    height: float
    vital: bool
    count_text: str
    label_x: float  # the category's name, under the bar (turned)
    label_y: float


@dataclass(frozen=True)
class Mark:
    x: float
    y: float


@dataclass(frozen=True)
class ParetoChart:
    title: str
    description: str
    width: float
    height: float
    plot: Plot
    bars: tuple[ParetoBar, ...]
    cumulative: tuple[Mark, ...]  # one per bar, at its centre, on the right axis
    threshold_y: float  # the 80% line
    counts: tuple[Tick, ...]  # left axis
    shares: tuple[Tick, ...]  # right axis, 0-100%
    legend: tuple[LegendEntry, ...]
    kind: str = "pareto"

    @property
    def cumulative_points(self) -> str:
        return " ".join(f"{m.x},{m.y}" for m in self.cumulative)


VITAL_PERCENT = 80.0


def pareto_chart(*, title: str, description: str,
                 bars: Sequence[tuple[str, int, float, bool]]) -> ParetoChart:
    """Bars of (label, count, cumulative percent, vital), largest first, on the left axis; the
    cumulative percent as a line on the right axis, and the 80% line across."""
    plot = Plot(56.0, 16.0, WIDTH - 56.0, 250.0)
    counts = ticks(0.0, max((count for _, count, _, _ in bars), default=0) or 1.0, whole=True)
    y_count = Scale(0.0, counts[-1], plot.bottom, plot.top)
    y_share = Scale(0.0, 100.0, plot.bottom, plot.top)
    slot = (plot.right - plot.left) / max(len(bars), 1)
    width = min(64.0, slot * 0.7)
    drawn, line = [], []
    for index, (label, count, cumulative, vital) in enumerate(bars):
        centre = plot.left + slot * (index + 0.5)
        top = y_count(count)
        drawn.append(ParetoBar(label=label, x=r(centre - width / 2), y=r(top), width=r(width),
                               height=r(plot.bottom - top), vital=vital, count_text=f"{count:,}",
                               label_x=r(centre), label_y=r(plot.bottom + 14)))
        line.append(Mark(r(centre), r(y_share(cumulative))))
    legend = (LegendEntry("Vital few (up to 80% of cases)", "vital", "hatched"),
              LegendEntry("Other categories", "trivial"), LegendEntry("Cumulative share", "cumulative", "circle"),
              LegendEntry("80% line", "threshold", "dashed"))
    return ParetoChart(title=title, description=description, width=WIDTH, height=plot.bottom + 140, plot=plot,
                       bars=tuple(drawn), cumulative=tuple(line), threshold_y=r(y_share(VITAL_PERCENT)),
                       counts=tuple(Tick(r(y_count(v)), number_text(v)) for v in counts),
                       shares=tuple(Tick(r(y_share(v)), percent_text(v)) for v in range(0, 101, 20)),
                       legend=legend)


# -- the I-MR control chart --------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    signal: bool  # breaks a rule: drawn as a diamond, not a circle, in another colour

    @property
    def diamond(self) -> str:
        """The polygon of a signal's diamond around the point."""
        size = 6
        return f"{self.x},{r(self.y - size)} {r(self.x + size)},{self.y} {self.x},{r(self.y + size)} " \
               f"{r(self.x - size)},{self.y}"


@dataclass(frozen=True)
class LevelLine:
    y: float
    css: str  # centre or limit
    text: str  # written at the line's right end


@dataclass(frozen=True)
class Panel:
    title: str
    plot: Plot
    values: tuple[Tick, ...]  # the y axis
    segments: tuple[str, ...]  # polylines' points, broken where a day has no value
    points: tuple[Point, ...]
    lines: tuple[LevelLine, ...]


@dataclass(frozen=True)
class ControlChart:
    title: str
    description: str
    width: float
    height: float
    individuals: Panel
    moving_range: Panel
    days: tuple[Tick, ...]  # the x axis, under each panel
    legend: tuple[LegendEntry, ...]
    kind: str = "control"


def _panel(title: str, plot: Plot, x: Callable[[int], float], values: Sequence[float | None],
           signals: Sequence[bool], levels: Sequence[tuple[float | None, str, str]]) -> Panel:
    present = [v for v in values if v is not None] + [v for v, _, _ in levels if v is not None]
    low, high = (min(present), max(present)) if present else (0.0, 1.0)
    if high == low:
        low, high = low - 1, high + 1
    axis = ticks(low, high, 4)
    y = Scale(axis[0], axis[-1], plot.bottom, plot.top)
    segments: list[list[str]] = [[]]
    points = []
    for index, value in enumerate(values):
        if value is None:
            if segments[-1]:
                segments.append([])
            continue
        point = Point(r(x(index)), r(y(value)), signals[index])
        segments[-1].append(f"{point.x},{point.y}")
        points.append(point)
    lines = tuple(LevelLine(r(y(level)), css, text) for level, css, text in levels if level is not None)
    return Panel(title=title, plot=plot, values=tuple(Tick(r(y(v)), number_text(v)) for v in axis),
                 segments=tuple(" ".join(s) for s in segments if len(s) > 1), points=tuple(points), lines=lines)


def day_ticks(count: int, most: int = 8) -> tuple[int, ...]:
    """Which of `count` days get a label: every day, or every 2nd, 7th, 14th... so at most `most` do."""
    step = next((s for s in (1, 2, 7, 14, 28) if -(-count // s) <= most), -(-count // most))
    return tuple(range(0, count, step))


def control_chart(*, title: str, description: str, days: Sequence[str], values: Sequence[float | None],
                  moving_ranges: Sequence[float | None], signals: Sequence[bool], range_signals: Sequence[bool],
                  centre: float | None, upper: float | None, lower: float | None, mr_bar: float | None,
                  mr_upper: float | None, day_text: Callable[[str], str]) -> ControlChart:
    """The individuals chart (values by day, centre line and limits) above the moving range chart; a day
    without a value is a gap in the line. `signals` (and `range_signals`) mark the days breaking a rule."""
    left, right = 56.0, WIDTH - 120.0
    slot = (right - left) / max(len(days), 1)

    def x(index: int) -> float:
        return left + slot * (index + 0.5)

    individuals = _panel("Individuals: daily median, business hours", Plot(left, 24.0, right, 224.0), x, values,
                         signals, [(centre, "centre", f"Centre {hours_text(centre)}"),
                                   (upper, "limit", f"Upper limit {hours_text(upper)}"),
                                   (lower, "limit", f"Lower limit {hours_text(lower)}")])
    ranges = _panel("Moving range, business hours", Plot(left, 294.0, right, 414.0), x, moving_ranges,
                    range_signals, [(mr_bar, "centre", f"Mean {hours_text(mr_bar)}"),
                                    (mr_upper, "limit", f"Upper limit {hours_text(mr_upper)}")])
    legend = (LegendEntry("Daily median", "point", "circle"),
              LegendEntry("Breaks a run rule", "signal", "diamond"),
              LegendEntry("Centre line", "centre", "line"), LegendEntry("Control limits", "limit", "dashed"))
    return ControlChart(title=title, description=description, width=WIDTH, height=470.0, individuals=individuals,
                        moving_range=ranges, days=tuple(Tick(r(x(i)), day_text(days[i])) for i in day_ticks(len(days))),
                        legend=legend)


# -- box plots ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoxPlot:
    label: str  # under the box
    centre: float
    half_width: float
    q1: float  # the positions of the quartiles, median and whiskers' ends
    median: float
    q3: float
    low: float
    high: float
    outliers: tuple[Mark, ...]
    median_text: str  # beside the median line


@dataclass(frozen=True)
class BoxChart:
    title: str
    description: str
    width: float
    height: float
    plot: Plot
    values: tuple[Tick, ...]
    boxes: tuple[BoxPlot, ...]  # a side without values has no box
    empty: tuple[Tick, ...]  # where a side without values says so
    axis_title: str
    kind: str = "boxes"


@dataclass(frozen=True)
class Sample:
    """A box plot's figures, as reporting gives them."""

    lower_whisker: float
    lower_quartile: float
    median: float
    upper_quartile: float
    upper_whisker: float
    outliers: tuple[float, ...]


def box_chart(*, title: str, description: str, samples: Sequence[tuple[str, Sample | None]],
              axis_title: str) -> BoxChart:
    """Box plots side by side on one scale: the box from the lower to the upper quartile, the median
    across it, whiskers to their ends and each outlier a circle."""
    plot = Plot(64.0, 16.0, WIDTH - 64.0, 296.0)
    found = [s for _, s in samples if s is not None]
    every = [v for s in found for v in (s.lower_whisker, s.upper_whisker, *s.outliers)]
    axis = ticks(min(every, default=0.0), max(every, default=1.0), 5)
    y = Scale(axis[0], axis[-1], plot.bottom, plot.top)
    slot = (plot.right - plot.left) / max(len(samples), 1)
    boxes, empty = [], []
    for index, (label, sample) in enumerate(samples):
        centre = r(plot.left + slot * (index + 0.5))
        if sample is None:
            empty.append(Tick(centre, f"{label}: no cases"))
            continue
        boxes.append(BoxPlot(label=label, centre=centre, half_width=40.0, q1=r(y(sample.lower_quartile)),
                             median=r(y(sample.median)), q3=r(y(sample.upper_quartile)),
                             low=r(y(sample.lower_whisker)), high=r(y(sample.upper_whisker)),
                             outliers=tuple(Mark(centre, r(y(v))) for v in sample.outliers),
                             median_text=f"Median {sample.median:,.1f}"))
    return BoxChart(title=title, description=description, width=WIDTH, height=plot.bottom + 40, plot=plot,
                    values=tuple(Tick(r(y(v)), number_text(v)) for v in axis), boxes=tuple(boxes),
                    empty=tuple(empty), axis_title=axis_title)
