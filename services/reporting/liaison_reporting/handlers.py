"""What each consumed event adds to the reporting read model. One function per consumed event type
(or per kind: a clock's later events).

A clock's cycles carry their case's MCO, referral and source: every handler that writes one of those,
on the case or on a cycle, labels the case's cycles afterwards, so they agree whichever comes first."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_reporting import store
from liaison_reporting.service import Reports
from liaison_shared.events import Event
from liaison_shared.handlers import EventHandlers
from liaison_shared.payloads import (
    BreachWithdrawnV1,
    ClockStartedV1,
    ClockStoppedV1,
    ContactAttemptedV1,
    DeadlineExtendedV1,
    ExpeditedDeniedV1,
    InquiryReceivedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    McoContactedV1,
    McoReportedV1,
    PriorityAssignedV1,
    ReviewRecordedV1,
    SlaBreachedV1,
    SlaMetV1,
)
from liaison_shared.vocabulary import ContactOutcome, McoReportKind, Priority, Track

GRIEVANCE_APPEAL = (Track.GRIEVANCE, Track.APPEAL)

handlers = EventHandlers[Reports]()


@handlers.on(InquiryReceivedV1)
async def on_received(reports: Reports, session: AsyncSession, event: Event) -> None:
    received = event.payload
    assert isinstance(received, InquiryReceivedV1)
    expedited = received.appeal.expedited_requested if received.appeal is not None else None
    await store.upsert_case(session, received.inquiry_id, party=received.party, source=received.source,
                            category=received.category, received_at=received.received_at, kind=received.kind,
                            expedited_requested=expedited, fill={"mco": received.mco})
    await reports.measure(session, received.inquiry_id)
    await store.label_cycles(session, received.inquiry_id)


@handlers.on(PriorityAssignedV1)
async def on_priority_assigned(reports: Reports, session: AsyncSession, event: Event) -> None:
    assigned = event.payload
    assert isinstance(assigned, PriorityAssignedV1)
    rank = Priority(assigned.priority).rank
    # A grievance's or an appeal's track says what the case is, until (or if) its receipt says so itself.
    kind = {"kind": str(assigned.track)} if assigned.track in GRIEVANCE_APPEAL else {}
    await store.upsert_case(session, assigned.inquiry_id, fill=kind)
    before = await store.get_case(session, assigned.inquiry_id, for_update=True)
    assert before is not None
    raised = before.worked and before.priority_rank is not None and rank > before.priority_rank
    values = {"track": assigned.track, "priority": assigned.priority, "priority_rank": rank,
              "escalations": before.escalations + raised}
    if assigned.mco is not None:
        values["mco"] = assigned.mco
    await store.set_case(session, assigned.inquiry_id, **values)
    await store.label_cycles(session, assigned.inquiry_id)


@handlers.on(ContactAttemptedV1)
async def on_contact_attempted(reports: Reports, session: AsyncSession, event: Event) -> None:
    attempt = event.payload
    assert isinstance(attempt, ContactAttemptedV1)
    reached = {"first_contact_at": attempt.at} if attempt.outcome is ContactOutcome.REACHED else {}
    await store.upsert_case(session, attempt.inquiry_id, worked=True, earliest=reached)
    await reports.measure(session, attempt.inquiry_id)


@handlers.on(McoContactedV1)
async def on_mco_contacted(reports: Reports, session: AsyncSession, event: Event) -> None:
    referral = event.payload
    assert isinstance(referral, McoContactedV1)
    await store.upsert_case(session, referral.inquiry_id, referred_mco=referral.mco,
                            earliest={"referred_at": referral.at})
    await reports.measure(session, referral.inquiry_id)
    await store.label_cycles(session, referral.inquiry_id)


@handlers.on(McoReportedV1)
async def on_mco_reported(reports: Reports, session: AsyncSession, event: Event) -> None:
    report = event.payload
    assert isinstance(report, McoReportedV1)
    if report.report in (McoReportKind.MEMBER_CONTACTED, McoReportKind.PROVIDER_CONTACTED):
        await store.upsert_case(session, report.inquiry_id, earliest={"mco_contact_at": report.at})
        await reports.measure(session, report.inquiry_id)


@handlers.on(InquiryResolvedV1)
async def on_resolved(reports: Reports, session: AsyncSession, event: Event) -> None:
    resolved = event.payload
    assert isinstance(resolved, InquiryResolvedV1)
    await store.upsert_case(session, resolved.inquiry_id, earliest={"resolved_at": resolved.at},
                            latest={"last_resolved_at": resolved.at})
    row = await store.get_case(session, resolved.inquiry_id, for_update=True)
    assert row is not None
    if row.resolved_at == resolved.at:  # the first resolution (so far): its code is the case's
        await store.set_case(session, resolved.inquiry_id, resolution_code=resolved.resolution_code)
    await reports.measure(session, resolved.inquiry_id)


@handlers.on(InquiryReopenedV1)
async def on_reopened(reports: Reports, session: AsyncSession, event: Event) -> None:
    reopened = event.payload
    assert isinstance(reopened, InquiryReopenedV1)
    await store.upsert_case(session, reopened.inquiry_id, latest={"last_reopened_at": reopened.at})
    row = await store.get_case(session, reopened.inquiry_id, for_update=True)
    assert row is not None
    await store.set_case(session, reopened.inquiry_id, reopenings=row.reopenings + 1)


@handlers.on(ClockStartedV1)
async def on_clock_started(reports: Reports, session: AsyncSession, event: Event) -> None:
    started = event.payload
    assert isinstance(started, ClockStartedV1)
    await store.replace_open_cycle(session, inquiry_id=started.inquiry_id, clock=started.clock, clock_mco=started.mco,
                                   started_at=started.started_at, due_at=started.due_at)
    await store.cycle(session, inquiry_id=started.inquiry_id, clock=started.clock, due_at=started.due_at,
                      clock_mco=started.mco, track=started.track, priority=started.priority,
                      started_at=started.started_at)
    await store.label_cycles(session, started.inquiry_id)


@handlers.on(SlaMetV1, SlaBreachedV1, ClockStoppedV1, BreachWithdrawnV1)
async def on_clock_ended(reports: Reports, session: AsyncSession, event: Event) -> None:
    ended = event.payload
    match ended:
        case SlaMetV1(met_at=at) | BreachWithdrawnV1(met_at=at):
            outcome, values = "met", {"ended_at": at}
        case SlaBreachedV1(breached_at=at):
            outcome, values = "breached", {"breached_at": at}
        case ClockStoppedV1(stopped_at=at):
            outcome, values = "stopped", {"ended_at": at}
        case _:
            raise TypeError(type(ended).__name__)
    await store.cycle(session, inquiry_id=ended.inquiry_id, clock=ended.clock, due_at=ended.due_at,
                      clock_mco=ended.mco, outcome=outcome, **values)
    await store.label_cycles(session, ended.inquiry_id)


@handlers.on(ExpeditedDeniedV1)
async def on_expedited_denied(reports: Reports, session: AsyncSession, event: Event) -> None:
    denied = event.payload
    assert isinstance(denied, ExpeditedDeniedV1)
    await store.upsert_case(session, denied.inquiry_id, earliest={"expedited_denied_at": denied.at})


@handlers.on(DeadlineExtendedV1)
async def on_deadline_extended(reports: Reports, session: AsyncSession, event: Event) -> None:
    extended = event.payload
    assert isinstance(extended, DeadlineExtendedV1)
    if extended.clock == "resolution":
        await store.upsert_case(session, extended.inquiry_id, extended_by=str(extended.requested_by),
                                extended_days=extended.days)


@handlers.on(ReviewRecordedV1)
async def on_review_recorded(reports: Reports, session: AsyncSession, event: Event) -> None:
    review = event.payload
    assert isinstance(review, ReviewRecordedV1)
    await store.review(session, inquiry_id=review.inquiry_id, level=str(review.level), at=review.at,
                       resolution=review.resolution)
