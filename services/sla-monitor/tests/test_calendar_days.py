"""Calendar-day deadlines (42 CFR 438's "N calendar days") and extensions, on plain data: a deadline in
calendar days is the local midnight ending the N-th day after the anchor's local date, whatever DST does
in between; an extension moves it N local dates on at the same wall time. Expected instants are worked
out by hand in America/Chicago: CDT = UTC-5 until 2026-11-01 02:00 and from 2027-03-14 02:00, CST = UTC-6
between."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from liaison_shared.vocabulary import Priority, Track
from liaison_sla_monitor.contract import ClockSpec, Signal, Target, load_policy
from liaison_sla_monitor.rules import meeting
from liaison_sla_monitor.rules.deadlines import due, reach

POLICY = load_policy()
CALENDAR = POLICY.calendar
UTC = dt.UTC


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


def days(n: int, **extra: object) -> ClockSpec:
    return ClockSpec.model_validate({"name": "clock", "starts_on": "triaged", "deadline": {"calendar_days": n},
                                     "met_by": ["resolved"], **extra})


def policy_clock(track: Track, priority: Priority, name: str) -> ClockSpec:
    (spec,) = [c for c in POLICY.clocks_for(track, priority) if c.name == name]
    return spec


# -- laws --------------------------------------------------------------------------------------

anchors = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 31), timezones=st.just(UTC))
day_counts = st.integers(min_value=1, max_value=400)


@given(day_counts, anchors)
def test_a_calendar_day_deadline_is_always_local_midnight(n: int, anchor: dt.datetime) -> None:
    warn_at, due_at = due(days(n), anchor, CALENDAR)
    local = CALENDAR.local(due_at)
    assert local.time() == dt.time(0) and due_at.tzinfo is UTC
    assert local.date() == CALENDAR.local(anchor).date() + dt.timedelta(days=n + 1)
    assert anchor <= warn_at <= due_at


@given(day_counts, day_counts, anchors)
def test_a_calendar_day_deadline_is_monotone_in_the_days(first: int, second: int, anchor: dt.datetime) -> None:
    fewer, more = sorted((first, second))
    assert reach(Target(calendar_days=fewer), anchor, CALENDAR) <= reach(Target(calendar_days=more), anchor, CALENDAR)


@given(day_counts, anchors, anchors)
def test_a_calendar_day_deadline_is_monotone_in_the_anchor(n: int, first: dt.datetime, second: dt.datetime) -> None:
    earlier, later = sorted((first, second))
    assert reach(Target(calendar_days=n), earlier, CALENDAR) <= reach(Target(calendar_days=n), later, CALENDAR)


@given(day_counts, st.integers(min_value=1, max_value=14), anchors)
def test_an_extension_keeps_a_calendar_day_deadline_at_midnight_and_never_earlier(
    n: int, extended: int, anchor: dt.datetime
) -> None:
    _, plain = due(days(n), anchor, CALENDAR)
    warn_at, moved = due(days(n), anchor, CALENDAR, extended_days=extended)
    assert moved == due(days(n + extended), anchor, CALENDAR)[1]  # N days extended by M = N + M days
    assert moved > plain and CALENDAR.local(moved).time() == dt.time(0)
    assert anchor <= warn_at <= moved


# -- across DST --------------------------------------------------------------------------------


def test_calendar_days_across_the_spring_change_end_at_local_midnight() -> None:
    friday = utc(2027, 3, 12, 16)  # Friday 10:00 CST
    # Ends with Sunday 03-14 (the day clocks go forward): Monday 00:00 CDT.
    assert reach(Target(calendar_days=2), friday, CALENDAR) == utc(2027, 3, 15, 5)
    # The day before ends at 00:00 CST, an hour "later" in UTC: each day ends at its own midnight.
    assert reach(Target(calendar_days=1), friday, CALENDAR) == utc(2027, 3, 14, 6)
    warn_at, due_at = due(days(2), friday, CALENDAR)
    assert due_at - friday == dt.timedelta(hours=61)  # 62 wall-clock hours less the skipped one
    assert warn_at == friday + dt.timedelta(hours=45, minutes=45)  # 75% of the elapsed time


def test_calendar_days_across_the_autumn_change_end_at_local_midnight() -> None:
    friday = utc(2026, 10, 30, 15)  # Friday 10:00 CDT
    # Ends with Sunday 11-01 (the day clocks go back): Monday 00:00 CST.
    assert reach(Target(calendar_days=2), friday, CALENDAR) == utc(2026, 11, 2, 6)
    assert reach(Target(calendar_days=1), friday, CALENDAR) == utc(2026, 11, 1, 5)  # 00:00 CDT
    _, due_at = due(days(2), friday, CALENDAR)
    assert due_at - friday == dt.timedelta(hours=63)  # 62 wall-clock hours plus the repeated one


def test_calendar_hours_across_a_dst_change_are_elapsed_hours_not_wall_clock_hours() -> None:
    saturday = utc(2027, 3, 13, 18)  # Saturday 12:00 CST; 72 hours later is Tuesday 13:00 CDT
    expedited = policy_clock(Track.APPEAL, Priority.URGENT, "resolution")
    assert due(expedited, saturday, CALENDAR)[1] == utc(2027, 3, 16, 18)


def test_an_extension_across_a_dst_change_keeps_the_local_wall_time() -> None:
    midnight_cst = utc(2027, 3, 10, 6)  # Wednesday 00:00 CST
    assert CALENDAR.add_calendar_days(midnight_cst, 14) == utc(2027, 3, 24, 5)  # 00:00 CDT, 14 local dates on
    five_pm_cdt = utc(2026, 10, 28, 22)  # Wednesday 17:00 CDT
    assert CALENDAR.add_calendar_days(five_pm_cdt, 7) == utc(2026, 11, 4, 23)  # 17:00 CST


def test_an_appeal_extended_by_fourteen_days_is_due_at_the_end_of_the_forty_fourth_day() -> None:
    received = utc(2027, 2, 25, 15)  # Thursday 09:00 CST; 30 days: the end of 03-27, after the change
    standard = policy_clock(Track.APPEAL, Priority.STANDARD, "resolution")
    assert due(standard, received, CALENDAR)[1] == utc(2027, 3, 28, 5)  # Sunday 00:00 CDT
    warn_at, due_at = due(standard, received, CALENDAR, extended_days=14)
    assert due_at == utc(2027, 4, 11, 5)  # the end of 04-10: 44 days
    assert warn_at == received + (due_at - received) * 0.75


# -- a grievance's 90 days ---------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """The grievance's resolution clock as stored: open until its deadline passes, then breached."""

    state: str
    anchor_at: dt.datetime
    due_at: dt.datetime
    warn_at: dt.datetime
    name: str = "resolution"
    starts_on: str = "triaged"
    met_by: tuple[str, ...] = ("resolved",)
    warned: bool = True
    mco: str = ""


