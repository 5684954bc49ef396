"""The reports, as JSON: SLA compliance, breaches open now, durations, secondary escalations, Pareto
charts, the I-MR control chart, before and after a process change, and the MCO scorecard. Each
covers the local days [start, end] in the time zone `tz` (default the program's)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from liaison_reporting.api.deps import Period, Reader, ReadSession, Uses, invalid
from liaison_shared import clock
from liaison_shared.fields import CalendarDate

router = APIRouter(prefix="/v1/reports", tags=["reports"])

COMPLIANCE_GROUPS = ("clock", "track", "priority", "mco", "source", "month")
DURATION_GROUPS = ("track", "priority", "mco", "source")
Measure = Literal["first_contact", "resolution"]


def groups(raw: str, allowed: tuple[str, ...]) -> list[str]:
    chosen = [g for g in raw.split(",") if g]
    unknown = [g for g in chosen if g not in allowed]
    if unknown or len(set(chosen)) != len(chosen):
        raise invalid("group_by", f"a comma-separated choice of {', '.join(allowed)}, each once")
    return chosen


@router.get("/sla-compliance", summary="Met and breached cycles of every clock, per the chosen groups")
async def sla_compliance(uses: Uses, session: ReadSession, period: Period,
                         group_by: Annotated[str, Query(max_length=100)] = "clock,track,priority"
                         ) -> list[dict[str, Any]]:
    return await uses.compliance(session, period, groups(group_by, COMPLIANCE_GROUPS))


@router.get("/open-breaches", summary="Breached clocks of cases still open, oldest first, with their age")
async def open_breaches(reader: Reader, uses: Uses, session: ReadSession) -> list[dict[str, Any]]:
    return await uses.open_breaches(session, reader.mco, clock.now())


@router.get("/durations", summary="Median and p90 time to first contact or to resolution, in business and "
            "calendar hours")
async def durations(uses: Uses, session: ReadSession, period: Period, measure: Measure = "resolution",
                    group_by: Annotated[str, Query(max_length=100)] = "track,priority") -> list[dict[str, Any]]:
    return await uses.durations(session, period, measure, groups(group_by, DURATION_GROUPS))


@router.get("/secondary-escalations", summary="Cases reopened, or escalated again after being worked, as a rate")
async def secondary_escalations(uses: Uses, session: ReadSession, period: Period) -> dict[str, Any]:
    return await uses.secondary_escalations(session, period)


@router.get("/pareto", summary="Cases by source, category or MCO, largest first, with the cumulative share")
async def pareto(uses: Uses, session: ReadSession, period: Period,
                 by: Literal["source", "category", "mco"] = "source") -> dict[str, Any]:
    return await uses.pareto(session, period, by)


@router.get("/control-chart", summary="I-MR chart of the daily median time (business hours), with run rules")
async def control_chart(uses: Uses, session: ReadSession, period: Period,
                        measure: Measure = "resolution") -> dict[str, Any]:
    return await uses.control_chart(session, period, measure)


@router.get("/before-after", summary="Before and after a process change: medians, box plots, Mood's median test")
async def before_after(uses: Uses, session: ReadSession, period: Period, cut: CalendarDate,
                       measure: Measure = "resolution") -> dict[str, Any]:
    if not period.start.date() < cut <= period.end.date():
        raise invalid("cut", "must fall within the period, after its first day")
    return await uses.before_after(session, period, date.fromisoformat(cut.isoformat()), measure)


@router.get("/mco-scorecard", summary="Per MCO and month: referrals, time to the MCO's contact, its clocks")
async def mco_scorecard(uses: Uses, session: ReadSession, period: Period) -> list[dict[str, Any]]:
    return await uses.mco_scorecard(session, period)
