"""The console's use cases: keep its projection of cases from the events, and answer queue pages.

The projection holds what queues need to sort and filter (no PHI); who called, about whom and why
are read from intake, with the person's token, on the case page only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_console import store
from liaison_console.rules import roles
from liaison_console.rules.clocks import ClockView, clock_view
from liaison_console.rules.queue_query import QueueQuery
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.clock import now as business_now
from liaison_shared.lifecycle import Status, status_after
from liaison_shared.payloads import Payload
from liaison_shared.principal import Principal


@dataclass(frozen=True)
class CaseRow:
    """A case as a queue shows it: its projection and its running clocks."""

    row: Row[Any]
    clocks: list[ClockView]


@dataclass(frozen=True)
class CasePage:
    """A case as its page shows it from the projection: its row and every clock the person sees, the
    case it was opened from (None: not opened from another, or not visible to the person) and the
    cases opened from it."""

    row: Row[Any]
    clocks: list[ClockView]
    origin: Row[Any] | None
    opened: Sequence[Row[Any]]


@dataclass(frozen=True)
class QueuePage:
    rows: list[CaseRow]
    total: int
    page: int
    pages: int
    as_of_change: int


def visibility_of(principal: Principal) -> store.Visibility:
    return store.Visibility(mco=principal.mco, parties=principal.parties)


class Console:
    def __init__(self, calendar: BusinessCalendar, change_channel: str, page_size: int) -> None:
        self.calendar, self.page_size = calendar, page_size
        self._channel = change_channel

    # -- The projection ---------------------------------------------------------------------------

    async def changed(self, session: AsyncSession, inquiry_id: UUID, kind: str) -> None:
        await store.record_change(session, inquiry_id, kind, self._channel)

    async def fold_status(self, session: AsyncSession, inquiry_id: UUID, event: Payload, at: datetime, *,
                          with_status: dict[str, Any] | None = None, **fields: Any) -> None:
        """Apply an event that may move the case's status, and its `fields`. Topics are not ordered among
        themselves: an event older than the one that last moved the status leaves the status (and what
        goes `with_status`, such as when it was resolved) as it is."""
        row = await store.case_for_update(session, inquiry_id)
        values = dict(fields)
        if row.status_at is None or at >= row.status_at:
            values.update(with_status or {})
            status = status_after(Status(row.status), event)
            if status != row.status:
                values.update(status=status, status_at=at)
        if values:
            await store.upsert_case(session, inquiry_id, **values)
        await self.changed(session, inquiry_id, "status")

    # -- Reads ------------------------------------------------------------------------------------

    async def queue(self, session: AsyncSession, principal: Principal, query: QueueQuery) -> QueuePage:
        as_of = await store.last_change(session)
        visibility = visibility_of(principal)
        rows, total = await store.queue_page(session, query, visibility, principal.id, self.page_size)
        clocks = await store.clocks_of(session, [r.id for r in rows], visibility, live_only=True)
        now = business_now()
        shown = [CaseRow(r, [self.clock_view(c, now, r.track) for c in clocks.get(r.id, [])]) for r in rows]
        return QueuePage(rows=shown, total=total, page=query.page, pages=max(1, -(-total // self.page_size)),
                         as_of_change=as_of)

    async def case(self, session: AsyncSession, principal: Principal, inquiry_id: UUID) -> CasePage | None:
        """The case's projection with every clock it ever had that the person sees, and its linked cases
        (None if it is not visible to the person)."""
        row = await store.get_case(session, inquiry_id)
        if row is None or not roles.sees_case(principal, row.party, row.referred_mcos):
            return None
        visibility = visibility_of(principal)
        clocks = await store.clocks_of(session, [inquiry_id], visibility, live_only=False)
        origin = await store.get_case(session, row.origin_inquiry_id) if row.origin_inquiry_id else None
        if origin is not None and not roles.sees_case(principal, origin.party, origin.referred_mcos):
            origin = None
        now = business_now()
        return CasePage(row, [self.clock_view(c, now, row.track) for c in clocks.get(inquiry_id, [])], origin,
                        await store.opened_from(session, inquiry_id, visibility))

    async def visible_changes(self, session: AsyncSession, principal: Principal,
                              after: int) -> Sequence[Row[Any]]:
        """Changes after `after` to cases the person may see (the others are skipped, unnamed)."""
        return [c for c in await store.changes_after(session, after)
                if roles.sees_case(principal, c.party, c.referred_mcos)]

    def clock_view(self, row: Row[Any], now: datetime, case_track: str | None = None) -> ClockView:
        return clock_view(clock=row.clock, state=row.state, warn_at=row.warn_at, due_at=row.due_at,
                          ended_at=row.ended_at, now=now, calendar=self.calendar, track=row.track or case_track,
                          mco=row.mco)
