"""The console's projection: what each consumed event changes in its cases and clocks, and the
change it announces to live pages. One function per consumed event type (or per kind of event)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_console import store
from liaison_console.service import Console
from liaison_shared.events import Event
from liaison_shared.handlers import EventHandlers
from liaison_shared.payloads import (
    BreachWithdrawnV1,
    ClockStartedV1,
    ClockStoppedV1,
    ContactAttemptedV1,
    FollowUpDueV1,
    HoldReleasedV1,
    InquiryAssignedV1,
    InquiryReceivedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    InquiryUpdatedV1,
    LetterReadyV1,
    LetterRequestedV1,
    McoContactedV1,
    McoReportedV1,
    NoticeIssuedV1,
    Payload,
    PriorityAssignedV1,
    PriorityOverrideRequestedV1,
    SlaBreachedV1,
    SlaMetV1,
    SlaWarningV1,
    SubjectChangedV1,
)
from liaison_shared.vocabulary import Priority

handlers = EventHandlers[Console]()


@handlers.on(InquiryReceivedV1)
async def on_received(console: Console, session: AsyncSession, event: Event) -> None:
    received = event.payload
    assert isinstance(received, InquiryReceivedV1)
    held = received.panel_removal is not None and received.panel_removal.held_for_compliance_review
    origin = received.origin
    # Triage's decision names the MCO of the member's enrollment; the one the caller named fills in only.
    await store.upsert_case(session, received.inquiry_id, party=received.party, source=received.source,
                            category=received.category, ime_callback_request=received.ime_callback_request,
                            held=held, received_at=received.received_at, kind=received.kind,
                            origin_inquiry_id=origin.inquiry_id if origin else None,
                            origin_survey_response_id=origin.survey_response_id if origin else None,
                            origin_outcome=origin.outcome if origin else None, fill={"mco": received.mco})
    await console.changed(session, received.inquiry_id, "received")


@handlers.on(HoldReleasedV1)
async def on_hold_released(console: Console, session: AsyncSession, event: Event) -> None:
    released = event.payload
    assert isinstance(released, HoldReleasedV1)
    await store.upsert_case(session, released.inquiry_id, held=False)
    await console.changed(session, released.inquiry_id, "status")


@handlers.on(PriorityAssignedV1)
async def on_priority_assigned(console: Console, session: AsyncSession, event: Event) -> None:
    assigned = event.payload
    assert isinstance(assigned, PriorityAssignedV1)
    fields: dict[str, Any] = {"track": assigned.track, "priority": assigned.priority,
              "priority_rank": Priority(assigned.priority).rank, "queue": assigned.queue,
              "subject": assigned.subject, "rules_fired": list(assigned.rules_fired),
              "ruleset_version": assigned.ruleset_version, "override_reason": assigned.override_reason}
    if assigned.mco is not None:
        fields["mco"] = assigned.mco
    await console.fold_status(session, assigned.inquiry_id, assigned, assigned.decided_at, **fields)


@handlers.on(SubjectChangedV1)
async def on_subject_changed(console: Console, session: AsyncSession, event: Event) -> None:
    changed = event.payload
    assert isinstance(changed, SubjectChangedV1)
    await store.upsert_case(session, changed.inquiry_id, subject=changed.subject)
    await console.changed(session, changed.inquiry_id, "status")


@handlers.on(ContactAttemptedV1, McoReportedV1)
async def on_case_action(console: Console, session: AsyncSession, event: Event) -> None:
    action = event.payload
    assert isinstance(action, ContactAttemptedV1 | McoReportedV1)
    await console.fold_status(session, action.inquiry_id, action, action.at)


@handlers.on(McoContactedV1)
async def on_mco_contacted(console: Console, session: AsyncSession, event: Event) -> None:
    contacted = event.payload
    assert isinstance(contacted, McoContactedV1)
    await console.fold_status(session, contacted.inquiry_id, contacted, contacted.at)
    await store.add_referral(session, contacted.inquiry_id, contacted.mco)  # a second MCO adds, never replaces


@handlers.on(InquiryResolvedV1)
async def on_resolved(console: Console, session: AsyncSession, event: Event) -> None:
    resolved = event.payload
    assert isinstance(resolved, InquiryResolvedV1)
    await console.fold_status(session, resolved.inquiry_id, resolved, resolved.at,
                              with_status={"resolved_at": resolved.at})


@handlers.on(InquiryReopenedV1)
async def on_reopened(console: Console, session: AsyncSession, event: Event) -> None:
    reopened = event.payload
    assert isinstance(reopened, InquiryReopenedV1)
    await console.fold_status(session, reopened.inquiry_id, reopened, reopened.at, with_status={"resolved_at": None})


@handlers.on(InquiryAssignedV1)
async def on_assigned(console: Console, session: AsyncSession, event: Event) -> None:
    assigned = event.payload
    assert isinstance(assigned, InquiryAssignedV1)
    person = assigned.assignee
    await store.upsert_case(session, assigned.inquiry_id, assignee_subject=person.subject if person else None,
                            assignee_name=person.name if person else None)
    await console.changed(session, assigned.inquiry_id, "assigned")


@handlers.on(ClockStartedV1)
async def on_clock_started(console: Console, session: AsyncSession, event: Event) -> None:
    started = event.payload
    assert isinstance(started, ClockStartedV1)
    await store.start_clock(session, inquiry_id=started.inquiry_id, clock=started.clock, mco=started.mco,
                            track=started.track, warn_at=started.warn_at, due_at=started.due_at,
                            started_at=started.started_at)
    await _clock_changed(console, session, started.inquiry_id)


CLOCK_MARKS: dict[type[Payload], tuple[str, str]] = {
    SlaWarningV1: ("warning", "warned_at"), SlaBreachedV1: ("breached", "breached_at"), SlaMetV1: ("met", "met_at"),
    ClockStoppedV1: ("stopped", "stopped_at")}
"""A clock's later events: the state each leaves it in, and the field that says when."""


