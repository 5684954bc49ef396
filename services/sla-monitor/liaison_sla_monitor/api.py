"""The SLA monitor's read API: an inquiry's clocks, clocks due or breached in a
window, and compliance per track, priority and clock."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from liaison_shared.fields import QueryInstant
from liaison_shared.principal import Principal, require_scope
from liaison_shared.problems import Problem
from liaison_shared.runtime import Runtime
from liaison_shared.static_keys import READ
from liaison_sla_monitor import store
from liaison_sla_monitor.monitor import SlaMonitor


class ClockRead(BaseModel):
    inquiry_id: UUID
    clock: str
    track: str
    priority: str
    state: str
    started_at: datetime
    warn_at: datetime
    due_at: datetime
    due_local: str
    closed_at: datetime | None


class ComplianceRow(BaseModel):
    track: str
    priority: str
    clock: str
    met: int
    breached: int
    open: int
    compliance: float | None


def build_router(runtime: Runtime, monitor: SlaMonitor) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["clocks"])
    Reader = Annotated[Principal, Depends(require_scope(READ))]

    def read(row: object) -> ClockRead:
        local = monitor.policy.calendar.local(row.due_at)  # type: ignore[attr-defined]
        return ClockRead(inquiry_id=row.inquiry_id, clock=row.name, track=row.track,  # type: ignore[attr-defined]
                         priority=row.priority, state=row.state, started_at=row.anchor_at,  # type: ignore[attr-defined]
                         warn_at=row.warn_at, due_at=row.due_at, closed_at=row.closed_at,  # type: ignore[attr-defined]
                         due_local=local.strftime("%a %Y-%m-%d %H:%M %Z"))

    @router.get("/inquiries/{inquiry_id:uuid}/clocks", summary="Every clock of one inquiry")
    async def inquiry_clocks(inquiry_id: UUID, _: Reader) -> list[ClockRead]:
        async with runtime.sessions() as session:
            rows = await store.clocks_of(session, inquiry_id)
        return [read(r) for r in sorted(rows, key=lambda r: r.due_at)]

    @router.get("/clocks", summary="Clocks due (open) or breached in a window, soonest first")
    async def clocks_in_window(_: Reader, due_from: QueryInstant, due_to: QueryInstant,
                               state: Literal["open", "breached"] = "open",
                               limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[ClockRead]:
        async with runtime.sessions() as session:
            rows = await store.clocks_due_between(session, state, due_from, due_to, limit)
        return [read(r) for r in rows]

    @router.get("/compliance", summary="Met and breached clocks per track, priority and clock, by due date")
    async def compliance(_: Reader, start: QueryInstant, end: QueryInstant) -> list[ComplianceRow]:
        if end <= start:
            raise Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                          errors=[{"field": "end", "reason": "must be after start"}])
        async with runtime.sessions() as session:
            rows = await store.compliance_counts(session, start, end)
        return [ComplianceRow(track=r.track, priority=r.priority, clock=r.name, met=r.met, breached=r.breached,
                              open=r.open, compliance=r.met / (r.met + r.breached) if r.met + r.breached else None)
                for r in rows]

    return router
