"""The shape of a sample of durations: its median, 90th percentile and a histogram.

Percentiles use the linear method (Hyndman and Fan's type 7, numpy's default `method="linear"`),
implemented here: sort the n values, take h = (n - 1)·p, and interpolate between the values at
floor(h) and floor(h) + 1. The median is the 50th percentile of that method, which is the usual median.

A histogram counts the values in each bin; every bin is [left, right) except the last, which is
[left, right] (numpy's convention). With edges given, values outside them are counted apart
(`outside`). Without, the edges are automatic: Sturges' rule, ceil(log2(n) + 1) bins of equal width from
the smallest value to the largest, or one bin of width 1 around the value when all values are equal.

An empty sample has no median, percentile or histogram: those figures are None, not errors.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class Histogram:
    edges: tuple[float, ...]  # len(counts) + 1, increasing
    counts: tuple[int, ...]
    outside: int  # values below the first edge or above the last


@dataclass(frozen=True)
class Distribution:
    count: int
    median: float | None
    p90: float | None
    histogram: Histogram | None


def quantile(ordered: Sequence[float], p: float) -> float:
    """The p-quantile (0 <= p <= 1) of values sorted ascending (at least one), by the linear method."""
    h = (len(ordered) - 1) * p
    below = math.floor(h)
    if below + 1 >= len(ordered):
        return float(ordered[-1])
    return ordered[below] + (h - below) * (ordered[below + 1] - ordered[below])


def sturges_edges(ordered: Sequence[float]) -> tuple[float, ...]:
    low, high = ordered[0], ordered[-1]
    if low == high:
        return (low - 0.5, high + 0.5)
    bins = math.ceil(math.log2(len(ordered)) + 1)
    return (*(low + (high - low) * index / bins for index in range(bins)), high)


def histogram(values: Sequence[float], edges: Sequence[float]) -> Histogram:
    """Counts per bin of these edges (at least two, strictly increasing)."""
    if len(edges) < 2 or any(right <= left for left, right in pairwise(edges)):
        raise ValueError("histogram edges must be at least two, strictly increasing")
    counts = [0] * (len(edges) - 1)
    outside = 0
    for value in values:
        if value < edges[0] or value > edges[-1]:
            outside += 1
        else:
            counts[min(bisect.bisect_right(edges, value) - 1, len(counts) - 1)] += 1
    return Histogram(edges=tuple(float(edge) for edge in edges), counts=tuple(counts), outside=outside)


def distribution(values: Sequence[float], edges: Sequence[float] | None = None) -> Distribution:
    """Median, p90 and histogram of a sample (e.g. resolution times in hours); automatic edges unless given."""
    ordered = sorted(values)
    if not ordered:
        return Distribution(count=0, median=None, p90=None, histogram=None)
    return Distribution(count=len(ordered), median=quantile(ordered, 0.5), p90=quantile(ordered, 0.9),
                        histogram=histogram(ordered, sturges_edges(ordered) if edges is None else edges))
