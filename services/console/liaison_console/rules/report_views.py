"""What a report page shows of reporting's answer: the headline figures, the charts (their geometry, from
`charts`) and the table of the same numbers, sorted for reading and every number written for reading
(`numbers`). The control chart and before/after are `process_views`'. Pure: the report's JSON in, the
view out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from liaison_console.rules import charts, numbers, scales
from liaison_console.rules.process_views import before_after, control_chart
from liaison_console.rules.report_figures import (
    GROUP_TITLES,
    SEE_TABLE,
    Cell,
    Json,
    ReportView,
    Table,
    extremes,
    group_columns,
    header_cells,
    label,
    measure_of,
    named,
    number,
    share_text,
)
from liaison_console.rules.report_query import ReportQuery

AGES = ((1.0, "Under 1 business hour"), (4.0, "1 to 4 business hours"), (8.0, "4 to 8 business hours"),
        (24.0, "8 to 24 business hours"), (40.0, "24 to 40 business hours"),
        (float("inf"), "40 business hours or more"))
"""Buckets of how long a breach is overdue: below each bound, in business hours."""


# -- SLA compliance, open breaches, durations --------------------------------------------------------


def sla_compliance(rows: list[Json], query: ReportQuery) -> ReportView:
    groups = query.values("group_by")
    # Months read in order; other groups worst first, so what needs attention comes first.
    ordered = rows if "month" in groups else sorted(rows, key=lambda r: r["compliance"])
    shares = [(named(r, groups), r["compliance"] * 100) for r in ordered]
    chart = charts.bar_chart(
        title="Share of clock cycles met", axis_title="Cycles met (percent)", series=("Met",), maximum=100,
        tick_text=scales.percent_text,
        description="Horizontal bars of the percent of clock cycles met, one per group, from 0 to 100%."
                    + extremes(shares, numbers.percent_points) + SEE_TABLE,
        groups=[(named(r, groups), [(r["compliance"] * 100, share_text(r["compliance"], r["met"], r["breached"]))])
                for r in ordered])
    table = Table(caption="Clock cycles met and breached per group, with the share met",
                  columns=(*group_columns(groups), "Met", "Breached", "Compliance"), row_headers=max(len(groups), 1),
                  rows=tuple((*header_cells(r, groups), number(numbers.count(r["met"])),
                              number(numbers.count(r["breached"])), number(numbers.percent(r["compliance"])))
                             for r in ordered))
    met, breached = sum(r["met"] for r in rows), sum(r["breached"] for r in rows)
    overall = met / (met + breached) if rows else None
    return ReportView(facts=(("Met overall", share_text(overall, met, breached)),
                             ("Cycles ended", numbers.count(met + breached))),
                      charts=(chart,) if rows else (), table=table,
                      empty="" if rows else "No clock cycle was met or breached in this period.")


def age_counts(rows: list[Json]) -> list[int]:
    """How many breaches fall in each of `AGES` by their business hours overdue."""
    counts = [0] * len(AGES)
    for row in rows:
        counts[next(i for i, (below, _) in enumerate(AGES) if row["age_business_hours"] < below)] += 1
    return counts


def local_time(instant: str, zone: ZoneInfo) -> str:
    return datetime.fromisoformat(instant).astimezone(zone).strftime("%a %d %b %Y %H:%M")


def open_breaches(rows: list[Json], query: ReportQuery, zone: ZoneInfo) -> ReportView:
    counted = list(zip((name for _, name in AGES), age_counts(rows), strict=True))
    chart = charts.bar_chart(
        title="Open breaches by how long they are overdue", axis_title="Open breaches", series=("Breaches",),
        description="Horizontal bars counting the breached clocks of open cases by how many business hours they "
                    "are overdue: " + "; ".join(f"{name}: {n}" for name, n in counted) + "." + SEE_TABLE,
        groups=[(name, [(float(n), f"{n:,} breach{'' if n == 1 else 'es'}")]) for name, n in counted], whole=True)
    table = Table(caption="Breached clocks of open cases, oldest first",
                  columns=("Case", "Clock", "State", "Track", "Priority", "MCO", "Was due", "Overdue (business h)",
                           "Overdue (calendar h)"),
                  rows=tuple((Cell(f"Case {str(r['inquiry_id'])[:8]}", href=f"/cases/{r['inquiry_id']}"),
                              Cell(label("clock", r["clock"])), Cell("Breached"), Cell(label("track", r["track"])),
                              Cell(label("priority", r["priority"])), Cell(label("mco", r["mco"])),
                              Cell(local_time(r["due_at"], zone)), number(numbers.hours(r["age_business_hours"])),
                              number(numbers.hours(r["age_calendar_hours"]))) for r in rows))
    longest = max((r["age_business_hours"] for r in rows), default=None)
    return ReportView(facts=(("Open breaches", numbers.count(len(rows))),
                             ("Longest overdue", f"{numbers.hours(longest)} business hours" if rows else "—")),
                      charts=(chart,) if rows else (), table=table,
                      empty="" if rows else "No clock of an open case is breached now.")


def duration_chart(rows: list[Json], groups: Sequence[str], measure: str, kind: str) -> charts.BarChart:
    """Median and p90 bars per group, in `kind` (business or calendar) hours."""
    median, p90 = f"{kind}_median_hours", f"{kind}_p90_hours"
    medians = [(named(r, groups), r[median]) for r in rows]
    return charts.bar_chart(
        title=f"Median and 90th percentile {measure}, {kind} hours", axis_title=f"{kind.capitalize()} hours",
        series=("Median", "90th percentile"),
        description=f"Horizontal bars, two per group: the median and the 90th percentile of the {measure} in {kind} "
                    f"hours." + extremes(medians, lambda v: f"median {numbers.hours(v)} h") + SEE_TABLE,
        groups=[(named(r, groups), [(r[median], f"median {numbers.hours(r[median])} h"),
                                    (r[p90], f"p90 {numbers.hours(r[p90])} h")]) for r in rows])


DURATION_FIGURES = ("business_median_hours", "business_p90_hours", "calendar_median_hours", "calendar_p90_hours")


def durations(rows: list[Json], query: ReportQuery) -> ReportView:
    groups, measure = query.values("group_by"), measure_of(query)
    ordered = sorted(rows, key=lambda r: -r["business_median_hours"])  # slowest first
    table = Table(caption=f"Median and 90th percentile {measure} per group, in business and calendar hours",
                  columns=(*group_columns(groups), "Cases", "Median (business h)", "p90 (business h)",
                           "Median (calendar h)", "p90 (calendar h)"), row_headers=max(len(groups), 1),
                  rows=tuple((*header_cells(r, groups), number(numbers.count(r["cases"])),
                              *(number(numbers.hours(r[key])) for key in DURATION_FIGURES)) for r in ordered))
    drawn = tuple(duration_chart(ordered, groups, measure, kind) for kind in ("business", "calendar"))
    return ReportView(facts=(("Cases measured", numbers.count(sum(r["cases"] for r in rows))),),
                      charts=drawn if rows else (), table=table,
                      empty="" if rows else f"No case has a {measure} in this period.")


# -- secondary escalations, Pareto ------------------------------------------------------------------


def secondary_escalations(report: Json, query: ReportQuery) -> ReportView:
    cases = report["cases"]
    measures = (("Reopened", report["reopened"]), ("Escalated again after being worked", report["escalated_again"]),
                ("Either (the secondary escalation rate)", report["either"]))

    def share(n: int) -> float | None:
        return n / cases if cases else None

    said = "; ".join(f"{name}: {numbers.percent(share(n))}" for name, n in measures)
    chart = charts.bar_chart(
        title="Secondary escalations, share of cases received", axis_title="Cases (percent)", series=("Share",),
        maximum=100, tick_text=scales.percent_text,
        description=f"Horizontal bars of the percent of the {cases:,} cases received that were reopened, escalated "
                    f"again, or either: {said}." + SEE_TABLE,
        groups=[(name, [((share(n) or 0) * 100, f"{numbers.percent(share(n))} · {n:,} of {cases:,}")])
                for name, n in measures])
    table = Table(caption="Cases received in the period that were reopened or escalated again",
                  columns=("Measure", "Cases", "Share of cases received"),
                  rows=((Cell("Cases received"), number(numbers.count(cases)), number(numbers.percent(share(cases)))),
                        *((Cell(name), number(numbers.count(n)), number(numbers.percent(share(n))))
                          for name, n in measures)))
    rate = f"{numbers.percent(report['rate'])} of {numbers.count(cases)} cases"
    return ReportView(facts=(("Secondary escalation rate", rate),), charts=(chart,) if cases else (), table=table,
                      empty="" if cases else "No case was received in this period.")


def pareto(report: Json, query: ReportQuery) -> ReportView:
    by = query.values("by")[0] if query.values("by") else "source"
    bars, total = report["bars"], report["total"]
    vital = [label(by, b["label"]) for b in bars if b["vital"]]
    chart = charts.pareto_chart(
        title=f"Cases by {GROUP_TITLES.get(by, by).lower()}, largest first, with the cumulative share",
        description=f"Bars of the cases per {by}, largest first, with a line of the cumulative share and a line at "
                    f"80%. The vital few, which make up the first 80% of the {total:,} cases, are hatched: "
                    f"{', '.join(vital) or 'none'}." + SEE_TABLE,
        bars=[(label(by, b["label"]), b["count"], b["cumulative"], b["vital"]) for b in bars])
    table = Table(caption=f"Cases by {by}, largest first",
                  columns=(GROUP_TITLES.get(by, by), "Cases", "Share", "Cumulative share", "Vital few"),
                  rows=tuple((Cell(label(by, b["label"])), number(numbers.count(b["count"])),
                              number(numbers.percent_points(b["share"])),
                              number(numbers.percent_points(b["cumulative"])), Cell("Yes" if b["vital"] else "No"))
                             for b in bars))
    return ReportView(facts=(("Cases received", numbers.count(total)), ("Vital few", ", ".join(vital) or "none")),
                      charts=(chart,) if total else (), table=table,
                      empty="" if total else "No case was received in this period.")


# -- the MCO scorecard ------------------------------------------------------------------------------


def mco_scorecard(rows: list[Json], query: ReportQuery) -> ReportView:
    def name(r: Json) -> str:
        return f"{r['mco']} · {numbers.month(r['month'])}"

    def met_text(r: Json) -> str:
        return share_text(r["compliance"], r["met"], r["breached"]) if r["compliance"] is not None \
            else "no clock ended"

    def contact_text(r: Json) -> str:
        hours = r["contact_median_business_hours"]
        return f"{numbers.hours(hours)} h" if hours is not None else "no contact reported"

    shares = [(name(r), r["compliance"] * 100) for r in rows if r["compliance"] is not None]
    contacts = [(name(r), r["contact_median_business_hours"]) for r in rows
                if r["contact_median_business_hours"] is not None]
    compliance = charts.bar_chart(
        title="Share of the MCO's clocks met, per MCO and month", axis_title="Clocks met (percent)",
        series=("Met",), maximum=100, tick_text=scales.percent_text,
        description="Horizontal bars of the percent of each MCO's clock cycles met, per month of referral."
                    + extremes(shares, numbers.percent_points) + SEE_TABLE,
        groups=[(name(r), [((r["compliance"] or 0) * 100, met_text(r))]) for r in rows])
    contact = charts.bar_chart(
        title="Median business hours to the MCO's contact", axis_title="Business hours", series=("Median",),
        description="Horizontal bars of the median business hours from referral to the MCO's contact, per MCO and "
                    "month." + extremes(contacts, lambda v: f"{numbers.hours(v)} h") + SEE_TABLE,
        groups=[(name(r), [(r["contact_median_business_hours"] or 0.0, contact_text(r))]) for r in rows])
    table = Table(caption="Per MCO and month of referral: referrals, time to the MCO's contact, its clocks",
                  columns=("MCO", "Month", "Referrals", "Median to contact (business h)", "Met", "Breached",
                           "Compliance"), row_headers=2,
                  rows=tuple((Cell(r["mco"]), Cell(numbers.month(r["month"])), number(numbers.count(r["referrals"])),
                              number(numbers.hours(r["contact_median_business_hours"])),
                              number(numbers.count(r["met"])), number(numbers.count(r["breached"])),
                              number(numbers.percent(r["compliance"]))) for r in rows))
    return ReportView(facts=(("Referrals", numbers.count(sum(r["referrals"] for r in rows))),),
                      charts=(compliance, contact) if rows else (), table=table,
                      empty="" if rows else "No case was referred to an MCO in this period.")


# -- grievances and appeals -------------------------------------------------------------------------

TYPE_WORDS = {"grievance": "Grievance", "appeal_standard": "Appeal, standard", "appeal_expedited": "Appeal, expedited"}
LEVEL_WORDS = {"state_fair_hearing": "State fair hearing", "external_medical_review": "External medical review"}


def timely_text(r: Json) -> str:
    if r["share_timely"] is None:
        return "none resolved with a clock"
    return f"{numbers.percent(r['share_timely'])} · {r['resolved_timely']:,} on time, {r['resolved_late']:,} late"


def days(value: float | None) -> str:
    return numbers.NONE if value is None else f"{value:,.1f}"


def grievances_appeals(report: Json, query: ReportQuery) -> ReportView:
    """Per MCO and type, the share resolved on time as bars and every count in the table beside them; grievances
    by reason, the reviews beyond the plan and the MCPAR items in tables under them."""
    rows = report["rows"]

    def name(r: Json) -> str:
        return f"{r['mco']} · {TYPE_WORDS[r['type']]}"

    shares = [(name(r), r["share_timely"] * 100) for r in rows if r["share_timely"] is not None]
    chart = charts.bar_chart(
        title="Share resolved on time, per MCO and type", axis_title="Resolved on time (percent)",
        series=("On time",), maximum=100, tick_text=scales.percent_text,
        description="Horizontal bars of the percent of the grievances and appeals resolved in the period that met "
                    "their resolution timeframe, per MCO and type (grievance, standard appeal, expedited appeal)."
                    + extremes(shares, numbers.percent_points) + SEE_TABLE,
        groups=[(name(r), [((r["share_timely"] or 0) * 100, timely_text(r))]) for r in rows])
    table = Table(
        caption="Grievances and appeals per MCO and type: received in the period, resolved in it, on time",
        columns=("MCO", "Type", "Received", "Resolved", "On time", "Late", "Share on time", "Extended (enrollee)",
                 "Extended (plan)", "Expedited requested", "Expedited denied", "Acknowledged on time",
                 "Acknowledged late", "Upheld", "Overturned", "Partially overturned", "Withdrawn",
                 "Open at the end", "Median days to resolve"), row_headers=2,
        rows=tuple((Cell(label("mco", r["mco"])), Cell(TYPE_WORDS[r["type"]]),
                    *(number(numbers.count(r[key])) for key in ("received", "resolved", "resolved_timely",
                                                                "resolved_late")),
                    number(numbers.percent(r["share_timely"])),
                    *(number(numbers.count(r[key])) for key in (
                        "extended_by_enrollee", "extended_by_plan", "expedited_requested", "expedited_denied",
                        "acknowledged_on_time", "acknowledged_late", "upheld", "overturned", "partially_overturned",
                        "withdrawn", "active")),
                    number(days(r["median_days_to_resolve"]))) for r in rows))
    reasons = Table(
        caption="Grievances by reason (the case's category) per MCO", row_headers=2,
        columns=("MCO", "Reason", "Received", "Resolved", "On time", "Late"),
        rows=tuple((Cell(label("mco", r["mco"])), Cell(label("category", r["category"])),
                    *(number(numbers.count(r[key])) for key in ("received", "resolved", "resolved_timely",
                                                                "resolved_late"))) for r in report["reasons"]))
    reviews = Table(
        caption="Reviews beyond the plan per MCO: requested and decided in the period, by decision", row_headers=2,
        columns=("MCO", "Level", "Requested", "Decided", "Upheld", "Overturned", "Partially overturned",
                 "Withdrawn", "Other", "Undecided at the end"),
        rows=tuple((Cell(label("mco", r["mco"])), Cell(LEVEL_WORDS.get(r["level"], label("level", r["level"]))),
                    *(number(numbers.count(r[key])) for key in ("requested", "decided", "upheld", "overturned",
                                                                "partially_overturned", "withdrawn", "other",
                                                                "pending"))) for r in report["reviews"]))
    mcpar = Table(
        caption="The MCPAR's Topic IV items Liaison holds, per MCO (Section D1, Appeals, State Fair Hearings & "
                "Grievances)", row_headers=2, columns=("MCO", "Item", "Indicator", "Value"),
        rows=tuple((Cell(label("mco", i["mco"])), Cell(i["item"]), Cell(i["name"]), number(numbers.count(i["value"])))
                   for i in report["mcpar"]))
    timely, late = sum(r["resolved_timely"] for r in rows), sum(r["resolved_late"] for r in rows)
    share = timely / (timely + late) if timely + late else None
    return ReportView(facts=(("Received", numbers.count(sum(r["received"] for r in rows))),
                             ("Resolved", numbers.count(sum(r["resolved"] for r in rows))),
                             ("Resolved on time", f"{numbers.percent(share)} · {timely:,} on time, {late:,} late"),
                             ("Open at the end", numbers.count(sum(r["active"] for r in rows)))),
                      charts=(chart,) if rows else (), table=table, more=(reasons, reviews, mcpar),
                      empty="" if rows else "No grievance or appeal was received, resolved or open in this period.")


VIEWS: dict[str, Callable[[Any, ReportQuery], ReportView]] = {
    "sla-compliance": sla_compliance, "durations": durations, "secondary-escalations": secondary_escalations,
    "pareto": pareto, "control-chart": control_chart, "before-after": before_after, "mco-scorecard": mco_scorecard,
    "grievances-appeals": grievances_appeals}


def report_view(query: ReportQuery, body: Any, zone: ZoneInfo) -> ReportView:
    """The view of reporting's answer to this query (times of now in `zone`)."""
    if query.kind.slug == "open-breaches":
        return open_breaches(body, query, zone)
    return VIEWS[query.kind.slug](body, query)
