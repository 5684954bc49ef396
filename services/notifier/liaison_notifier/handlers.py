"""One function per event type the notifier consumes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_notifier.notifier import Notifier
from liaison_shared.catalog import spec_for
from liaison_shared.consumer import Handler
from liaison_shared.events import Event
from liaison_shared.payloads import (
    BreachWithdrawnV1,
    FollowUpDueV1,
    InquiryReceivedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    LetterRequestedV1,
    McoContactedV1,
    Payload,
    PriorityAssignedV1,
    SlaBreachedV1,
    SlaWarningV1,
    SubjectChangedV1,
)


def _minutes(span: timedelta) -> str:
    return f"{round(span.total_seconds() / 60)} min"


def handlers(notifier: Notifier) -> Mapping[str, Handler]:
    local = notifier.calendar_local

    async def on_received(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, InquiryReceivedV1)
        await notifier.remember_received(session, event.payload)

    async def on_priority_assigned(session: AsyncSession, event: Event) -> None:
        assigned = event.payload
        assert isinstance(assigned, PriorityAssignedV1)
        inquiry = await notifier.remember_assignment(session, assigned)
        await notifier.notify(session, event, "priority_assigned", inquiry, assigned.decided_at)
        await notifier.mco_update(session, assigned.inquiry_id, "priority-changed", assigned.decided_at,
                                  priority=assigned.priority)

    async def on_mco_contacted(session: AsyncSession, event: Event) -> None:
        referral = event.payload
        assert isinstance(referral, McoContactedV1)
        inquiry = await notifier.remember_referral(session, referral.inquiry_id, referral.mco)
        await notifier.notify(session, event, "mco_referral", inquiry, referral.at)

    async def on_sla_warning(session: AsyncSession, event: Event) -> None:
        warning = event.payload
        assert isinstance(warning, SlaWarningV1)
        await notifier.notify(session, event, "sla_warning", await notifier.inquiry(session, warning.inquiry_id),
                              warning.warned_at, {"clock": warning.clock, "due_local": local(warning.due_at),
                                                  "time_left": _minutes(warning.due_at - warning.warned_at)})

    async def on_sla_breached(session: AsyncSession, event: Event) -> None:
        breach = event.payload
        assert isinstance(breach, SlaBreachedV1)
        await notifier.notify(session, event, "sla_breached", await notifier.inquiry(session, breach.inquiry_id),
                              breach.breached_at, {"clock": breach.clock, "due_local": local(breach.due_at),
                                                   "late_by": _minutes(timedelta(seconds=breach.late_by_seconds))})

    async def on_subject_changed(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, SubjectChangedV1)
        await notifier.remember_subject(session, event.payload.inquiry_id, event.payload.subject)

    async def on_breach_withdrawn(session: AsyncSession, event: Event) -> None:
        withdrawn = event.payload
        assert isinstance(withdrawn, BreachWithdrawnV1)
        await notifier.notify(session, event, "breach_withdrawn",
                              await notifier.inquiry(session, withdrawn.inquiry_id), withdrawn.withdrawn_at,
                              {"clock": withdrawn.clock, "due_local": local(withdrawn.due_at),
                               "met_local": local(withdrawn.met_at)})

    async def on_follow_up_due(session: AsyncSession, event: Event) -> None:
        follow_up = event.payload
        assert isinstance(follow_up, FollowUpDueV1)
        await notifier.notify(session, event, "follow_up_due",
                              await notifier.inquiry(session, follow_up.inquiry_id), event.time,
                              {"clock": follow_up.clock, "due_local": local(follow_up.due_at),
                               "queue": follow_up.queue})

    async def on_resolved(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, InquiryResolvedV1)
        await notifier.mco_update(session, event.payload.inquiry_id, "resolved", event.payload.at)

    async def on_reopened(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, InquiryReopenedV1)
        await notifier.mco_update(session, event.payload.inquiry_id, "reopened", event.payload.at)

    async def on_letter_requested(session: AsyncSession, event: Event) -> None:
        assert isinstance(event.payload, LetterRequestedV1)
        await notifier.letter(session, event.payload.inquiry_id, event.payload.at)

    by_model: dict[type[Payload], Handler] = {
        InquiryReceivedV1: on_received, PriorityAssignedV1: on_priority_assigned, McoContactedV1: on_mco_contacted,
        SlaWarningV1: on_sla_warning, SlaBreachedV1: on_sla_breached, BreachWithdrawnV1: on_breach_withdrawn,
        FollowUpDueV1: on_follow_up_due, SubjectChangedV1: on_subject_changed,
        InquiryResolvedV1: on_resolved, InquiryReopenedV1: on_reopened, LetterRequestedV1: on_letter_requested,
    }
    return {spec_for(model).type: handler for model, handler in by_model.items()}
