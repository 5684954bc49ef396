"""The reports as CSV and .xlsx: the same rows and numbers as the JSON of the same report, the workbook's
native charts, and the file's name and media type."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart

from liaison_reporting.export import Heading, as_csv, as_xlsx
from liaison_shared.payloads import (
    ClockStartedV1,
    McoContactedV1,
    McoReportedV1,
    SlaMetV1,
)

from .conftest import Reporting
from .test_reports import ACTOR, contact, local, one_resolution_a_day, opened, reopened_and_breached, resolution

NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def download(reporting: Reporting, path: str, **params: str) -> httpx.Response:
    headers = await reporting.tokens.headers(person="pat")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=reporting.runtime.app()),
                                 base_url="http://reporting") as http:
        return await http.get(path, params=params, headers=headers)


async def as_files(reporting: Reporting, path: str, **params: str) -> tuple[Any, list[dict[str, str]], Any]:
    """The report as JSON, its CSV's rows, and its workbook's sheet "Report"."""
    status, report = await reporting.get(path, **params)
    assert status == 200
    text, workbook = (await download(reporting, path, format="csv", **params),
                      await download(reporting, path, format="xlsx", **params))
    assert text.status_code == workbook.status_code == 200
    assert text.headers["content-type"] == "text/csv; charset=utf-8" and workbook.headers["content-type"] == XLSX
    name = path.rsplit("/", 1)[1]
    period = f"{params['start']}_{params['end']}" if "start" in params else r"\d{4}-\d{2}-\d{2}"  # now: today
    for answer, ext in ((text, "csv"), (workbook, "xlsx")):
        assert re.fullmatch(f'attachment; filename="{name}_{period}.{ext}"', answer.headers["content-disposition"])
    rows = list(csv.DictReader(io.StringIO(text.content.decode("utf-8"))))
    return report, rows, load_workbook(io.BytesIO(workbook.content))["Report"]


def written(value: Any) -> str:
    """A JSON value as the CSV writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def table(sheet: Any) -> list[list[Any]]:
    """The workbook's table: its header (row 2, under the title row) and rows."""
    return [list(row) for row in sheet.iter_rows(min_row=2, values_only=True)]


def process_change() -> tuple[list[object], list[float], list[float]]:
    """Six weekdays, one case a day, before a change on 16 November, and six after it."""
    before_days, after_days = [2, 3, 4, 5, 6, 9], [16, 17, 18, 19, 20, 23]
    before_hours, after_hours = [6.0, 5.5, 7.0, 6.5, 5.0, 6.0], [3.0, 2.5, 4.0, 3.5, 2.0, 3.0]
    sources = ["managed_care_ombudsman"] * 5 + ["provider"] * 4 + ["legislative_liaison"] * 3
    events: list[object] = []
    for day, hours, source in zip(before_days + after_days, before_hours + after_hours, sources, strict=True):
        inquiry_id, opening = opened(local(day, 8.5), source=source)
        events += [*opening, contact(inquiry_id, local(day, 8.75)), resolution(inquiry_id, local(day, 8.5 + hours))]
    return events, before_hours, after_hours


async def test_pareto_as_csv_and_xlsx_has_its_bars_and_a_bar_chart_with_the_cumulative_line_on_a_second_axis(
        reporting: Reporting) -> None:
    events, _, _ = process_change()
    await reporting.publish(*events)  # type: ignore[arg-type]
    chart, rows, sheet = await as_files(reporting, "/v1/reports/pareto", by="source", **NOVEMBER)
    assert rows == [{key: written(value) for key, value in bar.items()} for bar in chart["bars"]]
    header, *cells = table(sheet)
    assert "Pareto, by source" in sheet["A1"].value and "America/Chicago" in sheet["A1"].value
    assert header == ["Label", "Cases", "Share", "Cumulative", "Vital few"] and sheet.freeze_panes == "A3"
    assert [(label, count, vital) for label, count, _, _, vital in cells] == [
        (bar["label"], bar["count"], bar["vital"]) for bar in chart["bars"]]
    # Excel's percents are fractions: the JSON's percent 75 is 0.75, shown as 75.0%.
    assert [share for _, _, share, _, _ in cells] == pytest.approx([bar["share"] / 100 for bar in chart["bars"]])
    assert [c for _, _, _, c, _ in cells] == pytest.approx([bar["cumulative"] / 100 for bar in chart["bars"]])
    assert sheet["C3"].number_format == "0.0%"
    [drawn] = sheet._charts
    bars, line = drawn._charts
    assert isinstance(bars, BarChart) and isinstance(line, LineChart)
    assert len(bars.series) == len(line.series) == 1
    assert line.y_axis.axId != bars.y_axis.axId and line.y_axis.crosses == "max"  # the secondary axis


