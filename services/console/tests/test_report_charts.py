"""The report charts' geometry, without a database: scales and ticks, bars proportional to their values,
the Pareto chart's cumulative line and 80% line, the control chart's limits at their values' heights,
its gaps and its signals, and box plots."""

from __future__ import annotations

import math

import pytest

from liaison_console.rules import charts, scales


def test_ticks_are_round_and_cover_the_values() -> None:
    assert scales.ticks(0, 87) == (0, 20, 40, 60, 80, 100)
    assert scales.ticks(0, 100) == (0, 20, 40, 60, 80, 100)
    assert scales.ticks(0, 7.3) == (0, 2, 4, 6, 8)
    assert scales.ticks(2.2, 3.1, 4) == (2.0, 2.5, 3.0, 3.5)
    assert scales.ticks(-1.5, 4.0, 4) == (-2, 0, 2, 4)
    assert scales.ticks(5, 5) == (5, 5.2, 5.4, 5.6, 5.8, 6)  # nothing to span: a unit above


def test_a_scale_maps_its_ends_and_is_linear_between_them() -> None:
    upwards = scales.Scale(0, 10, 200, 0)  # y grows downwards: the largest value at the top
    assert (upwards(0), upwards(10), upwards(2.5)) == (200, 0, 150)
    assert scales.Scale(3, 3, 50, 100)(3) == 50


def test_a_bars_length_is_proportional_to_its_value() -> None:
    chart = charts.bar_chart(title="t", description="d", series=("Met",), axis_title="%", maximum=100,
                             groups=[("a", [(25.0, "25%")]), ("b", [(50.0, "50%")]), ("c", [(100.0, "100%")]),
                                     ("d", [(0.0, "0%")])])
    widths = [group.bars[0].width for group in chart.groups]
    full = chart.plot.right - chart.plot.left
    assert widths == [full / 4, full / 2, full, 0]
    assert [t.text for t in chart.axis] == ["0", "20", "40", "60", "80", "100"]
    assert chart.axis[-1].at == chart.plot.right
    # Each bar says its value after its end, and groups never overlap.
    assert all(g.bars[0].text_x > g.bars[0].x + g.bars[0].width for g in chart.groups)
    tops = [g.bars[0].y for g in chart.groups]
    assert tops == sorted(tops) and len(set(tops)) == 4


def test_two_series_get_a_bar_each_their_own_class_and_a_legend() -> None:
    chart = charts.bar_chart(title="t", description="d", series=("Median", "90th percentile"), axis_title="h",
                             groups=[("urgent", [(2.0, "median 2.0 h"), (7.3, "p90 7.3 h")])])
    median, p90 = chart.groups[0].bars
    assert (median.css, p90.css) == ("series-0", "series-1")
    assert p90.y > median.y and math.isclose(p90.width / median.width, 7.3 / 2.0, rel_tol=1e-2)
    assert [e.text for e in chart.legend] == ["Median", "90th percentile"]
    assert chart.axis[-1].text == "8"  # the scale ends at a round value above the largest


def test_the_pareto_chart_draws_counts_the_cumulative_share_and_the_80_percent_line() -> None:
    chart = charts.pareto_chart(title="t", description="d", bars=[
        ("ombudsman", 5, 50.0, True), ("provider", 3, 80.0, True), ("legislative", 2, 100.0, False)])
    plot = chart.plot
    heights = [b.height for b in chart.bars]
    assert heights[0] / heights[1] == pytest.approx(5 / 3, rel=1e-2) and heights[1] / heights[2] == pytest.approx(1.5,
                                                                                                             rel=1e-2)
    assert all(b.y + b.height == pytest.approx(plot.bottom, abs=0.1) for b in chart.bars)
    assert [b.vital for b in chart.bars] == [True, True, False]
    # The line's last point is at 100% (the plot's top), the 80% line at four fifths of the height, and
    # the second bar's point, at 80%, on it.
    assert chart.cumulative[-1].y == plot.top
    assert chart.threshold_y == pytest.approx(plot.bottom - 0.8 * (plot.bottom - plot.top), abs=0.1)
    assert chart.cumulative[1].y == chart.threshold_y
    assert [m.x for m in chart.cumulative] == [b.label_x for b in chart.bars]
    assert chart.cumulative_points.count(",") == 3
    assert [t.text for t in chart.shares] == ["0%", "20%", "40%", "60%", "80%", "100%"]


