"""The console in-process on the real PostgreSQL, Kafka and OpenID provider: events are published to
its topics as the other services would, and people sign in through the provider's login form. For the
report pages, the reporting service runs in-process too, behind a real HTTP server the console calls,
fed by the same events."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from liaison_console.main import bootstrap
from liaison_console.settings import Settings
from liaison_shared.events import Event, encode
from liaison_shared.payloads import (
    ClockStartedV1,
    InquiryReceivedV1,
    MemberIdentity,
    Payload,
    PriorityAssignedV1,
    ProviderIdentity,
)
from liaison_shared.runtime import Runtime
from liaison_shared.testing.console import HTML, console_session
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.plugin import SettingsFactory
from liaison_shared.testing.system import free_port
from liaison_shared.testing.waiting import wait_until
from liaison_shared.vocabulary import Priority

ADDRESS = "http://127.0.0.1:9"  # what the provider sends browsers back to (never dialled: in-process)


@dataclass
class Console:
    runtime: Runtime
    producer: AIOKafkaProducer
    app: Any

    async def publish(self, *payloads: Payload) -> list[uuid.UUID]:
        """Publish these events in this order (each topic keeps it; across topics nothing does); their ids."""
        ids = []
        for payload in payloads:
            event = Event(payload, source="/tests")
            record = encode(event, self.runtime.settings.topic_prefix)
            await self.producer.send_and_wait(record.topic, key=record.key, value=record.value,
                                              headers=record.headers)
            ids.append(event.id)
        return ids

    async def consumed(self, event_ids: list[uuid.UUID]) -> None:
        """Wait until the console has processed every one of these events (its inbox says so)."""
        async def all_in() -> bool:
            rows = await self.sql("SELECT count(*) FROM inbox WHERE event_id = ANY(:ids)", ids=event_ids)
            return bool(rows[0][0] == len(event_ids))
        await wait_until(all_in, timeout=30, what=f"{len(event_ids)} events consumed")

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url=ADDRESS, timeout=30)

    @contextlib.asynccontextmanager
    async def signed_in(self, username: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
        """A client with `username`'s session, and its CSRF token."""
        async with self.client() as client:
            yield client, await console_session(client, username)

    async def sql(self, statement: str, **params: Any) -> list[Any]:
        async with self.runtime.engine.begin() as conn:
            result = await conn.execute(text(statement), params)
            return list(result.all()) if result.returns_rows else []

    async def projected(self, inquiry_id: uuid.UUID, check: Callable[[Any], bool], *, what: str) -> Any:
        """The case's projected row, once `check` holds for it."""
        found: list[Any] = []

        async def holds() -> bool:
            rows = await self.sql("SELECT * FROM cases WHERE id = :id", id=inquiry_id)
            found[:] = rows
            return bool(rows) and bool(check(rows[0]))
        try:
            await wait_until(holds, timeout=30, what=what)
        except TimeoutError:
            raise AssertionError(f"{what}: the case is projected as {found[0]._asdict() if found else None}") from None
        return found[0]


@contextlib.asynccontextmanager
async def running_console(settings: Settings) -> AsyncIterator[Console]:
    runtime = bootstrap(settings)
    producer = AIOKafkaProducer(bootstrap_servers=runtime.settings.kafka_bootstrap)
    app = runtime.app()
    await runtime.start()
    await producer.start()
    try:
        yield Console(runtime, producer, app)
    finally:
        await producer.stop()
        await runtime.stop()


def console_settings(make_settings: SettingsFactory, **overrides: Any) -> Settings:
    settings = make_settings(Settings, public_url=ADDRESS, session_cache_seconds=0, page_size=10, **overrides)
    assert isinstance(settings, Settings)
    return settings


@pytest.fixture
async def console(make_settings: SettingsFactory) -> AsyncIterator[Console]:
    async with running_console(console_settings(make_settings)) as found:
        yield found


