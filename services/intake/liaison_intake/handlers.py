"""What intake does with other services' events: each lands in the inquiry's
log, and those that change what intake shows (track, priority, deadlines)
update its projection. A panel removal opens its case here (and only here), and so does a survey
outcome that starts work (a provider outreach, a grievance, an FWA referral).
One function per consumed event type."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_intake import store
from liaison_intake.rules.case import evolve
from liaison_intake.service import IntakeService
from liaison_shared.events import Event
from liaison_shared.handlers import EventHandlers
from liaison_shared.payloads import (
    BreachWithdrawnV1,
    ClockStartedV1,
    ClockStoppedV1,
    FollowUpDueV1,
    LetterReadyV1,
    NotificationFailedV1,
    NotificationSentV1,
    PanelRemovalRequestedV1,
    PriorityAssignedV1,
    SlaBreachedV1,
    SlaMetV1,
    SlaWarningV1,
    SubjectChangedV1,
    SurveyOutcomeV1,
)

handlers = EventHandlers[IntakeService]()


@handlers.on(PriorityAssignedV1)
async def on_priority_assigned(intake: IntakeService, session: AsyncSession, event: Event) -> None:
    assigned = event.payload
    assert isinstance(assigned, PriorityAssignedV1)
    await store.append_log(session, [event])
    row = await store.get_inquiry(session, assigned.inquiry_id, for_update=True)
    if row is None:
        raise LookupError("a decision on a case intake never opened")  # dead-lettered: every case starts here
    # The MCO of the member's enrollment, as triage found it, is who a referral goes to by default.
    await store.save_case(session, evolve(store.case_of(row), assigned), track=assigned.track,
                          priority=assigned.priority, queue=assigned.queue, subject=assigned.subject,
                          mco=assigned.mco or row.mco)


@handlers.on(SubjectChangedV1)
async def on_subject_changed(intake: IntakeService, session: AsyncSession, event: Event) -> None:
    changed = event.payload
    assert isinstance(changed, SubjectChangedV1)
    await store.append_log(session, [event])
    await store.rename(session, changed.inquiry_id, changed.subject)


@handlers.on(ClockStartedV1)
async def on_clock_started(intake: IntakeService, session: AsyncSession, event: Event) -> None:
    started = event.payload
    assert isinstance(started, ClockStartedV1)
    await store.append_log(session, [event])
    await store.start_clock(session, inquiry_id=started.inquiry_id, clock=started.clock, mco=started.mco,
                            warn_at=started.warn_at, due_at=started.due_at, started_at=started.started_at)


@handlers.on(SlaMetV1)
async def on_sla_met(intake: IntakeService, session: AsyncSession, event: Event) -> None:
    met = event.payload
    assert isinstance(met, SlaMetV1)
    await store.append_log(session, [event])
    await store.mark_clock(session, inquiry_id=met.inquiry_id, clock=met.clock, mco=met.mco, state="met",
                           due_at=met.due_at, at=met.met_at)


@handlers.on(SlaBreachedV1)
async def on_sla_breached(intake: IntakeService, session: AsyncSession, event: Event) -> None:
    breached = event.payload
    assert isinstance(breached, SlaBreachedV1)
    await store.append_log(session, [event])
    await store.mark_clock(session, inquiry_id=breached.inquiry_id, clock=breached.clock, mco=breached.mco,
                           state="breached", due_at=breached.due_at, at=breached.breached_at)


@handlers.on(ClockStoppedV1)
async def on_clock_stopped(intake: IntakeService, session: AsyncSession, event: Event) -> None:
    stopped = event.payload
    assert isinstance(stopped, ClockStoppedV1)
    await store.append_log(session, [event])
    await store.mark_clock(session, inquiry_id=stopped.inquiry_id, clock=stopped.clock, mco=stopped.mco,
                           state="stopped", due_at=stopped.due_at, at=stopped.stopped_at)


@handlers.on(BreachWithdrawnV1)
async def on_breach_withdrawn(intake: IntakeService, session: AsyncSession, event: Event) -> None:
    withdrawn = event.payload
    assert isinstance(withdrawn, BreachWithdrawnV1)
    await store.append_log(session, [event])
    await store.withdraw_breach(session, inquiry_id=withdrawn.inquiry_id, clock=withdrawn.clock,
                                mco=withdrawn.mco, due_at=withdrawn.due_at)


@handlers.on(PanelRemovalRequestedV1)
async def on_panel_removal(intake: IntakeService, session: AsyncSession, event: Event) -> None:
    await intake.panel_removal(session, event)


@handlers.on(SurveyOutcomeV1)
async def on_survey_outcome(intake: IntakeService, session: AsyncSession, event: Event) -> None:
    await intake.survey_outcome(session, event)


@handlers.on(SlaWarningV1, FollowUpDueV1, NotificationSentV1, NotificationFailedV1, LetterReadyV1)
async def log_only(intake: IntakeService, session: AsyncSession, event: Event) -> None:
    if getattr(event.payload, "inquiry_id", None) is not None:
        await store.append_log(session, [event])
