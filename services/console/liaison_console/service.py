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
        rows, total = await store.queue_page(session, query, visibility_of(principal), principal.id, self.page_size)
        clocks = await store.clocks_of(session, [r.id for r in rows], live_only=True)
        now = business_now()
        shown = [CaseRow(r, [self.clock_view(c, now) for c in clocks.get(r.id, [])]) for r in rows]
        return QueuePage(rows=shown, total=total, page=query.page, pages=max(1, -(-total // self.page_size)),
                         as_of_change=as_of)

    async def case(self, session: AsyncSession, principal: Principal, inquiry_id: UUID) -> CaseRow | None:
        """The case's projection with every clock it ever had (None if it is not visible to the person)."""
        row = await store.get_case(session, inquiry_id)
        if row is None or not principal.may_see_case(row.party, row.referred_mco):
            return None
        clocks = await store.clocks_of(session, [inquiry_id], live_only=False)
        now = business_now()
        return CaseRow(row, [self.clock_view(c, now) for c in clocks.get(inquiry_id, [])])

    async def visible_changes(self, session: AsyncSession, principal: Principal,
                              after: int) -> Sequence[Row[Any]]:
        """Changes after `after` to cases the person may see (the others are skipped, unnamed)."""
        return [c for c in await store.changes_after(session, after)
                if c.party is not None and principal.may_see_case(c.party, c.referred_mco)]

    def clock_view(self, row: Row[Any], now: datetime) -> ClockView:
        return clock_view(clock=row.clock, state=row.state, warn_at=row.warn_at, due_at=row.due_at,
                          ended_at=row.ended_at, now=now, calendar=self.calendar)
