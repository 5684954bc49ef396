"""A retried POST returns the first answer and creates nothing more."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from .conftest import Intake, member_inquiry, subject


async def count(intake: Intake, table: str) -> int:
    async with intake.runtime.engine.connect() as conn:
        return int(await conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


async def test_retry_with_same_key_and_body_returns_first_answer(intake: Intake) -> None:
    headers = await intake.person("maria")
    first = await intake.post("/v1/inquiries/member", member_inquiry(), headers, key="retry-key-0001")
    again = await intake.post("/v1/inquiries/member", member_inquiry(), headers, key="retry-key-0001")
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert await count(intake, "inquiries") == 1
    assert await count(intake, "outbox") == 1


async def test_same_key_with_different_body_is_a_conflict(intake: Intake) -> None:
    headers = await intake.person("maria")
    await intake.post("/v1/inquiries/member", member_inquiry(), headers, key="retry-key-0002")
    clash = await intake.post("/v1/inquiries/member", member_inquiry(category="transportation"), headers,
                              key="retry-key-0002")
    assert clash.status_code == 409
    assert clash.json()["code"] == "idempotency-key-reused"
    assert await count(intake, "inquiries") == 1


async def test_twenty_concurrent_posts_with_one_key_create_one_inquiry(intake: Intake) -> None:
    headers = await intake.person("maria")
    responses = await asyncio.gather(*[
        intake.post("/v1/inquiries/member", member_inquiry(), headers, key="concurrent-key-01") for _ in range(20)])
    assert {r.status_code for r in responses} == {202}
    assert len({r.json()["inquiry_id"] for r in responses}) == 1
    assert await count(intake, "inquiries") == 1
    assert await count(intake, "outbox") == 1


async def test_keys_are_per_principal(intake: Intake) -> None:
    one, other = await intake.person("maria"), await intake.system("call-center")
    a = await intake.post("/v1/inquiries/member", member_inquiry(), one, key="shared-key-0001")
    b = await intake.post("/v1/inquiries/member", member_inquiry(), other, key="shared-key-0001")
    assert a.status_code == b.status_code == 202
    assert a.json()["inquiry_id"] != b.json()["inquiry_id"]
    async with intake.runtime.engine.connect() as conn:
        owners = set((await conn.scalars(text("SELECT principal_id FROM idempotency_keys"))).all())
    assert owners == {subject(one), subject(other)}
