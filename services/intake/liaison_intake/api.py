"""Intake's HTTP API, v1. Thin: authenticate, validate, hand over to the service."""


from collections.abc import Awaitable, Callable
from datetime import datetime, time, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_intake import domain, store
from liaison_intake.auth import INQUIRY_ACT, INQUIRY_READ, INTAKE_WRITE, Client
from liaison_intake.domain import Case, Status
from liaison_intake.export import export_csv, export_xlsx
from liaison_intake.idempotency import once
from liaison_intake.schemas import (
    Accepted,
    ContactAttemptCreate,
    ImeCallbackRequestCreate,
    InquiryList,
    InquiryLog,
    InquiryRead,
    LogEntryRead,
    McoReferralCreate,
    McoReportCreate,
    MemberInquiryCreate,
    PriorityOverrideCreate,
    ProviderInquiryCreate,
    ReopenCreate,
    ResolutionCreate,
    UpdateCreate,
)
from liaison_intake.service import Decision, InquiryCreate, IntakeService
from liaison_shared.fields import CalendarDate, IdempotencyKey, McoCode, QueryInstant
from liaison_shared.idempotency import request_fingerprint
from liaison_shared.payloads import Payload
from liaison_shared.principal import require_scope
from liaison_shared.problems import Problem
from liaison_shared.runtime import Runtime
from liaison_shared.vocabulary import Category, Priority, Queue, Source, Track

ACCEPTED: dict[int | str, dict[str, Any]] = {202: {"model": Accepted}}


