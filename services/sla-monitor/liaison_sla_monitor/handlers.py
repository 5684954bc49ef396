"""One function per event type the SLA monitor consumes: each becomes a start,
a signal, a resolution or a reopening of the inquiry's clocks."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared.catalog import spec_for
from liaison_shared.consumer import Handler
from liaison_shared.events import Event
from liaison_shared.payloads import (
    ContactAttemptedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    InquiryUpdatedV1,
    McoContactedV1,
    McoReportedV1,
    PanelRemovalRequestedV1,
    Payload,
    PcpAssignedV1,
    PriorityAssignedV1,
)
from liaison_shared.vocabulary import ContactChannel, ContactOutcome, McoReportKind
from liaison_sla_monitor.monitor import SlaMonitor
from liaison_sla_monitor.policy import Signal

CONTACT_REPORTS = (McoReportKind.MEMBER_CONTACTED, McoReportKind.PROVIDER_CONTACTED)


def handlers(monitor: SlaMonitor) -> Mapping[str, Handler]:
    async def on_priority_assigned(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, PriorityAssignedV1)
        await monitor.triaged(session, event.payload)

    async def on_contact_attempted(session: AsyncSession, event: Event) -> None:
        attempt = event.payload
        assert isinstance(attempt, ContactAttemptedV1)
        await monitor.signal(session, attempt.inquiry_id, Signal.CONTACT_ATTEMPTED, attempt.at)
        # A letter sent answers the caller as surely as a call that reached them.
        if attempt.outcome is ContactOutcome.REACHED or attempt.channel is ContactChannel.LETTER:
            await monitor.signal(session, attempt.inquiry_id, Signal.CONTACT_REACHED, attempt.at)

    async def on_mco_contacted(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, McoContactedV1)
        await monitor.signal(session, event.payload.inquiry_id, Signal.MCO_CONTACTED, event.payload.at)

    async def on_mco_reported(session: AsyncSession, event: Event) -> None:
        report = event.payload
        assert isinstance(report, McoReportedV1)
        await monitor.signal(session, report.inquiry_id, Signal.MCO_REPORTED, report.at)
        if report.report in CONTACT_REPORTS:
            await monitor.signal(session, report.inquiry_id, Signal.MCO_REPORTED_CONTACT, report.at)

    async def on_updated(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, InquiryUpdatedV1)
        await monitor.signal(session, event.payload.inquiry_id, Signal.UPDATE_RECORDED, event.payload.at)

    async def on_resolved(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, InquiryResolvedV1)
        await monitor.resolved(session, event.payload.inquiry_id, event.payload.at)

    async def on_reopened(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, InquiryReopenedV1)
        await monitor.reopened(session, event.payload.inquiry_id, event.payload.at)

    async def on_panel_removal(session: AsyncSession, event: Event) -> None:
        removal = event.payload
        assert isinstance(removal, PanelRemovalRequestedV1)
        await monitor.member_case(session, removal.removal_id, removal.member_id)
        # A held removal waits for compliance review; it is worked (outreach, reassignment) only once released.
        opened = Signal.HELD_FOR_REVIEW if removal.held_for_compliance_review else Signal.OUTREACH_OPENED
        await monitor.signal(session, removal.removal_id, opened, removal.requested_at)

    async def on_pcp_assigned(session: AsyncSession, event: Event) -> None:
        assigned = event.payload
        assert isinstance(assigned, PcpAssignedV1)
        await monitor.pcp_assigned(session, assigned.member_id, event.time)

    by_model: dict[type[Payload], Handler] = {
        PriorityAssignedV1: on_priority_assigned, ContactAttemptedV1: on_contact_attempted,
        McoContactedV1: on_mco_contacted, McoReportedV1: on_mco_reported, InquiryUpdatedV1: on_updated,
        InquiryResolvedV1: on_resolved, InquiryReopenedV1: on_reopened, PanelRemovalRequestedV1: on_panel_removal,
        PcpAssignedV1: on_pcp_assigned,
    }
    return {spec_for(model).type: handler for model, handler in by_model.items()}