@contextlib.asynccontextmanager
async def served(app: Any) -> AsyncIterator[str]:
    """An app behind a real HTTP server on a free port (streams, and other services' calls, need one);
    its address."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return bool(server.started)
    await wait_until(started, timeout=30, interval=0.01, what="the server")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Reporting:
    """The reporting service the console's report pages call: in-process, behind a real server."""

    runtime: Runtime
    address: str
    tokens: Tokens

    async def consumed(self, event_ids: list[uuid.UUID]) -> None:
        """Wait until reporting has processed every one of these events (its inbox says so)."""
        async def all_in() -> bool:
            async with self.runtime.engine.begin() as conn:
                found = await conn.execute(text("SELECT count(*) FROM inbox WHERE event_id = ANY(:ids)"),
                                           {"ids": event_ids})
                return bool(found.scalar_one() == len(event_ids))
        await wait_until(all_in, timeout=60, what=f"reporting consumed {len(event_ids)} events")

    async def report(self, report: str, person: str, **params: str) -> Any:
        """The report's JSON, asked of reporting directly with `person`'s own token."""
        async with httpx.AsyncClient(base_url=self.address, timeout=30) as http:
            answer = await http.get(f"/v1/reports/{report}", params=params,
                                    headers=await self.tokens.headers(person=person))
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
async def reporting_and_console(make_settings: SettingsFactory,
                                tokens: Tokens) -> AsyncIterator[tuple[Reporting, Console]]:
    """Reporting and a console whose report pages call it, on the same topics."""
    # Imported here, so the console's other tests do not need the reporting package.
    from liaison_reporting.main import bootstrap as reporting_bootstrap
    from liaison_reporting.settings import Settings as ReportingSettings

    runtime = reporting_bootstrap(make_settings(ReportingSettings))  # type: ignore[arg-type]
    app = runtime.app()
    await runtime.start()
    try:
        async with served(app) as address, \
                running_console(console_settings(make_settings, reporting_url=address)) as console:
            yield Reporting(runtime, address, tokens), console
    finally:
        await runtime.stop()


def received(*, party: str = "member", mco: str | None = "IA-TC", at: datetime | None = None,
             inquiry_id: uuid.UUID | None = None) -> InquiryReceivedV1:
    when = at or datetime.now(UTC) - timedelta(minutes=5)
    identity: dict[str, Any] = {"member": MemberIdentity(name="Jane Example", medicaid_id="1234567A")} \
        if party == "member" else {"provider": ProviderIdentity(npi="1245319599", contact_name="Pat Example")}
    return InquiryReceivedV1(inquiry_id=inquiry_id or uuid.uuid4(), party=party, source="managed_care_ombudsman",
                             category="pharmacy", mco=mco, description="Cannot get a refill.", received_at=when,
                             caller_name="John Example", callback_phone="515-555-0134", **identity)


def assigned(inquiry: InquiryReceivedV1, *, priority: str = "urgent", queue: str = "member_liaison",
             track: str = "member_mco") -> PriorityAssignedV1:
    return PriorityAssignedV1(
        inquiry_id=inquiry.inquiry_id, track=track, priority=priority, queue=queue,
        subject=f"[{priority.upper()}] {inquiry.party.capitalize()} · Pharmacy · MCO IA-TC · ID ***567A",
        mco=inquiry.mco, rules_fired=("oversight-source",), ruleset_version="test",
        received_at=inquiry.received_at, decided_at=inquiry.received_at + timedelta(seconds=2))


def clock(inquiry: InquiryReceivedV1, name: str = "originator_contacted", *, warn_in: timedelta = timedelta(hours=2),
          due_in: timedelta = timedelta(hours=4), priority: str = "urgent") -> ClockStartedV1:
    now = datetime.now(UTC)
    return ClockStartedV1(inquiry_id=inquiry.inquiry_id, clock=name, track="member_mco", priority=Priority(priority),
                          warn_at=now + warn_in, due_at=now + due_in, started_at=inquiry.received_at)


__all__ = ["HTML", "Console", "Reporting", "assigned", "clock", "received", "served"]
