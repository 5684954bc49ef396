"""The reports where calendars are awkward: the clocks changing (daylight saving time begins and ends),
a holiday inside a duration, a period of a single day, and a time zone other than the program's.

Every expected figure is computed here from the raw instants the test published: calendar time as
the UTC difference, business time by counting the minutes that fall in the program's hours (08:00 to
17:00, Monday to Friday, America/Chicago, Thanksgiving 2026 and the day after closed), minute by minute,
without the services' calendar code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from liaison_shared.payloads import ClockStartedV1, SlaBreachedV1, SlaMetV1

from .conftest import Reporting
from .test_reports import contact, opened, resolution

CHICAGO = ZoneInfo("America/Chicago")
CLOSED = {date(2026, 11, 26), date(2026, 11, 27)}  # Thanksgiving Day, and the day after (the program's rule)


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock instant in program time (fold 0: the first of an hour that happens twice)."""
    return datetime(year, month, day, hour, minute, tzinfo=CHICAGO)


def business_hours(start: datetime, end: datetime) -> float:
    """Minutes of [start, end) inside the program's hours, counted one by one, in hours."""
    minutes = np.arange(np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "m"),
                        np.datetime64(end.astimezone(UTC).replace(tzinfo=None), "m"))
    inside = 0
    for minute in minutes.tolist():
        local = minute.replace(tzinfo=UTC).astimezone(CHICAGO)
        inside += local.weekday() < 5 and local.date() not in CLOSED and 8 <= local.hour < 17
    return inside / 60


def calendar_hours(start: datetime, end: datetime) -> float:
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() / 3600


async def test_durations_across_both_clock_changes_and_a_holiday(reporting: Reporting) -> None:
    spans = [
        (at(2026, 3, 6, 16), at(2026, 3, 9, 9)),  # Friday to Monday, the clocks go forward on Sunday: 64 h
        (at(2026, 10, 30, 16), at(2026, 11, 2, 9)),  # Friday to Monday, the clocks go back on Sunday: 66 h
        (at(2026, 11, 25, 15), at(2026, 11, 30, 10)),  # Wednesday to Monday over Thanksgiving and the day after
        (at(2026, 11, 24, 9), at(2026, 11, 24, 12, 30)),  # an ordinary Tuesday morning
    ]
    events: list[object] = []
    for received, resolved in spans:
        inquiry_id, opening = opened(received)
        events += [*opening, contact(inquiry_id, received + timedelta(minutes=30)), resolution(inquiry_id, resolved)]
    await reporting.publish(*events)  # type: ignore[arg-type]
    status, rows = await reporting.get("/v1/reports/durations", start="2026-03-01", end="2026-11-30",
                                       measure="resolution", group_by="track")
    assert status == 200 and rows[0]["cases"] == len(spans)
    business = np.array([business_hours(a, b) for a, b in spans])
    calendar = np.array([calendar_hours(a, b) for a, b in spans])
    assert calendar.tolist()[:2] == [64.0, 66.0]  # the independent arithmetic sees the lost and the gained hour
    assert business.tolist()[2] == 4.0  # Wednesday 15-17 and Monday 8-10: Thursday and Friday are closed
    assert np.isclose(rows[0]["business_median_hours"], np.percentile(business, 50))
    assert np.isclose(rows[0]["business_p90_hours"], np.percentile(business, 90))
    assert np.isclose(rows[0]["calendar_median_hours"], np.percentile(calendar, 50))
    assert np.isclose(rows[0]["calendar_p90_hours"], np.percentile(calendar, 90))