async def test_before_after_as_csv_and_xlsx_has_one_row_per_side_with_its_five_numbers_and_the_test(
        reporting: Reporting) -> None:
    events, before_hours, after_hours = process_change()
    await reporting.publish(*events)  # type: ignore[arg-type]
    compared, rows, sheet = await as_files(reporting, "/v1/reports/before-after", cut="2026-11-16", **NOVEMBER)
    five = ("minimum", "lower_quartile", "median", "upper_quartile", "maximum")
    assert [row["side"] for row in rows] == ["before", "after"]
    for row, side in zip(rows, ("before", "after"), strict=True):
        assert {key: row[key] for key in ("count", *five, "outlier_count")} == {
            key: written(compared[side][key]) for key in ("count", *five, "outlier_count")}
        assert (row["cut"], row["percent_change"], row["statistic"], row["p_value"], row["sentence"]) == (
            compared["cut"], written(compared["percent_change"]), written(compared["test"]["statistic"]),
            written(compared["test"]["p_value"]), compared["sentence"])
    header, *cells = table(sheet)
    by_title = [dict(zip(header, line, strict=True)) for line in cells]
    assert [line["Cases"] for line in by_title] == [len(before_hours), len(after_hours)]
    assert [line["Median (h)"] for line in by_title] == pytest.approx([compared["before"]["median"],
                                                                       compared["after"]["median"]])
    assert by_title[0]["p-value"] == pytest.approx(compared["test"]["p_value"])
    assert by_title[0]["Finding"] == compared["sentence"]
    assert sheet._charts == []  # a box plot is not a native chart: the five numbers are the table


async def test_control_chart_as_csv_and_xlsx_has_a_row_per_day_and_a_line_chart_of_medians_centre_and_limits(
        reporting: Reporting) -> None:
    await one_resolution_a_day(reporting)
    chart, rows, sheet = await as_files(reporting, "/v1/reports/control-chart", start="2026-11-02",
                                        end="2026-11-09")
    assert [row["day"] for row in rows] == chart["days"]
    assert [row["daily_median_hours"] for row in rows] == [written(v) for v in chart["daily_median_hours"]]
    assert rows[3]["daily_median_hours"] == rows[3]["moving_range"] == ""  # a day without cases: no point
    assert [rows[p["position"]]["moving_range"] for p in chart["points"]] == [
        written(p["moving_range"]) for p in chart["points"]]
    for key in ("centre", "upper_limit", "lower_limit", "mr_upper_limit"):
        assert {row[key] for row in rows} == {written(chart[key])}
    header, *cells = table(sheet)
    assert header[:6] == ["Day", "Daily median (h)", "Moving range (h)", "Centre (h)", "Upper limit (h)",
                          "Lower limit (h)"]
    assert [line[0].date().isoformat() for line in cells] == chart["days"]
    assert [line[1] for line in cells] == chart["daily_median_hours"]
    assert [line[4] for line in cells] == pytest.approx([chart["upper_limit"]] * len(cells))
    assert sheet["B3"].number_format == "0.0"
    [drawn] = sheet._charts
    assert isinstance(drawn, LineChart) and len(drawn._charts) == 1
    assert len(drawn.series) == 4  # the daily medians, the centre line and the two limits


async def test_compliance_breaches_and_escalations_as_csv_and_xlsx_hold_the_json_rows(reporting: Reporting) -> None:
    events, due = reopened_and_breached()
    met_id, more = opened(local(17, 9), priority="standard")
    more += [ClockStartedV1(inquiry_id=met_id, clock="originator_contacted", track="member_mco", priority="standard",
                            warn_at=local(17, 11), due_at=local(17, 15), started_at=local(17, 9)),
             SlaMetV1(inquiry_id=met_id, clock="originator_contacted", due_at=local(17, 15), met_at=local(17, 10),
                      took_business_seconds=3600)]
    await reporting.publish(*events, *more)  # type: ignore[arg-type]

    compliance, rows, sheet = await as_files(reporting, "/v1/reports/sla-compliance", group_by="clock,priority",
                                             **NOVEMBER)
    assert len(compliance) == 2
    assert rows == [{key: written(value) for key, value in row.items()} for row in compliance]
    header, *cells = table(sheet)
    assert header == ["Clock", "Priority", "Met", "Breached", "Compliance"]
    assert cells == [[r["clock"], r["priority"], r["met"], r["breached"], pytest.approx(r["compliance"])]
                     for r in compliance]
    assert sheet["E3"].number_format == "0.0%"
    [drawn] = sheet._charts
    assert isinstance(drawn, BarChart) and len(drawn._charts) == 1 and len(drawn.series) == 1

    breaches, rows, sheet = await as_files(reporting, "/v1/reports/open-breaches")
    fixed = ("inquiry_id", "clock", "track", "priority", "mco")
    assert [{k: row[k] for k in fixed} for row in rows] == [{k: written(row[k]) for k in fixed} for row in breaches]
    [breach] = rows
    for age in ("age_business_hours", "age_calendar_hours"):  # a moment later than the JSON's
        assert float(breach[age]) == pytest.approx(breaches[0][age], abs=0.05)
    assert breach["due_at"] == due.isoformat() == "2026-11-18T14:00:00-06:00"  # ISO 8601, in program time
    assert datetime.fromisoformat(breach["due_at"]) == datetime.fromisoformat(breaches[0]["due_at"])
    assert sheet["F3"].value == due.replace(tzinfo=None) and sheet._charts == []

    escalations, rows, sheet = await as_files(reporting, "/v1/reports/secondary-escalations", **NOVEMBER)
    assert rows == [{key: written(value) for key, value in escalations.items()}]
    header, *cells = table(sheet)
    assert cells == [[escalations[key] for key in ("cases", "reopened", "escalated_again", "either", "rate")]]


