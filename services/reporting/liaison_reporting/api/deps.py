"""What reporting's routes are given: the use cases, a read session, the reader (any role that reads
compliance figures; an MCO's reader sees its referrals only) and the period a report covers, with the
values chosen of what its cases are (track, priority, MCO, source)."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, available_timezones

from fastapi import Depends, Query

from liaison_reporting.aggregates import Scope
from liaison_reporting.service import Reports
from liaison_shared.access import CLOCKS_READ
from liaison_shared.deps import ReadSession, provided
from liaison_shared.fields import CalendarDate
from liaison_shared.principal import Principal, require_scope
from liaison_shared.problems import Problem
from liaison_shared.vocabulary import Priority, Source, Track

__all__ = ["Period", "ReadSession", "Reader", "Uses"]

Uses = Annotated[Reports, Depends(provided(Reports))]
Reader = Annotated[Principal, Depends(require_scope(CLOCKS_READ))]
ZONES = frozenset(available_timezones())


def invalid(field: str, reason: str) -> Problem:
    return Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                   errors=[{"field": field, "reason": reason}])


MCO_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{0,19}|none")
KNOWN: dict[str, tuple[frozenset[str], str]] = {
    "track": (frozenset(Track), "tracks"), "priority": (frozenset(Priority), "priorities"),
    "source": (frozenset(Source), "sources")}


def filter_query(what: str) -> Any:
    return Query(max_length=400, description=f"Only cases of these {what} (comma-separated); default all")


def chosen(name: str, raw: str | None) -> tuple[str, tuple[str, ...]] | None:
    """One filter's values, each checked (an MCO by the shape of its code, "none" for no MCO)."""
    if raw is None:
        return None
    values = tuple(dict.fromkeys(v.strip() for v in raw.split(",") if v.strip()))
    if name == "mco":
        wrong = [v for v in values if not MCO_CODE.fullmatch(v)]
        reason = "MCO codes (e.g. IA-TC), or none for cases without an MCO, comma-separated"
    else:
        known, plural = KNOWN[name]
        wrong = [v for v in values if v not in known]
        reason = f"a comma-separated choice of {plural}: {', '.join(sorted(known))}"
    if wrong or not values:
        raise invalid(name, reason)
    return name, values


def period(reader: Reader, uses: Uses, start: CalendarDate, end: CalendarDate,
           tz: Annotated[str | None, Query(max_length=64, description="IANA time zone; default the program's")] = None,
           track: Annotated[str | None, filter_query("tracks")] = None,
           priority: Annotated[str | None, filter_query("priorities")] = None,
           mco: Annotated[str | None, filter_query("MCOs (codes, or none)")] = None,
           source: Annotated[str | None, filter_query("sources")] = None) -> Scope:
    """The local days [start, end] in `tz` (default the program's time zone), for this reader, of the cases
    with the chosen track, priority, MCO and source."""
    if tz is not None and tz not in ZONES:
        raise invalid("tz", "must be an IANA time zone name, e.g. America/Chicago")
    if end < start:
        raise invalid("end", "must not be before start")
    if (end - start).days > 3 * 366:
        raise invalid("end", "a report covers at most three years")
    zone = ZoneInfo(tz) if tz else uses.calendar.zone
    since = datetime.combine(start, time(), zone)
    until = datetime.combine(end + timedelta(days=1), time(), zone)
    filters = (chosen("track", track), chosen("priority", priority), chosen("mco", mco), chosen("source", source))
    return Scope(start=since, end=until, zone=str(zone), mco=reader.mco,
                 chosen=tuple(f for f in filters if f is not None))


Period = Annotated[Scope, Depends(period)]
