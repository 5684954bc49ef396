"""What care coordination hears: attribution's enrollments, their ends and PCP assignments (whose patient is
covered by which plan and attributed to which practice), and the SLA monitor's word on the clocks of its
own items (care-coordination track only). Attribution's events come by the million after a roster run, so
they are taken a batch at a time."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_care_coordination.service import CareCoordination
from liaison_shared.events import Event
from liaison_shared.handlers import EventHandlers
from liaison_shared.payloads import (
    ClockStartedV1,
    ClockStoppedV1,
    MemberDisenrolledV1,
    MemberEnrolledV1,
    PcpAssignedV1,
    SlaBreachedV1,
    SlaMetV1,
    SlaWarningV1,
)
from liaison_shared.vocabulary import Track

handlers = EventHandlers[CareCoordination]()


@handlers.on_batch(MemberEnrolledV1)
async def on_enrolled(care: CareCoordination, session: AsyncSession, events: Sequence[Event]) -> None:
    rows = [{"member_id": e.payload.member_id, "medicaid_id": e.payload.medicaid_id, "plan": e.payload.mco,
             "enrolled_to": e.payload.effective_to, "disenrolled_on": None, "updated_at": e.time}
            for e in events if isinstance(e.payload, MemberEnrolledV1)]
    await care.members_changed(session, rows, ("medicaid_id", "plan", "enrolled_to", "disenrolled_on"))


@handlers.on_batch(MemberDisenrolledV1)
async def on_disenrolled(care: CareCoordination, session: AsyncSession, events: Sequence[Event]) -> None:
    rows = [{"member_id": e.payload.member_id, "medicaid_id": e.payload.medicaid_id, "plan": e.payload.mco,
             "disenrolled_on": e.payload.effective_to, "updated_at": e.time}
            for e in events if isinstance(e.payload, MemberDisenrolledV1)]
    await care.members_changed(session, rows, ("medicaid_id", "plan", "disenrolled_on"))


@handlers.on_batch(PcpAssignedV1)
async def on_pcp_assigned(care: CareCoordination, session: AsyncSession, events: Sequence[Event]) -> None:
    rows = [{"member_id": e.payload.member_id, "practice_npi": e.payload.pcp_npi,
             "attributed_from": e.payload.effective_from, "updated_at": e.time}
            for e in events if isinstance(e.payload, PcpAssignedV1)]
    await care.members_changed(session, rows, ("practice_npi", "attributed_from"))


@handlers.on(ClockStartedV1)
async def on_clock_started(care: CareCoordination, session: AsyncSession, event: Event) -> None:
    started = event.payload
    assert isinstance(started, ClockStartedV1)
    if started.track is Track.CARE_COORDINATION:
        await care.clock(session, started.inquiry_id, started.clock, "open", started.due_at)


@handlers.on(SlaWarningV1, SlaBreachedV1, SlaMetV1, ClockStoppedV1)
async def on_clock_changed(care: CareCoordination, session: AsyncSession, event: Event) -> None:
    payload = event.payload
    assert isinstance(payload, SlaWarningV1 | SlaBreachedV1 | SlaMetV1 | ClockStoppedV1)
    if isinstance(payload, SlaWarningV1 | SlaBreachedV1) and payload.track is not Track.CARE_COORDINATION:
        return
    state = {SlaWarningV1: "warning", SlaBreachedV1: "breached", SlaMetV1: "met", ClockStoppedV1: "stopped"}
    await care.clock_ending(session, payload.inquiry_id, payload.clock, state[type(payload)], payload.due_at)
