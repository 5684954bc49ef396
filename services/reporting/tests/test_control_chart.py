"""The I-MR chart: its figures against numpy, its limits against published worked examples, and each run
rule on a series built to break exactly it."""

from __future__ import annotations

import numpy as np
import pytest

from liaison_reporting.rules.control_chart import ControlChart, RunRule, control_chart


def flagged(chart: ControlChart, rule: RunRule) -> list[int]:
    return [point.position for point in chart.points if rule in point.rules]


def test_figures_match_numpy_with_ties_and_a_day_without_data() -> None:
    series = [12.0, 14.5, None, 14.5, 9.0, 11.0, 11.0, 13.0, 12.5, 10.0, 12.0, 11.5, 13.0, 40.0, 12.0]
    chart = control_chart(series)
    positions = np.array([index for index, value in enumerate(series) if value is not None])
    values = np.array([value for value in series if value is not None])
    ranges = np.abs(np.diff(values))
    upper, lower = values.mean() + 2.66 * ranges.mean(), values.mean() - 2.66 * ranges.mean()
    assert chart.centre == pytest.approx(values.mean())
    assert chart.mr_bar == pytest.approx(ranges.mean())
    assert (chart.upper_limit, chart.lower_limit) == (pytest.approx(upper), pytest.approx(lower))
    assert chart.mr_upper_limit == pytest.approx(3.267 * ranges.mean())
    assert [point.position for point in chart.points] == list(positions)  # the empty day is skipped
    assert chart.points[0].moving_range is None
    assert [point.moving_range for point in chart.points[1:]] == pytest.approx(list(ranges))
    beyond = list(positions[(values > upper) | (values < lower)])
    assert flagged(chart, RunRule.BEYOND_LIMITS) == beyond == [13]
    mr_beyond = list(positions[1:][ranges > 3.267 * ranges.mean()])
    assert [point.position for point in chart.points if point.moving_range_beyond] == mr_beyond == [13, 14]
    # the spike lifts the centre to 14.0, leaving the nine values from position 4 to 12 below it
    assert flagged(chart, RunRule.SAME_SIDE) == [11, 12]
    assert [point.position for point in chart.signals] == [11, 12, 13, 14]


def test_a_none_day_is_skipped_not_counted_as_zero() -> None:
    chart = control_chart([10.0, None, 12.0])
    assert [(point.position, point.value, point.moving_range) for point in chart.points] == \
        [(0, 10.0, None), (2, 12.0, 2.0)]
    assert (chart.centre, chart.mr_bar) == (11.0, 2.0)
    assert control_chart([10.0, 0.0, 12.0]).centre == pytest.approx(22.0 / 3)


def test_wheeler_published_verification_data_set() -> None:
    # Donald J. Wheeler, "Making Sense of Data" (SPC Press, 2003), p. 382, "Data Set to Use When Verifying
    # Software": published average 4135.50, average moving range 355.93, natural process limits 3188.72 and
    # 5082.28 (2.66 x the average moving range), upper range limit 1163.19.
    counts = [5045, 4350, 4350, 3975, 4290, 4430, 4485, 4285, 3980, 3925, 3645, 3760, 3300, 3685, 3463, 5200]
    chart = control_chart([float(count) for count in counts])
    assert [point.moving_range for point in chart.points] == \
        [None, 695, 0, 375, 315, 140, 55, 200, 305, 55, 280, 115, 460, 385, 222, 1737]
    assert chart.centre is not None and chart.mr_bar is not None and chart.mr_upper_limit is not None
    assert (round(chart.centre, 2), round(chart.mr_bar, 2)) == (4135.50, 355.93)
    assert (chart.lower_limit, chart.upper_limit) == (pytest.approx(3188.72, abs=0.005),
                                                      pytest.approx(5082.28, abs=0.005))
    # Wheeler's upper range limit uses 3.268; this chart uses D4 = 3.267 (Montgomery's and ASTM's table value),
    # so the limit is 1162.83 and only the constant differs from the published 1163.19.
    assert round(chart.mr_upper_limit, 2) == 1162.83
    assert round(3.268 * chart.mr_bar, 2) == 1163.19
    # 5200 is above the upper limit, and its moving range of 1737 above the range limit
    assert [(point.position, point.rules, point.moving_range_beyond) for point in chart.signals] == \
        [(15, (RunRule.BEYOND_LIMITS,), True)]


