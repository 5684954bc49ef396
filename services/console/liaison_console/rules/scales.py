"""Scales and ticks for the report pages' charts: a linear map from values to positions, round tick
values, the plotting area, and how a tick's value is written. Pure."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    """A linear map of the values [low, high] onto the positions [start, stop] (stop < start: upwards)."""

    low: float
    high: float
    start: float
    stop: float

    def __call__(self, value: float) -> float:
        if self.high == self.low:
            return self.start
        return self.start + (value - self.low) / (self.high - self.low) * (self.stop - self.start)


def nice_step(span: float, count: int, whole: bool = False) -> float:
    """The round step (1, 2 or 5 times a power of ten) that divides `span` into at most ~`count` steps
    (`whole`: at least 1, for counts)."""
    raw = max(span / max(count, 1), 1.0) if whole else span / max(count, 1)
    magnitude: float = 10.0 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))


def ticks(low: float, high: float, count: int = 5, whole: bool = False) -> tuple[float, ...]:
    """Round tick values from at or below `low` to at or above `high` (`whole`: whole numbers only)."""
    if high <= low:
        high = low + 1
    step = nice_step(high - low, count, whole)
    first, last = math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step
    return tuple(round(first + index * step, 10) for index in range(round((last - first) / step) + 1))


@dataclass(frozen=True)
class Tick:
    at: float  # the position along its axis
    text: str


@dataclass(frozen=True)
class Plot:
    """The plotting area."""

    left: float
    top: float
    right: float
    bottom: float


def number_text(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def hours_text(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def percent_text(value: float) -> str:
    return f"{value:.0f}%"


def r(value: float) -> float:
    return round(value, 1)
