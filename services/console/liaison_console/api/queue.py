"""Queues: each role's cases (or everything the person may see, or what is theirs), soonest
deadline first, filtered and sorted from the URL, paginated; claimed and assigned one by one or in
bulk (through intake, which owns who a case belongs to)."""

from __future__ import annotations

import asyncio
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from liaison_console import store
from liaison_console.api.deps import CheckedPerson, Pages, Person, ReadSession, Services, Uses
from liaison_console.api.views import page_context
from liaison_console.backends import Backends
from liaison_console.rules import roles
from liaison_console.rules.queue_query import InvalidQuery, QueueQuery, parse_query
from liaison_console.sessions import SignedIn
from liaison_shared.problems import Problem

router = APIRouter(include_in_schema=False)
BULK_AT_ONCE = 8
Subject = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._@:-]{1,200}$")]


@router.get("/")
async def home() -> Response:
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue", response_class=HTMLResponse)
async def queue_page(request: Request, person: Person, uses: Uses, session: ReadSession, pages: Pages) -> Response:
    return await _queue(request, person, uses, session, pages, "queue.html")


@router.get("/queue/rows", response_class=HTMLResponse)
async def queue_rows(request: Request, person: Person, uses: Uses, session: ReadSession, pages: Pages) -> Response:
    """The table's rows, count and pager alone: what a live page swaps in when something changed."""
    return await _queue(request, person, uses, session, pages, "queue_rows.html")


async def _queue(request: Request, person: Person, uses: Uses, session: ReadSession, pages: Pages,
                 template: str) -> Response:
    mine = roles.role_queues(person.principal)
    try:
        query = parse_query(dict(request.query_params), mine)
    except InvalidQuery as invalid:
        if template != "queue.html":
            raise Problem(422, "Invalid request", "One or more filters are invalid.", code="validation",
                          errors=invalid.errors) from None
        context = page_context(person, uses.calendar, query=QueueQuery(queues=mine), errors=invalid.errors,
                               result=None, staff=[], role_queues=mine)
        return pages.TemplateResponse(request, template, context, status_code=422)
    result = await uses.queue(session, person.principal, query)
    staff = await store.state_staff(session) if roles.may_assign(person.principal) else []
    context = page_context(person, uses.calendar, query=query, result=result, errors=[], staff=staff,
                           role_queues=mine)
    return pages.TemplateResponse(request, template, context)


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: list[UUID] = Field(min_length=1, max_length=200)


class Assignment(Claim):
    assignee: Subject | None = Field(description="Who the cases go to; null: back to the queue, nobody's.")


@router.post("/queue/claim")
async def claim(body: Claim, person: CheckedPerson, services: Services) -> dict[str, object]:
    """Take these cases (each through intake; the answer says, case by case, what intake said)."""
    return {"results": await _each(services, person, body.ids, "claim", {})}


@router.post("/queue/assign")
async def assign(body: Assignment, person: CheckedPerson, services: Services,
                 session: ReadSession) -> dict[str, object]:
    """A unit lead gives these cases to one person (or back to the queue)."""
    target: dict[str, object] | None = None
    if body.assignee is not None:
        found = await store.person(session, body.assignee)
        if found is None or found.mco is not None:
            raise Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                          errors=[{"field": "assignee", "reason": "is not one of the state's people"}])
        target = {"subject": found.subject, "name": found.name}
    return {"results": await _each(services, person, body.ids, "assignment", {"assignee": target})}


async def _each(services: Backends, person: SignedIn, ids: list[UUID], action: str,
                body: dict[str, object]) -> list[dict[str, object]]:
    limit = asyncio.Semaphore(BULK_AT_ONCE)

    async def one(inquiry_id: UUID) -> dict[str, object]:
        async with limit:
            answer = await services.act(person.access_token, inquiry_id, action, body)
        if answer.ok:
            return {"id": str(inquiry_id), "ok": True}
        return {"id": str(inquiry_id), "ok": False, "status": answer.status, "errors": answer.field_errors()}

    return list(await asyncio.gather(*(one(i) for i in dict.fromkeys(ids))))