RECEIVED = utc(2026, 11, 25, 22, 59)  # Wednesday 2026-11-25 16:59 CST: day 0, the day of receipt
DAY_90_ENDS = utc(2027, 2, 24, 6)  # day 90 is Tuesday 2027-02-23; its end is Wednesday 00:00 CST


def test_a_grievance_received_late_in_the_day_is_due_at_the_end_of_day_ninety() -> None:
    resolution = policy_clock(Track.GRIEVANCE, Priority.STANDARD, "resolution")
    assert resolution.deadline == Target(calendar_days=90)
    warn_at, due_at = due(resolution, RECEIVED, CALENDAR)
    assert due_at == DAY_90_ENDS
    assert CALENDAR.local(due_at).date() - CALENDAR.local(RECEIVED).date() == dt.timedelta(days=91)
    assert warn_at == RECEIVED + (DAY_90_ENDS - RECEIVED) * 0.75


def test_a_grievance_resolved_on_day_89_is_met_and_on_day_91_is_breached() -> None:
    _, due_at = due(policy_clock(Track.GRIEVANCE, Priority.STANDARD, "resolution"), RECEIVED, CALENDAR)
    day_89 = utc(2027, 2, 22, 18)  # Monday 2027-02-22 12:00 CST
    day_91 = utc(2027, 2, 24, 18)  # Wednesday 2027-02-24 12:00 CST
    running = Clock("open", RECEIVED, due_at, RECEIVED)
    assert meeting.meets(Signal.RESOLVED, day_89, running)
    breached = Clock("breached", RECEIVED, due_at, RECEIVED)  # the timer fired at 00:00 on day 91
    assert not meeting.meets(Signal.RESOLVED, day_91, breached)
    assert meeting.meets(Signal.RESOLVED, DAY_90_ENDS - dt.timedelta(seconds=1), breached)  # 23:59:59 of day 90
