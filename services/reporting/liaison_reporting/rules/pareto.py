"""A Pareto table of categories with counts (say escalations by reason): largest first, each with its
share and the cumulative percent, and the "vital few" that make up the first 80%.

- Counts for the same label are added; a negative count is refused.
- Order: count descending, ties by label ascending (so the table is the same from run to run).
- Share and cumulative are percents of the total. A category is one of the vital few when the
  categories before it add up to less than 80%: the vital few are the shortest run from the top whose
  cumulative percent reaches 80 (compared in whole counts, so exactly 80% is reached, not missed by
  rounding). With a total of 0 every share is 0 and there are no vital few.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

VITAL_SHARE = (4, 5)  # 80%, as a fraction kept exact


@dataclass(frozen=True)
class ParetoBar:
    label: str
    count: int
    share: float  # percent of the total
    cumulative: float  # percent of the total, this category and those above it
    vital: bool


@dataclass(frozen=True)
class Pareto:
    bars: tuple[ParetoBar, ...]
    total: int

    @property
    def vital_few(self) -> tuple[str, ...]:
        return tuple(bar.label for bar in self.bars if bar.vital)


def merged(counts: Iterable[tuple[str, int]]) -> dict[str, int]:
    totals: dict[str, int] = {}
    for label, count in counts:
        if count < 0:
            raise ValueError(f"count for {label!r} is negative: {count}")
        totals[label] = totals.get(label, 0) + count
    return totals


def pareto(counts: Iterable[tuple[str, int]]) -> Pareto:
    """The Pareto table of (label, count) pairs."""
    ordered = sorted(merged(counts).items(), key=lambda item: (-item[1], item[0]))
    total = sum(count for _, count in ordered)
    numerator, denominator = VITAL_SHARE
    bars: list[ParetoBar] = []
    running = 0
    for label, count in ordered:
        vital = total > 0 and running * denominator < total * numerator
        running += count
        bars.append(ParetoBar(label=label, count=count, share=100 * count / total if total else 0.0,
                              cumulative=100 * running / total if total else 0.0, vital=vital))
    return Pareto(bars=tuple(bars), total=total)
