"""The SLA monitor's use cases: start clocks, meet or stop them on signals, move a deadline an extension
moves, and fire warnings, breaches and follow-ups when they come due. Its SQL is in `store`; which clocks
start, meet, stop and fire, and when they are due, in `rules`.

Every change happens in the caller's transaction and publishes its events through the outbox, so a
clock's state and what the bus was told agree. A clock whose deadline moves while it runs (a new priority,
an extension) is announced again: the same start, the new deadline. One whose MCO changes (the first
referral takes over the MCO clocks that ran before it) is announced `superseded` (clock-stopped) under its
old key, then started under the new one, so readers keyed by (inquiry, clock, mco) keep one open instance.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared.events import Event
from liaison_shared.outbox import Outbox
from liaison_shared.payloads import (
    BreachWithdrawnV1,
    ClockStartedV1,
    ClockStoppedV1,
    DeadlineExtendedV1,
    FollowUpDueV1,
    McoContactedV1,
    Payload,
    PriorityAssignedV1,
    SlaBreachedV1,
    SlaMetV1,
    SlaWarningV1,
)
from liaison_shared.vocabulary import ExtensionRequester, Priority, Queue, Track
from liaison_sla_monitor import store
from liaison_sla_monitor.contract import Policy, Signal
from liaison_sla_monitor.rules import deadlines, mcos, meeting, starts, stops, timers
from liaison_sla_monitor.rules.starts import ClockStart

SOURCE = "/liaison/sla-monitor"
FOLLOW_UP_QUEUE = Queue.MEMBER_LIAISON  # a follow-up whose clock names no queue
StopReason = Literal["resolved", "not_on_track", "breach_withdrawn", "superseded"]

log = logging.getLogger(__name__)


def _mco(instance: str) -> str | None:
    """A clock instance's MCO as events carry it: None for a case-level clock."""
    return instance or None


