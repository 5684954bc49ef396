"""Before and after a cut: medians, percent change and box plots against numpy, Mood's median test against
scipy called here, and the sentence for a fall, a rise, no change and too few values."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from liaison_reporting.rules.comparison import (
    EXTREME_OUTLIERS,
    BoxPlot,
    box_plot,
    compare,
    median_test,
    median_test_of_counts,
    p_text,
)

BEFORE = [12.0, 14.0, 11.5, 13.0, 12.0, 15.5, 12.0, 11.0, 12.0, 16.0, 13.5, 10.5, 12.0, 14.5, 11.0, 40.0]
AFTER = [10.0, 9.5, 11.0, 10.0, 8.5, 12.5, 10.0, 9.0, 10.5, 11.5, 10.0, 9.0, 12.0, 10.0, 7.5, 10.5]


def scipy_p(before: list[float], after: list[float]) -> float:
    return float(stats.median_test(before, after, ties="below", correction=True).pvalue)


def numpy_box(values: list[float]) -> tuple[float, ...]:
    data = np.array(values)
    q1, median, q3 = np.percentile(data, [25, 50, 75])
    inside = data[(data >= q1 - 1.5 * (q3 - q1)) & (data <= q3 + 1.5 * (q3 - q1))]
    return data.min(), q1, median, q3, data.max(), inside.min(), inside.max()


@pytest.mark.parametrize("values", [BEFORE, AFTER, [4.0, 4.0, 4.0], [1.0, 2.0], [7.0],
                                    [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 50.0, -40.0],
                                    [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 16.0]])
def test_box_plot_matches_numpy(values: list[float]) -> None:
    box = box_plot(values)
    assert box is not None and box.count == len(values)
    assert (box.minimum, box.lower_quartile, box.median, box.upper_quartile, box.maximum, box.lower_whisker,
            box.upper_whisker) == pytest.approx(numpy_box(values))
    whiskers = (box.lower_whisker, box.upper_whisker)
    assert box.outliers == tuple(sorted(value for value in values if not whiskers[0] <= value <= whiskers[1]))


def test_outliers_are_listed_beyond_the_whiskers() -> None:
    box = box_plot([1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 50.0, -40.0])
    assert box is not None
    assert (box.lower_whisker, box.upper_whisker, box.outliers) == (1.0, 3.0, (-40.0, 50.0))
    # quartiles 3.25 and 7.75: 16 is beyond 7.75 + 1.5 x 4.5 = 14.5, so the whisker stops at 9
    near = box_plot([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 16.0])
    assert near is not None and (near.upper_whisker, near.outliers) == (9.0, (16.0,))
    assert box_plot([]) is None


def test_a_fall_with_its_test_against_scipy() -> None:
    result = compare(BEFORE, AFTER)
    assert result.before is not None and result.after is not None and result.test is not None
    assert (result.before.median, result.after.median) == (np.median(BEFORE), np.median(AFTER)) == (12.0, 10.0)
    assert result.percent_change == pytest.approx((10.0 - 12.0) / 12.0 * 100)
    expected = stats.median_test(BEFORE, AFTER, ties="below", correction=True)
    assert (result.test.statistic, result.test.p_value, result.test.grand_median) == \
        pytest.approx((expected.statistic, expected.pvalue, expected.median))
    assert result.test.p_value < 0.05
    assert result.sentence == \
        f"resolution time fell 17% (median 12.0 h before, 10.0 h after), p = {scipy_p(BEFORE, AFTER):.3f}"
    assert result.sentence.endswith("p = 0.001")  # 0.0015


def test_values_on_the_grand_median_count_as_below_it() -> None:
    before, after = [10.0, 12.0, 12.0, 12.0, 13.0, 14.0], [8.0, 9.0, 10.0, 11.0, 12.0, 12.0]
    result = compare(before, after)
    below = stats.median_test(before, after, ties="below", correction=True)
    above = stats.median_test(before, after, ties="above", correction=True)
    assert below.median == 12.0 and below.pvalue != above.pvalue  # the ties option matters for these
    assert result.test is not None and result.test.p_value == pytest.approx(below.pvalue)


def test_a_rise() -> None:
    result = compare(AFTER, BEFORE, measure="time to first contact")
    assert result.percent_change == pytest.approx(20.0)
    assert result.sentence == "time to first contact rose 20% (median 10.0 h before, 12.0 h after), p = 0.001"


def test_no_change_is_said_and_is_not_significant() -> None:
    before, after = [10.0, 11.0, 12.0, 13.0, 14.0], [9.5, 11.5, 12.0, 12.5, 15.0]
    result = compare(before, after)
    assert result.test is not None and result.test.p_value == pytest.approx(scipy_p(before, after)) == 1.0
    assert result.sentence == ("resolution time did not change (median 12.0 h before, 12.0 h after), p = 1.000, "
                               "not significant at the 5% level")


def test_a_change_that_is_not_significant() -> None:
    before, after = [8.0, 12.0, 9.0, 15.0, 11.0, 14.0], [7.0, 13.0, 10.0, 16.0, 9.5, 12.5]
    result = compare(before, after, unit="days")
    p = scipy_p(before, after)
    assert p >= 0.05
    assert result.sentence == (f"resolution time fell 2% (median 11.5 days before, 11.2 days after), "
                               f"p = {p:.3f}, not significant at the 5% level")


def test_too_few_values_on_a_side() -> None:
    result = compare([12.0], AFTER)
    assert result.test is None
    assert result.sentence == ("resolution time fell 17% (median 12.0 h before, 10.0 h after); the median test "
                               "cannot be made with 1 before and 16 after (at least 2 needed on each side)")
    two = compare([12.0, 13.0], [10.0, 11.0])  # two on each side is enough
    assert two.test is not None and two.test.p_value == pytest.approx(scipy_p([12.0, 13.0], [10.0, 11.0]))


def test_an_empty_side_has_no_figures() -> None:
    result = compare([], AFTER)
    assert (result.before, result.percent_change, result.test) == (None, None, None)
    assert result.after == box_plot(AFTER)
    assert result.sentence == "resolution time: no values before the cut to compare"
    assert compare(BEFORE, []).sentence == "resolution time: no values after the cut to compare"


def test_constant_samples_cannot_be_tested() -> None:
    with pytest.raises(ValueError):  # what scipy itself says of such a table
        stats.median_test([5.0, 5.0], [5.0, 5.0])
    result = compare([5.0, 5.0], [5.0, 5.0])
    assert result.before == BoxPlot(count=2, minimum=5.0, lower_quartile=5.0, median=5.0, upper_quartile=5.0,
                                    maximum=5.0, lower_whisker=5.0, upper_whisker=5.0, outlier_count=0,
                                    outliers=())
    assert (result.percent_change, result.test) == (0.0, None)
    assert result.sentence.endswith("the median test cannot be made: no value is above the common median")


def test_a_zero_median_before_has_no_percent() -> None:
    result = compare([0.0, 0.0, 0.0, 1.0], [2.0, 3.0, 4.0, 5.0])
    assert result.percent_change is None
    assert result.sentence.startswith("resolution time rose (median 0.0 h before, 3.5 h after)")


def test_p_values_read_sensibly() -> None:
    assert [p_text(p) for p in (0.0004, 0.001, 0.0049, 0.0495, 0.04999, 0.05, 0.31731)] == \
        ["p < 0.001", "p = 0.001", "p = 0.005", "p < 0.05", "p < 0.05", "p = 0.050", "p = 0.317"]
    many = compare([12.0, 12.5, 13.0, 14.0] * 10, [10.0, 10.5, 11.0, 9.0] * 10)
    assert many.test is not None and many.test.p_value < 0.001
    assert many.sentence.endswith("p < 0.001")


@pytest.mark.parametrize("seed", range(6))
def test_moods_test_from_its_table_is_scipys_on_the_raw_values(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Rounded to a tenth of an hour: ties, and values on the grand median, which count as not above it.
    before = np.round(rng.lognormal(2.5, 0.6, 30 + 7 * seed), 1)
    after = np.round(rng.lognormal(2.3 + 0.05 * seed, 0.6, 35), 1)
    grand = float(np.median(np.concatenate([before, after])))
    above = (int((before > grand).sum()), int((after > grand).sum()))
    test = median_test_of_counts(above, (len(before), len(after)), grand)
    expected = stats.median_test(before, after, ties="below", correction=True)
    assert test is not None
    assert (test.statistic, test.p_value, test.grand_median) == pytest.approx(
        (expected.statistic, expected.pvalue, expected.median))
    raw = median_test(list(before), list(after))  # what compare() uses, from the raw values
    assert raw is not None and (raw.statistic, raw.p_value) == pytest.approx((expected.statistic, expected.pvalue))


def test_a_box_plot_counts_every_outlier_and_lists_the_farthest() -> None:
    values = [10.0 + n % 7 for n in range(200)] + [30.0 + n for n in range(25)] + [-20.0, -21.0]
    box = box_plot(values)
    data = np.array(values)
    q1, median, q3 = np.percentile(data, [25, 50, 75])
    beyond = data[(data < q1 - 1.5 * (q3 - q1)) | (data > q3 + 1.5 * (q3 - q1))]
    assert box is not None and box.outlier_count == len(beyond) == 27
    farthest = sorted(beyond, key=lambda v: -abs(v - median))[:EXTREME_OUTLIERS]
    assert box.outliers == tuple(sorted(farthest)) and len(box.outliers) == EXTREME_OUTLIERS == 20
    # Both below the whiskers are farther from the median (13) than the lowest above them.
    assert box.outliers == (-21.0, -20.0, *(float(v) for v in range(37, 55)))
