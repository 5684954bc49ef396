"""Reporting's use cases: keep the read model from the events, and make the reports of it.

Durations are measured on the program's business calendar (and in calendar time) when both ends are
known, whichever event arrives last.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_reporting import aggregates, store
from liaison_reporting.aggregates import Scope
from liaison_reporting.rules import grievances_appeals
from liaison_reporting.rules.comparison import comparison, median_test_of_counts
from liaison_reporting.rules.control_chart import control_chart
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

    async def compliance(self, session: AsyncSession, scope: Scope, group_by: list[str]) -> list[dict[str, Any]]:
        rows = await aggregates.compliance(session, scope, group_by)
        return [{**{name: r[name] for name in group_by}, "met": r["met"], "breached": r["breached"],
                 "compliance": r["met"] / (r["met"] + r["breached"])}
                for r in rows if r["met"] + r["breached"]]  # ungrouped, no cycle: no row (as grouped)

    async def open_breaches(self, session: AsyncSession, mco: str | None, now: datetime) -> list[dict[str, Any]]:
        rows = await aggregates.open_breaches(session, mco)
        return [{"inquiry_id": r.inquiry_id, "clock": r.clock, "track": r.track, "priority": r.priority, "mco": r.mco,
                 "due_at": r.due_at,
                 "age_business_hours": self.calendar.business_time_between(r.due_at, max(r.due_at, now))
                 .total_seconds() / HOUR,
                 "age_calendar_hours": max(0.0, (now - r.due_at).total_seconds()) / HOUR} for r in rows]

    async def durations(self, session: AsyncSession, scope: Scope, measure: str,
                        group_by: list[str]) -> list[dict[str, Any]]:
        rows = await aggregates.durations(session, scope, measure, group_by)
        return [{**{name: getattr(r, name) for name in group_by}, "cases": r.cases,
                 "business_median_hours": r.business[0] / HOUR, "business_p90_hours": r.business[1] / HOUR,
                 "calendar_median_hours": r.calendar[0] / HOUR, "calendar_p90_hours": r.calendar[1] / HOUR}
                for r in rows if r.cases]  # ungrouped, no case: no row (as grouped)

    async def pareto(self, session: AsyncSession, scope: Scope, by: str) -> dict[str, Any]:
        return asdict(pareto((r.label or "none", r.cases) for r in await aggregates.counts_by(session, scope, by)))

    async def secondary_escalations(self, session: AsyncSession, scope: Scope) -> dict[str, Any]:
        row = await aggregates.secondary_escalations(session, scope)
        rate = row.either / row.cases if row.cases else None
        return {"cases": row.cases, "reopened": row.reopened, "escalated_again": row.escalated, "either": row.either,
                "rate": rate}

    async def control_chart(self, session: AsyncSession, scope: Scope, measure: str) -> dict[str, Any]:
        """I-MR chart of the daily median (business hours), every day of the period on it (None: no case)."""
        medians = await aggregates.daily_medians(session, scope, measure)
        days = [day for day, _, _ in scope.days()]
        series = [medians[d] / HOUR if d in medians else None for d in days]
        return {"days": [d.isoformat() for d in days], "daily_median_hours": series,
                **asdict(control_chart(series))}

    async def before_after(self, session: AsyncSession, scope: Scope, cut: date, measure: str) -> dict[str, Any]:
        """Before the local day `cut` and from it on: the two box plots and Mood's median test, from what the
        database sums up of each side."""
        sides = await aggregates.before_after(session, scope, datetime.combine(cut, time(), ZoneInfo(scope.zone)),
                                              measure)
        before, after = (side.box if side else None for side in (sides.before, sides.after))
        test = (median_test_of_counts((sides.before.above_grand_median, sides.after.above_grand_median),
                                      (sides.before.box.count, sides.after.box.count), sides.grand_median)
                if sides.before and sides.after and sides.grand_median is not None else None)
        return {"cut": cut.isoformat(),
                **asdict(comparison(before, after, test, measure=measure.replace("_", " ") + " time"))}

    async def mco_scorecard(self, session: AsyncSession, scope: Scope) -> list[dict[str, Any]]:
        rows = await aggregates.mco_scorecard(session, scope)
        return [{"mco": r["mco"], "month": r["month"], "referrals": r["referrals"],
                 "contact_median_business_hours": r["contact_median_s"] / HOUR
                 if r["contact_median_s"] is not None else None,
                 "met": r["met"], "breached": r["breached"],
                 "compliance": r["met"] / (r["met"] + r["breached"]) if r["met"] + r["breached"] else None}
                for r in rows]

    async def grievances_appeals(self, session: AsyncSession, scope: Scope) -> dict[str, Any]:
        """Grievances and appeals per MCO and type, their reasons, their reviews beyond the plan, and the MCPAR
        items of them (`liaison_reporting.rules.grievances_appeals`)."""
        types = await aggregates.grievances_appeals(session, scope)
        reasons = await aggregates.grievances_by_reason(session, scope)
        levels = await aggregates.reviews_by_level(session, scope)
        return grievances_appeals.report(types, reasons, levels)
