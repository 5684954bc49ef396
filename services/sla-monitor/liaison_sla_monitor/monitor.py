"""The SLA monitor's use cases: start clocks, meet or stop them on signals,
and fire warnings, breaches and follow-ups when they come due. Its SQL is in
`store`; the deadline arithmetic and what meets a clock, in `policy`.

Every change happens in the caller's transaction and publishes its events
through the outbox, so a clock's state and what the bus was told agree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared.events import Event
from liaison_shared.outbox import Outbox
from liaison_shared.payloads import (
    BreachWithdrawnV1,
    ClockStartedV1,
    ClockStoppedV1,
    FollowUpDueV1,
    Payload,
    PriorityAssignedV1,
    SlaBreachedV1,
    SlaMetV1,
    SlaWarningV1,
)
from liaison_shared.vocabulary import Priority, Queue, Track
from liaison_sla_monitor import store
from liaison_sla_monitor.policy import ClockSpec, Policy, Signal, due, meets

SOURCE = "/liaison/sla-monitor"
TRIAGED = Signal.TRIAGED.value


class SlaMonitor:
    def __init__(self, policy: Policy, outbox: Outbox, now: Callable[[], datetime]) -> None:
        self.policy = policy
        self._outbox = outbox
        self.now = now

    async def _publish(self, session: AsyncSession, *payloads: Payload) -> None:
        await self._outbox.add(session, *[Event(p, source=SOURCE, subject=str(getattr(p, "inquiry_id", "")))
                                          for p in payloads])

    # -- starting ------------------------------------------------------------------------------

    async def triaged(self, session: AsyncSession, assigned: PriorityAssignedV1) -> None:
        """Start the track's clocks; on a new track or priority, recompute or stop the open ones."""
        await store.save_case(session, assigned.inquiry_id, track=assigned.track, priority=assigned.priority,
                              received_at=assigned.received_at)
        specs = {s.name: s for s in self.policy.clocks_for(assigned.track, assigned.priority)}
        existing = {r.name: r for r in await store.clocks_of(session, assigned.inquiry_id)}
        for name, open_row in existing.items():
            if open_row.state == "open" and name not in specs:
                await self._stop(session, open_row, "not_on_track", self.now())
        for spec in specs.values():
            row = existing.get(spec.name)
            if str(spec.starts_on) == TRIAGED:
                if row is None or row.state == "open":
                    await self._start(session, assigned.inquiry_id, assigned.track, assigned.priority, spec,
                                      row.anchor_at if row is not None else assigned.received_at)
            elif row is None and isinstance(spec.starts_on, Signal):
                # The signal that starts this clock may have come before triage did.
                seen = await store.last_signal(session, assigned.inquiry_id, spec.starts_on)
                if seen is not None:
                    await self._start(session, assigned.inquiry_id, assigned.track, assigned.priority, spec, seen)

    async def _start(self, session: AsyncSession, inquiry_id: UUID, track: str, priority: str, spec: ClockSpec,
                     anchor: datetime, *, restart: bool = False) -> None:
        warn_at, due_at = due(spec, anchor, self.policy.calendar)
        met_at = await store.first_signal_since(session, inquiry_id, [str(s) for s in spec.met_by], anchor)
        values: dict[str, Any] = {
            "track": track, "priority": priority, "anchor_at": anchor, "warn_at": warn_at, "due_at": due_at,
            "met_by": [str(s) for s in spec.met_by], "starts_on": str(spec.starts_on),
            "queue": spec.queue, "restart_on_reopen": spec.restart_on_reopen,
            "state": "open" if met_at is None else "met", "warned": False,
            "fire_at": warn_at if met_at is None else None, "closed_at": met_at,
        }
        await store.upsert_clock(session, inquiry_id, spec.name, values, new_cycle=restart)
        events: list[Payload] = [ClockStartedV1(inquiry_id=inquiry_id, clock=spec.name, track=Track(track),
                                                priority=Priority(priority), warn_at=warn_at, due_at=due_at,
                                                started_at=anchor)]
        if met_at is not None:  # a meeting event arrived before the clock started: it still meets it
            events.append(self._met(inquiry_id, spec.name, anchor, due_at, met_at))
        await self._publish(session, *events)

    # -- signals -------------------------------------------------------------------------------

    async def signal(self, session: AsyncSession, inquiry_id: UUID, signal: Signal, at: datetime) -> None:
        """Record what happened; meet the clocks it meets; start the clocks it starts.

        An action recorded late counts when it happened (`at`): taken before the deadline, it meets
        a clock that was declared breached meanwhile, and the breach is withdrawn."""
        await store.record_signal(session, inquiry_id, signal, at)
        rows = await store.clocks_of(session, inquiry_id, for_update=True)
        for row in rows:
            if row.state not in ("open", "breached") or not meets(signal, at, row):
                continue
            await self._close(session, row.id, "met", at)
            if row.state == "breached":
                await self._publish(session, BreachWithdrawnV1(
                    inquiry_id=inquiry_id, clock=row.name, track=row.track, priority=row.priority,
                    due_at=row.due_at, met_at=at, withdrawn_at=self.now()))
                for follow_up in rows:  # the follow-ups its breach started have no cause left
                    if follow_up.starts_on == f"breach:{row.name}" and follow_up.state == "open":
                        await self._stop(session, follow_up, "breach_withdrawn", self.now())
            await self._publish(session, self._met(inquiry_id, row.name, row.anchor_at, row.due_at, at))
        case = await store.case_of(session, inquiry_id)
        if case is None or case.track is None:
            return  # not triaged yet: `triaged` replays the recorded signals
        started = {r.name for r in await store.clocks_of(session, inquiry_id)}
        for spec in self.policy.clocks_for(case.track, case.priority):
            if spec.starts_on == signal and spec.name not in started:
                await self._start(session, inquiry_id, case.track, case.priority, spec, at)

    async def resolved(self, session: AsyncSession, inquiry_id: UUID, at: datetime) -> None:
        """Resolution meets the clocks it meets and stops every other open clock."""
        await self.signal(session, inquiry_id, Signal.RESOLVED, at)
        for row in await store.clocks_of(session, inquiry_id, for_update=True):
            if row.state == "open":
                await self._stop(session, row, "resolved", at)
        await store.set_resolved(session, inquiry_id, at)

    async def reopened(self, session: AsyncSession, inquiry_id: UUID, at: datetime) -> None:
        """Clocks that start at triage run again from the reopening."""
        await store.set_resolved(session, inquiry_id, None)
        case = await store.case_of(session, inquiry_id)
        if case is None or case.track is None:
            return
        for spec in self.policy.clocks_for(case.track, case.priority):
            if str(spec.starts_on) == TRIAGED and spec.restart_on_reopen:
                await self._start(session, inquiry_id, case.track, case.priority, spec, at, restart=True)

    async def member_case(self, session: AsyncSession, case_id: UUID, member_id: UUID) -> None:
        """Remember whose PCP assignment meets a panel-removal case's clocks."""
        await store.save_case(session, case_id, member_id=member_id)

    async def pcp_assigned(self, session: AsyncSession, member_id: UUID, at: datetime) -> None:
        for case_id in await store.cases_of_member(session, member_id):
            await self.signal(session, case_id, Signal.PCP_ASSIGNED, at)

    # -- timers --------------------------------------------------------------------------------

    async def fire_due(self, session: AsyncSession, *, limit: int = 500) -> int:
        """Fire the warnings and breaches that are due; each clock is taken by one instance only.
        A batch's writes are grouped (two UPDATEs, one outbox insert): catching up after an
        outage is then quick."""
        now = self.now()
        rows = await store.claim_due(session, now, limit)
        events: list[Payload] = []
        warned, breached = [], []
        for row in rows:
            if not row.warned and row.warn_at < row.due_at:
                events.append(SlaWarningV1(inquiry_id=row.inquiry_id, clock=row.name, track=row.track,
                                           priority=row.priority, due_at=row.due_at, warned_at=now))
            if now >= row.due_at:
                events.append(SlaBreachedV1(inquiry_id=row.inquiry_id, clock=row.name, track=row.track,
                                            priority=row.priority, due_at=row.due_at, breached_at=now,
                                            late_by_seconds=(now - row.due_at).total_seconds()))
                breached.append(row)
            else:
                warned.append(row.id)
        await store.mark_warned(session, warned)
        await store.mark_breached(session, [r.id for r in breached])
        await self._publish(session, *events)
        for row in breached:
            await self._start_follow_ups(session, row)
        return len(rows)

    async def next_fire_at(self, session: AsyncSession) -> datetime | None:
        return await store.next_fire_at(session)

    async def _start_follow_ups(self, session: AsyncSession, breached: Row[Any]) -> None:
        for spec in self.policy.clocks_for(breached.track, breached.priority):
            if str(spec.starts_on) == f"breach:{breached.name}":
                await self._start(session, breached.inquiry_id, breached.track, breached.priority, spec,
                                  breached.due_at, restart=True)
                _, follow_due = due(spec, breached.due_at, self.policy.calendar)
                await self._publish(session, FollowUpDueV1(
                    inquiry_id=breached.inquiry_id, clock=spec.name, queue=Queue(spec.queue or "member_liaison"),
                    reason=f"{breached.name} breached", due_at=follow_due))

    # -- helpers -------------------------------------------------------------------------------

    def _met(self, inquiry_id: UUID, name: str, anchor: datetime, due_at: datetime, met_at: datetime) -> SlaMetV1:
        took = self.policy.calendar.business_time_between(anchor, met_at).total_seconds()
        return SlaMetV1(inquiry_id=inquiry_id, clock=name, due_at=due_at, met_at=met_at,
                        took_business_seconds=took)

    async def _stop(self, session: AsyncSession, row: Row[Any], reason: str, at: datetime) -> None:
        await self._close(session, row.id, "stopped", at)
        await self._publish(session, ClockStoppedV1(inquiry_id=row.inquiry_id, clock=row.name, reason=reason,
                                                    due_at=row.due_at, stopped_at=at))

    async def _close(self, session: AsyncSession, clock_id: int, state: str, at: datetime) -> None:
        await store.close_clock(session, clock_id, state, at)
