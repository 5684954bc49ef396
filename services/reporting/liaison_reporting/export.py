"""The reports as files for the people who read them in Excel: CSV, and a workbook (.xlsx) with the same
table under a title row, number formats and, where a report has a picture, a native Excel chart drawn
from the table's own cells (a box plot is not native: before/after gives the five numbers instead).

Pure: a report as the service makes it for JSON in, bytes out. Each report's columns are named here, and
only those are written: a field added to a report later reaches no file until someone puts it in one
(the reports hold no PHI; this keeps it that way).

- CSV: one header row (the JSON's field names) and one row per row of the report's table, the numbers as
  the JSON has them (compliance and rates as fractions, Pareto's share and cumulative as percents),
  instants in ISO 8601 in the report's time zone, lists joined by "; ", true/false, empty for none.
- Workbook: numbers stay numbers. Every percent is a fraction under a percent format, as Excel reckons
  them (a Pareto share of 42 is written 0.42 and shows 42.0%); hours show one decimal; instants are local
  date-times, since Excel has no time zones (the title row names the zone).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.chart.axis import DateAxis
from openpyxl.chart.data_source import AxDataSource, MultiLevelStrRef, StrRef
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

Kind = Literal["text", "flag", "count", "hours", "days", "fraction", "percent", "statistic", "day", "instant"]
FORMATS: dict[Kind, str] = {"count": "0", "hours": "0.0", "days": "0.0", "fraction": "0.0%", "percent": "0.0%",
                            "statistic": "0.000", "day": "yyyy-mm-dd", "instant": "yyyy-mm-dd hh:mm"}
WIDEST, NARROWEST = 60, 8
HEADER_ROW = 2  # under the title row


@dataclass(frozen=True)
class Column:
    key: str  # the JSON's field name, and the CSV's header
    title: str  # the workbook's header
    kind: Kind = "text"


@dataclass(frozen=True)
class Heading:
    """What a file says of itself: which report, over which local days, in which time zone, made when."""

    report: str  # the route's name: "sla-compliance", "pareto", ...
    zone: str
    generated_at: datetime
    days: tuple[date, date] | None = None  # first and last local day; None for a report of now
    groups: tuple[str, ...] = ()  # a grouped report's group columns, in order
    detail: str = ""  # what else the title row says, e.g. "by source"


# -- each report's table ----------------------------------------------------------------------------

Rows = list[dict[str, Any]]


def listed(report: Any) -> Rows:
    return list(report)


def single(report: Any) -> Rows:
    return [report]


def pareto_bars(report: Any) -> Rows:
    return list(report["bars"])


def chart_days(report: Any) -> Rows:
    """One row per day of the chart; a day without cases has no median, moving range or rule."""
    points = {point["position"]: point for point in report["points"]}
    limits = {key: report[key] for key in ("centre", "upper_limit", "lower_limit", "mr_upper_limit")}
    rows = []
    for position, (day, median) in enumerate(zip(report["days"], report["daily_median_hours"], strict=True)):
        point = points.get(position, {})
        broken = [str(rule) for rule in point.get("rules", ())]
        rows.append({"day": day, "daily_median_hours": median, "moving_range": point.get("moving_range"),
                     **limits, "rules": broken + (["moving_range_beyond"] if point.get("moving_range_beyond") else [])})
    return rows


def sides(report: Any) -> Rows:
    """One row per side of the cut, its box plot's figures (count 0 for an empty side) and the test's."""
    test = report["test"] or {}
    shared = {"cut": report["cut"], "percent_change": report["percent_change"], "statistic": test.get("statistic"),
              "p_value": test.get("p_value"), "grand_median": test.get("grand_median"),
              "sentence": report["sentence"]}
    return [{"side": side, **(report[side] or {"count": 0}), **shared} for side in ("before", "after")]


# -- charts, drawn from the table's cells -----------------------------------------------------------


@dataclass(frozen=True)
class Grid:
    """Where the table lies on the sheet, for a chart to point at its cells."""

    sheet: Any
    keys: list[str]
    last_row: int

    def column(self, key: str) -> int:
        return self.keys.index(key) + 1

    def values(self, first: str, last: str | None = None) -> Reference:
        """A column (or adjacent columns) with its header, so the series are titled from it."""
        return Reference(self.sheet, min_col=self.column(first), max_col=self.column(last or first),
                         min_row=HEADER_ROW, max_row=self.last_row)

    def label(self, chart: Any, keys: Sequence[str]) -> None:
        """Put the categories of these text columns (several: a category axis of several levels) on the
        chart's series."""
        if not keys:
            return
        cells = str(Reference(self.sheet, min_col=self.column(keys[0]), max_col=self.column(keys[-1]),
                              min_row=HEADER_ROW + 1, max_row=self.last_row))
        for series in chart.series:
            series.cat = (AxDataSource(strRef=StrRef(f=cells)) if len(keys) == 1
                          else AxDataSource(multiLvlStrRef=MultiLevelStrRef(f=cells)))


