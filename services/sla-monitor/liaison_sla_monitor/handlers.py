"""One function per event type the SLA monitor consumes: each becomes a start,
a signal, a resolution or a reopening of the case's clocks."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared.events import Event
from liaison_shared.handlers import EventHandlers
from liaison_shared.payloads import (
    ContactAttemptedV1,
    DeadlineExtendedV1,
    ExpeditedDeniedV1,
    HoldReleasedV1,
    InquiryReceivedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    InquiryUpdatedV1,
    McoContactedV1,
    McoReportedV1,
    NoticeIssuedV1,
    PcpAssignedV1,
    PriorityAssignedV1,
)
from liaison_shared.vocabulary import ContactChannel, ContactOutcome, McoReportKind, NoticeKind
from liaison_sla_monitor.contract import Signal
from liaison_sla_monitor.service import SlaMonitor

CONTACT_REPORTS = (McoReportKind.MEMBER_CONTACTED, McoReportKind.PROVIDER_CONTACTED)

# What a notice sent tells the clocks. An answer is a letter, and a letter answers as a call that reached
# the originator; a resolution notice is issued with the resolution itself, whose `resolved` meets the clock.
NOTICE_SIGNALS: dict[NoticeKind, tuple[Signal, ...]] = {
    NoticeKind.ACKNOWLEDGMENT: (Signal.ACKNOWLEDGMENT_SENT,),
    NoticeKind.EXTENSION: (Signal.EXTENSION_NOTICE_SENT,),
    NoticeKind.EXPEDITED_DENIAL: (Signal.DENIAL_NOTICE_SENT,),
    NoticeKind.ANSWER: (Signal.CONTACT_ATTEMPTED, Signal.CONTACT_REACHED),
    NoticeKind.RESOLUTION: (),
}

handlers = EventHandlers[SlaMonitor]()


@handlers.on(PriorityAssignedV1)
async def on_priority_assigned(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, PriorityAssignedV1)
    await monitor.triaged(session, event.payload)


@handlers.on(ContactAttemptedV1)
async def on_contact_attempted(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    attempt = event.payload
    assert isinstance(attempt, ContactAttemptedV1)
    await monitor.signal(session, attempt.inquiry_id, Signal.CONTACT_ATTEMPTED, attempt.at)
    # A letter sent answers the caller as surely as a call that reached them.
    if attempt.outcome is ContactOutcome.REACHED or attempt.channel is ContactChannel.LETTER:
        await monitor.signal(session, attempt.inquiry_id, Signal.CONTACT_REACHED, attempt.at)


@handlers.on(McoContactedV1)
async def on_mco_contacted(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, McoContactedV1)
    await monitor.referred(session, event.payload)


@handlers.on(McoReportedV1)
async def on_mco_reported(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    report = event.payload
    assert isinstance(report, McoReportedV1)
    await monitor.signal(session, report.inquiry_id, Signal.MCO_REPORTED, report.at, report.mco)
    if report.report in CONTACT_REPORTS:
        await monitor.signal(session, report.inquiry_id, Signal.MCO_REPORTED_CONTACT, report.at, report.mco)


@handlers.on(NoticeIssuedV1)
async def on_notice_issued(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    notice = event.payload
    assert isinstance(notice, NoticeIssuedV1)
    for signal in NOTICE_SIGNALS[notice.notice]:
        await monitor.signal(session, notice.inquiry_id, signal, notice.at)


@handlers.on(ExpeditedDeniedV1)
async def on_expedited_denied(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, ExpeditedDeniedV1)
    await monitor.signal(session, event.payload.inquiry_id, Signal.EXPEDITED_DENIED, event.payload.at)


@handlers.on(DeadlineExtendedV1)
async def on_deadline_extended(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, DeadlineExtendedV1)
    await monitor.extended(session, event.payload)


@handlers.on(InquiryUpdatedV1)
async def on_updated(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, InquiryUpdatedV1)
    await monitor.signal(session, event.payload.inquiry_id, Signal.UPDATE_RECORDED, event.payload.at)


@handlers.on(InquiryResolvedV1)
async def on_resolved(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, InquiryResolvedV1)
    await monitor.resolved(session, event.payload.inquiry_id, event.payload.at)


@handlers.on(InquiryReopenedV1)
async def on_reopened(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, InquiryReopenedV1)
    await monitor.reopened(session, event.payload.inquiry_id, event.payload.at)


@handlers.on(InquiryReceivedV1)
async def on_received(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    received = event.payload
    assert isinstance(received, InquiryReceivedV1)
    removal = received.panel_removal
    if removal is None:
        return  # other cases' clocks start with triage's decision
    await monitor.member_case(session, received.inquiry_id, removal.member_id)
    # A held removal waits for compliance review; it is worked (outreach, reassignment) only once released.
    opened = Signal.HELD_FOR_REVIEW if removal.held_for_compliance_review else Signal.OUTREACH_OPENED
    await monitor.signal(session, received.inquiry_id, opened, received.received_at)


@handlers.on(HoldReleasedV1)
async def on_hold_released(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, HoldReleasedV1)
    await monitor.signal(session, event.payload.inquiry_id, Signal.OUTREACH_OPENED, event.payload.released_at)


@handlers.on_batch(PcpAssignedV1)
async def on_pcps_assigned(monitor: SlaMonitor, session: AsyncSession, events: Sequence[Event]) -> None:
    assigned = [(event.payload.member_id, event.time) for event in events if isinstance(event.payload, PcpAssignedV1)]
    assert len(assigned) == len(events)
    await monitor.pcps_assigned(session, assigned)
