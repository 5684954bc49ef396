"""Attribution in-process on the real PostgreSQL and Kafka, reached over ASGI with tokens of the
real OpenID provider: the enrollment and claims feed writes (attribution-feed), a member liaison
reads (maria, attribution:read)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from sqlalchemy import text

from liaison_attribution.main import bootstrap
from liaison_attribution.settings import Settings
from liaison_shared.events import Event, decode
from liaison_shared.runtime import Runtime
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.plugin import SettingsFactory
from liaison_shared.testing.waiting import wait_until

Headers = dict[str, str]
WRITER = "attribution-feed"  # system: attribution:write and attribution:read
READER = "maria"  # member liaison: attribution:read only
DES_MOINES = (41.5868, -93.6250)


@dataclass
class Harness:
    runtime: Runtime
    app: FastAPI
    http: httpx.AsyncClient
    writer: Headers
    reader: Headers

    async def post(self, path: str, body: Any = None, *, by: Headers | None = None, **kwargs: Any
                   ) -> httpx.Response:
        """POST as the feed (or `by`)."""
        headers = {**(self.writer if by is None else by), **kwargs.pop("headers", {})}
        return await self.http.post(path, json=body, headers=headers, **kwargs)

    async def get(self, path: str, *, by: Headers | None = None, **kwargs: Any) -> httpx.Response:
        """GET as the member liaison (or `by`)."""
        headers = {**(self.reader if by is None else by), **kwargs.pop("headers", {})}
        return await self.http.get(path, headers=headers, **kwargs)

    async def exactly_one_current_assignment_each(self) -> None:
        """The invariant: every member has exactly one current assignment (a PCP or a flagged gap)."""
        async with self.runtime.engine.connect() as conn:
            broken = (await conn.execute(text(
                "SELECT m.member_id FROM members m LEFT JOIN assignments a "
                "ON a.member_id = m.member_id AND a.effective_to IS NULL "
                "GROUP BY m.member_id HAVING count(a.id) <> 1"))).all()
        assert broken == []

    async def events(self, topic: str, count: int) -> list[Event]:
        consumer = AIOKafkaConsumer(self.runtime.settings.topic_prefix + topic,
                                    bootstrap_servers=self.runtime.settings.kafka_bootstrap,
                                    auto_offset_reset="earliest")
        await consumer.start()
        found: list[Event] = []
        try:
            async def enough() -> bool:
                for records in (await consumer.getmany(timeout_ms=100)).values():
                    found.extend(decode(r.value, r.headers) for r in records)
                return len(found) >= count
            await wait_until(enough, what=f"{count} events on {topic}")
        finally:
            await consumer.stop()
        return found


@pytest.fixture
async def attribution(make_settings: SettingsFactory, tokens: Tokens) -> AsyncIterator[Harness]:
    writer, reader = await tokens.headers(system=WRITER), await tokens.headers(person=READER)
    runtime = bootstrap(make_settings(Settings))
    app = runtime.app()
    await runtime.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://attribution") as http:
            yield Harness(runtime, app, http, writer, reader)
    finally:
        await runtime.stop()


NPIS = ["1245319599", "1003000126", "1234567893", "1982677399", "1457389322"]


def provider(npi: str, *, lat: float = DES_MOINES[0], lon: float = DES_MOINES[1], **changes: Any) -> dict[str, Any]:
    body = {"npi": npi, "name": f"Dr {npi[-3:]}", "is_pcp": True, "practice_npi": "1245319599",
            "practice_name": "Capitol Family Medicine", "lat": lat, "lon": lon, "languages": ["en"],
            "capacity": 100, "open_panel": True, "networks": ["IA-TC"]}
    body.update(changes)
    return body


def member(medicaid_id: str, **changes: Any) -> dict[str, Any]:
    body = {"medicaid_id": medicaid_id, "name": "Test Member", "birth_date": "1980-05-01",
            "lat": DES_MOINES[0] + 0.01, "lon": DES_MOINES[1], "language": "en", "mco": "IA-TC",
            "eligible_from": "2026-01-01", "risk_flags": []}
    body.update(changes)
    return body