def drawn(chart: Any, title: str, y_title: str, *axes: Any) -> Any:
    chart.title, chart.y_axis.title = title, y_title
    chart.width, chart.height = 18, 9
    for axis in (chart.x_axis, chart.y_axis, *axes):
        axis.delete = False  # openpyxl 3.1 leaves it unset, and Excel then hides the axes
    return chart


def share_axis(axis: Any) -> None:
    axis.number_format, axis.scaling.min, axis.scaling.max = "0%", 0, 1


def pareto_chart(grid: Grid, heading: Heading) -> Any:
    bars = BarChart()
    bars.add_data(grid.values("count"), titles_from_data=True)
    cumulative = LineChart()
    cumulative.add_data(grid.values("cumulative"), titles_from_data=True)
    cumulative.y_axis.axId, cumulative.y_axis.crosses = 200, "max"  # a second axis, on the right
    cumulative.y_axis.title, cumulative.y_axis.majorGridlines = "Cumulative", None
    share_axis(cumulative.y_axis)
    for chart in (bars, cumulative):
        grid.label(chart, ["label"])
    bars += cumulative
    return drawn(bars, f"Cases {heading.detail}".strip(), "Cases", cumulative.y_axis)


def control_chart(grid: Grid, heading: Heading) -> Any:
    chart = LineChart()
    for key in ("daily_median_hours", "centre", "upper_limit", "lower_limit"):
        chart.add_data(grid.values(key), titles_from_data=True)
    median, centre, *limits = chart.series
    median.marker.symbol = "circle"
    for line in limits:
        line.graphicalProperties.line.dashStyle = "dash"
    for series in chart.series:
        series.smooth = False
    for series in (centre, *limits):
        series.marker.symbol = "none"
    chart.set_categories(Reference(grid.sheet, min_col=grid.column("day"), min_row=HEADER_ROW + 1,
                                   max_row=grid.last_row))
    chart.x_axis = DateAxis(crossAx=chart.y_axis.axId, majorTimeUnit="days")
    chart.x_axis.number_format = "yyyy-mm-dd"
    chart.y_axis.crossAx = chart.x_axis.axId
    chart.display_blanks = "gap"  # a day without cases is no point, not a zero
    return drawn(chart, "Daily median, centre line and limits", "Business hours")


def compliance_chart(grid: Grid, heading: Heading) -> Any:
    chart = BarChart()
    chart.add_data(grid.values("compliance"), titles_from_data=True)
    grid.label(chart, heading.groups)
    share_axis(chart.y_axis)
    chart.legend = None
    return drawn(chart, "Compliance", "Compliance")


def durations_chart(grid: Grid, heading: Heading) -> Any:
    chart = BarChart()
    chart.add_data(grid.values("business_median_hours", "business_p90_hours"), titles_from_data=True)
    grid.label(chart, heading.groups)
    return drawn(chart, "Business median and p90", "Business hours")


# -- the reports ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    name: str
    columns: tuple[Column, ...]  # after a grouped report's group columns
    rows: Callable[[Any], Rows] = listed
    chart: Callable[[Grid, Heading], Any] | None = None
    sheets: Callable[[Any], list[tuple[str, tuple[Column, ...], Rows]]] | None = None  # the workbook's other tables


GROUPS = {name: Column(name, name.upper() if name == "mco" else name.capitalize())
          for name in ("clock", "track", "priority", "mco", "source", "month")}
COMPLIANCE = (Column("met", "Met", "count"), Column("breached", "Breached", "count"),
              Column("compliance", "Compliance", "fraction"))
