"""Numbers written for reading: hours to one decimal, shares as percents to one decimal, counts with
thousands separators, days and months as words; "—" where there is no figure."""

from __future__ import annotations

from datetime import date

NONE = "—"
MINUS = "\N{MINUS SIGN}"  # typographic, and screen readers say "minus"


def count(value: int | None) -> str:
    return NONE if value is None else f"{value:,}"


def hours(value: float | None) -> str:
    """Hours to one decimal (`1,234.5`)."""
    return NONE if value is None else f"{value:,.1f}"


def percent(fraction: float | None) -> str:
    """A fraction (0.875) as a percent to one decimal (`87.5%`)."""
    return NONE if fraction is None else f"{fraction * 100:,.1f}%"


def percent_points(value: float | None) -> str:
    """A figure that is a percent already (a Pareto share of 42.0) as `42.0%`."""
    return NONE if value is None else f"{value:,.1f}%"


def change(value: float | None) -> str:
    """A change in percent, with its sign (`+12.5%`; a fall with the minus sign, `MINUS`)."""
    if value is None:
        return NONE
    return f"{'+' if value > 0 else MINUS if value < 0 else ''}{abs(value):,.1f}%"


def p_value(value: float | None) -> str:
    """`p = 0.346`, or `p < 0.001`."""
    if value is None:
        return NONE
    return "p < 0.001" if value < 0.001 else f"p = {value:.3f}"


def day(value: date | str) -> str:
    """`2026-11-05` as `5 Nov 2026`."""
    when = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{when.day} {when:%b %Y}"


def weekday(value: date | str) -> str:
    """`2026-11-01` as `Sun 1 Nov 2026`."""
    when = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{when:%a} {day(when)}"


def short_day(value: date | str) -> str:
    """`2026-11-05` as `5 Nov`, for a chart's axis."""
    when = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{when.day} {when:%b}"


def month(value: str | None) -> str:
    """`2026-11` as `Nov 2026`."""
    if not value:
        return NONE
    return f"{date.fromisoformat(value + '-01'):%b %Y}"


def period(first: date, last: date) -> str:
    """`1 Sep 2026 to 30 Nov 2026`."""
    return f"{day(first)} to {day(last)}"
