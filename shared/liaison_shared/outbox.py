"""Publishing: the transactional outbox and the relay that empties it into Kafka.

A service publishes by adding events to the outbox in the same transaction
as its state change (`Outbox.add`). The relay (`OutboxRelay.run`) sends
committed rows in id order with an idempotent, acks=all producer and marks
them sent only after the broker acknowledged them. One relay per schema is
active at a time (a PostgreSQL advisory lock), which keeps each key's
events in order; other instances stand by and take over when it dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

import asyncpg
import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from liaison_shared import metrics
from liaison_shared.bus_tables import notify_channel
from liaison_shared.events import Event, encode
from liaison_shared.kafka import reliable_producer
from liaison_shared.retry import Backoff, wait_any, wait_or_stop

log = logging.getLogger(__name__)


class Outbox:
    """Adds events to the outbox table inside the caller's transaction."""

    def __init__(self, topic_prefix: str = "") -> None:
        self._topic_prefix = topic_prefix

    async def add(self, session: AsyncSession, *events: Event) -> None:
        """Stage events for publishing; they leave only if the transaction commits (one statement for all)."""
        if not events:
            return
        records = [encode(event, self._topic_prefix) for event in events]
        await session.execute(_ADD, {
            "ids": [event.id for event in events],
            "topics": [record.topic for record in records],
            "keys": [record.key for record in records],
            "values": [record.value for record in records],
            "headers": [orjson.dumps([[name, value.decode()] for name, value in record.headers]).decode()
                        for record in records],
        })


_ADD = text(
    "INSERT INTO outbox (event_id, topic, key, value, headers) SELECT * FROM unnest("
    "CAST(:ids AS uuid[]), CAST(:topics AS text[]), CAST(:keys AS bytea[]), CAST(:values AS bytea[]), "
    "CAST(:headers AS jsonb[]))"
)


def asyncpg_dsn(engine: AsyncEngine) -> str:
    """The engine's URL in the form asyncpg.connect accepts."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class OutboxRelay:
    """Moves committed outbox rows to Kafka; run one per service instance."""

    def __init__(
        self, engine: AsyncEngine, schema: str, bootstrap: str, *, service: str,
        batch_size: int = 500, sweep_seconds: float = 1.0,
    ) -> None:
        self._engine = engine
        self._schema = schema
        self._bootstrap = bootstrap
        self._service = service
        self._batch_size = batch_size
        self._sweep_seconds = sweep_seconds
        self._wake = asyncio.Event()
        self.producer: AIOKafkaProducer | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Relay until `stop` is set, surviving broker and database outages."""
        backoff = Backoff()
        while not stop.is_set():
            try:
                await self._lead_and_relay(stop)
                backoff.reset()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database away: wait, then try again
                log.warning("outbox relay interrupted", extra={"error": type(exc).__name__})
                if isinstance(exc, KafkaError):
                    # A batch lost in a broker outage can end the idempotent producer for good
                    # (OutOfOrderSequenceNumber, and every later send fails): try again with a new one.
                    producer, self.producer = self.producer, None
                    if producer is not None:
                        with contextlib.suppress(Exception):
                            await producer.stop()
                await wait_or_stop(stop, backoff.next())
        await self._close_producer()

    async def _lead_and_relay(self, stop: asyncio.Event) -> None:
        await self._ensure_producer()  # standby instances too: readiness reports on it
        conn = await asyncpg.connect(asyncpg_dsn(self._engine), server_settings={"search_path": self._schema})
        try:
            while not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", "relay:" + self._schema):
                if await wait_or_stop(stop, self._sweep_seconds):
                    return
            await conn.add_listener(notify_channel(self._schema), lambda *_: self._wake.set())
            while not stop.is_set():
                self._wake.clear()
                if await self._relay_once(conn) < self._batch_size:
                    await wait_any(stop, self._wake, timeout=self._sweep_seconds)
                    if not self._wake.is_set():  # a quiet sweep: the moment to count what is left
                        metrics.OUTBOX_BACKLOG.labels(self._service).set(await conn.fetchval(_BACKLOG))
                if conn.is_closed():
                    raise ConnectionError("relay connection lost")
        finally:
            await conn.close(timeout=2)

    async def _ensure_producer(self) -> None:
        if self.producer is not None:
            return
        producer = reliable_producer(self._bootstrap, f"{self._service}-relay")
        try:
            await producer.start()
        except Exception:
            await producer.stop()
            raise
        self.producer = producer

    async def _close_producer(self) -> None:
        if self.producer is not None:
            await self.producer.stop()
            self.producer = None

    async def _relay_once(self, conn: asyncpg.Connection) -> int:
        """Send one batch of unsent rows; returns how many were sent.

        The batch goes over the leader's own connection (the one holding the
        advisory lock): two statements and a commit per batch.
        """
        assert self.producer is not None
        async with conn.transaction():
            rows = await conn.fetch(_UNSENT, self._batch_size)
            if not rows:
                return 0
            futures = [
                await self.producer.send(topic, key=key, value=value,
                                         headers=[(name, text.encode()) for name, text in orjson.loads(headers)])
                for _, topic, key, value, headers, _ in rows
            ]
            await asyncio.gather(*futures)
            await conn.execute(_MARK_SENT, [row[0] for row in rows])
        now = datetime.now(UTC)
        lag = metrics.RELAY_LAG.labels(self._service)
        for row in rows:
            lag.observe((now - row[5]).total_seconds())
        metrics.EVENTS_PUBLISHED.labels(self._service).inc(len(rows))
        return len(rows)


_UNSENT = ("SELECT id, topic, key, value, headers, created_at FROM outbox WHERE sent_at IS NULL "
           "ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED")
_MARK_SENT = "UPDATE outbox SET sent_at = clock_timestamp() WHERE id = ANY($1::bigint[])"
_BACKLOG = "SELECT count(*) FROM outbox WHERE sent_at IS NULL"