def control(values: list[float | None], signals: list[bool] | None = None) -> charts.ControlChart:
    present = [v for v in values if v is not None]
    centre = sum(present) / len(present)
    return charts.control_chart(
        title="t", description="d", days=[f"2026-11-{n + 1:02d}" for n in range(len(values))], values=values,
        moving_ranges=[None] * len(values), signals=signals or [False] * len(values),
        range_signals=[False] * len(values), centre=centre, upper=centre + 3, lower=centre - 3, mr_bar=1.0,
        mr_upper=3.267, day_text=lambda day: day[-2:])


def test_the_control_limits_are_drawn_at_the_height_of_their_values() -> None:
    chart = control([4.0, 5.0, 3.0, 6.0, 4.5])
    panel = chart.individuals
    centre, upper, lower = (line.y for line in panel.lines)
    assert upper < centre < lower  # upwards on the page
    # The same linear scale places the points and the lines: 3 hours above the centre is as far up as the
    # point at 6.0 is above the one at 3.0.
    by_value = {v: p.y for v, p in zip([4.0, 5.0, 3.0, 6.0, 4.5], panel.points, strict=True)}
    per_hour = (by_value[3.0] - by_value[6.0]) / 3
    assert centre - upper == pytest.approx(3 * per_hour, abs=0.2)
    assert lower - centre == pytest.approx(3 * per_hour, abs=0.2)
    assert [line.text for line in panel.lines] == ["Centre 4.5", "Upper limit 7.5", "Lower limit 1.5"]
    assert panel.plot.top <= upper and lower <= panel.plot.bottom
    assert chart.moving_range.plot.top > panel.plot.bottom  # the moving range chart is below


def test_a_day_without_a_value_is_a_gap_in_the_line_not_a_zero() -> None:
    chart = control([4.0, 5.0, None, 6.0, 4.5, None, 7.0])
    panel = chart.individuals
    assert len(panel.points) == 5
    assert len(panel.segments) == 2  # 1-2 and 4-5; the lone last day is a point without a line
    assert [s.count(",") for s in panel.segments] == [2, 2]
    xs = [p.x for p in panel.points]
    slot = xs[1] - xs[0]
    assert xs[2] - xs[1] == pytest.approx(2 * slot, abs=0.2)  # the empty day keeps its place


def test_points_breaking_a_run_rule_are_diamonds() -> None:
    chart = control([4.0, 5.0, 3.0, 12.0, 4.5], signals=[False, False, False, True, False])
    flagged = [p for p in chart.individuals.points if p.signal]
    assert len(flagged) == 1 and flagged[0].y == min(p.y for p in chart.individuals.points)
    x, y = flagged[0].x, flagged[0].y
    corners = [tuple(map(float, corner.split(","))) for corner in flagged[0].diamond.split()]
    assert corners == [(x, y - 6), (x + 6, y), (x, y + 6), (x - 6, y)]
    assert {e.shape for e in chart.legend} >= {"circle", "diamond", "dashed"}


def test_a_long_period_labels_a_few_days() -> None:
    assert charts.day_ticks(5) == (0, 1, 2, 3, 4)
    assert charts.day_ticks(91) == tuple(range(0, 91, 14))
    assert len(charts.day_ticks(1000)) <= 8


def test_box_plots_share_one_scale_with_the_median_inside_the_box() -> None:
    before = charts.Sample(lower_whisker=5.0, lower_quartile=5.6, median=6.0, upper_quartile=6.4, upper_whisker=7.0,
                           outliers=(11.0,))
    after = charts.Sample(lower_whisker=2.0, lower_quartile=2.6, median=3.0, upper_quartile=3.4, upper_whisker=4.0,
                          outliers=())
    chart = charts.box_chart(title="t", description="d", axis_title="h",
                             samples=[("Before", before), ("After", after)])
    first, second = chart.boxes
    assert first.q3 < first.median < first.q1 and first.high < first.q3 and first.q1 < first.low
    assert second.median > first.median  # a smaller value is lower on the page
    assert first.outliers[0].y < first.high  # 11 hours, above the upper whisker
    assert first.centre < second.centre and first.median_text == "Median 6.0"
    assert chart.values[0].text == "2" and chart.values[-1].text == "12"


def test_a_side_without_values_says_so_instead_of_a_box() -> None:
    only = charts.Sample(lower_whisker=1.0, lower_quartile=1.0, median=1.0, upper_quartile=1.0, upper_whisker=1.0,
                         outliers=())
    chart = charts.box_chart(title="t", description="d", axis_title="h",
                             samples=[("Before", only), ("After", None)])
    assert len(chart.boxes) == 1 and [e.text for e in chart.empty] == ["After: no cases"]