HOURS = ("minimum", "lower_quartile", "median", "upper_quartile", "maximum", "lower_whisker", "upper_whisker")
LAYOUTS = {
    "sla-compliance": Layout("SLA compliance", COMPLIANCE, chart=compliance_chart),
    "open-breaches": Layout("Open breaches", (
        Column("inquiry_id", "Inquiry ID"), GROUPS["clock"], GROUPS["track"], GROUPS["priority"], GROUPS["mco"],
        Column("due_at", "Due", "instant"), Column("age_business_hours", "Age (business h)", "hours"),
        Column("age_calendar_hours", "Age (calendar h)", "hours"))),
    "durations": Layout("Durations", (  # the JSON's "_s" fields hold hours
        Column("cases", "Cases", "count"), Column("business_median_hours", "Business median (h)", "hours"),
        Column("business_p90_hours", "Business p90 (h)", "hours"),
        Column("calendar_median_hours", "Calendar median (h)", "hours"),
        Column("calendar_p90_hours", "Calendar p90 (h)", "hours")), chart=durations_chart),
    "secondary-escalations": Layout("Secondary escalations", (
        Column("cases", "Cases", "count"), Column("reopened", "Reopened", "count"),
        Column("escalated_again", "Escalated again", "count"), Column("either", "Either", "count"),
        Column("rate", "Rate", "fraction")), rows=single),
    "pareto": Layout("Pareto", (
        Column("label", "Label"), Column("count", "Cases", "count"), Column("share", "Share", "percent"),
        Column("cumulative", "Cumulative", "percent"), Column("vital", "Vital few", "flag")),
        rows=pareto_bars, chart=pareto_chart),
    "control-chart": Layout("Control chart (I-MR)", (
        Column("day", "Day", "day"), Column("daily_median_hours", "Daily median (h)", "hours"),
        Column("moving_range", "Moving range (h)", "hours"), Column("centre", "Centre (h)", "hours"),
        Column("upper_limit", "Upper limit (h)", "hours"), Column("lower_limit", "Lower limit (h)", "hours"),
        Column("mr_upper_limit", "Moving range upper limit (h)", "hours"), Column("rules", "Rules broken")),
        rows=chart_days, chart=control_chart),
    "before-after": Layout("Before and after", (
        Column("side", "Side"), Column("cut", "Cut", "day"), Column("count", "Cases", "count"),
        *(Column(key, key.replace("_", " ").capitalize() + " (h)", "hours") for key in HOURS),
        Column("outlier_count", "Outliers", "count"), Column("outliers", "Farthest outliers (h)"),
        Column("percent_change", "Change of median", "percent"),
        Column("statistic", "Mood's test statistic", "statistic"), Column("p_value", "p-value", "statistic"),
        Column("grand_median", "Grand median (h)", "hours"), Column("sentence", "Finding")), rows=sides),
    "mco-scorecard": Layout("MCO scorecard", (
        GROUPS["mco"], GROUPS["month"], Column("referrals", "Referrals", "count"),
        Column("contact_median_business_hours", "Median to the MCO's contact (business h)", "hours"),
        *COMPLIANCE)),
}


GA_COUNTS = (
    ("received", "Received"), ("expedited_requested", "Expedited requested"),
    ("expedited_denied", "Expedited denied"), ("acknowledged_on_time", "Acknowledged on time"),
    ("acknowledged_late", "Acknowledged late"), ("resolved", "Resolved"),
    ("resolved_timely", "Resolved on time"), ("resolved_late", "Resolved late"))
GA_AFTER = (
    ("extended", "Extended"), ("extended_by_enrollee", "Extended at the enrollee's request"),
    ("extended_by_plan", "Extended by the plan"), ("upheld", "Upheld"), ("overturned", "Overturned"),
    ("partially_overturned", "Partially overturned"), ("withdrawn", "Withdrawn"),
    ("active", "Open at the period's end"))
GA_COLUMNS = (
    GROUPS["mco"], Column("type", "Type"), *(Column(key, name, "count") for key, name in GA_COUNTS),
    Column("share_timely", "Share resolved on time", "fraction"),
    *(Column(key, name, "count") for key, name in GA_AFTER),
    Column("median_days_to_resolve", "Median days to resolve (calendar)", "days"))


def ga_rows(report: Any) -> Rows:
    return list(report["rows"])


def ga_sheets(report: Any) -> list[tuple[str, tuple[Column, ...], Rows]]:
    """Grievances by reason, the reviews beyond the plan, and the MCPAR items, each a sheet of its own."""
    reasons = (GROUPS["mco"], Column("category", "Category (the grievance's reason)"),
               Column("received", "Received", "count"), Column("resolved", "Resolved", "count"),
               Column("resolved_timely", "Resolved on time", "count"),
               Column("resolved_late", "Resolved late", "count"))
    reviews = (GROUPS["mco"], Column("level", "Level"), Column("requested", "Requested", "count"),
               Column("decided", "Decided", "count"), Column("upheld", "Upheld", "count"),
               Column("overturned", "Overturned", "count"),
               Column("partially_overturned", "Partially overturned", "count"),
               Column("withdrawn", "Withdrawn", "count"), Column("other", "Other decision", "count"),
               Column("pending", "Undecided at the period's end", "count"))
    mcpar = (GROUPS["mco"], Column("item", "MCPAR item"), Column("name", "Indicator"),
             Column("value", "Value", "count"))
    return [("Grievances by reason", reasons, list(report["reasons"])),
            ("Reviews", reviews, list(report["reviews"])), ("MCPAR", mcpar, list(report["mcpar"]))]


