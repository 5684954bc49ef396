"""Compliance: met and breached clocks per track, priority, clock and MCO (each MCO's instances of an MCO
clock apart; case-level clocks under none), by due date. A caller confined to an MCO gets the figures of
the cases referred to it only, its own instances and the case-level clocks."""

from __future__ import annotations

from fastapi import APIRouter

from liaison_shared.fields import QueryInstant
from liaison_shared.problems import Problem
from liaison_sla_monitor import store
from liaison_sla_monitor.api.deps import Reader, ReadSession
from liaison_sla_monitor.api.schemas import ComplianceRow
from liaison_sla_monitor.rules.compliance import met_share

router = APIRouter(prefix="/v1", tags=["clocks"])


@router.get("/compliance", summary="Met and breached clocks per track, priority, clock and MCO, by due date")
async def compliance(reader: Reader, session: ReadSession, start: QueryInstant,
                     end: QueryInstant) -> list[ComplianceRow]:
    if end <= start:
        raise Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                      errors=[{"field": "end", "reason": "must be after start"}])
    rows = await store.compliance_counts(session, start, end, referred_to=reader.mco)
    return [ComplianceRow(track=r.track, priority=r.priority, clock=r.name, mco=r.mco or None, met=r.met,
                          breached=r.breached, open=r.open, compliance=met_share(r.met, r.breached)) for r in rows]
