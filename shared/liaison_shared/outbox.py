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
from collections.abc import Sequence
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from liaison_shared import metrics
from liaison_shared.bus_tables import notify_channel, outbox
from liaison_shared.events import Event, encode
from liaison_shared.kafka import reliable_producer
from liaison_shared.retry import Backoff, wait_any, wait_or_stop

log = logging.getLogger(__name__)


class Outbox:
    """Adds events to the outbox table inside the caller's transaction."""

    def __init__(self, topic_prefix: str = "") -> None:
        self._topic_prefix = topic_prefix

    async def add(self, session: AsyncSession, *events: Event) -> None:
        """Stage events for publishing; they leave only if the transaction commits."""
        if not events:
            return
        rows = []
        for event in events:
            record = encode(event, self._topic_prefix)
            rows.append({
                "event_id": event.id, "topic": record.topic, "key": record.key, "value": record.value,
                "headers": [[name, value.decode()] for name, value in record.headers],
            })
        await session.execute(insert(outbox), rows)


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
        listener = await asyncpg.connect(asyncpg_dsn(self._engine))
        try:
            while not await listener.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", "relay:" + self._schema):
                if await wait_or_stop(stop, self._sweep_seconds):
                    return
            await listener.add_listener(notify_channel(self._schema), lambda *_: self._wake.set())
            while not stop.is_set():
                self._wake.clear()
                if await self.relay_once() < self._batch_size:
                    await wait_any(stop, self._wake, timeout=self._sweep_seconds)
                    if not self._wake.is_set():  # a quiet sweep: the moment to count what is left
                        metrics.OUTBOX_BACKLOG.labels(self._service).set(await self._backlog())
                if listener.is_closed():
                    raise ConnectionError("listener connection lost")
        finally:
            await listener.close(timeout=2)

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

    async def relay_once(self) -> int:
        """Send one batch of unsent rows; returns how many were sent."""
        assert self.producer is not None
        async with self._engine.begin() as conn:
            rows = (await conn.execute(
                select(outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value, outbox.c.headers,
                       outbox.c.created_at)
                .where(outbox.c.sent_at.is_(None)).order_by(outbox.c.id)
                .limit(self._batch_size).with_for_update(skip_locked=True)
            )).all()
            if not rows:
                return 0
            await self._send(rows)
            await conn.execute(update(outbox).where(outbox.c.id.in_([r.id for r in rows]))
                               .values(sent_at=func.clock_timestamp()))
        now = datetime.now(UTC)
        for row in rows:
            metrics.RELAY_LAG.labels(self._service).observe((now - row.created_at).total_seconds())
        metrics.EVENTS_PUBLISHED.labels(self._service).inc(len(rows))
        return len(rows)

    async def _send(self, rows: Sequence[object]) -> None:
        assert self.producer is not None
        futures = [
            await self.producer.send(
                row.topic, key=row.key, value=row.value,  # type: ignore[attr-defined]
                headers=[(name, value.encode()) for name, value in row.headers],  # type: ignore[attr-defined]
            )
            for row in rows
        ]
        await asyncio.gather(*futures)

    async def _backlog(self) -> int:
        async with self._engine.connect() as conn:
            count = await conn.scalar(select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None)))
        return int(count or 0)
