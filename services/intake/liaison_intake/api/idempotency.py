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
from liaison_intake.service import Recorded
from liaison_shared.db import UnitOfWork
from liaison_shared.idempotency import request_fingerprint
from liaison_shared.principal import Principal
from liaison_shared.problems import Problem

ACCEPTED: dict[int | str, dict[str, Any]] = {202: {"model": Accepted}}
"""`responses` of every POST: what it answers once its change is committed."""


async def idempotent(request: Request, work: UnitOfWork, principal: Principal, key: str,
                     record: Callable[[AsyncSession], Awaitable[Recorded]]) -> JSONResponse:
    """Run `record` in `work` and commit, unless `principal` used `key` before: then answer as the first time."""
    fingerprint = request_fingerprint(request.method, request.url.path, await request.body())
    if await store.claim_idempotency_key(work.session, principal_id=principal.id, key=key, fingerprint=fingerprint):
        status_code, answer = 202, accepted(await record(work.session)).model_dump(mode="json")
        await store.keep_answer(work.session, principal_id=principal.id, key=key, status_code=status_code,
                                response=answer)
    else:
        first = await store.first_answer(work.session, principal_id=principal.id, key=key)
        if first.request_hash != fingerprint:
            raise Problem(409, "Idempotency key reused", "This Idempotency-Key was used for a different request.",
                          code="idempotency-key-reused")
        status_code, answer = int(first.status_code), dict(first.response)
    await work.commit()
    return JSONResponse(answer, status_code=status_code)


def accepted(recorded: Recorded) -> Accepted:
    return Accepted(inquiry_id=recorded.case.id, status=recorded.case.status,
                    event_ids=[e.id for e in recorded.events])
