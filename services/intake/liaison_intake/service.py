"""Intake's use cases: accept inquiries, apply case actions, read them back.

Each use case runs in one unit of work: the inquiry row, its log entries and
the outgoing events (outbox) commit together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_intake import store
from liaison_intake.auth import Client
from liaison_intake.domain import Case, IllegalAction, evolve, new_case
from liaison_intake.schemas import (
    Accepted,
    DeadlineRead,
    ImeCallbackRequestCreate,
    InquiryRead,
    MemberInquiryCreate,
    ProviderInquiryCreate,
)
from liaison_shared import clock
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.events import Event
from liaison_shared.outbox import Outbox
from liaison_shared.payloads import (
    HoldReleasedV1,
    InquiryReceivedV1,
    MemberIdentity,
    PanelRemovalCase,
    PanelRemovalRequestedV1,
    Payload,
    ProviderIdentity,
)
from liaison_shared.problems import Problem
from liaison_shared.vocabulary import Category, Party, Source

SOURCE = "/liaison/intake"
Decision = Callable[[Case, str, datetime], list[Payload]]
InquiryCreate = MemberInquiryCreate | ProviderInquiryCreate | ImeCallbackRequestCreate


def not_found() -> Problem:
    # Also the answer for an inquiry the caller may not see: existence is not disclosed.
    return Problem(404, "Inquiry not found", "No inquiry with this id is visible to you.", code="inquiry-not-found")


def received_event(body: InquiryCreate, inquiry_id: UUID) -> InquiryReceivedV1:
    common: dict[str, Any] = {"inquiry_id": inquiry_id, "category": body.category, "mco": body.mco,
                              "description": body.description, "received_at": body.received_at}
    if isinstance(body, ProviderInquiryCreate):
        return InquiryReceivedV1(
            **common, party=Party.PROVIDER, source=body.source, requested_priority=body.requested_priority,
            provider=ProviderIdentity(npi=body.npi, provider_number=body.provider_number,
                                      contact_name=body.contact_name),
            caller_name=body.contact_name, callback_phone=body.contact_phone)
    member = MemberIdentity(name=body.member_name, medicaid_id=body.medicaid_id)
    if isinstance(body, ImeCallbackRequestCreate):
        return InquiryReceivedV1(**common, party=Party.MEMBER, source=Source.IME_CALL_CENTER_CSR,
                                 ime_callback_request=True, member=member, caller_name=body.caller_name,
                                 callback_phone=body.callback_phone)
    return InquiryReceivedV1(**common, party=Party.MEMBER, source=body.source, member=member,
                             requested_priority=body.requested_priority, risk_flags=tuple(body.risk_flags),
                             caller_name=body.caller_name, callback_phone=body.callback_phone)


def panel_removal_received(removal: PanelRemovalRequestedV1) -> InquiryReceivedV1:
    """The case a PCP's panel removal becomes: a member's PCP-assignment case, under the removal's id."""
    flags = ("high_risk",) * removal.high_risk + ("compliance_review_hold",) * removal.held_for_compliance_review
    return InquiryReceivedV1(
        inquiry_id=removal.removal_id, party=Party.MEMBER, source=Source.PROVIDER, category=Category.PCP_ASSIGNMENT,
        mco=removal.mco, risk_flags=flags, received_at=removal.requested_at,
        description=f"PCP panel removal ({removal.reason.value.replace('_', ' ')})",
        panel_removal=PanelRemovalCase(
            removal_id=removal.removal_id, member_id=removal.member_id, pcp_npi=removal.pcp_npi,
            reason=removal.reason, high_risk=removal.high_risk,
            held_for_compliance_review=removal.held_for_compliance_review))


class IntakeService:
    def __init__(self, outbox: Outbox, calendar: BusinessCalendar) -> None:
        self._outbox = outbox
        self.calendar = calendar

    async def create(self, session: AsyncSession, client: Client, body: InquiryCreate) -> Accepted:
        inquiry_id = uuid.uuid4()
        received = received_event(body, inquiry_id)
        event = Event(received, source=SOURCE, subject=str(inquiry_id), time=received.received_at)
        identity = received.model_dump(mode="json", include={"member", "provider", "caller_name", "callback_phone"})
        await store.insert_inquiry(session, {
            "id": inquiry_id, "party": received.party, "source": received.source, "category": received.category,
            "ime_callback_request": received.ime_callback_request, "status": new_case(received).status,
            "mco": received.mco, "requested_priority": received.requested_priority,
            "received_at": received.received_at, "created_by": client.name, "identity": identity,
            "description": received.description})
        await store.append_log(session, [event])
        await self._outbox.add(session, event)
        return Accepted(inquiry_id=inquiry_id, status=new_case(received).status, event_ids=[event.id])

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
        self, session: AsyncSession, client: Client, inquiry_id: UUID, actor: str | None, at: datetime | None,
        decide: Decision,
    ) -> Accepted:
        """Apply one case action under a row lock, so concurrent actions serialise."""
        row = await store.get_inquiry(session, inquiry_id, for_update=True)
        if row is None or not client.may_see(row.referred_mco):
            raise not_found()
        case = store.case_of(row)
        by = client.name if actor is None else f"{client.name}:{actor}"
        when = at or clock.now()
        try:
            payloads = decide(case, by, when)
        except IllegalAction as refused:
            raise Problem(409, "Action not allowed", refused.detail, code=refused.code,
                          status_now=case.status) from None
        events = [Event(p, source=SOURCE, subject=str(inquiry_id), time=when) for p in payloads]
        for payload in payloads:
            case = evolve(case, payload)
        resolved_at = next((getattr(p, "at", None) for p in payloads if type(p).__name__ == "InquiryResolvedV1"),
                           None)
        projection: dict[str, Any] = {"updated_at": clock.now()}
        if resolved_at is not None:
            projection["resolved_at"] = resolved_at  # its clocks stop when the SLA monitor says so
        await store.save_case(session, case, **projection)
        await store.append_log(session, events)
        await self._outbox.add(session, *events)
        return Accepted(inquiry_id=inquiry_id, status=case.status, event_ids=[e.id for e in events])

    async def get(self, session: AsyncSession, client: Client, inquiry_id: UUID) -> InquiryRead:
        row = await store.get_inquiry(session, inquiry_id)
        if row is None or not client.may_see(row.referred_mco):
            raise not_found()
        clocks = await store.open_clocks(session, [inquiry_id])
        return self.read_model(row, clocks.get(inquiry_id, []))

    def read_model(self, row: Row[Any], clocks: list[Row[Any]]) -> InquiryRead:
        deadlines = [DeadlineRead(clock=c.clock, state=c.state, warn_at=c.warn_at, due_at=c.due_at,
                                  due_local=self.calendar.local(c.due_at).strftime("%a %Y-%m-%d %H:%M %Z"))
                     for c in clocks]
        return InquiryRead.model_validate({**row._asdict(), "open_deadlines": deadlines})
