"""Live pages: the projection's changes, as they commit, to every open queue and case page.

Each console process listens on the projection's NOTIFY channel (and sweeps every second in case a
notification is missed), reads new changes once into a window of recent ones, and wakes the
server-sent event streams of its pages. A stream resumes from the last change its page saw
(`Last-Event-ID`): from the window, or from the database if it fell further behind, so a reconnect
loses nothing that is still kept (`changes_kept_hours`).
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy import Row

from liaison_console import store
from liaison_console.rules import roles
from liaison_shared.outbox import asyncpg_dsn
from liaison_shared.principal import Principal
from liaison_shared.retry import wait_any
from liaison_shared.runtime import Runtime

log = logging.getLogger(__name__)
SWEEP_SECONDS = 1.0
WINDOW = 5_000
GAP_PATIENCE_SECONDS = 2.0
"""A change's number is taken when its transaction writes it, so a later one can commit first. A gap
in the numbers is waited for this long (it is a transaction still committing) before it is taken for
one that rolled back."""
KEEPALIVE_SECONDS = 15.0


@dataclass(frozen=True)
class Change:
    seq: int
    inquiry_id: UUID
    kind: str
    party: str | None
    referred_mcos: tuple[str, ...]

    @classmethod
    def of(cls, row: Row[Any]) -> Change:
        return cls(row.seq, row.inquiry_id, row.kind, row.party, tuple(row.referred_mcos or ()))


class LiveFeed:
    def __init__(self, runtime: Runtime, channel: str, kept: timedelta) -> None:
        self._runtime, self._channel, self._kept = runtime, channel, kept
        self._window: collections.deque[Change] = collections.deque(maxlen=WINDOW)
        self._last = -1  # not started: streams read from the database
        self._arrived = asyncio.Event()

    @property
    def last(self) -> int:
        return self._last

    async def run(self, stop: asyncio.Event) -> None:
        """A worker: follow the change feed until `stop`."""
        notified = asyncio.Event()
        listener = await asyncpg.connect(asyncpg_dsn(self._runtime.engine))
        try:
            await listener.add_listener(self._channel, lambda *_: notified.set())
            async with self._runtime.sessions() as session:
                self._last = max(self._last, await store.last_change(session))
            pruned_at = datetime.now(UTC)
            while not stop.is_set():
                notified.clear()
                await self._read_new()
                if datetime.now(UTC) - pruned_at > timedelta(minutes=10):
                    await self._prune()
                    pruned_at = datetime.now(UTC)
                await wait_any(stop, notified, timeout=SWEEP_SECONDS)
                if listener.is_closed():
                    raise ConnectionError("listener connection lost")
        finally:
            await listener.close(timeout=2)

    async def _read_new(self) -> None:
        async with self._runtime.sessions() as session:
            rows = await store.changes_after(session, self._last)
        accepted: list[Change] = []
        expected = self._last + 1
        for row in rows:
            if row.seq != expected and row.age_seconds < GAP_PATIENCE_SECONDS:
                break
            accepted.append(Change.of(row))
            expected = row.seq + 1
        if not accepted:
            return
        self._window.extend(accepted)
        self._last = accepted[-1].seq
        arrived, self._arrived = self._arrived, asyncio.Event()
        arrived.set()

    async def _prune(self) -> None:
        async with self._runtime.unit_of_work() as uow:
            await store.prune_changes(uow.session, datetime.now(UTC) - self._kept)
            await uow.commit()

    async def follow(self, principal: Principal, after: int | None,
                     stop: asyncio.Event) -> AsyncIterator[Sequence[Change]]:
        """The changes after `after` (None: from now) to cases the person may see, batch by batch;
        an empty batch now and then so the stream shows it is alive."""
        cursor = self._last if after is None and self._last >= 0 else (after or 0)
        while not stop.is_set():
            arrived = self._arrived
            batch = await self._after(cursor)
            if batch:
                cursor = batch[-1].seq
                visible = [c for c in batch if roles.sees_case(principal, c.party, c.referred_mcos)]
                if visible:
                    yield visible
                continue
            await wait_any(stop, arrived, timeout=KEEPALIVE_SECONDS)
            if not arrived.is_set():
                yield []

    async def _after(self, cursor: int) -> list[Change]:
        window, last = self._window, self._last
        if last < 0 or cursor >= last:  # not started yet, or up to date
            return []
        if window and cursor >= window[0].seq - 1:
            return [c for c in window if c.seq > cursor]
        async with self._runtime.sessions() as session:  # further behind than the window: from the database
            return [Change.of(r) for r in await store.changes_after(session, cursor) if r.seq <= last]