@handlers.on(*CLOCK_MARKS)
async def on_clock_marked(console: Console, session: AsyncSession, event: Event) -> None:
    marked = event.payload
    assert isinstance(marked, SlaWarningV1 | SlaBreachedV1 | SlaMetV1 | ClockStoppedV1)
    state, when = CLOCK_MARKS[type(marked)]
    await store.mark_clock(session, inquiry_id=marked.inquiry_id, clock=marked.clock, mco=marked.mco, state=state,
                           due_at=marked.due_at, at=getattr(marked, when))
    await _clock_changed(console, session, marked.inquiry_id)


@handlers.on(BreachWithdrawnV1)
async def on_breach_withdrawn(console: Console, session: AsyncSession, event: Event) -> None:
    withdrawn = event.payload
    assert isinstance(withdrawn, BreachWithdrawnV1)
    await store.withdraw_breach(session, inquiry_id=withdrawn.inquiry_id, clock=withdrawn.clock,
                                mco=withdrawn.mco, due_at=withdrawn.due_at, met_at=withdrawn.met_at)
    await _clock_changed(console, session, withdrawn.inquiry_id)


@handlers.on(InquiryUpdatedV1, PriorityOverrideRequestedV1, LetterRequestedV1, LetterReadyV1, FollowUpDueV1,
             NoticeIssuedV1)
async def on_logged(console: Console, session: AsyncSession, event: Event) -> None:
    """Nothing a queue shows changes, but the case's log did: its open pages refresh."""
    inquiry_id = getattr(event.payload, "inquiry_id", None)
    if inquiry_id is not None:
        await console.changed(session, inquiry_id, "log")


async def _clock_changed(console: Console, session: AsyncSession, inquiry_id: UUID) -> None:
    await store.refresh_deadlines(session, inquiry_id)
    await console.changed(session, inquiry_id, "clock")