async def test_a_local_day_is_the_zones_day_even_when_it_lasts_25_hours(reporting: Reporting) -> None:
    # Sunday 1 November 2026 lasts 25 hours in Chicago. Three resolutions, 1, 2 and 3 calendar hours long:
    first = at(2026, 11, 1, 0, 30)  # the day's first half hour (05:30 UTC)
    last = at(2026, 11, 1, 23, 30)  # its last (05:30 UTC on the 2nd)
    before = at(2026, 10, 31, 23, 30)  # Saturday evening in Chicago, already the 1st in UTC (04:30)
    events: list[object] = []
    for resolved, hours in ((first, 1), (last, 2), (before, 3)):
        inquiry_id, opening = opened(resolved - timedelta(hours=hours))
        events += [*opening, resolution(inquiry_id, resolved)]
    await reporting.publish(*events)  # type: ignore[arg-type]
    one_day = {"start": "2026-11-01", "end": "2026-11-01", "measure": "resolution", "group_by": ""}
    _, chicago = await reporting.get("/v1/reports/durations", **one_day)
    _, utc = await reporting.get("/v1/reports/durations", **one_day, tz="UTC")
    resolutions = ((first, 1), (last, 2), (before, 3))
    in_chicago = [h for r, h in resolutions if r.astimezone(CHICAGO).date() == date(2026, 11, 1)]
    in_utc = [h for r, h in resolutions if r.astimezone(UTC).date() == date(2026, 11, 1)]
    assert (chicago[0]["cases"], chicago[0]["calendar_median_hours"]) == (len(in_chicago), np.median(in_chicago))
    assert (utc[0]["cases"], utc[0]["calendar_median_hours"]) == (len(in_utc), np.median(in_utc))
    assert in_chicago != in_utc  # the zone decides, not UTC
    status, chart = await reporting.get("/v1/reports/control-chart", start="2026-10-31", end="2026-11-02")
    assert status == 200 and chart["days"] == ["2026-10-31", "2026-11-01", "2026-11-02"]  # each day once
    assert [v is None for v in chart["daily_median_hours"]] == [False, False, True]


async def test_a_deadline_late_on_the_last_evening_of_october_counts_in_the_zones_month(
        reporting: Reporting) -> None:
    inquiry_id, events = opened(at(2026, 10, 30, 9))
    due_met, due_breached = at(2026, 10, 30, 13), at(2026, 10, 31, 23, 30)  # the second: 04:30 UTC on 1 November
    events += [
        ClockStartedV1(inquiry_id=inquiry_id, clock="originator_contacted", track="member_mco", priority="urgent",
                       warn_at=due_met - timedelta(hours=1), due_at=due_met, started_at=at(2026, 10, 30, 9)),
        SlaMetV1(inquiry_id=inquiry_id, clock="originator_contacted", due_at=due_met, met_at=at(2026, 10, 30, 10),
                 took_business_seconds=3600),
        ClockStartedV1(inquiry_id=inquiry_id, clock="mco_referral", track="member_mco", priority="urgent",
                       warn_at=due_breached - timedelta(hours=1), due_at=due_breached, started_at=at(2026, 10, 30, 9)),
        SlaBreachedV1(inquiry_id=inquiry_id, clock="mco_referral", track="member_mco", priority="urgent",
                      due_at=due_breached, breached_at=due_breached, late_by_seconds=0)]
    await reporting.publish(*events)  # type: ignore[arg-type]
    period = {"start": "2026-10-01", "end": "2026-11-30", "group_by": "month"}
    _, chicago = await reporting.get("/v1/reports/sla-compliance", **period)
    _, utc = await reporting.get("/v1/reports/sla-compliance", **period, tz="UTC")
    assert chicago == [{"month": "2026-10", "met": 1, "breached": 1, "compliance": 0.5}]
    assert utc == [{"month": "2026-10", "met": 1, "breached": 0, "compliance": 1.0},
                   {"month": "2026-11", "met": 0, "breached": 1, "compliance": 0.0}]
    # A single day: only what fell due on it.
    _, saturday = await reporting.get("/v1/reports/sla-compliance", start="2026-10-31", end="2026-10-31",
                                      group_by="clock")
    assert saturday == [{"clock": "mco_referral", "met": 0, "breached": 1, "compliance": 0.0}]


async def test_a_single_day_chart_has_its_point_and_no_limits(reporting: Reporting) -> None:
    inquiry_id, events = opened(at(2026, 11, 24, 9))
    await reporting.publish(*events, resolution(inquiry_id, at(2026, 11, 24, 11, 30)))  # type: ignore[arg-type]
    status, chart = await reporting.get("/v1/reports/control-chart", start="2026-11-24", end="2026-11-24")
    assert status == 200 and chart["days"] == ["2026-11-24"]
    assert chart["daily_median_hours"] == [business_hours(at(2026, 11, 24, 9), at(2026, 11, 24, 11, 30))]
    assert chart["centre"] == 2.5 and chart["upper_limit"] is None and chart["lower_limit"] is None