def timeliness_chart(grid: Grid, heading: Heading) -> Any:
    chart = BarChart()
    chart.add_data(grid.values("share_timely"), titles_from_data=True)
    grid.label(chart, ["mco", "type"])
    share_axis(chart.y_axis)
    chart.legend = None
    return drawn(chart, "Share resolved on time", "Resolved on time")


LAYOUTS["grievances-appeals"] = Layout("Grievances and appeals", GA_COLUMNS, rows=ga_rows, chart=timeliness_chart,
                                       sheets=ga_sheets)


def table(report: Any, heading: Heading) -> tuple[list[Column], Rows]:
    layout = LAYOUTS[heading.report]
    return [*(GROUPS[name] for name in heading.groups), *layout.columns], layout.rows(report)


# -- the files --------------------------------------------------------------------------------------


def as_csv(report: Any, heading: Heading) -> bytes:
    """The report's table as CSV (UTF-8)."""
    columns, rows = table(report, heading)
    zone = ZoneInfo(heading.zone)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([column.key for column in columns])
    writer.writerows([text(row.get(column.key), zone) for column in columns] for row in rows)
    return out.getvalue().encode("utf-8")


def text(value: Any, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(zone).isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(str(item) for item in value)
    return str(value)  # a float's shortest repr reads back as the same float


def as_xlsx(report: Any, heading: Heading) -> bytes:
    """The report as a workbook: sheet "Report" with a title row, the table, and the report's chart; a report
    of several tables has a sheet for each of the others, after it."""
    layout = LAYOUTS[heading.report]
    columns, rows = table(report, heading)
    zone = ZoneInfo(heading.zone)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Report"
    last_row = write_table(sheet, title(layout, heading), columns, rows, zone)
    if rows and layout.chart is not None:
        chart = layout.chart(Grid(sheet, [column.key for column in columns], last_row), heading)
        sheet.add_chart(chart, f"{get_column_letter(len(columns) + 2)}{HEADER_ROW}")
    for name, more, more_rows in layout.sheets(report) if layout.sheets is not None else ():
        write_table(workbook.create_sheet(name), title(layout, heading, name), list(more), more_rows, zone)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def write_table(sheet: Any, heading: str, columns: Sequence[Column], rows: Rows, zone: ZoneInfo) -> int:
    """A title row, the header and the rows, formatted, on `sheet`; the table's last row."""
    sheet.append([heading])
    sheet.append([column.title for column in columns])
    for row in rows:
        sheet.append([cell_value(row.get(column.key), column.kind, zone) for column in columns])
    for cell in sheet[1] + sheet[HEADER_ROW]:
        cell.font = Font(bold=True, size=13 if cell.row == 1 else None)
    for index, column in enumerate(columns, start=1):
        cells = [row[0] for row in sheet.iter_rows(min_row=HEADER_ROW + 1, min_col=index, max_col=index)]
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula, whatever it starts with
                cell.alignment = Alignment(wrap_text=len(cell.value) > WIDEST, vertical="top")
            elif column.kind in FORMATS:
                cell.number_format = FORMATS[column.kind]
        sheet.column_dimensions[get_column_letter(index)].width = width(column, [c.value for c in cells])
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=1)
    last_row = HEADER_ROW + len(rows)
    if rows:
        sheet.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(columns))}{last_row}"
    return last_row


def title(layout: Layout, heading: Heading, part: str = "") -> str:
    zone = ZoneInfo(heading.zone)
    what = ", ".join(p for p in (layout.name, part, heading.detail) if p)
    when = f"{heading.days[0]} to {heading.days[1]}" if heading.days else "open now"
    made = heading.generated_at.astimezone(zone).isoformat(timespec="seconds")
    return f"{what} · {when} · time zone {heading.zone} · generated {made}"


def cell_value(value: Any, kind: Kind, zone: ZoneInfo) -> Any:
    if value is None:
        return None
    if kind == "percent":
        return value / 100
    if kind == "instant":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        return moment.astimezone(zone).replace(tzinfo=None)
    if kind == "day":
        return value if isinstance(value, date) else date.fromisoformat(value)
    if isinstance(value, bool | int | float):
        return value
    return text(value, zone)


def width(column: Column, values: Sequence[Any]) -> float:
    shown = [len(value) if isinstance(value, str) else 17 if column.kind == "instant" else 11 for value in values
             if value is not None]
    return max(NARROWEST, min(WIDEST, max([len(column.title), *shown]) + 2))
