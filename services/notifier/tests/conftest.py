"""The notifier in-process on the real PostgreSQL and Kafka, with a real SMTP
server (aiosmtpd) and a real HTTP webhook receiver on loopback."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import socket
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from aiosmtpd.controller import Controller
from sqlalchemy import text

from liaison_notifier.main import bootstrap
from liaison_notifier.settings import Settings
from liaison_shared.events import Event, decode, encode
from liaison_shared.payloads import Actor, InquiryReceivedV1, MailingAddress, Payload, PriorityAssignedV1
from liaison_shared.runtime import Runtime
from liaison_shared.testing.plugin import SettingsFactory

SECRET = "whsec_" + base64.b64encode(b"a test secret of 32 bytes length").decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@dataclass
class Receiver:
    """A webhook endpoint that verifies Standard Webhooks signatures on its own and can fail on purpose."""

    fail_first: int = 0
    hang: bool = False
    received: list[dict[str, str]] = field(default_factory=list)
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def verify(self, headers: Any, body: bytes) -> bool:
        key = base64.b64decode(SECRET.removeprefix("whsec_"))
        signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
        expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, headers["webhook-signature"])


def serve_receiver(receiver: Receiver) -> tuple[ThreadingHTTPServer, int]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            with receiver.lock:
                receiver.attempts += 1
                failing = receiver.attempts <= receiver.fail_first
            if receiver.hang:
                threading.Event().wait(30)
            if failing or not receiver.verify(self.headers, body):
                self.send_response(503 if failing else 401)
                self.end_headers()
                return
            with receiver.lock:
                receiver.received.append({"id": self.headers["webhook-id"], "path": self.path, **json.loads(body)})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:  # quiet
            pass

    port = free_port()
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, port


@dataclass
class Harness:
    runtime: Runtime
    inbox: Inbox
    receiver: Receiver
    producer: AIOKafkaProducer

    def http(self) -> httpx.AsyncClient:
        """A client of the notifier's HTTP API, in process (callers bring their own token)."""
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.runtime.app()), base_url="http://notifier")

    async def publish(self, *payloads: Payload) -> list[Event]:
        events = [Event(p, source="/tests") for p in payloads]
        await self.redeliver(*events)
        return events

    async def redeliver(self, *events: Event) -> None:
        """Put these very events (same ids) on the bus."""
        for event in events:
            record = encode(event, self.runtime.settings.topic_prefix)
            await self.producer.send_and_wait(record.topic, key=record.key, value=record.value,
                                              headers=record.headers)

    async def published(self, topic: str) -> list[Payload]:
        """What the notifier has published (committed to its outbox) on `topic`, in order."""
        async with self.runtime.engine.connect() as conn:
            rows = (await conn.execute(text("SELECT value, headers FROM outbox WHERE topic = :t ORDER BY id"),
                                       {"t": self.runtime.settings.topic_prefix + topic})).all()
        return [decode(value, [(name, raw.encode()) for name, raw in headers]).payload for value, headers in rows]

    async def processed(self, *events: Event) -> bool:
        """Whether the notifier has processed (and committed the effects of) all these events."""
        async with self.runtime.engine.connect() as conn:
            done = await conn.scalar(text("SELECT count(DISTINCT event_id) FROM inbox WHERE event_id = ANY(:ids)"),
                                     {"ids": [e.id for e in events]})
        return done == len({e.id for e in events})

    async def query(self, sql: str, **params: Any) -> list[Any]:
        async with self.runtime.engine.connect() as conn:
            return list((await conn.execute(text(sql), params)).all())


