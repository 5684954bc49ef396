"""Clocks: every clock of one inquiry, and the clocks due or breached in a window. A caller confined to
an MCO sees only the cases referred to it (another case answers 404, as one that does not exist), and of
those the case-level clocks and its own instances of the MCO clocks, not another MCO's."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from sqlalchemy import Row

from liaison_shared.calendar import BusinessCalendar
from liaison_shared.fields import QueryInstant
from liaison_shared.problems import NotFound
from liaison_sla_monitor import store
from liaison_sla_monitor.api.deps import Monitor, Reader, ReadSession
from liaison_sla_monitor.api.schemas import ClockRead

router = APIRouter(prefix="/v1", tags=["clocks"])


@router.get("/inquiries/{inquiry_id:uuid}/clocks", summary="Every clock of one inquiry")
async def inquiry_clocks(inquiry_id: UUID, reader: Reader, session: ReadSession,
                         monitor: Monitor) -> list[ClockRead]:
    if reader.mco is not None and not await store.referred_to(session, inquiry_id, reader.mco):
        raise NotFound("inquiry-not-found", "Inquiry not found", "No inquiry with this id is visible to you.")
    rows = await store.clocks_read(session, inquiry_id, referred_to=reader.mco)
    return [clock_read(r, monitor.policy.calendar) for r in rows]


@router.get("/clocks", summary="Clocks due (open) or breached in a window, soonest first")
async def clocks_in_window(reader: Reader, session: ReadSession, monitor: Monitor, due_from: QueryInstant,
                           due_to: QueryInstant, state: Literal["open", "breached"] = "open",
                           limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[ClockRead]:
    rows = await store.clocks_due_between(session, state, due_from, due_to, limit, referred_to=reader.mco)
    return [clock_read(r, monitor.policy.calendar) for r in rows]


def clock_read(row: Row[Any], calendar: BusinessCalendar) -> ClockRead:
    """A stored clock as the API shows it, its deadline in the program's local time too."""
    return ClockRead(inquiry_id=row.inquiry_id, clock=row.name, mco=row.mco or None, track=row.track,
                     priority=row.priority, state=row.state, started_at=row.anchor_at, warn_at=row.warn_at,
                     due_at=row.due_at, extended_days=row.extended_days, closed_at=row.closed_at,
                     due_local=calendar.local(row.due_at).strftime("%a %Y-%m-%d %H:%M %Z"))
