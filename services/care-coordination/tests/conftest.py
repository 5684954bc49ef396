"""Care coordination in-process on the real PostgreSQL and Kafka: the tests publish attribution's and the SLA
monitor's events, wait until the service has consumed them, and call its API with tokens of the real OpenID
provider."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from liaison_care_coordination.main import bootstrap
from liaison_care_coordination.settings import Settings
from liaison_shared.events import Event, encode
from liaison_shared.payloads import MemberEnrolledV1, Payload, PcpAssignedV1
from liaison_shared.runtime import Runtime
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.plugin import SettingsFactory
from liaison_shared.testing.waiting import wait_until

PLAN, PRACTICE, OTHER_PRACTICE = "IA-TC", "1245319599", "1003000126"


@dataclass
class Care:
    runtime: Runtime
    producer: AIOKafkaProducer
    tokens: Tokens

    async def publish(self, *payloads: Payload) -> None:
        """Publish the events and wait until the service has processed every one (its inbox says so)."""
        ids = []
        for payload in payloads:
            event = Event(payload, source="/tests")
            record = encode(event, self.runtime.settings.topic_prefix)
            await self.producer.send_and_wait(record.topic, key=record.key, value=record.value,
                                              headers=record.headers)
            ids.append(event.id)

        async def consumed() -> bool:
            return bool(await self.sql("SELECT count(*) FROM inbox WHERE event_id = ANY(:ids)", ids=ids) == len(ids))
        await wait_until(consumed, timeout=60, what=f"{len(ids)} events consumed")

    async def enrol(self, medicaid_ids: list[str], plan: str = PLAN, practice: str = PRACTICE) -> dict[str, uuid.UUID]:
        """Attribution tells of these patients: enrolled with `plan`, attributed to `practice`."""
        members = {m: uuid.uuid4() for m in medicaid_ids}
        await self.publish(*[MemberEnrolledV1(member_id=member_id, medicaid_id=medicaid_id, mco=plan,
                                              effective_from=date(2026, 1, 1))
                             for medicaid_id, member_id in members.items()],
                           *[PcpAssignedV1(member_id=member_id, pcp_npi=practice, method="member_choice",
                                           effective_from=date(2026, 1, 1)) for member_id in members.values()])
        return members

    async def sql(self, statement: str, **params: Any) -> Any:
        async with self.runtime.engine.begin() as conn:
            return (await conn.execute(text(statement), params)).scalar_one()

    async def call(self, method: str, path: str, *, person: str | None = "carl", system: str | None = None,
                   **kwargs: Any) -> httpx.Response:
        headers = {**(await self.tokens.headers(system=system, person=None if system else person)),
                   **kwargs.pop("headers", {})}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=self.runtime.app()),
                                     base_url="http://care") as http:
            return await http.request(method, path, headers=headers, **kwargs)


@pytest.fixture
async def care(make_settings: SettingsFactory, tokens: Tokens) -> AsyncIterator[Care]:
    runtime = bootstrap(make_settings(Settings))
    producer = AIOKafkaProducer(bootstrap_servers=runtime.settings.kafka_bootstrap)
    await runtime.start()
    await producer.start()
    try:
        yield Care(runtime, producer, tokens)
    finally:
        await producer.stop()
        await runtime.stop()


def medicaid_ids(count: int) -> list[str]:
    """`count` fresh Iowa Medicaid IDs (7 digits and a letter), unique to the test."""
    base = uuid.uuid4().int % 9_000_000
    return [f"{(base + i) % 10_000_000:07d}{'ABCDEFGHJK'[i % 10]}" for i in range(count)]
