"""Intake running in-process on the real PostgreSQL and Kafka, with its
relay and consumer, reached over ASGI; callers carry access tokens of the
test OpenID provider's people and systems (their scopes: access.yaml).

Who the tests use, by what they may do:
- maria (member liaison): creates, reads and acts on cases, members' cases only;
- paul (provider liaison): the same, providers' cases only;
- una (unit lead): every party's cases, and assigns them to people;
- call-center (system): only creates inquiries;
- pat (program manager): reads, never acts; otto (ops): not even reads;
- tina and mco-ia-tc (IA-TC), adam and mco-ia-ag (IA-AG): an MCO's, confined to its cases.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from liaison_intake.main import bootstrap
from liaison_intake.settings import Settings
from liaison_shared.events import Event, decode
from liaison_shared.runtime import Runtime
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.plugin import SettingsFactory
from liaison_shared.testing.waiting import wait_until


@dataclass
class Intake:
    runtime: Runtime
    http: httpx.AsyncClient
    tokens: Tokens

    async def person(self, name: str) -> dict[str, str]:
        """Headers carrying the access token of a person of the realm, signed in as a browser does."""
        return await self.tokens.headers(person=name)

    async def system(self, client_id: str) -> dict[str, str]:
        """Headers carrying a system's access token (client credentials)."""
        return await self.tokens.headers(system=client_id)

    async def post(self, path: str, body: dict[str, Any], headers: dict[str, str],
                   key: str | None = None) -> httpx.Response:
        return await self.http.post(path, json=body, headers={**headers, "Idempotency-Key": key or uuid.uuid4().hex})

    async def events(self, topic: str, count: int, timeout: float = 30) -> list[Event]:
        """The first `count` events on one of this test's topics."""
        consumer = AIOKafkaConsumer(self.runtime.settings.topic_prefix + topic,
                                    bootstrap_servers=self.runtime.settings.kafka_bootstrap,
                                    auto_offset_reset="earliest")
        await consumer.start()
        found: list[Event] = []
        try:
            async def enough() -> bool:
                for records in (await consumer.getmany(timeout_ms=200)).values():
                    found.extend(decode(r.value, r.headers) for r in records)
                return len(found) >= count
            await wait_until(enough, timeout=timeout, what=f"{count} events on {topic}")
        finally:
            await consumer.stop()
        return found


def subject(headers: dict[str, str]) -> str:
    """The `sub` claim of the bearer token in `headers` (read, not verified: the test's own token)."""
    claims = headers["Authorization"].removeprefix("Bearer ").split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["sub"])


@pytest.fixture
async def intake(make_settings: SettingsFactory, tokens: Tokens) -> AsyncIterator[Intake]:
    settings = make_settings(Settings)
    assert isinstance(settings, Settings)
    runtime = bootstrap(settings)
    app = runtime.app()
    await runtime.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as http:
            yield Intake(runtime, http, tokens)
    finally:
        await runtime.stop()


def member_inquiry(**changes: Any) -> dict[str, Any]:
    body = {
        "source": "managed_care_ombudsman", "category": "pharmacy", "member_name": "Jane Testmember",
        "medicaid_id": "1234567A", "caller_name": "John Testcaller", "callback_phone": "515-555-0134",
        "description": "Member cannot get insulin refill approved.", "mco": "IA-TC",
        "requested_priority": "urgent", "received_at": "2026-11-20T14:05:00-06:00",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def provider_inquiry(**changes: Any) -> dict[str, Any]:
    body = {
        "source": "provider", "category": "claims_billing", "npi": "1245319599", "contact_name": "Pat Testprovider",
        "contact_phone": "(515) 555-0199", "description": "Claims denied for timely filing.", "mco": "IA-TC",
        "received_at": "2026-11-20T10:15:00-06:00",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def grievance(**changes: Any) -> dict[str, Any]:
    body = {
        "source": "plan_member_services", "category": "quality_of_care", "member_name": "Gwen Testgrievant",
        "medicaid_id": "7654321B", "caller_name": "Gwen Testgrievant", "callback_phone": "515-555-0177",
        "description": "The clinic cancelled her appointment twice and staff were rude.", "mco": "IA-TC",
        "mailing_address": {"line1": "12 Elm St", "line2": "Apt 3", "city": "Des Moines", "state": "IA",
                            "zip": "50309"},
        "received_at": "2026-11-20T09:05:00-06:00",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def appeal(**changes: Any) -> dict[str, Any]:
    return grievance(**{"category": "prior_authorization", "description": "Appeals the denial of a wheelchair.",
                        "determination": "Power wheelchair denied as not medically necessary.",
                        "determination_date": "2026-11-16", "expedited_requested": False, **changes})