class SlaMonitor:
    """The clocks of every case under the policy, changed in the caller's transaction."""

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
        specs = self.policy.clocks_for(assigned.track, assigned.priority)
        clocks = await store.clocks_of(session, assigned.inquiry_id, for_update=True)
        for clock in stops.off_track(clocks, specs):
            await self._stop(session, clock, "not_on_track", self.now())
        recorded = await store.signals_of(session, assigned.inquiry_id)
        for start in starts.on_triage(specs, clocks, recorded, assigned.received_at, self.policy.calendar):
            await self._start(session, assigned.inquiry_id, assigned.track, assigned.priority, start)

    async def _start(self, session: AsyncSession, inquiry_id: UUID, track: str, priority: str,
                     start: ClockStart) -> None:
        """Start `start`'s instance, its deadline moved by the extension the case has for the clock (kept
        even when it came before the clock started)."""
        spec, met_at = start.spec, start.met_at
        days = await store.extended_days(session, inquiry_id, spec.name)
        case = await store.case_of(session, inquiry_id) if days else None
        warn_at, due_at = (start.warn_at, start.due_at) if not days else deadlines.due(
            spec, start.anchor, self.policy.calendar, days, case.scheduled_on if case else None)
        values: dict[str, Any] = {
            "track": track, "priority": priority, "anchor_at": start.anchor, "warn_at": warn_at,
            "due_at": due_at, "met_by": [str(s) for s in spec.met_by], "starts_on": str(spec.starts_on),
            "queue": spec.queue, "restart_on_reopen": spec.restart_on_reopen,
            "state": "open" if met_at is None else "met", "warned": False,
            "fire_at": warn_at if met_at is None else None, "closed_at": met_at, "extended_days": days,
        }
        await store.upsert_clock(session, inquiry_id, spec.name, start.mco, values, new_cycle=start.new_cycle)
        events: list[Payload] = [ClockStartedV1(inquiry_id=inquiry_id, clock=spec.name, track=Track(track),
                                                priority=Priority(priority), warn_at=warn_at, due_at=due_at,
                                                started_at=start.anchor, mco=_mco(start.mco))]
        if met_at is not None:  # a meeting event arrived before the clock started: it still meets it
            events.append(self._met(inquiry_id, spec.name, start.anchor, due_at, met_at, start.mco))
        await self._publish(session, *events)

    # -- signals -------------------------------------------------------------------------------

    async def signal(self, session: AsyncSession, inquiry_id: UUID, signal: Signal, at: datetime,
                     mco: str | None = None) -> None:
        """Record what happened (from `mco`, for a referral or an MCO's report); meet the clocks it meets;
        start the clocks it starts.

        An action recorded late counts when it happened (`at`): taken before the deadline, it meets
        a clock that was declared breached meanwhile, and the breach is withdrawn."""
        await store.record_signal(session, inquiry_id, signal, at, mco)
        clocks = await store.clocks_of(session, inquiry_id, for_update=True)
        for clock in meeting.met_by_signal(signal, at, clocks, mco):
            await store.close_clock(session, clock.id, "met", at)
            if clock.state == "breached":
                await self._publish(session, BreachWithdrawnV1(
                    inquiry_id=inquiry_id, clock=clock.name, track=clock.track, priority=clock.priority,
                    due_at=clock.due_at, met_at=at, withdrawn_at=self.now(), mco=_mco(clock.mco)))
                for follow_up in stops.on_withdrawal(clocks, clock.name, clock.mco):
                    await self._stop(session, follow_up, "breach_withdrawn", self.now())
            await self._publish(session, self._met(inquiry_id, clock.name, clock.anchor_at, clock.due_at, at,
                                                   clock.mco))
        case = await store.case_of(session, inquiry_id)
        if case is None or case.track is None:
            return  # not triaged yet: `triaged` replays the recorded signals
        specs = self.policy.clocks_for(case.track, case.priority)
        recorded = await store.signals_of(session, inquiry_id)
        for start in starts.on_signal(specs, clocks, signal, at, recorded, self.policy.calendar, mco,
                                      case.scheduled_on):
            await self._start(session, inquiry_id, case.track, case.priority, start)

    async def referred(self, session: AsyncSession, referral: McoContactedV1) -> None:
        """A referral is a signal from its MCO, whose principals may then read the case. The case's first
        referral makes the MCO clocks that ran before it its MCO's; a further MCO gets its own instance of
        every MCO clock, from its referral; a re-referral to an MCO changes nothing."""
        inquiry_id, mco = referral.inquiry_id, referral.mco
        earlier = await store.referred_mcos(session, inquiry_id)
        case = await store.case_of(session, inquiry_id)
        specs = self.policy.clocks_for(case.track, case.priority) if case and case.track else ()
        if not earlier:
            for clock in mcos.to_stamp(await store.clocks_of(session, inquiry_id, for_update=True), specs):
                await store.set_clock_mco(session, clock.id, mco)
                await self._publish(session, self._stopped(clock, "superseded", self.now()), ClockStartedV1(
                    inquiry_id=inquiry_id, clock=clock.name, track=clock.track, priority=clock.priority,
                    warn_at=clock.warn_at, due_at=clock.due_at, started_at=clock.anchor_at, mco=mco))
        await self.signal(session, inquiry_id, Signal.MCO_CONTACTED, referral.at, mco)
        if case is None or case.track is None or not earlier or mco in earlier:
            return
        clocks = await store.clocks_of(session, inquiry_id)
        recorded = await store.signals_of(session, inquiry_id)
        for start in starts.on_further_referral(specs, clocks, mco, referral.at, recorded, self.policy.calendar):
            await self._start(session, inquiry_id, case.track, case.priority, start)

    async def extended(self, session: AsyncSession, extension: DeadlineExtendedV1) -> None:
        """Move the named clock's deadline `days` calendar days on (438.408(c)), once per case and clock: a
        second extension is ignored. Kept when the clock has not started yet (applied when it does) and
        when triage recomputes it; a clock met, stopped or already breached is not moved. A plan-initiated
        extension owes the enrollee written notice (`plan_extended` starts that clock)."""
        inquiry_id, name = extension.inquiry_id, extension.clock
        if not await store.save_extension(session, inquiry_id, name, extension.days, extension.requested_by,
                                          extension.at):
            log.info("second extension of clock %s of case %s ignored: a deadline moves once", name, inquiry_id)
            return
        if extension.requested_by is ExtensionRequester.PLAN:
            await self.signal(session, inquiry_id, Signal.PLAN_EXTENDED, extension.at)
        case = await store.case_of(session, inquiry_id)
        if case is None or case.track is None:
            return  # applied when triage starts the clock
        specs = {spec.name: spec for spec in self.policy.clocks_for(case.track, case.priority)}
        for clock in await store.clocks_of(session, inquiry_id, for_update=True):
            if clock.name != name or clock.name not in specs:
                continue
            if clock.state != "open":
                if clock.state == "breached":
                    log.warning("extension of clock %s of case %s came after its breach: not moved", name,
                                inquiry_id)
                continue
            warn_at, due_at = deadlines.due(specs[name], clock.anchor_at, self.policy.calendar, extension.days,
                                            case.scheduled_on)
            warned = clock.warned and warn_at <= self.now()  # a later warning is announced again
            await store.move_deadline(session, clock.id, warn_at=warn_at, due_at=due_at,
                                      extended_days=extension.days, warned=warned)
            await self._publish(session, ClockStartedV1(
                inquiry_id=inquiry_id, clock=name, track=clock.track, priority=clock.priority, warn_at=warn_at,
                due_at=due_at, started_at=clock.anchor_at, mco=_mco(clock.mco)))

    async def resolved(self, session: AsyncSession, inquiry_id: UUID, at: datetime) -> None:
        """Resolution meets the clocks it meets and stops every other open clock."""
        await self.signal(session, inquiry_id, Signal.RESOLVED, at)
        for clock in stops.on_resolution(await store.clocks_of(session, inquiry_id, for_update=True)):
            await self._stop(session, clock, "resolved", at)
        await store.set_resolved(session, inquiry_id, at)

    async def reopened(self, session: AsyncSession, inquiry_id: UUID, at: datetime) -> None:
        """Clocks that start at triage run again from the reopening."""
        await store.set_resolved(session, inquiry_id, None)
        case = await store.case_of(session, inquiry_id)
        if case is None or case.track is None:
            return
        specs = self.policy.clocks_for(case.track, case.priority)
        clocks = await store.clocks_of(session, inquiry_id, for_update=True)
        recorded = await store.signals_of(session, inquiry_id)
        for start in starts.on_reopening(specs, clocks, at, recorded, self.policy.calendar):
            await self._start(session, inquiry_id, case.track, case.priority, start)

    async def care_item(self, session: AsyncSession, item_id: UUID, opened_by: Signal, at: datetime,
                        scheduled_on: date | None = None) -> None:
        """A care-coordination item (a next step, a conference, a tracked patient, a discharge, a call-back
        request) is a case of its own on the care-coordination track, opened by `opened_by` at `at` (a next
        step scheduled for its report-back date): the signal starts the clock it starts."""
        await store.save_case(session, item_id, track=Track.CARE_COORDINATION, priority=Priority.STANDARD,
                              received_at=at, scheduled_on=scheduled_on)
        await self.signal(session, item_id, opened_by, at)

    async def member_case(self, session: AsyncSession, case_id: UUID, member_id: UUID) -> None:
        """Remember whose PCP assignment meets a panel-removal case's clocks."""
        await store.save_case(session, case_id, member_id=member_id)

    async def pcps_assigned(self, session: AsyncSession, assigned: Sequence[tuple[UUID, datetime]]) -> None:
        """Members attributed to a PCP, with when: the panel-removal cases of those members hear of it (one
        query for the lot: a roster's batch run assigns a million members, few of them with a case)."""
        cases = await store.cases_of_members(session, sorted({member_id for member_id, _ in assigned}))
        for member_id, at in assigned:
            for case_id in cases.get(member_id, ()):
                await self.signal(session, case_id, Signal.PCP_ASSIGNED, at)

    # -- timers --------------------------------------------------------------------------------

    async def fire_due(self, session: AsyncSession, *, limit: int = 500) -> int:
        """Fire the warnings and breaches that are due; each clock is taken by one instance only.
        A batch is set-based (one claim, one UPDATE, one outbox insert), oldest first: catching up
        after an outage is then quick."""
        now = self.now()
        clocks = await store.claim_due(session, now, limit)
        events: list[Payload] = []
        warned, breached = [], []
        for clock in clocks:
            fires = timers.firing(clock, now)
            if fires.warns:
                events.append(SlaWarningV1(inquiry_id=clock.inquiry_id, clock=clock.name, track=clock.track,
                                           priority=clock.priority, due_at=clock.due_at, warned_at=now,
                                           mco=_mco(clock.mco)))
            if fires.breaches:
                events.append(SlaBreachedV1(inquiry_id=clock.inquiry_id, clock=clock.name, track=clock.track,
                                            priority=clock.priority, due_at=clock.due_at, breached_at=now,
                                            late_by_seconds=(now - clock.due_at).total_seconds(),
                                            mco=_mco(clock.mco)))
                breached.append(clock)
            else:
                warned.append(clock.id)
        await store.record_firings(session, warned, [c.id for c in breached])
        await self._publish(session, *events)
        for clock in breached:
            await self._start_follow_ups(session, clock)
        return len(clocks)

    async def next_fire_at(self, session: AsyncSession) -> datetime | None:
        return await store.next_fire_at(session)

    async def _start_follow_ups(self, session: AsyncSession, breached: Row[Any]) -> None:
        specs = self.policy.clocks_for(breached.track, breached.priority)
        if not starts.follow_ups(specs, breached.name):
            return  # most breaches start nothing: no need to read the case's signals
        recorded = await store.signals_of(session, breached.inquiry_id)
        for start in starts.on_breach(specs, breached.name, breached.due_at, recorded, self.policy.calendar,
                                      breached.mco):
            await self._start(session, breached.inquiry_id, breached.track, breached.priority, start)
            await self._publish(session, FollowUpDueV1(
                inquiry_id=breached.inquiry_id, clock=start.spec.name, queue=start.spec.queue or FOLLOW_UP_QUEUE,
                reason=f"{breached.name} breached", due_at=start.due_at, mco=_mco(start.mco)))

    # -- helpers -------------------------------------------------------------------------------

    def _met(self, inquiry_id: UUID, name: str, anchor: datetime, due_at: datetime, met_at: datetime,
             mco: str) -> SlaMetV1:
        took = self.policy.calendar.business_time_between(anchor, met_at).total_seconds()
        return SlaMetV1(inquiry_id=inquiry_id, clock=name, due_at=due_at, met_at=met_at,
                        took_business_seconds=took, mco=_mco(mco))

    @staticmethod
    def _stopped(clock: Row[Any], reason: StopReason, at: datetime) -> ClockStoppedV1:
        return ClockStoppedV1(inquiry_id=clock.inquiry_id, clock=clock.name, reason=reason, due_at=clock.due_at,
                              stopped_at=at, mco=_mco(clock.mco))

    async def _stop(self, session: AsyncSession, clock: Row[Any], reason: StopReason, at: datetime) -> None:
        await store.close_clock(session, clock.id, "stopped", at)
        await self._publish(session, self._stopped(clock, reason, at))
