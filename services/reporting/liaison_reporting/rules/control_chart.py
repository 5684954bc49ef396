"""An I-MR (individuals and moving range) control chart of a series, and the run rules its points break.

Conventions, exactly:

- The series is one value per period (say the median resolution time of each day, in hours), in time
  order. `None` is a period without data: it is skipped, not counted as zero, so the values either side
  of it are neighbours. It breaks no run and the moving range spans it; each point keeps its position in
  the input, so a chart can still put it on its day.
- Moving range MR_i = |x_i - x_(i-1)| between consecutive values; the first value has none.
- X-bar is the mean of the values, MR-bar the mean of the moving ranges. Individuals limits are
  X-bar ± 2.66·MR-bar (2.66 = 3/d2, d2 = 1.128 for ranges of two); the moving range chart's upper limit
  is 3.267·MR-bar (D4 for ranges of two) and its lower limit 0. With one value there is a centre line but
  no moving range and no limits; with none there is nothing.
- Rule 1 (`BEYOND_LIMITS`): a value strictly above the upper or strictly below the lower limit (a value
  exactly on a limit is inside). A constant series has MR-bar 0 and limits on the centre line: none of
  its values is beyond them.
- Rule 2 (`SAME_SIDE`): eight values in a row strictly on the same side of the centre line; the 8th and
  every further value of that run are flagged. A value exactly on the centre line breaks the run and
  starts none.
- Rule 3 (`TREND`): six values in a row steadily rising or falling, each strictly greater (or less) than
  the one before; the 6th and every further value of that run are flagged. An equal neighbour breaks
  the trend; the value where a rise turns into a fall is the first of the new trend.
- A moving range strictly above the moving range chart's upper limit is flagged on its point.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

E2 = 2.66  # individuals limits: X-bar ± E2·MR-bar
D4 = 3.267  # moving range chart's upper limit: D4·MR-bar
SAME_SIDE_RUN = 8
TREND_RUN = 6


class RunRule(StrEnum):
    BEYOND_LIMITS = "beyond_limits"
    SAME_SIDE = "same_side"
    TREND = "trend"


@dataclass(frozen=True)
class ChartPoint:
    position: int  # index in the input series, `None` periods included
    value: float
    moving_range: float | None  # None for the first value
    rules: tuple[RunRule, ...]  # the individuals rules this value breaks, in rule order
    moving_range_beyond: bool  # its moving range is above the moving range chart's upper limit


@dataclass(frozen=True)
class ControlChart:
    points: tuple[ChartPoint, ...]
    centre: float | None  # X-bar
    mr_bar: float | None
    upper_limit: float | None
    lower_limit: float | None
    mr_upper_limit: float | None  # the moving range chart's lower limit is 0

    @property
    def signals(self) -> tuple[ChartPoint, ...]:
        """The points that break a rule on either chart."""
        return tuple(point for point in self.points if point.rules or point.moving_range_beyond)


def moving_ranges(values: Sequence[float]) -> list[float]:
    return [abs(current - previous) for previous, current in pairwise(values)]


def run_lengths(steps: Sequence[int]) -> list[int]:
    """For each step (+1, -1 or 0), how many steps in a row up to it share its non-zero sign (0 for a 0)."""
    lengths: list[int] = []
    for index, step in enumerate(steps):
        same = index > 0 and step != 0 and steps[index - 1] == step
        lengths.append(0 if step == 0 else lengths[-1] + 1 if same else 1)
    return lengths


def sign(number: float) -> int:
    return (number > 0) - (number < 0)


def beyond_limits(values: Sequence[float], lower: float, upper: float) -> list[bool]:
    return [value > upper or value < lower for value in values]


def same_side(values: Sequence[float], centre: float) -> list[bool]:
    return [length >= SAME_SIDE_RUN for length in run_lengths([sign(value - centre) for value in values])]


def trend(values: Sequence[float]) -> list[bool]:
    # A run of k steps in one direction is k + 1 values, so the 6th value ends the 5th step.
    steps = [0, *(sign(current - previous) for previous, current in pairwise(values))]
    return [length >= TREND_RUN - 1 for length in run_lengths(steps)]


def control_chart(series: Sequence[float | None]) -> ControlChart:
    """The I-MR chart of a series of period values (`None` for a period without data: skipped)."""
    present = [(position, value) for position, value in enumerate(series) if value is not None]
    values = [value for _, value in present]
    if not values:
        return ControlChart(points=(), centre=None, mr_bar=None, upper_limit=None, lower_limit=None,
                            mr_upper_limit=None)
    centre = sum(values) / len(values)
    ranges = moving_ranges(values)
    mr_bar = sum(ranges) / len(ranges) if ranges else None
    upper = centre + E2 * mr_bar if mr_bar is not None else None
    lower = centre - E2 * mr_bar if mr_bar is not None else None
    mr_upper = D4 * mr_bar if mr_bar is not None else None
    flags = {
        RunRule.BEYOND_LIMITS: beyond_limits(values, lower, upper) if lower is not None and upper is not None
        else [False] * len(values),
        RunRule.SAME_SIDE: same_side(values, centre),
        RunRule.TREND: trend(values),
    }
    points = tuple(
        ChartPoint(position=position, value=value, moving_range=ranges[index - 1] if index else None,
                   rules=tuple(rule for rule in RunRule if flags[rule][index]),
                   moving_range_beyond=bool(index and mr_upper is not None and ranges[index - 1] > mr_upper))
        for index, (position, value) in enumerate(present))
    return ControlChart(points=points, centre=centre, mr_bar=mr_bar, upper_limit=upper, lower_limit=lower,
                        mr_upper_limit=mr_upper)
