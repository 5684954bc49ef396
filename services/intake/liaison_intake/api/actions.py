"""Case actions on one inquiry: contact attempts, referrals to the MCO and its reports,
resolution and reopening, priority overrides and free-text updates, notices (letters with
the liaison's text), a grievance's or an appeal's reviews, extension and expedited denial,
and who holds the case (a claim, a unit lead's assignment). Each is a rule of `rules.case`,
applied by the use cases once per Idempotency-Key."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_intake.api.deps import Actor, Assigner, Key, StateActor, Uses, Work
from liaison_intake.api.idempotency import ACCEPTED, idempotent
from liaison_intake.api.schemas import (
    Action,
    AssignmentCreate,
    ClaimCreate,
    ContactAttemptCreate,
    ExpeditedDenialCreate,
    ExtensionCreate,
    McoReferralCreate,
    McoReportCreate,
    NoticeCreate,
    PriorityOverrideCreate,
    ReopenCreate,
    ResolutionCreate,
    ReviewCreate,
    UpdateCreate,
)
from liaison_intake.rules import case
from liaison_intake.service import Decision, IntakeService, Recorded
from liaison_shared.payloads import Person
from liaison_shared.principal import Principal
from liaison_shared.problems import Problem

router = APIRouter(prefix="/v1", tags=["inquiries"])


@router.post("/inquiries/{inquiry_id:uuid}/contact-attempts", status_code=202, responses=ACCEPTED)
async def record_contact_attempt(inquiry_id: UUID, body: ContactAttemptCreate, principal: StateActor, key: Key,
                                 request: Request, uses: Uses, work: Work) -> JSONResponse:
    decide = functools.partial(case.decide_contact_attempt, channel=body.channel, outcome=body.outcome)
    return await idempotent(request, work, principal, key, acting(uses, principal, inquiry_id, body, decide))


@router.post("/inquiries/{inquiry_id:uuid}/mco-referrals", status_code=202, responses=ACCEPTED)
async def refer_to_mco(inquiry_id: UUID, body: McoReferralCreate, principal: StateActor, key: Key,
                       request: Request, uses: Uses, work: Work) -> JSONResponse:
    decide = functools.partial(case.decide_referral, mco=body.mco)
    return await idempotent(request, work, principal, key, acting(uses, principal, inquiry_id, body, decide))


@router.post("/inquiries/{inquiry_id:uuid}/mco-reports", status_code=202, responses=ACCEPTED)
async def record_mco_report(inquiry_id: UUID, body: McoReportCreate, principal: Actor, key: Key,
                            request: Request, uses: Uses, work: Work) -> JSONResponse:
    if principal.mco is not None and principal.mco != body.mco:
        raise Problem(403, "Forbidden", "An MCO reports only for itself.", code="forbidden-mco")
    decide = functools.partial(case.decide_mco_report, mco=body.mco, report=body.report, summary=body.summary,
                               resolution_code=body.resolution_code)
    return await idempotent(request, work, principal, key, acting(uses, principal, inquiry_id, body, decide))


@router.post("/inquiries/{inquiry_id:uuid}/resolution", status_code=202, responses=ACCEPTED)
async def resolve(inquiry_id: UUID, body: ResolutionCreate, principal: StateActor, key: Key,
                  request: Request, uses: Uses, work: Work) -> JSONResponse:
    decide = functools.partial(case.decide_resolution, resolved_by=body.resolved_by, summary=body.summary,
                               resolution_code=body.resolution_code)
    return await idempotent(request, work, principal, key, acting(uses, principal, inquiry_id, body, decide))


@router.post("/inquiries/{inquiry_id:uuid}/reopen", status_code=202, responses=ACCEPTED)
async def reopen(inquiry_id: UUID, body: ReopenCreate, principal: StateActor, key: Key,
                 request: Request, uses: Uses, work: Work) -> JSONResponse:
    decide = functools.partial(case.decide_reopen, reason=body.reason)
    return await idempotent(request, work, principal, key, acting(uses, principal, inquiry_id, body, decide))


@router.post("/inquiries/{inquiry_id:uuid}/priority-override", status_code=202, responses=ACCEPTED)
async def override_priority(inquiry_id: UUID, body: PriorityOverrideCreate, principal: StateActor, key: Key,
                            request: Request, uses: Uses, work: Work) -> JSONResponse:
    decide = functools.partial(case.decide_priority_override, priority=body.priority, reason=body.reason)
    return await idempotent(request, work, principal, key, acting(uses, principal, inquiry_id, body, decide))


@router.post("/inquiries/{inquiry_id:uuid}/updates", status_code=202, responses=ACCEPTED)
async def add_update(inquiry_id: UUID, body: UpdateCreate, principal: Actor, key: Key,
                     request: Request, uses: Uses, work: Work) -> JSONResponse:
    decide = functools.partial(case.decide_update, note=body.note)
    return await idempotent(request, work, principal, key, acting(uses, principal, inquiry_id, body, decide))


@router.post("/inquiries/{inquiry_id:uuid}/notices", status_code=202, responses=ACCEPTED,
             summary="Write a notice to the originator, sent as a letter from its template with this text")
async def issue_notice(inquiry_id: UUID, body: NoticeCreate, principal: StateActor, key: Key,
                       request: Request, uses: Uses, work: Work) -> JSONResponse:
    decide = functools.partial(case.decide_notice, notice=body.notice, text=body.text)
    return await idempotent(request, work, principal, key, acting(uses, principal, inquiry_id, body, decide))


@router.post("/inquiries/{inquiry_id:uuid}/expedited-denial", status_code=202, responses=ACCEPTED,
             summary="Deny an appeal's expedited resolution: it moves to the standard 30-day timeframe")
async def deny_expedited(inquiry_id: UUID, body: ExpeditedDenialCreate, principal: StateActor, key: Key,
                         request: Request, uses: Uses, work: Work) -> JSONResponse:
    decide = functools.partial(case.decide_expedited_denial, reason=body.reason)
    return await idempotent(request, work, principal, key, acting(uses, principal, inquiry_id, body, decide))


@router.post("/inquiries/{inquiry_id:uuid}/extension", status_code=202, responses=ACCEPTED,
             summary="Extend a grievance's or an appeal's resolution deadline (once, up to 14 calendar days)")
async def extend(inquiry_id: UUID, body: ExtensionCreate, principal: StateActor, key: Key,
                 request: Request, uses: Uses, work: Work) -> JSONResponse:
    decide = functools.partial(case.decide_extension, days=body.days, requested_by=body.requested_by,
                               reason=body.reason)
    return await idempotent(request, work, principal, key, acting(uses, principal, inquiry_id, body, decide))


@router.post("/inquiries/{inquiry_id:uuid}/reviews", status_code=202, responses=ACCEPTED,
             summary="Record a review of a grievance or an appeal at a level, with its decision")
async def record_review(inquiry_id: UUID, body: ReviewCreate, principal: StateActor, key: Key,
                        request: Request, uses: Uses, work: Work) -> JSONResponse:
    decide = functools.partial(case.decide_review, level=body.level, summary=body.summary,
                               resolution=body.resolution)
    return await idempotent(request, work, principal, key, acting(uses, principal, inquiry_id, body, decide))


@router.post("/inquiries/{inquiry_id:uuid}/claim", status_code=202, responses=ACCEPTED,
             summary="Take a case nobody holds")
async def claim(inquiry_id: UUID, body: ClaimCreate, principal: StateActor, key: Key,
                request: Request, uses: Uses, work: Work) -> JSONResponse:
    return await idempotent(request, work, principal, key,
                            acting(uses, principal, inquiry_id, body, case.decide_claim))


@router.post("/inquiries/{inquiry_id:uuid}/assignment", status_code=202, responses=ACCEPTED,
             summary="Assign, reassign or release a case (unit leads)")
async def assign(inquiry_id: UUID, body: AssignmentCreate, principal: Assigner, key: Key,
                 request: Request, uses: Uses, work: Work) -> JSONResponse:
    given = body.assignee
    assignee = None if given is None else Person(subject=given.subject, name=given.name)
    decide = functools.partial(case.decide_assignment, assignee=assignee)
    return await idempotent(request, work, principal, key, acting(uses, principal, inquiry_id, body, decide))


def acting(uses: IntakeService, principal: Principal, inquiry_id: UUID, body: Action,
           decide: Decision) -> Callable[[AsyncSession], Awaitable[Recorded]]:
    """The use case that applies `decide` to the inquiry, for `idempotent` to run."""
    return functools.partial(uses.act, principal=principal, inquiry_id=inquiry_id, at=body.at, decide=decide)
