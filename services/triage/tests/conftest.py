"""Triage running in-process on the real PostgreSQL and Kafka; tests publish
what intake and attribution would, and read triage's decisions off Kafka."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from liaison_shared.events import Event, decode, encode
from liaison_shared.payloads import (
    InquiryReceivedV1,
    MemberEnrolledV1,
    MemberIdentity,
    Payload,
    PriorityAssignedV1,
    SubjectChangedV1,
)
from liaison_shared.runtime import Runtime
from liaison_shared.testing.plugin import TEST_PARTITIONS, SettingsFactory
from liaison_shared.testing.waiting import wait_until
from liaison_triage.main import bootstrap
from liaison_triage.settings import Settings

P = TypeVar("P", bound=Payload)


@dataclass
class TriageHarness:
    runtime: Runtime
    producer: AIOKafkaProducer
    consumer: AIOKafkaConsumer
    decisions: dict[uuid.UUID, list[Event]] = field(default_factory=dict)

    async def publish(self, *payloads: Payload, source: str = "/tests") -> None:
        for payload in payloads:
            record = encode(Event(payload, source=source), self.runtime.settings.topic_prefix)
            await self.producer.send_and_wait(record.topic, key=record.key, value=record.value,
                                              headers=record.headers)

    async def collect(self) -> None:
        for records in (await self.consumer.getmany(timeout_ms=100)).values():
            for record in records:
                event = decode(record.value, record.headers)  # decisions, and subjects renamed after them
                self.decisions.setdefault(getattr(event.payload, "inquiry_id"), []).append(event)

    async def decided(self, *inquiry_ids: uuid.UUID, count: int = 1, timeout: float = 30
                      ) -> list[PriorityAssignedV1]:
        """The latest decision of each inquiry, once each has `count` of them."""
        return await self._latest(PriorityAssignedV1, inquiry_ids, count, timeout)

    async def renamed(self, inquiry_id: uuid.UUID, count: int = 1, timeout: float = 30) -> SubjectChangedV1:
        """The latest subject change of an inquiry, once it has `count` of them."""
        [latest] = await self._latest(SubjectChangedV1, (inquiry_id,), count, timeout)
        return latest

    async def _latest(self, kind: type[P], inquiry_ids: tuple[uuid.UUID, ...], count: int, timeout: float
                      ) -> list[P]:
        def of(i: uuid.UUID) -> list[P]:
            return [e.payload for e in self.decisions.get(i, []) if isinstance(e.payload, kind)]

        async def enough() -> bool:
            await self.collect()
            return all(len(of(i)) >= count for i in inquiry_ids)
        await wait_until(enough, timeout=timeout, what=f"{len(inquiry_ids)} {kind.__name__}")
        return [of(i)[-1] for i in inquiry_ids]


async def start_harness(runtime: Runtime) -> TriageHarness:
    settings = runtime.settings
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    consumer = AIOKafkaConsumer(settings.topic_prefix + "inquiry.priority-assigned",
                                bootstrap_servers=settings.kafka_bootstrap, auto_offset_reset="earliest")
    await producer.start()
    await consumer.start()
    return TriageHarness(runtime, producer, consumer)


@pytest.fixture
async def triage(make_settings: SettingsFactory) -> AsyncIterator[TriageHarness]:
    runtime = bootstrap(make_settings(Settings, enrollment_wait_seconds=8, release_sweep_seconds=0.2))
    await runtime.start()
    harness = await start_harness(runtime)
    try:
        yield harness
    finally:
        await harness.consumer.stop()
        await harness.producer.stop()
        await runtime.stop()


RECEIVED_AT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def received(**changes: Any) -> InquiryReceivedV1:
    values: dict[str, Any] = {
        "inquiry_id": uuid.uuid4(), "party": "member", "source": "plan_member_services", "category": "other",
        "member": MemberIdentity(name="Jane Testmember", medicaid_id=None), "caller_name": "Caller",
        "callback_phone": "+15155550134", "description": "General question about benefits.",
        "received_at": RECEIVED_AT,
    }
    values.update(changes)
    return InquiryReceivedV1(**values)


def enrolled(medicaid_id: str, mco: str = "IA-TC", **changes: Any) -> MemberEnrolledV1:
    values: dict[str, Any] = {"member_id": uuid.uuid4(), "medicaid_id": medicaid_id, "mco": mco,
                              "effective_from": date(2026, 1, 1)}
    values.update(changes)
    return MemberEnrolledV1(**values)


def process_env(database_url: str, kafka_bootstrap: str, schema: str) -> dict[str, str]:
    """The environment of a `liaison-triage` process on the test's schema and topic prefix (`<schema>.`)."""
    return {**os.environ, "LIAISON_TRIAGE_DATABASE_URL": database_url, "LIAISON_TRIAGE_DB_SCHEMA": schema,
            "LIAISON_TRIAGE_KAFKA_BOOTSTRAP": kafka_bootstrap, "LIAISON_TRIAGE_TOPIC_PREFIX": f"{schema}.",
            "LIAISON_TRIAGE_TOPIC_PARTITIONS": str(TEST_PARTITIONS)}


def start_triage(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(Path(sys.executable).parent / "liaison-triage")],
                            env={**env, "LIAISON_TRIAGE_HTTP_PORT": str(port)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_ready(port: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        async def ready() -> bool:
            try:
                return (await http.get("/readyz")).status_code == 200
            except httpx.TransportError:
                return False
        await wait_until(ready, timeout=60, what="triage ready")


@dataclass
class DecisionsRead:
    """The decisions published on the test's topic, by inquiry: the ids of the events that carried each."""

    consumer: AIOKafkaConsumer
    seen: dict[str, set[str]] = field(default_factory=dict)

    async def at_least(self, n: int) -> bool:
        for records in (await self.consumer.getmany(timeout_ms=100)).values():
            for record in records:
                event = decode(record.value, record.headers)
                assert isinstance(event.payload, PriorityAssignedV1)
                self.seen.setdefault(str(event.payload.inquiry_id), set()).add(str(event.id))
        return len(self.seen) >= n


async def publish_inquiries(producer: AIOKafkaProducer, prefix: str, inquiries: list[InquiryReceivedV1]) -> None:
    for inquiry in inquiries:
        record = encode(Event(inquiry, source="/tests"), prefix)
        await producer.send(record.topic, key=record.key, value=record.value, headers=record.headers)
    await producer.flush()
