"""One function per event type triage consumes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared.events import Event
from liaison_shared.handlers import EventHandlers
from liaison_shared.payloads import (
    InquiryReceivedV1,
    InquiryReopenedV1,
    McoContactedV1,
    MemberDisenrolledV1,
    MemberEnrolledV1,
    PriorityOverrideRequestedV1,
)
from liaison_triage import store
from liaison_triage.service import Triage

handlers = EventHandlers[Triage]()


@handlers.on_batch(InquiryReceivedV1)
async def on_inquiries_received(triage: Triage, session: AsyncSession, events: Sequence[Event]) -> None:
    inquiries = [event.payload for event in events if isinstance(event.payload, InquiryReceivedV1)]
    assert len(inquiries) == len(events)
    await triage.decide_all(session, inquiries)


@handlers.on_batch(MemberEnrolledV1)
async def on_members_enrolled(triage: Triage, session: AsyncSession, events: Sequence[Event]) -> None:
    enrolled = [event.payload for event in events if isinstance(event.payload, MemberEnrolledV1)]
    assert len(enrolled) == len(events)
    await store.record_enrollments(session, enrolled)
    await triage.release_for_members(session, sorted({e.medicaid_id for e in enrolled}))


@handlers.on(MemberDisenrolledV1)
async def on_member_disenrolled(triage: Triage, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, MemberDisenrolledV1)
    await store.record_disenrollment(session, event.payload)


@handlers.on(PriorityOverrideRequestedV1)
async def on_priority_override(triage: Triage, session: AsyncSession, event: Event) -> None:
    override = event.payload
    assert isinstance(override, PriorityOverrideRequestedV1)
    await store.save_override(session, override.inquiry_id, override.priority, override.reason, override.at)
    # Arriving before the inquiry itself (another topic), it is applied when the inquiry is decided.
    received = await store.decided_inquiry(session, override.inquiry_id)
    if received is not None:
        await triage.decide(session, received, stop_waiting=True)


@handlers.on(McoContactedV1)
async def on_mco_contacted(triage: Triage, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, McoContactedV1)
    await triage.referred(session, event.payload)


@handlers.on(InquiryReopenedV1)
async def on_inquiry_reopened(triage: Triage, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, InquiryReopenedV1)
    received = await store.decided_inquiry(session, event.payload.inquiry_id)
    if received is not None:  # re-triage with today's enrollment and rules
        await triage.decide(session, received, stop_waiting=True)