def write_subscriptions(path: Path, webhook_port: int, hook_path: str = "/hook") -> Path:
    path.write_text(f"""
version: test
base_url: "http://liaison.test"
console_base_url: "http://console.test"
recipients:
  member-escalations: {{channel: email, to: [member-escalations@ime.test]}}
  ccm: {{channel: email, to: [ccm@ime.test]}}
  program-integrity: {{channel: email, to: [program-integrity@ime.test]}}
  ccm-hook: {{channel: webhook, url: "http://127.0.0.1:{webhook_port}{hook_path}", secret_env: TEST_CCM_SECRET}}
mco_contacts:
  IA-TC: {{channel: email, to: [escalations@iatc.test]}}
  IA-AG: {{channel: email, to: [escalations@iaag.test]}}
practice_contacts:
  "1245319599": {{channel: email, to: [care-team@practice.test]}}
  "1003000126": {{channel: webhook, url: "http://127.0.0.1:{webhook_port}/care-hook", secret_env: TEST_CCM_SECRET}}
subscriptions:
  - {{name: member-work, kinds: [priority_assigned, letter_due], when: {{queue_in: [member_liaison]}},
     notify: [member-escalations]}}
  - {{name: integrity-work, kinds: [priority_assigned, letter_due], when: {{queue_in: [program_integrity]}},
     notify: [program-integrity]}}
  - {{name: ccm-work, kinds: [priority_assigned], when: {{queue_in: [ccm]}}, notify: [ccm-hook]}}
  - {{name: referrals, kinds: [mco_referral], notify: [mco-contact, mco-topic]}}
  - {{name: breaches, kinds: [sla_breached], notify: [member-escalations]}}
  - {{name: follow-ups, kinds: [follow_up_due], notify: [mco-topic]}}
  - {{name: care, kinds: [summary_sent, admission_notified, discharge_notified], notify: [practice-contact]}}
  - {{name: care-deadlines, kinds: [sla_warning], when: {{track_in: [care_coordination]}}, notify: [ccm]}}
""")
    return path


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, int]]:
    receiver = Receiver()
    server, port = serve_receiver(receiver)
    yield receiver, port
    server.shutdown()


@contextlib.asynccontextmanager
async def started_notifier(make_settings: SettingsFactory, tmp_path: Path, inbox: tuple[Inbox, int],
                           receiver: tuple[Receiver, int], **overrides: Any) -> AsyncIterator[Harness]:
    """A notifier on the test's inbox and webhook receiver; `overrides` change its settings."""
    subscriptions = write_subscriptions(tmp_path / "subscriptions.yaml", receiver[1])
    settings: dict[str, Any] = {"subscriptions_path": subscriptions, "smtp_port": inbox[1],
                                "retry_base_seconds": 0.05, "webhook_timeout_seconds": 1,
                                "delivery_poll_seconds": 0.05, **overrides}
    runtime = bootstrap(make_settings(Settings, **settings))
    await runtime.start()
    producer = AIOKafkaProducer(bootstrap_servers=runtime.settings.kafka_bootstrap)
    await producer.start()
    try:
        yield Harness(runtime, inbox[0], receiver[0], producer)
    finally:
        await producer.stop()
        await runtime.stop()


@pytest.fixture
async def notifier(make_settings: SettingsFactory, tmp_path: Path, inbox: tuple[Inbox, int],
                   receiver: tuple[Receiver, int], monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Harness]:
    monkeypatch.setenv("TEST_CCM_SECRET", SECRET)
    async with started_notifier(make_settings, tmp_path, inbox, receiver) as harness:
        yield harness


NOW = datetime(2026, 11, 16, 16, 0, tzinfo=UTC)


def assigned(queue: str = "member_liaison", inquiry_id: uuid.UUID | None = None, **changes: Any
             ) -> PriorityAssignedV1:
    values: dict[str, Any] = {
        "inquiry_id": inquiry_id or uuid.uuid4(), "track": "member_mco", "priority": "urgent", "queue": queue,
        "subject": "[URGENT] Member · Pharmacy · MCO IA-TC · ID ***321B", "mco": "IA-TC",
        "ruleset_version": "test", "received_at": NOW, "decided_at": NOW + timedelta(seconds=3)}
    values.update(changes)
    return PriorityAssignedV1(**values)


ACTOR = Actor(subject="test-user", name="Test User")  # who acted, as a token would say
ADDRESS = MailingAddress(line1="12 Elm Street", line2="Apt 3", city="Des Moines", state="IA", zip="50309")


def received(inquiry_id: uuid.UUID | None = None, **changes: Any) -> InquiryReceivedV1:
    """A member's case at intake, with a mailing address (PHI the letters need)."""
    values: dict[str, Any] = {
        "inquiry_id": inquiry_id or uuid.uuid4(), "party": "member", "source": "ime_call_center_csr",
        "category": "pharmacy", "mco": "IA-TC", "member": {"name": "Jane Q. Doe", "medicaid_id": "123456789A"},
        "caller_name": "Caller Not The Member", "callback_phone": "515-555-0100",
        "description": "Denied insulin refill", "received_at": NOW, "mailing_address": ADDRESS}
    values.update(changes)
    return InquiryReceivedV1(**values)