def test_nist_handbook_individuals_example() -> None:
    # NIST/SEMATECH e-Handbook of Statistical Methods, section 6.3.2.2 "Individuals Control Charts", flow rate
    # of the first 10 batches: published X-bar = 50.81, MR-bar = 1.8778, UCL = 55.8041, LCL = 45.8159. The
    # handbook's limits use 3/1.128 = 2.6596 rather than 2.66, so they agree with this chart's to 0.001.
    flow = [49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
    chart = control_chart(flow)
    assert chart.centre is not None and chart.mr_bar is not None
    assert (round(chart.centre, 2), round(chart.mr_bar, 4)) == (50.81, 1.8778)
    assert chart.upper_limit == pytest.approx(55.8041, abs=1e-3)
    assert chart.lower_limit == pytest.approx(45.8159, abs=1e-3)
    assert chart.signals == ()  # "the process is in control"


def test_empty_series_has_no_figures() -> None:
    for series in ([], [None, None]):
        assert control_chart(series) == ControlChart(points=(), centre=None, mr_bar=None, upper_limit=None,
                                                     lower_limit=None, mr_upper_limit=None)


def test_single_value_has_a_centre_but_no_limits() -> None:
    chart = control_chart([None, 7.5])
    assert (chart.centre, chart.mr_bar, chart.upper_limit, chart.lower_limit, chart.mr_upper_limit) == \
        (7.5, None, None, None, None)
    assert [(point.position, point.moving_range, point.rules) for point in chart.points] == [(1, None, ())]


def test_two_values() -> None:
    chart = control_chart([4.0, 10.0])
    assert (chart.centre, chart.mr_bar) == (7.0, 6.0)
    assert (chart.upper_limit, chart.lower_limit, chart.mr_upper_limit) == \
        pytest.approx((7.0 + 2.66 * 6.0, 7.0 - 2.66 * 6.0, 3.267 * 6.0))
    assert chart.signals == ()


def test_constant_series_has_mr_bar_zero_and_breaks_no_rule() -> None:
    chart = control_chart([5.0] * 12)
    assert (chart.centre, chart.mr_bar, chart.upper_limit, chart.lower_limit, chart.mr_upper_limit) == \
        (5.0, 0.0, 5.0, 5.0, 0.0)
    assert chart.signals == ()  # on the limits is not beyond them; on the centre line is on neither side


def test_rule_1_a_point_beyond_the_limits_alone() -> None:
    series = [10.0, 11.0, 10.0, 11.0, 10.0, 11.0, 10.0, 11.0, 10.0, 11.0, 10.0, 11.0, 10.0, 18.0, 10.0]
    chart = control_chart(series)
    assert chart.upper_limit is not None and series[13] > chart.upper_limit
    assert flagged(chart, RunRule.BEYOND_LIMITS) == [13]
    assert flagged(chart, RunRule.SAME_SIDE) == flagged(chart, RunRule.TREND) == []


def test_rule_2_eight_in_a_row_on_one_side_alone() -> None:
    below, above = [8.0, 6.0, 8.0, 6.0, 8.0, 6.0, 8.0], [12.0, 14.0, 12.0, 14.0, 12.0, 14.0, 12.0, 14.0, 12.0]
    chart = control_chart(below + above)  # 7 below the centre of 10.375 (a run one short), then 9 above
    assert chart.centre is not None and all(value > chart.centre for value in above)
    assert flagged(chart, RunRule.SAME_SIDE) == [14, 15]  # the 8th and 9th above
    assert flagged(chart, RunRule.BEYOND_LIMITS) == flagged(chart, RunRule.TREND) == []


def test_rule_2_a_point_on_the_centre_line_breaks_the_run() -> None:
    # centre is 10: seven above, one exactly on the line, seven above, then balancing values below
    series = [11.0] * 7 + [10.0] + [11.0] * 7 + [3.0, 3.0]
    chart = control_chart(series)
    assert chart.centre == 10.0
    assert flagged(chart, RunRule.SAME_SIDE) == []
    assert flagged(control_chart([11.0] * 8 + [10.0] + [11.0] * 6 + [3.0, 3.0]), RunRule.SAME_SIDE) == [7]


def test_rule_3_six_rising_or_falling_alone() -> None:
    rising = [10.0, 9.0, 10.0, 9.0, 9.1, 9.2, 9.3, 9.4, 9.5, 9.6, 9.0, 10.0]  # 9.0 ... 9.6: seven rising values
    chart = control_chart(rising)
    assert flagged(chart, RunRule.TREND) == [8, 9]  # the 6th (9.5) and 7th (9.6)
    assert flagged(chart, RunRule.SAME_SIDE) == flagged(chart, RunRule.BEYOND_LIMITS) == []
    falling = [9.0, 10.0, 9.0, 10.0, 9.9, 9.8, 9.7, 9.6, 9.5, 10.0, 9.0]  # 10.0 ... 9.5: six falling values
    assert flagged(control_chart(falling), RunRule.TREND) == [8]


def test_rule_3_needs_strict_steps() -> None:
    # five rises with one equal step in the middle are two short trends, not one of six
    assert flagged(control_chart([1.0, 2.0, 3.0, 3.0, 4.0, 5.0, 6.0, 2.0]), RunRule.TREND) == []
    assert flagged(control_chart([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 2.0]), RunRule.TREND) == [5]


def test_a_series_that_breaks_no_rule() -> None:
    chart = control_chart([10.0, 12.0, 9.0, 11.0, 13.0, 10.0, 8.0, 11.0, 12.0, 9.0, 10.0, 12.0, 11.0, 9.0])
    assert chart.upper_limit is not None
    assert chart.signals == ()
