"""One function per event type the notifier consumes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_notifier.service import Notifier
from liaison_shared.events import Event
from liaison_shared.handlers import EventHandlers
from liaison_shared.payloads import (
    BreachWithdrawnV1,
    FollowUpDueV1,
    InquiryReceivedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    LetterRequestedV1,
    McoContactedV1,
    NoticeIssuedV1,
    PriorityAssignedV1,
    SlaBreachedV1,
    SlaWarningV1,
    SubjectChangedV1,
)

handlers = EventHandlers[Notifier]()


def _minutes(span: timedelta) -> str:
    return f"{round(span.total_seconds() / 60)} min"


def _concerns(mco: str | None) -> tuple[str, ...] | None:
    """The MCOs a clock's event concerns: the one whose obligation it times, or (None) every MCO referred."""
    return None if mco is None else (mco,)


@handlers.on(InquiryReceivedV1)
async def on_received(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, InquiryReceivedV1)
    await notifier.remember_received(session, event.payload)


@handlers.on(PriorityAssignedV1)
async def on_priority_assigned(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    assigned = event.payload
    assert isinstance(assigned, PriorityAssignedV1)
    inquiry = await notifier.remember_assignment(session, assigned)
    await notifier.notify(session, event, "priority_assigned", inquiry, assigned.decided_at)
    await notifier.mco_update(session, assigned.inquiry_id, "priority-changed", assigned.decided_at,
                              priority=assigned.priority)


@handlers.on(McoContactedV1)
async def on_mco_contacted(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    referral = event.payload
    assert isinstance(referral, McoContactedV1)
    await notifier.refer(session, event, referral)


@handlers.on(SlaWarningV1)
async def on_sla_warning(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    warning = event.payload
    assert isinstance(warning, SlaWarningV1)
    await notifier.notify(session, event, "sla_warning", await notifier.inquiry(session, warning.inquiry_id),
                          warning.warned_at, {"clock": warning.clock,
                                              "due_local": notifier.calendar_local(warning.due_at),
                                              "time_left": _minutes(warning.due_at - warning.warned_at)},
                          mcos=_concerns(warning.mco))


@handlers.on(SlaBreachedV1)
async def on_sla_breached(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    breach = event.payload
    assert isinstance(breach, SlaBreachedV1)
    await notifier.notify(session, event, "sla_breached", await notifier.inquiry(session, breach.inquiry_id),
                          breach.breached_at, {"clock": breach.clock,
                                               "due_local": notifier.calendar_local(breach.due_at),
                                               "late_by": _minutes(timedelta(seconds=breach.late_by_seconds))},
                          mcos=_concerns(breach.mco))


@handlers.on(SubjectChangedV1)
async def on_subject_changed(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, SubjectChangedV1)
    await notifier.remember_subject(session, event.payload.inquiry_id, event.payload.subject)


@handlers.on(BreachWithdrawnV1)
async def on_breach_withdrawn(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    withdrawn = event.payload
    assert isinstance(withdrawn, BreachWithdrawnV1)
    await notifier.notify(session, event, "breach_withdrawn",
                          await notifier.inquiry(session, withdrawn.inquiry_id), withdrawn.withdrawn_at,
                          {"clock": withdrawn.clock, "due_local": notifier.calendar_local(withdrawn.due_at),
                           "met_local": notifier.calendar_local(withdrawn.met_at)},
                          mcos=_concerns(withdrawn.mco))


@handlers.on(FollowUpDueV1)
async def on_follow_up_due(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    follow_up = event.payload
    assert isinstance(follow_up, FollowUpDueV1)
    await notifier.notify(session, event, "follow_up_due",
                          await notifier.inquiry(session, follow_up.inquiry_id), event.time,
                          {"clock": follow_up.clock, "due_local": notifier.calendar_local(follow_up.due_at),
                           "queue": follow_up.queue},
                          mcos=_concerns(follow_up.mco))


@handlers.on(InquiryResolvedV1)
async def on_resolved(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, InquiryResolvedV1)
    await notifier.remember_resolution(session, event.payload)
    await notifier.mco_update(session, event.payload.inquiry_id, "resolved", event.payload.at)


@handlers.on(InquiryReopenedV1)
async def on_reopened(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, InquiryReopenedV1)
    await notifier.mco_update(session, event.payload.inquiry_id, "reopened", event.payload.at)


@handlers.on(LetterRequestedV1)
async def on_letter_requested(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    # Nobody has written the answer yet: the case's queue is told a letter is due; the letter comes
    # with the liaison's notice of kind answer.
    requested = event.payload
    assert isinstance(requested, LetterRequestedV1)
    await notifier.notify(session, event, "letter_due", await notifier.inquiry(session, requested.inquiry_id),
                          requested.at)


@handlers.on(NoticeIssuedV1)
async def on_notice_issued(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, NoticeIssuedV1)
    await notifier.issue_notice(session, event, event.payload)