def build_router(runtime: Runtime, service: IntakeService) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["inquiries"])
    Writer = Annotated[Client, Depends(require_scope(INTAKE_WRITE, mco_allowed=False))]
    Reader = Annotated[Client, Depends(require_scope(INQUIRY_READ))]
    Actor = Annotated[Client, Depends(require_scope(INQUIRY_ACT))]
    StateActor = Annotated[Client, Depends(require_scope(INQUIRY_ACT, mco_allowed=False))]
    Key = Annotated[IdempotencyKey, Header(alias="Idempotency-Key")]

    async def idempotent(request: Request, client: Client, key: str,
                         work: Callable[[AsyncSession], Awaitable[Accepted]]) -> JSONResponse:
        fingerprint = request_fingerprint(request.method, request.url.path, await request.body())

        async def run(session: AsyncSession) -> tuple[int, dict[str, object]]:
            return 202, (await work(session)).model_dump(mode="json")

        async with runtime.unit_of_work() as uow:
            status, answer = await once(uow.session, client_id=UUID(client.id), key=key, fingerprint=fingerprint,
                                        work=lambda: run(uow.session))
            await uow.commit()
        return JSONResponse(answer, status_code=status)

    def create(body: InquiryCreate, client: Client) -> Callable[[AsyncSession], Awaitable[Accepted]]:
        return lambda session: service.create(session, client, body)

    def act(inquiry_id: UUID, client: Client, actor: str | None, at: datetime | None,
            decide: Decision) -> Callable[[AsyncSession], Awaitable[Accepted]]:
        return lambda session: service.act(session, client, inquiry_id, actor, at, decide)

    @router.post("/inquiries/member", status_code=202, responses=ACCEPTED, summary="Escalate a member issue")
    async def create_member_inquiry(body: MemberInquiryCreate, client: Writer, key: Key,
                                    request: Request) -> JSONResponse:
        return await idempotent(request, client, key, create(body, client))

    @router.post("/inquiries/provider", status_code=202, responses=ACCEPTED, summary="Escalate a provider issue")
    async def create_provider_inquiry(body: ProviderInquiryCreate, client: Writer, key: Key,
                                      request: Request) -> JSONResponse:
        return await idempotent(request, client, key, create(body, client))

    @router.post("/inquiries/ime-callback-requests", status_code=202, responses=ACCEPTED,
                 summary="Request a supervisor callback (within 2 business days)")
    async def create_ime_callback_request(body: ImeCallbackRequestCreate, client: Writer, key: Key,
                                          request: Request) -> JSONResponse:
        return await idempotent(request, client, key, create(body, client))

    @router.post("/inquiries/{inquiry_id:uuid}/contact-attempts", status_code=202, responses=ACCEPTED)
    async def record_contact_attempt(inquiry_id: UUID, body: ContactAttemptCreate, client: StateActor, key: Key,
                                     request: Request) -> JSONResponse:
        def decide(case: Case, by: str, at: datetime) -> list[Payload]:
            return domain.decide_contact_attempt(case, channel=body.channel, outcome=body.outcome, by=by, at=at)
        return await idempotent(request, client, key, act(inquiry_id, client, body.actor, body.at, decide))

    @router.post("/inquiries/{inquiry_id:uuid}/mco-referrals", status_code=202, responses=ACCEPTED)
    async def refer_to_mco(inquiry_id: UUID, body: McoReferralCreate, client: StateActor, key: Key,
                           request: Request) -> JSONResponse:
        def decide(case: Case, by: str, at: datetime) -> list[Payload]:
            return domain.decide_referral(case, mco=body.mco, by=by, at=at)
        return await idempotent(request, client, key, act(inquiry_id, client, body.actor, body.at, decide))

    @router.post("/inquiries/{inquiry_id:uuid}/mco-reports", status_code=202, responses=ACCEPTED)
    async def record_mco_report(inquiry_id: UUID, body: McoReportCreate, client: Actor, key: Key,
                                request: Request) -> JSONResponse:
        if client.mco is not None and client.mco != body.mco:
            raise Problem(403, "Forbidden", "An MCO reports only for itself.", code="forbidden-mco")

        def decide(case: Case, by: str, at: datetime) -> list[Payload]:
            return domain.decide_mco_report(case, mco=body.mco, report=body.report, summary=body.summary,
                                            resolution_code=body.resolution_code, by=by, at=at)
        return await idempotent(request, client, key, act(inquiry_id, client, body.actor, body.at, decide))

    @router.post("/inquiries/{inquiry_id:uuid}/resolution", status_code=202, responses=ACCEPTED)
    async def resolve(inquiry_id: UUID, body: ResolutionCreate, client: StateActor, key: Key,
                      request: Request) -> JSONResponse:
        def decide(case: Case, by: str, at: datetime) -> list[Payload]:
            return domain.decide_resolution(case, resolved_by=body.resolved_by, summary=body.summary,
                                            resolution_code=body.resolution_code, by=by, at=at)
        return await idempotent(request, client, key, act(inquiry_id, client, body.actor, body.at, decide))

    @router.post("/inquiries/{inquiry_id:uuid}/reopen", status_code=202, responses=ACCEPTED)
    async def reopen(inquiry_id: UUID, body: ReopenCreate, client: StateActor, key: Key,
                     request: Request) -> JSONResponse:
        def decide(case: Case, by: str, at: datetime) -> list[Payload]:
            return domain.decide_reopen(case, reason=body.reason, by=by, at=at)
        return await idempotent(request, client, key, act(inquiry_id, client, body.actor, body.at, decide))

    @router.post("/inquiries/{inquiry_id:uuid}/priority-override", status_code=202, responses=ACCEPTED)
    async def override_priority(inquiry_id: UUID, body: PriorityOverrideCreate, client: StateActor, key: Key,
                                request: Request) -> JSONResponse:
        def decide(case: Case, by: str, at: datetime) -> list[Payload]:
            return domain.decide_priority_override(case, priority=body.priority, reason=body.reason, by=by, at=at)
        return await idempotent(request, client, key, act(inquiry_id, client, body.actor, body.at, decide))

    @router.post("/inquiries/{inquiry_id:uuid}/updates", status_code=202, responses=ACCEPTED)
    async def add_update(inquiry_id: UUID, body: UpdateCreate, client: Actor, key: Key,
                         request: Request) -> JSONResponse:
        def decide(case: Case, by: str, at: datetime) -> list[Payload]:
            return domain.decide_update(case, note=body.note, by=by, at=at)
        return await idempotent(request, client, key, act(inquiry_id, client, body.actor, body.at, decide))

    @router.get("/inquiries/{inquiry_id:uuid}", summary="One inquiry with state, track, priority, queue, deadlines")
    async def get_inquiry(inquiry_id: UUID, client: Reader) -> InquiryRead:
        async with runtime.sessions() as session:
            return await service.get(session, client, inquiry_id)

    @router.get("/inquiries", summary="Inquiries, newest first, filtered and paginated")
    async def list_inquiries(
        client: Reader, status: Status | None = None, track: Track | None = None,
        priority: Priority | None = None, queue: Queue | None = None, mco: McoCode | None = None,
        source: Source | None = None, category: Category | None = None,
        due_before: Annotated[QueryInstant | None, Query(description="Has an unmet deadline before this")] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, Query(max_length=200, pattern=r"^[A-Za-z0-9_=-]+$")] = None,
    ) -> InquiryList:
        try:
            after = store.decode_cursor(cursor) if cursor else None
        except ValueError:
            raise Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                          errors=[{"field": "cursor", "reason": "not a cursor from a previous page"}]) from None
        filters = store.InquiryFilter(status=status, track=track, priority=priority, queue=queue, mco=mco,
                                      source=source, category=category, due_before=due_before,
                                      visible_to_mco=client.mco)
        async with runtime.sessions() as session:
            rows = await store.list_inquiries(session, filters, limit=limit, after=after)
            clocks = await store.open_clocks(session, [r.id for r in rows])
        items = [service.read_model(r, clocks.get(r.id, [])) for r in rows]
        return InquiryList(items=items, next_cursor=store.encode_cursor(rows[-1]) if len(rows) == limit else None)

    @router.get("/inquiries/{inquiry_id:uuid}/log", summary="The inquiry's full history, in order")
    async def inquiry_log(inquiry_id: UUID, client: Reader) -> InquiryLog:
        async with runtime.sessions() as session:
            await service.get(session, client, inquiry_id)  # 404 unless visible
            rows = await store.log_of(session, inquiry_id)
        return InquiryLog(inquiry_id=inquiry_id, entries=[LogEntryRead.model_validate(r._asdict()) for r in rows])

    @router.get("/inquiry-log/export", summary="The MCO Inquiry Log for a date range, as .xlsx or CSV",
                response_class=Response)
    async def export_log(client: Reader, start: CalendarDate, end: CalendarDate,
                         format: Literal["xlsx", "csv"] = "xlsx") -> Response:
        if end < start:
            raise Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                          errors=[{"field": "end", "reason": "must not be before start"}])
        zone = service.calendar.zone
        since, until = datetime.combine(start, time(), zone), datetime.combine(end + timedelta(days=1), time(), zone)
        async with runtime.sessions() as session:
            rows = await store.log_between(session, since, until, mco=client.mco)
        name = f"mco-inquiry-log_{start}_{end}.{format}"
        if format == "csv":
            return Response(export_csv(rows, zone), media_type="text/csv",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})
        return Response(export_xlsx(rows, zone),
                        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    return router
