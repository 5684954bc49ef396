"""Reporting in-process on the real PostgreSQL and Kafka: the tests publish the other services'
events, wait until reporting has consumed them, and read the reports with tokens of the real
OpenID provider."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from liaison_reporting.main import bootstrap
from liaison_reporting.rebuild import rebuild
from liaison_reporting.settings import Settings
from liaison_shared.events import Event, encode
from liaison_shared.payloads import Payload
from liaison_shared.runtime import Runtime
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.plugin import SettingsFactory
from liaison_shared.testing.waiting import wait_until


@dataclass
class Reporting:
    runtime: Runtime
    producer: AIOKafkaProducer
    tokens: Tokens

    async def publish(self, *payloads: Payload) -> None:
        """Publish the events and wait until reporting has processed every one (its inbox says so)."""
        ids = []
        for payload in payloads:
            event = Event(payload, source="/tests")
            record = encode(event, self.runtime.settings.topic_prefix)
            await self.producer.send_and_wait(record.topic, key=record.key, value=record.value,
                                              headers=record.headers)
            ids.append(event.id)

        async def consumed() -> bool:
            found = await self.sql("SELECT count(*) FROM inbox WHERE event_id = ANY(:ids)", ids=ids)
            return bool(found == len(ids))
        await wait_until(consumed, timeout=60, what=f"{len(ids)} events consumed")

    async def consumed(self, count: int) -> None:
        """Wait until the inbox holds `count` events (after a rebuild: all of them, replayed)."""
        async def replayed() -> bool:
            return bool(await self.sql("SELECT count(*) FROM inbox") >= count)
        await wait_until(replayed, timeout=60, what=f"{count} events replayed")

    async def sql(self, statement: str, **params: Any) -> Any:
        async with self.runtime.engine.begin() as conn:
            return (await conn.execute(text(statement), params)).scalar_one()

    async def rebuild(self) -> int:
        """Stop the service and rebuild its read model, as `liaison-reporting rebuild` does."""
        await self.runtime.stop()
        return await rebuild(self.runtime)

    async def restart(self) -> None:
        self.runtime = bootstrap(self.runtime.settings)  # type: ignore[arg-type]
        await self.runtime.start()

    async def get(self, path: str, person: str = "pat", **params: str) -> Any:
        headers = await self.tokens.headers(person=person)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.runtime.app()),
                                     base_url="http://reporting") as http:
            answer = await http.get(path, params=params, headers=headers)
        return answer.status_code, answer.json()


@pytest.fixture
async def reporting(make_settings: SettingsFactory, tokens: Tokens) -> AsyncIterator[Reporting]:
    runtime = bootstrap(make_settings(Settings))
    producer = AIOKafkaProducer(bootstrap_servers=runtime.settings.kafka_bootstrap)
    await runtime.start()
    await producer.start()
    harness = Reporting(runtime, producer, tokens)
    try:
        yield harness
    finally:
        await producer.stop()
        await harness.runtime.stop()


def new_id() -> uuid.UUID:
    return uuid.uuid4()
