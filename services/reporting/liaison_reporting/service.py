"""Reporting's use cases: keep the read model from the events, and make the reports of it.

Durations are measured on the program's business calendar (and in calendar time) when both ends are
known, whichever event arrives last.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_reporting import store
from liaison_reporting.rules.comparison import compare
from liaison_reporting.rules.control_chart import control_chart
from liaison_reporting.rules.distribution import quantile
from liaison_reporting.rules.pareto import pareto
from liaison_shared.calendar import BusinessCalendar

HOUR = 3600.0
MEASURED = (("first_contact_at", "received_at", "first_contact_business_s", "first_contact_calendar_s"),
            ("resolved_at", "received_at", "resolution_business_s", "resolution_calendar_s"),
            ("mco_contact_at", "referred_at", "mco_contact_business_s", None))


class Reports:
    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar

    # -- the read model ---------------------------------------------------------------------------

    async def measure(self, session: AsyncSession, inquiry_id: UUID) -> None:
        """Compute the case's durations whose two ends are now known."""
        row = await store.get_case(session, inquiry_id, for_update=True)
        if row is None:
            return
        values: dict[str, float | None] = {}
        for end, start, business, calendar in MEASURED:
            ended, started = getattr(row, end), getattr(row, start)
            if ended is None or started is None:
                continue
            values[business] = self.calendar.business_time_between(started, max(started, ended)).total_seconds()
            if calendar is not None:
                values[calendar] = max(0.0, (ended - started).total_seconds())
        if values:
            await store.set_case(session, inquiry_id, **values)

    # -- reports ----------------------------------------------------------------------------------

    async def compliance(self, session: AsyncSession, scope: store.Scope, group_by: list[str]) -> list[dict[str, Any]]:
        rows = await store.compliance(session, scope, group_by)
        return [{**{name: getattr(r, name) for name in group_by}, "met": r.met, "breached": r.breached,
                 "compliance": r.met / (r.met + r.breached)} for r in rows]

    async def open_breaches(self, session: AsyncSession, mco: str | None, now: datetime) -> list[dict[str, Any]]:
        rows = await store.open_breaches(session, mco)
        return [{"inquiry_id": r.inquiry_id, "clock": r.clock, "track": r.track, "priority": r.priority, "mco": r.mco,
                 "due_at": r.due_at,
                 "age_business_hours": self.calendar.business_time_between(r.due_at, max(r.due_at, now))
                 .total_seconds() / HOUR,
                 "age_calendar_hours": max(0.0, (now - r.due_at).total_seconds()) / HOUR} for r in rows]

    async def durations(self, session: AsyncSession, scope: store.Scope, measure: str,
                        group_by: list[str]) -> list[dict[str, Any]]:
        rows = await store.durations(session, scope, measure, group_by)
        return [{**{name: getattr(r, name) for name in group_by}, "cases": r.cases,
                 **{name.removesuffix("_s") + "_hours": getattr(r, name) / HOUR
                    for name in ("business_median_s", "business_p90_s", "calendar_median_s", "calendar_p90_s")}}
                for r in rows]

    async def pareto(self, session: AsyncSession, scope: store.Scope, by: str) -> dict[str, Any]:
        return asdict(pareto((r.label or "none", r.cases) for r in await store.counts_by(session, scope, by)))

    async def secondary_escalations(self, session: AsyncSession, scope: store.Scope) -> dict[str, Any]:
        row = await store.secondary_escalations(session, scope)
        rate = row.either / row.cases if row.cases else None
        return {"cases": row.cases, "reopened": row.reopened, "escalated_again": row.escalated, "either": row.either,
                "rate": rate}

    async def control_chart(self, session: AsyncSession, scope: store.Scope, measure: str) -> dict[str, Any]:
        """I-MR chart of the daily median (business hours), every day of the period on it (None: no case)."""
        by_day = await self._by_day(session, scope, measure)
        zone = ZoneInfo(scope.zone)
        last = (scope.end - timedelta(microseconds=1)).astimezone(zone).date()  # the period's end is exclusive
        days = _days(scope.start.astimezone(zone).date(), last)
        series = [quantile(sorted(by_day[d]), 0.5) if d in by_day else None for d in days]
        return {"days": [d.isoformat() for d in days], "daily_median_hours": series,
                **asdict(control_chart(series))}

    async def before_after(self, session: AsyncSession, scope: store.Scope, cut: date, measure: str) -> dict[str, Any]:
        by_day = await self._by_day(session, scope, measure)
        before = [v for d, values in by_day.items() if d < cut for v in values]
        after = [v for d, values in by_day.items() if d >= cut for v in values]
        return {"cut": cut.isoformat(), **asdict(compare(before, after, measure=measure.replace("_", " ") + " time"))}

    async def mco_scorecard(self, session: AsyncSession, scope: store.Scope) -> list[dict[str, Any]]:
        rows = await store.mco_scorecard(session, scope)
        return [{"mco": r.mco, "month": r.month, "referrals": r.referrals,
                 "contact_median_business_hours": r.contact_median_s / HOUR if r.contact_median_s is not None else None,
                 "met": int(r.met), "breached": int(r.breached),  # SQL sums are decimals
                 "compliance": int(r.met) / (int(r.met) + int(r.breached)) if r.met + r.breached else None}
                for r in rows]

    async def _by_day(self, session: AsyncSession, scope: store.Scope, measure: str) -> dict[date, list[float]]:
        found: dict[date, list[float]] = defaultdict(list)
        for r in await store.values_by_day(session, scope, measure):
            found[r.day].append(r.seconds / HOUR)
        return found


def _days(first: date, last: date) -> list[date]:
    return [date.fromordinal(n) for n in range(first.toordinal(), last.toordinal() + 1)]