async def test_durations_and_the_scorecard_as_csv_and_xlsx_hold_the_json_rows(reporting: Reporting) -> None:
    events: list[object] = []
    for n, (hours, priority) in enumerate([(1.0, "urgent"), (2.5, "urgent"), (4.0, "urgent"), (3.0, "standard")]):
        inquiry_id, opening = opened(local(16 + n, 9), priority=priority)
        events += [*opening, McoContactedV1(inquiry_id=inquiry_id, mco="IA-TC", actor=ACTOR, at=local(16 + n, 9.5)),
                   McoReportedV1(inquiry_id=inquiry_id, mco="IA-TC", report="member_contacted", actor=ACTOR,
                                 at=local(16 + n, 10)),
                   resolution(inquiry_id, local(16 + n, 9 + hours))]
    await reporting.publish(*events)  # type: ignore[arg-type]

    durations, rows, sheet = await as_files(reporting, "/v1/reports/durations", group_by="track,priority",
                                            **NOVEMBER)
    assert len(durations) == 2
    assert rows == [{key: written(value) for key, value in row.items()} for row in durations]
    header, *cells = table(sheet)
    assert header[:4] == ["Track", "Priority", "Cases", "Business median (h)"]
    assert cells == [[r["track"], r["priority"], r["cases"], *map(pytest.approx, (
        r["business_median_hours"], r["business_p90_hours"], r["calendar_median_hours"], r["calendar_p90_hours"]))]
        for r in durations]
    [drawn] = sheet._charts
    assert isinstance(drawn, BarChart) and len(drawn.series) == 2  # the business median and p90 of each group

    scorecard, rows, sheet = await as_files(reporting, "/v1/reports/mco-scorecard", **NOVEMBER)
    assert scorecard and rows == [{key: written(value) for key, value in row.items()} for row in scorecard]
    header, *cells = table(sheet)
    assert [line[:3] for line in cells] == [[r["mco"], r["month"], r["referrals"]] for r in scorecard]


async def test_json_stays_the_default_and_an_unknown_format_is_refused_by_name(reporting: Reporting) -> None:
    assert await reporting.get("/v1/reports/pareto", format="json", **NOVEMBER) == await reporting.get(
        "/v1/reports/pareto", **NOVEMBER)
    for path, params in (("sla-compliance", NOVEMBER), ("open-breaches", {}), ("durations", NOVEMBER),
                         ("secondary-escalations", NOVEMBER), ("pareto", NOVEMBER), ("control-chart", NOVEMBER),
                         ("before-after", {**NOVEMBER, "cut": "2026-11-16"}), ("mco-scorecard", NOVEMBER)):
        status, problem = await reporting.get(f"/v1/reports/{path}", format="pdf", **params)
        assert status == 422 and [e["field"] for e in problem["errors"]] == ["format"], path


def test_an_empty_report_is_a_header_row_and_a_workbook_without_a_chart() -> None:
    heading = Heading("sla-compliance", "America/Chicago", datetime(2026, 11, 20, tzinfo=UTC),
                      (date(2026, 11, 1), date(2026, 11, 30)), groups=("clock",))
    assert as_csv([], heading) == b"clock,met,breached,compliance\r\n"
    sheet = load_workbook(io.BytesIO(as_xlsx([], heading)))["Report"]
    assert table(sheet) == [["Clock", "Met", "Breached", "Compliance"]] and sheet._charts == []
