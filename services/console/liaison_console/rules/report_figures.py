"""The parts every report page is made of: the table of its numbers (each row named by its leading
cells), its headline figures and its charts; and how reporting's values are named for people (a clock
by what it asks, a month as `Nov 2026`, `member_mco` as `Member MCO`). Pure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from liaison_console.rules import charts, numbers
from liaison_console.rules.clocks import CLOCK_WORDS
from liaison_console.rules.report_query import ReportQuery

Chart = charts.BarChart | charts.ParetoChart | charts.ControlChart | charts.BoxChart
Json = dict[str, Any]


@dataclass(frozen=True)
class Cell:
    text: str
    numeric: bool = False
    href: str | None = None


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    row_headers: int = 1  # how many leading cells of a row name it (drawn as th scope="row")


@dataclass(frozen=True)
class ReportView:
    facts: tuple[tuple[str, str], ...]  # headline figures, as (label, text)
    charts: tuple[Chart, ...]
    table: Table
    sentence: str = ""  # a finding in words (before/after)
    empty: str = ""  # what the page says instead of charts when the period has nothing
    more: tuple[Table, ...] = ()  # the report's other tables, under the chart and its table


GROUP_TITLES = {"clock": "Clock", "track": "Track", "priority": "Priority", "mco": "MCO", "source": "Source",
                "month": "Month", "category": "Category", "type": "Type", "level": "Level"}
MEASURE_WORDS = {"first_contact": "time to first contact", "resolution": "time to resolution"}
ACRONYMS = {"mco": "MCO", "pcp": "PCP", "ime": "IME", "csr": "CSR", "msa": "MSA", "esr": "ESR", "dme": "DME"}
SEE_TABLE = " The table beside the chart has every number."


def words(value: str) -> str:
    """`member_mco` as `Member MCO`."""
    said = value.replace("_", " ").replace("-", " ").capitalize().split(" ")
    return " ".join(ACRONYMS.get(word.lower(), word) for word in said)


def label(dimension: str, value: Any) -> str:
    """A group's value as people say it: a clock by what it asks, a month as `Nov 2026`, an MCO by its code."""
    if value is None or value == "none":
        return "No MCO" if dimension == "mco" else "None"
    if dimension == "clock":
        return CLOCK_WORDS.get(str(value), words(str(value)))
    if dimension == "month":
        return numbers.month(str(value))
    return str(value) if dimension == "mco" else words(str(value))


def number(text: str) -> Cell:
    return Cell(text, numeric=True)


def named(row: Json, groups: Sequence[str]) -> str:
    return " · ".join(label(g, row.get(g)) for g in groups) or "All cases"


def header_cells(row: Json, groups: Sequence[str]) -> tuple[Cell, ...]:
    return tuple(Cell(label(g, row.get(g))) for g in groups) or (Cell("All cases"),)


def group_columns(groups: Sequence[str]) -> tuple[str, ...]:
    return tuple(GROUP_TITLES[g] for g in groups) or ("Cases",)


def measure_of(query: ReportQuery) -> str:
    chosen = query.values("measure")
    return MEASURE_WORDS.get(chosen[0] if chosen else "", "time")


def share_text(fraction: float | None, met: int, breached: int) -> str:
    return f"{numbers.percent(fraction)} · {met:,} met, {breached:,} breached"


def extremes(items: Sequence[tuple[str, float]], text: Callable[[float], str]) -> str:
    """` Lowest: A, 50.0%. Highest: B, 100.0%.` for a chart's description."""
    if not items:
        return ""
    low, high = min(items, key=lambda i: i[1]), max(items, key=lambda i: i[1])
    return f" Lowest: {low[0]}, {text(low[1])}. Highest: {high[0]}, {text(high[1])}."


def sentence_case(text: str) -> str:
    return f"{text[:1].upper()}{text[1:]}"
