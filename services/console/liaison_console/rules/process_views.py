"""Whether the process is changing, as a page shows it: the I-MR control chart of the daily median (its
days without cases, and the rules each day breaks, in words) and the time before and after a change,
as box plots with the medians, the change and Mood's median test. Pure: reporting's JSON in, the view
out."""

from __future__ import annotations

from liaison_console.rules import charts, numbers
from liaison_console.rules.report_figures import (
    SEE_TABLE,
    Cell,
    Json,
    ReportView,
    Table,
    measure_of,
    number,
    sentence_case,
)
from liaison_console.rules.report_query import ReportQuery

RULE_WORDS = {"beyond_limits": "beyond a control limit", "same_side": "8 in a row on one side of the centre",
              "trend": "6 in a row rising or falling"}


def signal_words(point: Json | None) -> str:
    if point is None:
        return "no cases that day"
    said = [RULE_WORDS.get(str(rule), str(rule)) for rule in point["rules"]]
    if point["moving_range_beyond"]:
        said.append("moving range above its limit")
    return "; ".join(said) or "none"


def control_chart(report: Json, query: ReportQuery) -> ReportView:
    measure, days, values = measure_of(query), report["days"], report["daily_median_hours"]
    points: dict[int, Json] = {p["position"]: p for p in report["points"]}
    signals = [bool(points[i]["rules"]) if i in points else False for i in range(len(days))]
    range_signals = [bool(points[i]["moving_range_beyond"]) if i in points else False for i in range(len(days))]
    flagged = [numbers.short_day(day) for i, day in enumerate(days) if signals[i] or range_signals[i]]
    centre, lower, upper = (numbers.hours(report[k]) for k in ("centre", "lower_limit", "upper_limit"))
    chart = charts.control_chart(
        title=f"Control chart of the daily median {measure}",
        description=f"Individuals chart of the daily median {measure} in business hours over {len(days)} days: centre "
                    f"line {centre}, control limits {lower} and {upper}; the moving range chart below it. Days "
                    f"without cases are gaps. Days breaking a run rule are diamonds: {', '.join(flagged) or 'none'}."
                    + SEE_TABLE,
        days=days, values=values, signals=signals, range_signals=range_signals,
        moving_ranges=[points[i]["moving_range"] if i in points else None for i in range(len(days))],
        centre=report["centre"], upper=report["upper_limit"], lower=report["lower_limit"], mr_bar=report["mr_bar"],
        mr_upper=report["mr_upper_limit"], day_text=numbers.short_day)
    table = Table(caption=f"Daily median {measure} (business hours), its moving range and the rules each day breaks",
                  columns=("Day", "Daily median (business h)", "Moving range (h)", "Signal"),
                  rows=tuple((Cell(numbers.weekday(day)), number(numbers.hours(values[i])),
                              number(numbers.hours(points[i]["moving_range"] if i in points else None)),
                              Cell(signal_words(points.get(i)))) for i, day in enumerate(days)))
    mean_range = f"{numbers.hours(report['mr_bar'])} h (upper limit {numbers.hours(report['mr_upper_limit'])} h)"
    facts = (("Centre line", f"{centre} h"), ("Control limits", f"{lower} h to {upper} h"),
             ("Mean moving range", mean_range),
             ("Days breaking a rule", f"{len(flagged):,}" + (f": {', '.join(flagged)}" if flagged else "")))
    return ReportView(facts=facts, charts=(chart,) if points else (), table=table,
                      empty="" if points else f"No case has a {measure} in this period.")


BOX_ROWS = (("Cases", "count"), ("Minimum", "minimum"), ("Lower quartile", "lower_quartile"), ("Median", "median"),
            ("Upper quartile", "upper_quartile"), ("Maximum", "maximum"), ("Lower whisker", "lower_whisker"),
            ("Upper whisker", "upper_whisker"), ("Outliers", "outliers"), ("Farthest outlier", "farthest"))


def box_figure(side: Json | None, key: str) -> str:
    if side is None:
        return "0" if key == "count" else numbers.NONE
    if key == "count":
        return numbers.count(side["count"])
    listed = side["outliers"]  # reporting lists only the farthest of many, and counts them all
    if key == "outliers":
        count = side.get("outlier_count", len(listed))
        return numbers.count(count) if count else "none"
    if key == "farthest":
        return numbers.hours(max(listed, key=lambda v: abs(v - side["median"]))) if listed else numbers.NONE
    return numbers.hours(side[key])


def sample(side: Json | None) -> charts.Sample | None:
    if side is None:
        return None
    return charts.Sample(lower_whisker=side["lower_whisker"], lower_quartile=side["lower_quartile"],
                         median=side["median"], upper_quartile=side["upper_quartile"],
                         upper_whisker=side["upper_whisker"], outliers=tuple(side["outliers"]))


def before_after(report: Json, query: ReportQuery) -> ReportView:
    measure, cut = measure_of(query), numbers.day(report["cut"])
    sides = [(f"Before {cut}", report["before"]), (f"From {cut}", report["after"])]
    finding = sentence_case(report["sentence"]) + "."
    summary = "; ".join(f"{name}, {box_figure(side, 'count')} cases, median {box_figure(side, 'median')} h"
                        for name, side in sides)
    chart = charts.box_chart(
        title=f"{sentence_case(measure)} before and after {cut}", axis_title="Business hours",
        description=f"Two box plots of the {measure} in business hours, side by side: {summary}. {finding}"
                    + SEE_TABLE,
        samples=[(f"{name} ({box_figure(side, 'count')} cases)", sample(side)) for name, side in sides])
    table = Table(caption=f"The {measure} before and after {cut}, in business hours",
                  columns=("Figure", *(name for name, _ in sides)),
                  rows=tuple((Cell(title), *(number(box_figure(side, key)) for _, side in sides))
                             for title, key in BOX_ROWS))
    test = report["test"]
    tested = f"{numbers.p_value(test['p_value'])} (statistic {test['statistic']:.3f})" if test \
        else "not made (see the finding)"
    measured = any(side is not None for _, side in sides)
    return ReportView(facts=(("Change of the median", numbers.change(report["percent_change"])),
                             ("Mood's median test", tested)),
                      charts=(chart,) if measured else (), table=table, sentence=finding,
                      empty="" if measured else f"No case has a {measure} in this period.")
