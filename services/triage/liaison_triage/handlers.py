"""One function per event type triage consumes."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared.catalog import spec_for
from liaison_shared.consumer import Handler
from liaison_shared.events import Event
from liaison_shared.payloads import (
    InquiryReceivedV1,
    InquiryReopenedV1,
    McoContactedV1,
    MemberDisenrolledV1,
    MemberEnrolledV1,
    PanelRemovalRequestedV1,
    Payload,
    PriorityOverrideRequestedV1,
)
from liaison_triage import store
from liaison_triage.triage import Triage


def handlers(triage: Triage) -> Mapping[str, Handler]:
    async def on_inquiry_received(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, InquiryReceivedV1)
        await triage.decide(session, event.payload)

    async def on_member_enrolled(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, MemberEnrolledV1)
        await store.record_enrollment(session, event.payload)
        await triage.release_for_member(session, event.payload.medicaid_id)

    async def on_member_disenrolled(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, MemberDisenrolledV1)
        await store.record_disenrollment(session, event.payload)

    async def on_priority_override(session: AsyncSession, event: Event) -> None:
        override = event.payload
        assert isinstance(override, PriorityOverrideRequestedV1)
        await store.save_override(session, override.inquiry_id, override.priority, override.reason, override.at)
        # Arriving before the inquiry itself (another topic), it is applied when the inquiry is decided.
        received = await store.decided_inquiry(session, override.inquiry_id)
        if received is not None:
            await triage.decide(session, received, stop_waiting=True)

    async def on_panel_removal(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, PanelRemovalRequestedV1)
        await triage.decide_panel_removal(session, event.payload)

    async def on_mco_contacted(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, McoContactedV1)
        await triage.referred(session, event.payload)

    async def on_inquiry_reopened(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, InquiryReopenedV1)
        received = await store.decided_inquiry(session, event.payload.inquiry_id)
        if received is not None:  # re-triage with today's enrollment and rules
            await triage.decide(session, received, stop_waiting=True)

    by_model: dict[type[Payload], Handler] = {
        InquiryReceivedV1: on_inquiry_received,
        MemberEnrolledV1: on_member_enrolled,
        MemberDisenrolledV1: on_member_disenrolled,
        PriorityOverrideRequestedV1: on_priority_override,
        InquiryReopenedV1: on_inquiry_reopened,
        PanelRemovalRequestedV1: on_panel_removal,
        McoContactedV1: on_mco_contacted,
    }
    return {spec_for(model).type: handler for model, handler in by_model.items()}
