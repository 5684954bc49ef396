"""One function per event type the SLA monitor consumes: each becomes a start,
a signal, a resolution or a reopening of the case's clocks."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared.care_payloads import (
    CallbackRequestedV1,
    ConferenceHeldV1,
    EncounterNotifiedV1,
    FollowUpRecordedV1,
    NextStepAgreedV1,
    NextStepReportedV1,
    SummarySentV1,
    TrackingStartedV1,
    TrackingUpdatedV1,
)
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
from liaison_shared.vocabulary import ContactChannel, ContactOutcome, EncounterKind, McoReportKind, NoticeKind
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


# -- care coordination: each item with a clock is a case of its own --------------------------------------


@handlers.on(NextStepAgreedV1)
async def on_next_step_agreed(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    step = event.payload
    assert isinstance(step, NextStepAgreedV1)
    await monitor.care_item(session, step.step_id, Signal.REPORT_BACK_AGREED, step.agreed_at, step.report_back_on)


@handlers.on(NextStepReportedV1)
async def on_next_step_reported(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, NextStepReportedV1)
    await monitor.signal(session, event.payload.step_id, Signal.UPDATE_RECORDED, event.payload.reported_at)


@handlers.on(ConferenceHeldV1)
async def on_conference_held(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    held = event.payload
    assert isinstance(held, ConferenceHeldV1)
    await monitor.care_item(session, held.conference_id, Signal.CONFERENCE_HELD, held.held_at)


@handlers.on(SummarySentV1)
async def on_summary_sent(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, SummarySentV1)
    await monitor.signal(session, event.payload.conference_id, Signal.SUMMARY_SENT, event.payload.sent_at)


@handlers.on(TrackingStartedV1)
async def on_tracking_started(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    tracked = event.payload
    assert isinstance(tracked, TrackingStartedV1)
    await monitor.care_item(session, tracked.tracking_id, Signal.TRACKING_STARTED, tracked.started_at)


@handlers.on(TrackingUpdatedV1)
async def on_tracking_updated(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, TrackingUpdatedV1)
    await monitor.signal(session, event.payload.tracking_id, Signal.UPDATE_RECORDED, event.payload.updated_at)


@handlers.on(EncounterNotifiedV1)
async def on_encounter_notified(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    notice = event.payload
    assert isinstance(notice, EncounterNotifiedV1)
    if notice.kind is EncounterKind.DISCHARGE:  # an admission is the practice's news, with no clock
        await monitor.care_item(session, notice.notice_id, Signal.DISCHARGED, notice.occurred_at)


@handlers.on(CallbackRequestedV1)
async def on_callback_requested(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    request = event.payload
    assert isinstance(request, CallbackRequestedV1)
    await monitor.care_item(session, request.request_id, Signal.CALLBACK_REQUESTED, request.requested_at)


@handlers.on(FollowUpRecordedV1)
async def on_follow_up_recorded(monitor: SlaMonitor, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, FollowUpRecordedV1)
    await monitor.signal(session, event.payload.item_id, Signal.CONTACT_REACHED, event.payload.reached_at)
