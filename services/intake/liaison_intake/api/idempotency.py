"""Every POST of intake runs once per principal and Idempotency-Key: a retry answers as the first time.

The key is claimed in the same transaction as the work it guards. Concurrent
requests with one key queue on the key's unique index; when the first
commits, the others find its stored answer. A failed request rolls its claim
back, so a retry after an error runs again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_intake import store
from liaison_intake.api.schemas import Accepted
from liaison_intake.service import IntakeService, Recorded
from liaison_shared.db import UnitOfWork
from liaison_shared.idempotency import request_fingerprint
from liaison_shared.payloads import InquiryReceivedV1
from liaison_shared.principal import Principal
from liaison_shared.problems import Problem

ACCEPTED: dict[int | str, dict[str, Any]] = {202: {"model": Accepted}}
"""`responses` of every POST: what it answers once its change is committed."""


async def idempotent(request: Request, work: UnitOfWork, principal: Principal, key: str,
                     record: Callable[[AsyncSession], Awaitable[Recorded]]) -> JSONResponse:
    """Run `record` in `work` and commit, unless `principal` used `key` before: then answer as the first time."""
    fingerprint = await fingerprint_of(request)
    if not await store.claim_idempotency_key(work.session, principal_id=principal.id, key=key,
                                             fingerprint=fingerprint):
        return await first_answer(work, principal, key, fingerprint)
    answer = accepted(await record(work.session)).model_dump(mode="json")
    await store.keep_answer(work.session, principal_id=principal.id, key=key, status_code=202, response=answer)
    await work.commit()
    return JSONResponse(answer, status_code=202)


async def idempotent_opening(request: Request, work: UnitOfWork, principal: Principal, key: str,
                             uses: IntakeService, received: InquiryReceivedV1) -> JSONResponse:
    """`idempotent` for a new inquiry, whose answer is known before anything is written: the key is
    claimed with its answer in the statement that stores the inquiry."""
    opened = uses.opening(received)
    answer = accepted(opened).model_dump(mode="json")
    fingerprint = await fingerprint_of(request)
    claim = store.Claim(principal_id=principal.id, key=key, fingerprint=fingerprint, status_code=202,
                        response=answer)
    if not await uses.open(work.session, principal, opened, claim):
        return await first_answer(work, principal, key, fingerprint)
    await work.commit()
    return JSONResponse(answer, status_code=202)


async def fingerprint_of(request: Request) -> bytes:
    return request_fingerprint(request.method, request.url.path, await request.body())


async def first_answer(work: UnitOfWork, principal: Principal, key: str, fingerprint: bytes) -> JSONResponse:
    """The answer kept for a key used before, if this is the same request; else 409."""
    first = await store.first_answer(work.session, principal_id=principal.id, key=key)
    if first.request_hash != fingerprint:
        raise Problem(409, "Idempotency key reused", "This Idempotency-Key was used for a different request.",
                      code="idempotency-key-reused")
    await work.commit()
    return JSONResponse(dict(first.response), status_code=int(first.status_code))


def accepted(recorded: Recorded) -> Accepted:
    return Accepted(inquiry_id=recorded.case.id, status=recorded.case.status,
                    event_ids=[e.id for e in recorded.events])
