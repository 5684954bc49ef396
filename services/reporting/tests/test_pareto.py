"""The Pareto table: order, shares and cumulative percents against numpy, and the vital few."""

from __future__ import annotations

import numpy as np
import pytest

from liaison_reporting.rules.pareto import Pareto, pareto

REASONS = [("pharmacy", 12), ("authorization", 40), ("transport", 7), ("billing", 12), ("enrollment", 25),
           ("other", 4)]


def test_sorted_by_count_descending_ties_by_label() -> None:
    table = pareto(REASONS)
    assert [(bar.label, bar.count) for bar in table.bars] == [
        ("authorization", 40), ("enrollment", 25), ("billing", 12), ("pharmacy", 12), ("transport", 7),
        ("other", 4)]


def test_shares_and_cumulative_match_numpy() -> None:
    table = pareto(REASONS)
    counts = np.array(sorted((count for _, count in REASONS), reverse=True), dtype=float)
    assert table.total == counts.sum() == 100
    assert [bar.share for bar in table.bars] == pytest.approx(list(100 * counts / counts.sum()))
    assert [bar.cumulative for bar in table.bars] == pytest.approx(list(100 * np.cumsum(counts) / counts.sum()))
    assert table.bars[-1].cumulative == pytest.approx(100.0)


def test_vital_few_are_the_shortest_run_from_the_top_reaching_80_percent() -> None:
    # cumulative 40, 65, 77, 89: pharmacy takes the table past 80%, so it is the last of the vital few
    assert pareto(REASONS).vital_few == ("authorization", "enrollment", "billing", "pharmacy")
    # exactly 80% is reached by the second category, not missed by floating point
    assert pareto([("a", 60), ("b", 20), ("c", 15), ("d", 5)]).vital_few == ("a", "b")
    assert pareto([("a", 7), ("b", 1), ("c", 1), ("d", 1)]).vital_few == ("a", "b")  # 70%, then 80%


def test_vital_few_against_an_independent_cumulative_sum() -> None:
    pairs = [(f"reason-{index}", count) for index, count in enumerate([3, 17, 17, 2, 9, 30, 1, 1, 11, 9])]
    table = pareto(pairs)
    counts = np.array([bar.count for bar in table.bars])
    before = np.concatenate([[0], np.cumsum(counts)[:-1]]) / counts.sum()
    assert [bar.vital for bar in table.bars] == list(before < 0.8)
    assert table.vital_few == ("reason-5", "reason-1", "reason-2", "reason-8", "reason-4")


def test_one_category_is_all_of_it() -> None:
    table = pareto([("authorization", 3)])
    assert [(bar.share, bar.cumulative, bar.vital) for bar in table.bars] == [(100.0, 100.0, True)]


def test_the_same_label_twice_is_added_and_a_negative_count_refused() -> None:
    assert [(bar.label, bar.count) for bar in pareto([("a", 2), ("b", 3), ("a", 2)]).bars] == [("a", 4), ("b", 3)]
    with pytest.raises(ValueError, match="negative"):
        pareto([("a", -1)])


def test_no_counts() -> None:
    assert pareto([]) == Pareto(bars=(), total=0)
    table = pareto([("a", 0), ("b", 0)])
    assert [(bar.label, bar.share, bar.cumulative, bar.vital) for bar in table.bars] == \
        [("a", 0.0, 0.0, False), ("b", 0.0, 0.0, False)]
    assert table.vital_few == ()
