"""An HTTP-accepted write survives Kafka being down: the outbox holds it and
delivers it once the broker is back."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import APIRouter
from sqlalchemy import text

from liaison_shared.events import Event
from liaison_shared.payloads import Actor, InquiryResolvedV1
from liaison_shared.runtime import Runtime
from liaison_shared.testing.bus_process import MIGRATIONS
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.plugin import SettingsFactory
from liaison_shared.testing.private_servers import PrivateKafka
from liaison_shared.testing.waiting import wait_until
from liaison_shared.vocabulary import ResolvedBy

ACTOR = Actor(subject="test-user", name="Test User")  # who acted, as a token would say

PRIVATE_PORT = 19092
AUTH: dict[str, str] = {}  # a system's bearer token, from the test OpenID provider


@pytest.fixture(autouse=True)
async def _signed_in(tokens: Tokens) -> None:
    AUTH["Authorization"] = f"Bearer {await tokens.system('call-center')}"


@pytest.fixture
def private_kafka() -> Iterator[PrivateKafka]:
    with PrivateKafka(PRIVATE_PORT) as broker:
        yield broker


def resolve_router(runtime_box: list[Runtime]) -> APIRouter:
    router = APIRouter()

    @router.post("/inquiries/{inquiry_id}/resolution", status_code=202)
    async def resolve(inquiry_id: uuid.UUID) -> dict[str, str]:
        runtime = runtime_box[0]
        event = Event(InquiryResolvedV1(inquiry_id=inquiry_id, resolved_by=ResolvedBy.STATE,
                                        resolution_code="answered", actor=ACTOR, at=datetime.now(UTC)),
                      source="/tests")
        async with runtime.unit_of_work() as uow:
            await runtime.outbox.add(uow.session, event)
            await uow.commit()
        return {"event_id": str(event.id)}

    return router


@pytest.fixture
async def runtime(make_settings: SettingsFactory, private_kafka: PrivateKafka) -> AsyncIterator[Runtime]:
    box: list[Runtime] = []
    runtime = Runtime(make_settings(kafka_bootstrap=private_kafka.bootstrap), migrations=MIGRATIONS)
    runtime.add_routers(resolve_router(box))
    box.append(runtime)
    await runtime.start()
    yield runtime
    await runtime.stop()


async def test_accepted_write_is_delivered_after_kafka_comes_back(
    runtime: Runtime, private_kafka: PrivateKafka
) -> None:
    app = runtime.app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:
        async def ready() -> bool:
            return (await client.get("/readyz")).status_code == 200

        await wait_until(ready, what="the service to be ready")
        private_kafka.stop()
        checks = (await client.get("/readyz")).json()["checks"]
        assert checks == {"database": True, "kafka": False, "identity_keys": True}

        inquiry_id = uuid.uuid4()
        response = await client.post(f"/inquiries/{inquiry_id}/resolution", headers=AUTH)
        assert response.status_code == 202
        event_id = response.json()["event_id"]

    async def unsent() -> int:
        async with runtime.engine.connect() as conn:
            return int(await conn.scalar(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")) or 0)

    assert await unsent() == 1  # durable while the broker is away

    private_kafka.start()
    await wait_until(lambda: _is_zero(unsent), timeout=60, what="the outbox to drain")

    consumer = AIOKafkaConsumer(runtime.settings.topic_prefix + "inquiry.resolved",
                                bootstrap_servers=private_kafka.bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        record = await consumer.getone()
    finally:
        await consumer.stop()
    assert dict(record.headers)["ce_id"].decode() == event_id
    assert record.key == str(inquiry_id).encode()


async def _is_zero(count) -> bool:  # type: ignore[no-untyped-def]
    return await count() == 0
