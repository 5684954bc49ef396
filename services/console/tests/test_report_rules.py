"""What a report page asks reporting for, read from its URL, and how it shows the answer, without a
database: default periods, the report's own choices, numbers written for reading, rows sorted for
reading, and the control chart's days without cases and its signals in words."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from liaison_console.rules import numbers
from liaison_console.rules.process_views import box_figure
from liaison_console.rules.report_query import REPORTS, last_whole_months, middle_day, parse_report_query
from liaison_console.rules.report_views import report_view

ZONE = "America/Chicago"
TODAY = date(2026, 12, 2)


def query(report: str, **params: list[str]) -> object:
    return parse_report_query(REPORTS[report], params, today=TODAY, zone=ZONE)


def test_the_default_period_is_the_last_three_whole_months() -> None:
    assert last_whole_months(TODAY) == (date(2026, 9, 1), date(2026, 11, 30))
    assert last_whole_months(date(2026, 2, 15)) == (date(2025, 11, 1), date(2026, 1, 31))
    assert last_whole_months(date(2024, 3, 1), 1) == (date(2024, 2, 1), date(2024, 2, 29))
    assert middle_day(date(2026, 11, 1), date(2026, 11, 30)) == date(2026, 11, 16)


def test_a_first_visit_asks_for_the_defaults_and_the_url_carries_every_choice() -> None:
    found = parse_report_query(REPORTS["before-after"], {}, today=TODAY, zone=ZONE)
    assert found.reporting_params() == {"start": "2026-09-01", "end": "2026-11-30", "tz": ZONE, "cut": "2026-10-16",
                                        "measure": "resolution"}
    assert found.url(".xlsx") == ("/reports/before-after.xlsx?start=2026-09-01&end=2026-11-30&tz=America%2FChicago"
                                  "&cut=2026-10-16&measure=resolution")
    again = parse_report_query(REPORTS["before-after"], {k: [v] for k, v in found.reporting_params().items()},
                               today=date(2030, 1, 1), zone=ZONE)
    assert again == found  # a bookmarked page asks for the same report on another day


def test_several_groups_come_checked_or_comma_separated_and_none_checked_is_none() -> None:
    compliance = REPORTS["sla-compliance"]
    checked = parse_report_query(compliance, {"group_by": ["", "clock", "month"]}, today=TODAY, zone=ZONE)
    assert checked.reporting_params()["group_by"] == "clock,month"
    written = parse_report_query(compliance, {"group_by": ["priority,mco"]}, today=TODAY, zone=ZONE)
    assert written.values("group_by") == ("priority", "mco")
    assert parse_report_query(compliance, {"group_by": [""]}, today=TODAY, zone=ZONE).reporting_params()[
        "group_by"] == ""
    assert parse_report_query(compliance, {}, today=TODAY, zone=ZONE).values("group_by") == ("clock",)
    # Values are reporting's to judge: the console passes them on, unknown parameters it drops.
    odd = parse_report_query(compliance, {"group_by": ["colour"], "tz": ["Mars/Olympus"], "sort": ["x"]},
                             today=TODAY, zone=ZONE)
    assert odd.reporting_params() == {"start": "2026-09-01", "end": "2026-11-30", "tz": "Mars/Olympus",
                                      "group_by": "colour"}


def test_open_breaches_have_no_period_and_the_programs_zone() -> None:
    found = parse_report_query(REPORTS["open-breaches"], {"start": ["2026-01-01"], "tz": ["UTC"]}, today=TODAY,
                               zone=ZONE)
    assert found.reporting_params() == {} and found.tz == ZONE and found.url(".csv") == "/reports/open-breaches.csv"


def test_numbers_are_written_for_reading() -> None:
    assert (numbers.hours(1234.56), numbers.hours(None), numbers.count(12345)) == ("1,234.6", "—", "12,345")
    assert (numbers.percent(0.875), numbers.percent_points(42.0), numbers.change(-37.5)) == \
        ("87.5%", "42.0%", "\N{MINUS SIGN}37.5%")
    assert (numbers.p_value(0.0004), numbers.p_value(0.3456)) == ("p < 0.001", "p = 0.346")
    assert (numbers.month("2026-11"), numbers.weekday("2026-11-01"), numbers.period(date(2026, 9, 1),
                                                                                    date(2026, 11, 30))) == \
        ("Nov 2026", "Sun 1 Nov 2026", "1 Sep 2026 to 30 Nov 2026")


def test_compliance_is_worst_first_in_percent_with_its_counts() -> None:
    found = parse_report_query(REPORTS["sla-compliance"], {"group_by": ["clock,priority"]}, today=TODAY, zone=ZONE)
    rows = [{"clock": "originator_contacted", "priority": "urgent", "met": 1200, "breached": 300, "compliance": 0.8},
            {"clock": "mco_referral", "priority": "standard", "met": 1, "breached": 1, "compliance": 0.5}]
    view = report_view(found, rows, ZoneInfo(ZONE))
    assert [[c.text for c in row] for row in view.table.rows] == [
        ["Refer to the MCO", "Standard", "1", "1", "50.0%"],
        ["Call back the originator", "Urgent", "1,200", "300", "80.0%"]]
    assert view.table.row_headers == 2 and view.table.columns[:2] == ("Clock", "Priority")
    assert ("Met overall", "80.0% · 1,201 met, 301 breached") in view.facts  # 1,201 of 1,502
    bars = view.charts[0].groups  # type: ignore[union-attr]
    assert [g.label for g in bars] == ["Refer to the MCO · Standard", "Call back the originator · Urgent"]
    assert bars[0].bars[0].text == "50.0% · 1 met, 1 breached"


def test_a_period_without_cases_says_so_instead_of_drawing() -> None:
    view = report_view(query("durations"), [], ZoneInfo(ZONE))
    assert view.charts == () and view.empty == "No case has a time to resolution in this period."


def test_the_control_charts_days_without_cases_and_its_signals_are_in_words() -> None:
    chart = {"days": ["2026-11-01", "2026-11-02", "2026-11-03"], "daily_median_hours": [None, 4.0, 9.5],
             "points": [{"position": 1, "value": 4.0, "moving_range": None, "rules": [], "moving_range_beyond": False},
                        {"position": 2, "value": 9.5, "moving_range": 5.5, "rules": ["beyond_limits", "trend"],
                         "moving_range_beyond": True}],
             "centre": 6.75, "mr_bar": 5.5, "upper_limit": 21.38, "lower_limit": -7.88, "mr_upper_limit": 17.97}
    view = report_view(query("control-chart"), chart, ZoneInfo(ZONE))
    assert [[c.text for c in row] for row in view.table.rows] == [
        ["Sun 1 Nov 2026", "—", "—", "no cases that day"],
        ["Mon 2 Nov 2026", "4.0", "—", "none"],
        ["Tue 3 Nov 2026", "9.5", "5.5",
         "beyond a control limit; 6 in a row rising or falling; moving range above its limit"]]
    drawn = view.charts[0]
    assert [p.signal for p in drawn.individuals.points] == [False, True]  # type: ignore[union-attr]
    assert [p.signal for p in drawn.moving_range.points] == [True]  # type: ignore[union-attr]
    assert ("Days breaking a rule", "1: 3 Nov") in view.facts


def test_a_box_plots_many_outliers_are_counted_and_its_farthest_named() -> None:
    side = {"count": 500, "median": 10.0, "outliers": [1.0, 40.0, 55.5], "outlier_count": 130}
    assert box_figure(side, "outliers") == "130"  # all of them, though reporting lists only the farthest
    assert box_figure(side, "farthest") == "55.5"
    assert box_figure({**side, "outliers": [], "outlier_count": 0}, "outliers") == "none"


def test_the_filters_are_asked_for_only_when_chosen_and_stated_on_the_page() -> None:
    first = query("durations")
    assert not {"track", "priority", "source", "mco"} & set(first.reporting_params())  # all the cases
    assert first.narrowed() == []
    narrowed = query("durations", priority=["urgent"], mco=["IA-TC"], track=[""])
    assert narrowed.reporting_params()["priority"] == "urgent" and narrowed.reporting_params()["mco"] == "IA-TC"
    assert "track" not in narrowed.reporting_params()
    assert narrowed.narrowed() == [("Priority", ("urgent",)), ("MCO", ("IA-TC",))]
    assert "priority=urgent" in narrowed.url(".xlsx")  # the download is of the same cases
    assert "track" not in query("open-breaches").reporting_params()  # a report of now has no filters


def test_grievances_and_appeals_show_each_type_of_each_mco_with_a_dash_for_no_share_and_their_other_tables() -> None:
    zero = dict.fromkeys(("received", "expedited_requested", "expedited_denied", "acknowledged_on_time",
                          "acknowledged_late", "resolved", "resolved_timely", "resolved_late", "extended",
                          "extended_by_enrollee", "extended_by_plan", "upheld", "overturned", "partially_overturned",
                          "withdrawn", "active"), 0)
    rows = [{"mco": "IA-TC", "type": "grievance", **zero, "received": 1200, "resolved": 3, "resolved_timely": 2,
             "resolved_late": 1, "share_timely": 2 / 3, "median_days_to_resolve": 12.25},
            {"mco": "IA-TC", "type": "appeal_expedited", **zero, "share_timely": None,
             "median_days_to_resolve": None}]
    body = {"rows": rows, "reasons": [{"mco": "IA-TC", "category": "quality_of_care", "received": 1, "resolved": 1,
                                       "resolved_timely": 1, "resolved_late": 0}],
            "reviews": [], "mcpar": [{"mco": "IA-TC", "item": "D1.IV.10", "name": "Grievances resolved", "value": 3}]}
    view = report_view(query("grievances-appeals"), body, ZoneInfo(ZONE))  # type: ignore[arg-type]
    shown = [[cell.text for cell in row] for row in view.table.rows]
    assert shown[0][:7] == ["IA-TC", "Grievance", "1,200", "3", "2", "1", "66.7%"] and shown[0][-1] == "12.2"
    assert shown[1][:7] == ["IA-TC", "Appeal, expedited", "0", "0", "0", "0", numbers.NONE]
    assert view.table.row_headers == 2 and len(view.charts) == 1
    reasons, reviews, mcpar = view.more
    assert [[c.text for c in row] for row in reasons.rows] == [["IA-TC", "Quality of care", "1", "1", "1", "0"]]
    assert reviews.rows == () and [c.text for c in mcpar.rows[0]] == ["IA-TC", "D1.IV.10", "Grievances resolved", "3"]
    assert ("Resolved on time", "66.7% · 2 on time, 1 late") in view.facts
    empty = report_view(query("grievances-appeals"), {"rows": [], "reasons": [], "reviews": [], "mcpar": []},
                        ZoneInfo(ZONE))  # type: ignore[arg-type]
    assert empty.charts == () and empty.empty.startswith("No grievance or appeal")
