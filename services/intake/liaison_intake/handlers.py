"""What intake does with other services' events: each lands in the inquiry's
log, and those that change what intake shows (track, priority, deadlines)
update its projection. One function per consumed event type."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_intake import store
from liaison_intake.domain import Status, evolve
from liaison_shared.catalog import spec_for
from liaison_shared.consumer import Handler
from liaison_shared.events import Event
from liaison_shared.payloads import (
    BreachWithdrawnV1,
    ClockStartedV1,
    ClockStoppedV1,
    FollowUpDueV1,
    LetterReadyV1,
    NotificationFailedV1,
    NotificationSentV1,
    PanelRemovalRequestedV1,
    Payload,
    PriorityAssignedV1,
    SlaBreachedV1,
    SlaMetV1,
    SlaWarningV1,
    SubjectChangedV1,
)
from liaison_shared.vocabulary import Category, Party, Source


async def on_priority_assigned(session: AsyncSession, event: Event) -> None:
    assigned = event.payload
    assert isinstance(assigned, PriorityAssignedV1)
    await store.append_log(session, [event])
    await _apply_assignment(session, assigned)


async def _apply_assignment(session: AsyncSession, assigned: PriorityAssignedV1) -> None:
    row = await store.get_inquiry(session, assigned.inquiry_id, for_update=True)
    if row is None:
        return  # a panel removal's decision can come before the removal: applied when it arrives
    # The MCO of the member's enrollment, as triage found it, is who a referral goes to by default.
    await store.save_case(session, evolve(store.case_of(row), assigned), track=assigned.track,
                          priority=assigned.priority, queue=assigned.queue, subject=assigned.subject,
                          mco=assigned.mco or row.mco)


async def on_subject_changed(session: AsyncSession, event: Event) -> None:
    changed = event.payload
    assert isinstance(changed, SubjectChangedV1)
    await store.append_log(session, [event])
    await store.rename(session, changed.inquiry_id, changed.subject)


async def on_clock_started(session: AsyncSession, event: Event) -> None:
    started = event.payload
    assert isinstance(started, ClockStartedV1)
    await store.append_log(session, [event])
    await store.start_clock(session, inquiry_id=started.inquiry_id, clock=started.clock, warn_at=started.warn_at,
                            due_at=started.due_at, started_at=started.started_at)


async def on_sla_met(session: AsyncSession, event: Event) -> None:
    met = event.payload
    assert isinstance(met, SlaMetV1)
    await store.append_log(session, [event])
    await store.mark_clock(session, inquiry_id=met.inquiry_id, clock=met.clock, state="met", due_at=met.due_at,
                           at=met.met_at)


async def on_sla_breached(session: AsyncSession, event: Event) -> None:
    breached = event.payload
    assert isinstance(breached, SlaBreachedV1)
    await store.append_log(session, [event])
    await store.mark_clock(session, inquiry_id=breached.inquiry_id, clock=breached.clock, state="breached",
                           due_at=breached.due_at, at=breached.breached_at)


async def on_clock_stopped(session: AsyncSession, event: Event) -> None:
    stopped = event.payload
    assert isinstance(stopped, ClockStoppedV1)
    await store.append_log(session, [event])
    await store.mark_clock(session, inquiry_id=stopped.inquiry_id, clock=stopped.clock, state="stopped",
                           due_at=stopped.due_at, at=stopped.stopped_at)


async def on_breach_withdrawn(session: AsyncSession, event: Event) -> None:
    withdrawn = event.payload
    assert isinstance(withdrawn, BreachWithdrawnV1)
    await store.append_log(session, [event])
    await store.withdraw_breach(session, inquiry_id=withdrawn.inquiry_id, clock=withdrawn.clock,
                                due_at=withdrawn.due_at)


async def on_panel_removal(session: AsyncSession, event: Event) -> None:
    """A PCP's panel removal opens a case of its own (its id is the removal id), so Special
    Outreach or CCM can record their outreach on it; a removal released after compliance
    review arrives again and only adds to the log."""
    removal = event.payload
    assert isinstance(removal, PanelRemovalRequestedV1)
    await store.insert_inquiry(session, {
        "id": removal.removal_id, "party": Party.MEMBER, "source": Source.PROVIDER, "category": Category.PCP_ASSIGNMENT,
        "ime_callback_request": False, "status": Status.RECEIVED, "mco": removal.mco,
        "received_at": removal.requested_at, "created_by": event.source,
        "identity": {"member_id": str(removal.member_id), "pcp_npi": removal.pcp_npi},
        "description": f"PCP panel removal ({removal.reason.value.replace('_', ' ')})"}, if_new=True)
    await store.append_log(session, [event], inquiry_id=removal.removal_id)
    decided = await store.last_logged(session, removal.removal_id, _type(PriorityAssignedV1))
    if decided is not None:
        await _apply_assignment(session, PriorityAssignedV1.model_validate(
            {**decided, "inquiry_id": removal.removal_id}))


async def log_only(session: AsyncSession, event: Event) -> None:
    if getattr(event.payload, "inquiry_id", None) is not None:
        await store.append_log(session, [event])


def _type(model: type[Payload]) -> str:
    return str(spec_for(model).type)


HANDLERS: dict[str, Handler] = {
    _type(PanelRemovalRequestedV1): on_panel_removal,
    _type(PriorityAssignedV1): on_priority_assigned,
    _type(SubjectChangedV1): on_subject_changed,
    _type(ClockStartedV1): on_clock_started,
    _type(SlaMetV1): on_sla_met,
    _type(SlaBreachedV1): on_sla_breached,
    _type(ClockStoppedV1): on_clock_stopped,
    _type(BreachWithdrawnV1): on_breach_withdrawn,
    _type(SlaWarningV1): log_only,
    _type(FollowUpDueV1): log_only,
    _type(NotificationSentV1): log_only,
    _type(NotificationFailedV1): log_only,
    _type(LetterReadyV1): log_only,
}
