"""The SLA monitor in-process on the real PostgreSQL and Kafka, with a clock
the test moves by hand, so deadlines come due without waiting for them; its
read API is called with tokens of the real OpenID provider (the `tokens` fixture)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import func, select

from liaison_shared.bus_tables import inbox
from liaison_shared.events import Event, decode, encode
from liaison_shared.payloads import Actor, Payload, PriorityAssignedV1
from liaison_shared.runtime import Runtime
from liaison_shared.testing.plugin import SettingsFactory
from liaison_shared.testing.waiting import wait_until
from liaison_sla_monitor.main import bootstrap
from liaison_sla_monitor.settings import Settings

SLA_TOPICS = ["sla.clock", "sla.warning", "sla.breached", "sla.met", "sla.follow-up-due"]
ACTOR = Actor(subject="test-user", name="Test User")  # who acted, as a token would say


class ManualClock:
    def __init__(self, start: datetime) -> None:
        self.instant = start

    def __call__(self) -> datetime:
        return self.instant

    def set(self, instant: datetime) -> None:
        self.instant = instant


@dataclass
class Monitor:
    runtime: Runtime
    clock: ManualClock
    producer: AIOKafkaProducer
    consumer: AIOKafkaConsumer
    seen: list[Event] = field(default_factory=list)

    async def publish(self, *payloads: Payload) -> list[uuid.UUID]:
        """Send `payloads` as events, in order; their event ids."""
        ids = []
        for payload in payloads:
            event = Event(payload, source="/tests")
            record = encode(event, self.runtime.settings.topic_prefix)
            await self.producer.send_and_wait(record.topic, key=record.key, value=record.value,
                                              headers=record.headers)
            ids.append(event.id)
        return ids

    async def processed(self, *payloads: Payload) -> None:
        """Publish `payloads` and wait until the monitor has consumed them all (its inbox has them)."""
        ids = await self.publish(*payloads)

        async def consumed() -> bool:
            async with self.runtime.engine.connect() as conn:
                return bool(await conn.scalar(select(func.count()).select_from(inbox)
                                              .where(inbox.c.event_id.in_(ids))) == len(ids))
        await wait_until(consumed, what=f"{len(ids)} events consumed")

    async def events(self, event_type: str, inquiry_id: uuid.UUID, count: int = 1,
                     timeout: float = 30) -> list[Any]:
        """Payloads of `event_type` about one inquiry, once there are `count` of them."""
        def matching() -> list[Any]:
            return [e.payload for e in self.seen
                    if e.type.endswith(event_type) and getattr(e.payload, "inquiry_id", None) == inquiry_id]

        async def enough() -> bool:
            for records in (await self.consumer.getmany(timeout_ms=100)).values():
                self.seen.extend(decode(r.value, r.headers) for r in records)
            return len(matching()) >= count
        await wait_until(enough, timeout=timeout, what=f"{count} {event_type}")
        return matching()

    def api(self) -> httpx.AsyncClient:
        """A client of the monitor's read API, in-process."""
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.runtime.app()), base_url="http://sla")


async def start_monitor(runtime: Runtime, clock: ManualClock) -> Monitor:
    settings = runtime.settings
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    consumer = AIOKafkaConsumer(*[settings.topic_prefix + t for t in SLA_TOPICS],
                                bootstrap_servers=settings.kafka_bootstrap, auto_offset_reset="earliest")
    await producer.start()
    await consumer.start()
    return Monitor(runtime, clock, producer, consumer)


MONDAY_10 = datetime(2026, 11, 16, 16, 0, tzinfo=UTC)  # Monday 10:00 in Iowa (CST)


@pytest.fixture
async def monitor(make_settings: SettingsFactory) -> AsyncIterator[Monitor]:
    clock = ManualClock(MONDAY_10)
    runtime = bootstrap(make_settings(Settings, timer_poll_seconds=0.05), now=clock)
    await runtime.start()
    harness = await start_monitor(runtime, clock)
    try:
        yield harness
    finally:
        await harness.consumer.stop()
        await harness.producer.stop()
        await runtime.stop()


def assigned(track: str = "member_mco", priority: str = "urgent", received_at: datetime = MONDAY_10,
             inquiry_id: uuid.UUID | None = None) -> PriorityAssignedV1:
    return PriorityAssignedV1(inquiry_id=inquiry_id or uuid.uuid4(), track=track, priority=priority,
                              queue="member_liaison", subject="[URGENT] Member · Pharmacy · MCO IA-TC · ID ***321B",
                              mco="IA-TC", ruleset_version="test", received_at=received_at,
                              decided_at=received_at + timedelta(seconds=5))
