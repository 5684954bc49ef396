"""Median, p90 and histogram of a sample of durations, against numpy's own percentile and histogram."""

from __future__ import annotations

import numpy as np
import pytest

from liaison_reporting.rules.distribution import Distribution, distribution, histogram, quantile

SAMPLES = [
    [3.5, 1.0, 7.25, 2.0, 2.0, 9.0, 4.0, 4.0, 4.0, 30.0, 0.5, 6.0],  # ties and a long tail
    [5.0, 5.0, 5.0, 5.0],  # constant
    [2.0, 8.0],  # two values
    [6.5],  # a single value
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0],  # p90 exactly on a value
    [12.0, 0.25, 48.0, 3.0, 3.0, 7.5, 16.0, 1.0, 2.5, 24.0, 9.0, 5.0, 4.0, 4.5, 30.0, 36.0, 0.75],
]


@pytest.mark.parametrize("sample", SAMPLES)
def test_median_and_p90_match_numpys_linear_method(sample: list[float]) -> None:
    figures = distribution(sample)
    assert figures.count == len(sample)
    assert figures.median == pytest.approx(np.median(sample))
    assert figures.p90 == pytest.approx(np.percentile(sample, 90, method="linear"))


@pytest.mark.parametrize("p", [0.0, 0.1, 0.25, 0.33, 0.5, 0.75, 0.9, 0.99, 1.0])
def test_quantile_matches_numpy_at_every_level(p: float) -> None:
    ordered = sorted(SAMPLES[-1])
    assert quantile(ordered, p) == pytest.approx(np.quantile(ordered, p, method="linear"))


@pytest.mark.parametrize("sample", SAMPLES)
def test_automatic_bins_are_sturges_as_numpy_counts_them(sample: list[float]) -> None:
    figures = distribution(sample)
    assert figures.histogram is not None
    counts, edges = np.histogram(sample, bins="sturges")
    assert figures.histogram.edges == pytest.approx(list(edges))
    assert list(figures.histogram.counts) == list(counts)
    assert (sum(figures.histogram.counts), figures.histogram.outside) == (len(sample), 0)


def test_given_edges_count_as_numpy_does_and_the_last_bin_is_closed() -> None:
    sample = SAMPLES[0]
    edges = [0.0, 2.0, 4.0, 8.0, 24.0]
    figures = distribution(sample, edges)
    assert figures.histogram is not None
    inside = [value for value in sample if edges[0] <= value <= edges[-1]]
    counts, _ = np.histogram(inside, bins=edges)
    assert list(figures.histogram.counts) == list(counts) == [2, 3, 5, 1]  # 2.0 and 4.0 start their bins
    assert figures.histogram.outside == 1  # 30.0 is beyond the last edge
    assert histogram([0.0, 1.0, 2.0], [0.0, 1.0, 2.0]).counts == (1, 2)  # 2.0 is in the last bin


def test_edges_must_increase() -> None:
    with pytest.raises(ValueError, match="strictly increasing"):
        histogram([1.0], [0.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="at least two"):
        histogram([1.0], [0.0])


def test_constant_sample_has_one_bin_around_its_value() -> None:
    histogram_ = distribution([5.0, 5.0, 5.0]).histogram
    assert histogram_ is not None
    assert (histogram_.edges, histogram_.counts) == ((4.5, 5.5), (3,))


def test_empty_sample_has_no_figures() -> None:
    assert distribution([]) == Distribution(count=0, median=None, p90=None, histogram=None)
    assert distribution([], [0.0, 1.0]).histogram is None
