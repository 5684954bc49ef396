"""Before and after a cut (a change of process, a new contract): two samples compared by their medians.

- Percent change is (after - before) / before of the medians, in percent; None when the before median
  is 0 or a side is empty.
- Each sample gets a Tukey box plot: quartiles by the linear method (numpy's default, see
  `distribution.quantile`), whiskers to the most extreme values within 1.5·IQR of the quartiles, and the
  values beyond them are outliers: all counted, and the `EXTREME_OUTLIERS` (20) farthest from the median
  listed (ascending; of two as far, the lower first). A year of cases has tens of thousands of outliers,
  which no chart draws one by one.
- Mood's median test is `scipy.stats.median_test(before, after, ties="below", correction=True)`: values
  equal to the grand median count as not above it (Mood's own convention and scipy's default), with
  Yates' continuity correction on the 2x2 table. Its statistic needs only that table (each side's values
  above the grand median, and not above it), so it is computed from the table
  (`scipy.stats.chi2_contingency(table, correction=True)`, what `median_test` itself does), which the
  database counts without sending the values. It needs at least `MIN_PER_SIDE` (2) values on each
  side: with one value a side's column of the table is a single 0 or 1, which says nothing about where
  that side's values lie, so the test is not made. It is not made either when no value is above the
  grand median (all values at or below it, e.g. a constant sample): the table then has an empty row and
  the chi-square statistic is undefined. Small samples remain weak evidence; the p-value shows it.
- The sentence says which way the median went, by how much, the medians and the p-value
  ("resolution time fell 17% (median 12.0 h before, 10.0 h after), p = 0.005"), adding "not significant
  at the 5% level" when p >= 0.05. p has three decimals; below 0.001 it reads "p < 0.001", and just under
  0.05 (where three decimals would show 0.050) "p < 0.05".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from liaison_reporting.rules.distribution import quantile

MIN_PER_SIDE = 2
SIGNIFICANCE = 0.05
WHISKER_IQR = 1.5
EXTREME_OUTLIERS = 20


@dataclass(frozen=True)
class BoxPlot:
    count: int
    minimum: float
    lower_quartile: float
    median: float
    upper_quartile: float
    maximum: float
    lower_whisker: float
    upper_whisker: float
    outlier_count: int  # values beyond the whiskers
    outliers: tuple[float, ...]  # the `EXTREME_OUTLIERS` farthest from the median, ascending


@dataclass(frozen=True)
class MedianTest:
    statistic: float
    p_value: float
    grand_median: float


@dataclass(frozen=True)
class Comparison:
    before: BoxPlot | None  # None for an empty sample
    after: BoxPlot | None
    percent_change: float | None
    test: MedianTest | None  # None when it cannot be made (see the module's docstring)
    sentence: str


def fences(lower_quartile: float, upper_quartile: float) -> tuple[float, float]:
    """The values beyond these are outliers."""
    spread = WHISKER_IQR * (upper_quartile - lower_quartile)
    return lower_quartile - spread, upper_quartile + spread


def farthest(outliers: Sequence[float], median: float) -> tuple[float, ...]:
    """The outliers a box plot lists: the `EXTREME_OUTLIERS` farthest from the median, ascending."""
    return tuple(sorted(sorted(outliers, key=lambda value: (-abs(value - median), value))[:EXTREME_OUTLIERS]))


def box_plot(values: Sequence[float]) -> BoxPlot | None:
    ordered = sorted(values)
    if not ordered:
        return None
    q1, median, q3 = (quantile(ordered, p) for p in (0.25, 0.5, 0.75))
    low_fence, high_fence = fences(q1, q3)
    inside = [value for value in ordered if low_fence <= value <= high_fence]
    beyond = [value for value in ordered if value < low_fence or value > high_fence]
    return BoxPlot(count=len(ordered), minimum=ordered[0], lower_quartile=q1, median=median, upper_quartile=q3,
                   maximum=ordered[-1], lower_whisker=inside[0], upper_whisker=inside[-1],
                   outlier_count=len(beyond), outliers=farthest(beyond, median))


def median_test_of_counts(above: tuple[int, int], counts: tuple[int, int], grand_median: float) -> MedianTest | None:
    """Mood's median test from its table: of each side (before, after), how many values are above the grand
    median, and how many values it has. None when it cannot be made."""
    if min(counts) < MIN_PER_SIDE or sum(above) == 0:
        return None
    table = [list(above), [n - a for n, a in zip(counts, above, strict=True)]]
    result = stats.chi2_contingency(table, correction=True)
    return MedianTest(statistic=float(result.statistic), p_value=float(result.pvalue), grand_median=grand_median)


def median_test(before: Sequence[float], after: Sequence[float]) -> MedianTest | None:
    """Mood's median test of two samples, or None when it cannot be made."""
    if min(len(before), len(after)) < MIN_PER_SIDE:
        return None
    grand = quantile(sorted([*before, *after]), 0.5)
    above = (sum(value > grand for value in before), sum(value > grand for value in after))
    return median_test_of_counts(above, (len(before), len(after)), grand)


def p_text(p_value: float) -> str:
    """`p = 0.005`, `p < 0.001`; `p < 0.05` for a p just under 0.05 that three decimals would show as 0.050."""
    if p_value < 0.001:
        return "p < 0.001"
    shown = f"{p_value:.3f}"
    return f"p < {SIGNIFICANCE}" if p_value < SIGNIFICANCE <= float(shown) else f"p = {shown}"


def change_words(before: float, after: float, percent: float | None) -> str:
    if after == before:
        return "did not change"
    verb = "rose" if after > before else "fell"
    if percent is None:
        return verb
    rounded = f"{abs(percent):.0f}"
    return f"{verb} {'<1' if rounded == '0' else rounded}%"


def sentence(counts: tuple[int, int], medians: tuple[float, float] | None, percent: float | None,
             test: MedianTest | None, *, measure: str, unit: str) -> str:
    if medians is None:
        return f"{measure}: no values {'before' if not counts[0] else 'after'} the cut to compare"
    said = (f"{measure} {change_words(*medians, percent)} "
            f"(median {medians[0]:.1f} {unit} before, {medians[1]:.1f} {unit} after)")
    if test is None:
        if min(counts) < MIN_PER_SIDE:
            return (f"{said}; the median test cannot be made with {counts[0]} before and {counts[1]} after "
                    f"(at least {MIN_PER_SIDE} needed on each side)")
        return f"{said}; the median test cannot be made: no value is above the common median"
    significance = "" if test.p_value < SIGNIFICANCE else ", not significant at the 5% level"
    return f"{said}, {p_text(test.p_value)}{significance}"


def comparison(before: BoxPlot | None, after: BoxPlot | None, test: MedianTest | None, *,
               measure: str = "resolution time", unit: str = "h") -> Comparison:
    """The comparison of two samples summed up by their box plots and their median test."""
    medians = (before.median, after.median) if before and after else None
    percent = (medians[1] - medians[0]) / medians[0] * 100 if medians and medians[0] != 0 else None
    counts = (before.count if before else 0, after.count if after else 0)
    return Comparison(before=before, after=after, percent_change=percent, test=test,
                      sentence=sentence(counts, medians, percent, test, measure=measure, unit=unit))


def compare(before: Sequence[float], after: Sequence[float], *, measure: str = "resolution time",
            unit: str = "h") -> Comparison:
    """Compare two samples (e.g. resolution times in hours) across a cut."""
    return comparison(box_plot(before), box_plot(after), median_test(before, after), measure=measure, unit=unit)
