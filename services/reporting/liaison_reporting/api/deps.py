"""What reporting's routes are given: the use cases, a read session, the reader (any role that reads
compliance figures; an MCO's reader sees its referrals only) and the period a report covers."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo, available_timezones

from fastapi import Depends, Query

from liaison_reporting.aggregates import Scope
from liaison_reporting.service import Reports
from liaison_shared.access import CLOCKS_READ
from liaison_shared.deps import ReadSession, provided
from liaison_shared.fields import CalendarDate
from liaison_shared.principal import Principal, require_scope
from liaison_shared.problems import Problem

__all__ = ["Period", "ReadSession", "Reader", "Uses"]

Uses = Annotated[Reports, Depends(provided(Reports))]
Reader = Annotated[Principal, Depends(require_scope(CLOCKS_READ))]
ZONES = frozenset(available_timezones())


def invalid(field: str, reason: str) -> Problem:
    return Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                   errors=[{"field": field, "reason": reason}])


def period(reader: Reader, uses: Uses, start: CalendarDate, end: CalendarDate,
           tz: Annotated[str | None, Query(max_length=64, description="IANA time zone; default the program's")] = None,
           ) -> Scope:
    """The local days [start, end] in `tz` (default the program's time zone), for this reader."""
    if tz is not None and tz not in ZONES:
        raise invalid("tz", "must be an IANA time zone name, e.g. America/Chicago")
    if end < start:
        raise invalid("end", "must not be before start")
    if (end - start).days > 3 * 366:
        raise invalid("end", "a report covers at most three years")
    zone = ZoneInfo(tz) if tz else uses.calendar.zone
    since = datetime.combine(start, time(), zone)
    until = datetime.combine(end + timedelta(days=1), time(), zone)
    return Scope(start=since, end=until, zone=str(zone), mco=reader.mco)


Period = Annotated[Scope, Depends(period)]
