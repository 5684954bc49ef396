"""Inquiries: escalated member and provider issues and CSRs' callback requests, taken in
and read back one at a time or as a filtered, paginated list, searched by a member's
Medicaid ID, a provider's NPI or part of a name."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from liaison_intake.api.deps import Key, Reader, ReadSession, Uses, Work, Writer
from liaison_intake.api.idempotency import ACCEPTED, idempotent_opening
from liaison_intake.api.record_schemas import GrievanceRecord
from liaison_intake.api.schemas import (
    AppealCreate,
    DeadlineRead,
    GrievanceCreate,
    ImeCallbackRequestCreate,
    InquiryList,
    InquiryRead,
    MemberInquiryCreate,
    ProviderInquiryCreate,
    SearchName,
    Subject,
)
from liaison_intake.rules.record import grievance_record
from liaison_intake.service import Inquiry
from liaison_intake.store import InquiryFilter
from liaison_shared.audit import PHI_READ, AuditTrail
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.fields import McoCode, MedicaidId, Npi, QueryInstant
from liaison_shared.lifecycle import Status
from liaison_shared.payloads import AppealDetails, InquiryReceivedV1, MailingAddress, MemberIdentity, ProviderIdentity
from liaison_shared.principal import Principal
from liaison_shared.problems import Problem
from liaison_shared.vocabulary import CaseKind, Category, Party, Priority, Queue, Source, Track

router = APIRouter(prefix="/v1", tags=["inquiries"])

InquiryCreate = MemberInquiryCreate | ProviderInquiryCreate | ImeCallbackRequestCreate | GrievanceCreate


@router.post("/inquiries/member", status_code=202, responses=ACCEPTED, summary="Escalate a member issue")
async def create_member_inquiry(body: MemberInquiryCreate, principal: Writer, key: Key, request: Request,
                                uses: Uses, work: Work) -> JSONResponse:
    return await idempotent_opening(request, work, principal, key, uses, received_event(body))


@router.post("/inquiries/provider", status_code=202, responses=ACCEPTED, summary="Escalate a provider issue")
async def create_provider_inquiry(body: ProviderInquiryCreate, principal: Writer, key: Key, request: Request,
                                  uses: Uses, work: Work) -> JSONResponse:
    return await idempotent_opening(request, work, principal, key, uses, received_event(body))


@router.post("/inquiries/ime-callback-requests", status_code=202, responses=ACCEPTED,
             summary="Request a supervisor callback (within 2 business days)")
async def create_ime_callback_request(body: ImeCallbackRequestCreate, principal: Writer, key: Key, request: Request,
                                      uses: Uses, work: Work) -> JSONResponse:
    return await idempotent_opening(request, work, principal, key, uses, received_event(body))


@router.post("/inquiries/grievances", status_code=202, responses=ACCEPTED,
             summary="File an enrollee's grievance (resolved and notified within 90 calendar days)")
async def create_grievance(body: GrievanceCreate, principal: Writer, key: Key, request: Request,
                           uses: Uses, work: Work) -> JSONResponse:
    return await idempotent_opening(request, work, principal, key, uses, received_event(body))


@router.post("/inquiries/appeals", status_code=202, responses=ACCEPTED,
             summary="File an enrollee's appeal of an adverse benefit determination (30 days; expedited 72 hours)")
async def create_appeal(body: AppealCreate, principal: Writer, key: Key, request: Request,
                        uses: Uses, work: Work) -> JSONResponse:
    return await idempotent_opening(request, work, principal, key, uses, received_event(body))


@router.get("/inquiries/{inquiry_id:uuid}/record", openapi_extra=PHI_READ,
            summary="A grievance's or an appeal's record as 42 CFR 438.416(b) asks for it")
async def get_record(inquiry_id: UUID, principal: Reader, uses: Uses, session: ReadSession,
                     trail: AuditTrail) -> GrievanceRecord:
    row, log = await uses.record(session, principal, inquiry_id)
    await trail.record([inquiry_id])
    return GrievanceRecord.model_validate(grievance_record(
        inquiry_id=row.id, kind=row.kind, identity=row.identity, mco=row.mco, description=row.description,
        category=row.category, received_at=row.received_at, appeal=row.appeal, log=log))


@router.get("/inquiries/{inquiry_id:uuid}", summary="One inquiry with state, track, priority, queue, deadlines",
            openapi_extra=PHI_READ)
async def get_inquiry(inquiry_id: UUID, principal: Reader, uses: Uses, session: ReadSession,
                      trail: AuditTrail) -> InquiryRead:
    found = await uses.get(session, principal, inquiry_id)
    await trail.record([inquiry_id])
    return inquiry_read(found, uses.calendar, principal)


@router.get("/inquiries", summary="Inquiries, newest first, filtered, searched and paginated",
            openapi_extra=PHI_READ)
async def list_inquiries(
    principal: Reader, uses: Uses, session: ReadSession, trail: AuditTrail, status: Status | None = None,
    kind: CaseKind | None = None, track: Track | None = None, priority: Priority | None = None,
    queue: Queue | None = None, mco: McoCode | None = None, source: Source | None = None,
    category: Category | None = None,
    due_before: Annotated[QueryInstant | None, Query(description="Has an unmet deadline before this")] = None,
    assignee: Annotated[Subject | None, Query(description="Held by this person (their token subject)")] = None,
    unassigned: Annotated[bool, Query(description="true: only cases nobody holds")] = False,
    medicaid_id: Annotated[MedicaidId | None, Query(description="The member's Medicaid ID, exactly")] = None,
    npi: Annotated[Npi | None, Query(description="The provider's NPI, exactly")] = None,
    name: Annotated[SearchName | None, Query(
        description="Part of the member's, the caller's or the provider contact's name, in any case")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_=-]+$")] = None,
) -> InquiryList:
    try:
        after = position_of(cursor) if cursor else None
    except ValueError:
        raise invalid("cursor", "not a cursor from a previous page") from None
    if unassigned and assignee is not None:
        raise invalid("unassigned", "cannot be true with an assignee")
    filters = InquiryFilter(status=status, kind=kind, track=track, priority=priority, queue=queue, mco=mco,
                            source=source, category=category, due_before=due_before, assignee=assignee,
                            unassigned=unassigned, medicaid_id=medicaid_id, npi=npi, name=name)
    found = await uses.find(session, principal, filters, limit=limit, after=after)
    await trail.record([i.row.id for i in found])
    return InquiryList(items=[inquiry_read(i, uses.calendar, principal) for i in found],
                       next_cursor=cursor_after(found[-1]) if len(found) == limit else None)


def invalid(field: str, reason: str) -> Problem:
    return Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                   errors=[{"field": field, "reason": reason}])


def received_event(body: InquiryCreate) -> InquiryReceivedV1:
    """The event a new inquiry is: its party, source and identity as the body gives them, under a new id."""
    address = body.mailing_address
    common: dict[str, Any] = {
        "inquiry_id": uuid.uuid4(), "category": body.category, "mco": body.mco, "description": body.description,
        "received_at": body.received_at,
        "mailing_address": MailingAddress.model_validate(address.model_dump()) if address else None}
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
    if isinstance(body, GrievanceCreate):
        appeal = AppealDetails(determination=body.determination, determination_date=body.determination_date,
                               expedited_requested=body.expedited_requested) if isinstance(body, AppealCreate) \
            else None
        return InquiryReceivedV1(**common, party=Party.MEMBER, source=body.source, member=member,
                                 kind=CaseKind.APPEAL if appeal else CaseKind.GRIEVANCE, appeal=appeal,
                                 risk_flags=tuple(body.risk_flags), caller_name=body.caller_name,
                                 callback_phone=body.callback_phone)
    return InquiryReceivedV1(**common, party=Party.MEMBER, source=body.source, member=member,
                             requested_priority=body.requested_priority, risk_flags=tuple(body.risk_flags),
                             caller_name=body.caller_name, callback_phone=body.callback_phone)


def inquiry_read(inquiry: Inquiry, calendar: BusinessCalendar, principal: Principal) -> InquiryRead:
    """The inquiry as `principal` may read it: an MCO sees only its own referral and clocks."""
    deadlines = [DeadlineRead(clock=c.clock, mco=c.mco or None, state=c.state, warn_at=c.warn_at, due_at=c.due_at,
                              due_local=calendar.local(c.due_at).strftime("%a %Y-%m-%d %H:%M %Z"))
                 for c in inquiry.open_clocks]
    row = inquiry.row
    assignee = None if row.assignee_subject is None else {"subject": row.assignee_subject, "name": row.assignee_name}
    referrals = [r for r in row.referrals if principal.mco is None or r["mco"] == principal.mco]
    opened = [{"inquiry_id": o.id, "kind": o.kind, "outcome": o.origin["outcome"], "received_at": o.received_at}
              for o in inquiry.opened]
    return InquiryRead.model_validate({
        **row._asdict(), "open_deadlines": deadlines, "assignee": assignee, "referrals": referrals,
        "referred_mco": referrals[-1]["mco"] if referrals else None, "opened_cases": opened})


def cursor_after(inquiry: Inquiry) -> str:
    """The opaque cursor of the page after `inquiry` (pages are keyed on received_at, id)."""
    position = [inquiry.row.received_at.isoformat(), str(inquiry.row.id)]
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def position_of(cursor: str) -> tuple[datetime, UUID]:
    """The (received_at, id) a cursor from `cursor_after` stands for; ValueError on any other."""
    try:
        received_at, inquiry_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return datetime.fromisoformat(received_at), UUID(inquiry_id)
    except (TypeError, ValueError):
        raise ValueError("not a cursor") from None
