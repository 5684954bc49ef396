"""One function per event type the notifier consumes."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_notifier.contract import Kind
from liaison_notifier.service import Notifier
from liaison_shared.care_payloads import EncounterNotifiedV1, SummarySentV1
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
from liaison_shared.vocabulary import EncounterKind

handlers = EventHandlers[Notifier]()
log = logging.getLogger(__name__)


def _minutes(span: timedelta) -> str:
    return f"{round(span.total_seconds() / 60)} min"


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
    await notifier.notify_clock(session, event, "sla_warning", warning.inquiry_id, warning.warned_at,
                                {"clock": warning.clock, "due_local": notifier.calendar_local(warning.due_at),
                                 "time_left": _minutes(warning.due_at - warning.warned_at)},
                                mco=warning.mco, track=warning.track, priority=warning.priority)


@handlers.on(SlaBreachedV1)
async def on_sla_breached(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    breach = event.payload
    assert isinstance(breach, SlaBreachedV1)
    await notifier.notify_clock(session, event, "sla_breached", breach.inquiry_id, breach.breached_at,
                                {"clock": breach.clock, "due_local": notifier.calendar_local(breach.due_at),
                                 "late_by": _minutes(timedelta(seconds=breach.late_by_seconds))},
                                mco=breach.mco, track=breach.track, priority=breach.priority)


@handlers.on(SubjectChangedV1)
async def on_subject_changed(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    assert isinstance(event.payload, SubjectChangedV1)
    await notifier.remember_subject(session, event.payload.inquiry_id, event.payload.subject)


@handlers.on(BreachWithdrawnV1)
async def on_breach_withdrawn(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    withdrawn = event.payload
    assert isinstance(withdrawn, BreachWithdrawnV1)
    await notifier.notify_clock(session, event, "breach_withdrawn", withdrawn.inquiry_id, withdrawn.withdrawn_at,
                                {"clock": withdrawn.clock, "due_local": notifier.calendar_local(withdrawn.due_at),
                                 "met_local": notifier.calendar_local(withdrawn.met_at)},
                                mco=withdrawn.mco, track=withdrawn.track, priority=withdrawn.priority)


@handlers.on(FollowUpDueV1)
async def on_follow_up_due(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    # The event names no track: a case the notifier has no inquiry of is routed on the follow-up's queue.
    follow_up = event.payload
    assert isinstance(follow_up, FollowUpDueV1)
    await notifier.notify_clock(session, event, "follow_up_due", follow_up.inquiry_id, event.time,
                                {"clock": follow_up.clock, "due_local": notifier.calendar_local(follow_up.due_at),
                                 "queue": follow_up.queue},
                                mco=follow_up.mco, queue=follow_up.queue)


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


@handlers.on(SummarySentV1)
async def on_summary_sent(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    sent = event.payload
    assert isinstance(sent, SummarySentV1)
    await notifier.notify_practice(session, event, "summary_sent", plan=sent.plan, practice=sent.practice_npi,
                                   email=sent.recipient_email,
                                   extra={"conference_id": str(sent.conference_id),
                                          "sent_local": notifier.calendar_local(sent.sent_at)})


_ENCOUNTER_KINDS: dict[EncounterKind, Kind] = {EncounterKind.ADMISSION: "admission_notified",
                                               EncounterKind.DISCHARGE: "discharge_notified"}


@handlers.on(EncounterNotifiedV1)
async def on_encounter_notified(notifier: Notifier, session: AsyncSession, event: Event) -> None:
    # Only ids and the encounter's kind travel: the patient and the encounter's dates stay behind the console.
    notice = event.payload
    assert isinstance(notice, EncounterNotifiedV1)
    if notice.practice_npi is None:
        log.info("encounter notice of no attributed practice: nobody told",
                 extra={"event_id": str(event.id), "encounter_kind": notice.kind})
        return
    await notifier.notify_practice(session, event, _ENCOUNTER_KINDS[notice.kind], plan=notice.plan,
                                   practice=notice.practice_npi,
                                   extra={"notice_id": str(notice.notice_id), "encounter_kind": notice.kind})
