"""Idempotency-Key handling: a retry of a POST returns the first answer.

The key is claimed with an INSERT in the same transaction as the work it
guards. Concurrent requests with one key queue on the key's unique index;
when the first commits, the others find its stored answer. A failed request
rolls its claim back, so a retry after an error runs again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_intake.tables import idempotency_keys
from liaison_shared.problems import Problem

Answer = tuple[int, dict[str, Any]]


async def once(
    session: AsyncSession, *, client_id: UUID, key: str, fingerprint: bytes, work: Callable[[], Awaitable[Answer]]
) -> Answer:
    """Run `work` unless this client already used `key`; then answer as the first time."""
    claimed = await session.execute(
        insert(idempotency_keys).values(client_id=client_id, key=key, request_hash=fingerprint)
        .on_conflict_do_nothing().returning(idempotency_keys.c.key))
    if claimed.first() is None:
        first = (await session.execute(
            select(idempotency_keys.c.request_hash, idempotency_keys.c.status_code, idempotency_keys.c.response)
            .where(idempotency_keys.c.client_id == client_id, idempotency_keys.c.key == key))).one()
        if first.request_hash != fingerprint:
            raise Problem(409, "Idempotency key reused", "This Idempotency-Key was used for a different request.",
                          code="idempotency-key-reused")
        return int(first.status_code), dict(first.response)
    status, body = await work()
    await session.execute(update(idempotency_keys).values(status_code=status, response=body)
                          .where(idempotency_keys.c.client_id == client_id, idempotency_keys.c.key == key))
    return status, body
