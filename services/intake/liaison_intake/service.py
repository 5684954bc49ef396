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
from liaison_intake.rules.case import Case, IllegalAction, evolve, new_case
from liaison_intake.rules.panel_removal import panel_removal_received
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
)
from liaison_shared.principal import Principal
from liaison_shared.problems import Conflict, NotFound

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
    """An inquiry as stored, with its open clocks (soonest due first)."""

    row: Row[Any]
    open_clocks: list[Row[Any]]


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
        identity = received.model_dump(mode="json", include={"member", "provider", "caller_name", "callback_phone"})
        inquiry = {
            "id": received.inquiry_id, "party": received.party, "source": received.source,
            "category": received.category, "ime_callback_request": received.ime_callback_request,
            "status": opened.case.status, "mco": received.mco, "requested_priority": received.requested_priority,
            "received_at": received.received_at, "created_by": principal.name, "identity": identity,
            "description": received.description}
        if not await store.open_inquiry(session, claim, inquiry, store.log_row(event)):
            return False
        await self._outbox.add(session, event)
        return True

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
        if row is None or not principal.may_see_case(row.party, row.referred_mco):
            raise not_found()
        case = store.case_of(row)
        when = at or clock.now()
        try:
            payloads = decide(case, actor=principal.actor(), at=when)
        except IllegalAction as refused:
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
        clocks = await store.open_clocks(session, [inquiry_id])
        return Inquiry(row, clocks.get(inquiry_id, []))

    async def find(
        self, session: AsyncSession, principal: Principal, filters: store.InquiryFilter, *, limit: int,
        after: tuple[datetime, UUID] | None,
    ) -> list[Inquiry]:
        """Inquiries the principal may see, newest first, from after the position `after` (received_at, id)."""
        visible = replace(filters, visible_to_mco=principal.mco, visible_parties=principal.parties)
        rows = await store.list_inquiries(session, visible, limit=limit, after=after)
        clocks = await store.open_clocks(session, [r.id for r in rows])
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
        if row is None or not principal.may_see_case(row.party, row.referred_mco):
            raise not_found()
        return row
