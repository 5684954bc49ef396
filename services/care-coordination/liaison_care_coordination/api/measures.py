"""The guideline's evaluation measures for a plan and practice over a period: the share of high-risk patients
in active care management, of those with an ED visit followed up within the configured days, of those
meeting their goals, and the patients each lead organisation leads. Counts only: no patient is named."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from fastapi import APIRouter

from liaison_care_coordination.api.deps import Reader, ReadSession, Uses, visible
from liaison_shared.fields import CalendarDate, McoCode, Npi
from liaison_shared.problems import Problem
from liaison_shared.routes import SharedPathRoute

router = APIRouter(prefix="/v1", tags=["measures"], route_class=SharedPathRoute)


@router.get("/plans/{plan}/practices/{practice_npi}/measures", summary="The care-coordination measures of a "
            "plan and practice for the local days [start, end]")
async def practice_measures(plan: McoCode, practice_npi: Npi, start: CalendarDate, end: CalendarDate,
                            principal: Reader, uses: Uses, session: ReadSession) -> dict[str, Any]:
    visible(principal, plan, practice_npi)
    if end < start:
        raise Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                      errors=[{"field": "end", "reason": "must not be before start"}])
    zone = uses.calendar.zone
    since = datetime.combine(start, time(), zone)
    until = datetime.combine(end + timedelta(days=1), time(), zone)
    return {"plan": plan, "practice_npi": practice_npi, "start": start.isoformat(), "end": end.isoformat(),
            **await uses.measures(session, plan, practice_npi, since, until)}
