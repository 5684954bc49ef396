"""When a clock warns and when it is due, counted from its anchor on the business calendar, and how an
extension moves its deadline."""

from __future__ import annotations

import datetime as dt

from liaison_shared.calendar import BusinessCalendar
from liaison_sla_monitor.contract import ClockSpec, Target


def reach(target: Target, anchor: dt.datetime, calendar: BusinessCalendar,
          scheduled_on: dt.date | None = None) -> dt.datetime:
    """The instant (UTC) `target` falls from `anchor`; business units start at the next opening. A
    `scheduled_date` target falls at the end of `scheduled_on`, the date the case was given."""
    if target.scheduled_date is not None:
        if scheduled_on is None:
            raise ValueError("a clock due on a scheduled date started for a case that has no scheduled date")
        midnight = dt.datetime.combine(scheduled_on, dt.time(0), tzinfo=calendar.zone)
        if target.scheduled_date == "business":
            return calendar.end_of_business_day(midnight)
        return calendar.end_of_calendar_day(midnight, 0)
    if target.business_hours is not None:
        return calendar.add_business_hours(anchor, target.business_hours)
    if target.business_days is not None:
        return calendar.add_business_days(anchor, target.business_days)
    if target.end_of_business_day is not None:
        return calendar.end_of_business_day(anchor, target.end_of_business_day)
    if target.calendar_days is not None:
        return calendar.end_of_calendar_day(anchor, target.calendar_days)
    assert target.calendar_hours is not None  # one unit is always given
    return calendar.add_calendar_time(anchor, dt.timedelta(hours=target.calendar_hours))


def due(spec: ClockSpec, anchor: dt.datetime, calendar: BusinessCalendar, extended_days: int = 0,
        scheduled_on: dt.date | None = None) -> tuple[dt.datetime, dt.datetime]:
    """``(warn_at, due_at)`` in UTC of `spec` started at `anchor` (a timezone-aware instant), its deadline
    moved `extended_days` local dates on by an extension (`BusinessCalendar.add_calendar_days`).

    The anchor is the instant of the start signal (an inquiry's receipt for ``triaged``, the
    breach instant for a follow-up). Without a `warning`, the clock warns after `warning_fraction`
    of the time to the (extended) deadline: business time for business targets, elapsed time for
    calendar hours and days. A warning in another unit than the deadline is capped at it. A date scheduled
    before the anchor's own day is due at once (the clock breaches on its first tick).
    """
    due_at = max(reach(spec.deadline, anchor, calendar, scheduled_on), anchor)
    if extended_days:
        due_at = calendar.add_calendar_days(due_at, extended_days)
    if spec.warning is not None:
        return min(reach(spec.warning, anchor, calendar), due_at), due_at
    if spec.deadline.counts_business_time:
        span = calendar.business_time_between(anchor, due_at)
        return calendar.add_business_hours(anchor, span * spec.warning_fraction), due_at
    start = calendar.add_calendar_time(anchor, dt.timedelta(0))
    return start + (due_at - start) * spec.warning_fraction, due_at
