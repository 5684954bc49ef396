"""Intake's use cases: accept inquiries, apply case actions, read them and their log back.

Each change runs in the caller's unit of work: the inquiry row, its log
entries and the outgoing events (outbox) commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_intake import store
from liaison_intake.rules.case import RESOLUTION_CLOCK, Case, IllegalAction, evolve, new_case
from liaison_intake.rules.panel_removal import panel_removal_received
from liaison_intake.rules.survey_outcome import OriginCase, opens_a_case, survey_case
from liaison_shared import clock
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.events import Event
from liaison_shared.outbox import Outbox
from liaison_shared.payloads import (
    Actor,
    HoldReleasedV1,
    InquiryReceivedV1,
    InquiryResolvedV1,
    PanelRemovalRequestedV1,
    Payload,
    SurveyOutcomeV1,
)
from liaison_shared.principal import Principal
from liaison_shared.problems import Conflict, NotFound, Problem
from liaison_shared.vocabulary import Party, Source

SOURCE = "/liaison/intake"


class Decision(Protocol):
    """A case action's rule (a `decide_*` of `rules.case` with the command's fields given)."""

    def __call__(self, case: Case, *, actor: Actor, at: datetime) -> list[Payload]: ...


@dataclass(frozen=True)
class Recorded:
    """What a new inquiry or a case action left: the case as it now stands and the events it caused."""

    case: Case
    events: list[Event]


@dataclass(frozen=True)
class Inquiry:
    """An inquiry as stored, with its open clocks (soonest due first) and the cases opened from it."""

    row: Row[Any]
    open_clocks: list[Row[Any]]
    opened: Sequence[Row[Any, Any, Any, Any]] = ()


def not_found() -> NotFound:
    # Also the answer for an inquiry the caller may not see (another MCO's, another party's):
    # existence is not disclosed.
    return NotFound("inquiry-not-found", "Inquiry not found", "No inquiry with this id is visible to you.")


class IntakeService:
    def __init__(self, outbox: Outbox, calendar: BusinessCalendar) -> None:
        self._outbox = outbox
        self.calendar = calendar

    def opening(self, received: InquiryReceivedV1) -> Recorded:
        """The new case `received` describes and its event, before anything is stored."""
        event = Event(received, source=SOURCE, subject=str(received.inquiry_id), time=received.received_at)
        return Recorded(new_case(received), [event])

    async def open(self, session: AsyncSession, principal: Principal, opened: Recorded, claim: store.Claim) -> bool:
        """Store the inquiry `opened` (from `opening`), log it and publish it, if `claim` is new;
        False, with nothing stored, if its Idempotency-Key was claimed before."""
        event = opened.events[0]
        received = event.payload
        assert isinstance(received, InquiryReceivedV1)
        inquiry = {**_inquiry_values(received, opened.case), "created_by": principal.name}
        if not await store.open_inquiry(session, claim, inquiry, store.log_row(event)):
            return False
        await self._outbox.add(session, event)
        return True

    async def survey_outcome(self, session: AsyncSession, outcome_event: Event) -> None:
        """A survey outcome that starts work opens its case (once: the case's id comes from the response),
        linked to the case the survey was answered for, whose log records the outcome."""
        outcome = outcome_event.payload
        assert isinstance(outcome, SurveyOutcomeV1)
        if outcome.inquiry_id is None:
            return  # a PCP change without a case: attribution's alone
        origin_row = await store.get_inquiry(session, outcome.inquiry_id)
        if origin_row is None:
            raise LookupError("a survey outcome of a case intake never opened")  # dead-lettered
        await store.append_log(session, [outcome_event])
        if not opens_a_case(outcome):
            return
        origin = OriginCase(inquiry_id=origin_row.id, party=Party(origin_row.party), source=Source(origin_row.source),
                            mco=origin_row.mco, identity=origin_row.identity, description=origin_row.description)
        received = survey_case(outcome, origin)
        opened = await store.insert_inquiry(session, {**_inquiry_values(received, new_case(received)),
                                                      "created_by": outcome_event.source}, if_new=True)
        if not opened:
            return  # this response's case is open already
        event = Event(received, source=SOURCE, subject=str(received.inquiry_id), time=received.received_at)
        await store.append_log(session, [event])
        await self._outbox.add(session, event)

    async def panel_removal(self, session: AsyncSession, removal: Event) -> None:
        """Intake is the one service that opens a panel removal's case: it publishes the case's
        inquiry.received (triage decides it, the SLA monitor times it). The same removal arriving
        again, no longer held, is its release after compliance review."""
        request = removal.payload
        assert isinstance(request, PanelRemovalRequestedV1)
        inquiry_id, events = request.removal_id, [removal]
        if await store.get_inquiry(session, inquiry_id, for_update=True) is None:
            received = panel_removal_received(request)
            await store.insert_inquiry(session, {
                "id": inquiry_id, "party": received.party, "source": received.source,
                "category": received.category, "ime_callback_request": False, "status": new_case(received).status,
                "mco": received.mco, "received_at": received.received_at, "created_by": removal.source,
                "identity": {"member_id": str(request.member_id), "pcp_npi": request.pcp_npi},
                "description": received.description})
            events.append(Event(received, source=SOURCE, subject=str(inquiry_id), time=received.received_at))
        elif not request.held_for_compliance_review:
            events.append(Event(HoldReleasedV1(inquiry_id=inquiry_id, released_at=request.requested_at),
                                source=SOURCE, subject=str(inquiry_id), time=request.requested_at))
        await store.append_log(session, events, inquiry_id=inquiry_id)
        await self._outbox.add(session, *events[1:])

    async def act(
        self, session: AsyncSession, principal: Principal, inquiry_id: UUID, at: datetime | None, decide: Decision,
    ) -> Recorded:
        """Apply one case action under a row lock, so concurrent actions serialise."""
        row = await store.get_inquiry(session, inquiry_id, for_update=True)
        if row is None or not principal.may_see_case(row.party, store.referred_mcos(row)):
            raise not_found()
        case = store.case_of(row)
        if case.grievance_or_appeal:
            resolution = await store.deadline_of(session, inquiry_id, RESOLUTION_CLOCK)
            case = replace(case, resolution_due=resolution.due_at if resolution is not None else None)
        when = at or clock.now()
        try:
            payloads = decide(case, actor=principal.actor(), at=when)
        except IllegalAction as refused:
            if refused.field is not None:
                raise Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                              errors=[{"field": refused.field, "reason": refused.detail}]) from None
            raise Conflict(refused.code, "Action not allowed", refused.detail, status_now=case.status) from None
        events = [Event(p, source=SOURCE, subject=str(inquiry_id), time=when) for p in payloads]
        for payload in payloads:
            case = evolve(case, payload)
        projection: dict[str, Any] = {"updated_at": clock.now()}
        resolved = next((p for p in payloads if isinstance(p, InquiryResolvedV1)), None)
        if resolved is not None:
            projection["resolved_at"] = resolved.at  # its clocks stop when the SLA monitor says so
        await store.save_case(session, case, **projection)
        await store.append_log(session, events)
        await self._outbox.add(session, *events)
        return Recorded(case, events)

    async def get(self, session: AsyncSession, principal: Principal, inquiry_id: UUID) -> Inquiry:
        row = await self._visible(session, principal, inquiry_id)
        clocks = await store.open_clocks(session, [inquiry_id], mco=principal.mco)
        return Inquiry(row, clocks.get(inquiry_id, []), await store.cases_opened_from(session, inquiry_id))

    async def record(self, session: AsyncSession, principal: Principal, inquiry_id: UUID) -> tuple[Row[Any],
                                                                                                  Sequence[Row[Any]]]:
        """A grievance's or an appeal's row and log, from which its 438.416 record is read."""
        row = await self._visible(session, principal, inquiry_id)
        if not store.case_of(row).grievance_or_appeal:
            raise NotFound("record-not-found", "No grievance or appeal record",
                           "Only a grievance or an appeal has a 42 CFR 438.416 record.")
        return row, await store.log_of(session, inquiry_id)

    async def find(
        self, session: AsyncSession, principal: Principal, filters: store.InquiryFilter, *, limit: int,
        after: tuple[datetime, UUID] | None,
    ) -> list[Inquiry]:
        """Inquiries the principal may see, newest first, from after the position `after` (received_at, id)."""
        visible = replace(filters, visible_to_mco=principal.mco, visible_parties=principal.parties)
        rows = await store.list_inquiries(session, visible, limit=limit, after=after)
        clocks = await store.open_clocks(session, [r.id for r in rows], mco=principal.mco)
        return [Inquiry(r, clocks.get(r.id, [])) for r in rows]

    async def log(self, session: AsyncSession, principal: Principal, inquiry_id: UUID) -> Sequence[Row[Any]]:
        """The inquiry's log entries, in order."""
        await self._visible(session, principal, inquiry_id)
        return await store.log_of(session, inquiry_id)

    async def log_of_dates(
        self, session: AsyncSession, principal: Principal, start: date, end: date
    ) -> Sequence[Row[Any]]:
        """The log entries of the program's local dates [start, end] the principal may see, by inquiry and in order."""
        zone = self.calendar.zone
        since, until = datetime.combine(start, time(), zone), datetime.combine(end + timedelta(days=1), time(), zone)
        return await store.log_between(session, since, until, mco=principal.mco, parties=principal.parties)

    async def _visible(self, session: AsyncSession, principal: Principal, inquiry_id: UUID) -> Row[Any]:
        row = await store.get_inquiry(session, inquiry_id)
        if row is None or not principal.may_see_case(row.party, store.referred_mcos(row)):
            raise not_found()
        return row


def _inquiry_values(received: InquiryReceivedV1, case: Case) -> dict[str, Any]:
    """The columns of a new inquiry's row (but who created it)."""
    identity = received.model_dump(mode="json", include={"member", "provider", "caller_name", "callback_phone",
                                                         "mailing_address"})
    values: dict[str, Any] = {
        "id": received.inquiry_id, "party": received.party, "source": received.source,
        "category": received.category, "ime_callback_request": received.ime_callback_request,
        "status": case.status, "mco": received.mco, "requested_priority": received.requested_priority,
        "received_at": received.received_at, "identity": identity, "description": received.description,
        "kind": received.kind, "expedited_requested": case.expedited_requested,
        "appeal": received.appeal.model_dump(mode="json") if received.appeal else None}
    if received.origin is not None:
        values |= {"origin": received.origin.model_dump(mode="json"), "origin_inquiry_id": received.origin.inquiry_id}
    return values
