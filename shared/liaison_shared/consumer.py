"""Consuming: inbox-deduplicated handlers, offsets committed after the database.

For each record the consumer opens one transaction, records (consumer,
event id) in the inbox, runs the handler (whose effects and published
events share that transaction) and commits; only then does it commit the
Kafka offset. A redelivered event finds its inbox row and has no second
effect. Poison records go to `<topic>.dlq` with the error in headers; a
handler that keeps failing goes there after `max_attempts`; an unreachable
database is waited out (never dead-lettered), so an outage loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from liaison_shared import metrics
from liaison_shared.bus_tables import inbox
from liaison_shared.catalog import BY_TYPE, dead_letter_topic
from liaison_shared.db import UnitOfWork, is_outage, session_factory
from liaison_shared.events import Event, PoisonEvent, decode
from liaison_shared.kafka import reliable_producer
from liaison_shared.logging import error_kind
from liaison_shared.retry import Backoff, wait_or_stop

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Event], Awaitable[None]]

class EventConsumer:
    """Runs handlers for catalogued event types, once per event per consumer name."""

    def __init__(
        self, *, name: str, engine: AsyncEngine, bootstrap: str, group_id: str,
        handlers: Mapping[str, Handler], topic_prefix: str = "", max_attempts: int = 5,
    ) -> None:
        unknown = set(handlers) - set(BY_TYPE)
        if unknown:
            raise ValueError(f"handlers for event types not in the catalog: {sorted(unknown)}")
        self._name = name
        self._sessions = session_factory(engine)
        self._bootstrap = bootstrap
        self._group_id = group_id
        self._handlers = dict(handlers)
        self._max_attempts = max_attempts
        self.topics = sorted({topic_prefix + BY_TYPE[t].topic for t in handlers})

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until `stop` is set; then finish the batch, commit and leave the group."""
        backoff = Backoff()
        while not stop.is_set():
            try:
                await self._consume(stop)
            except asyncio.CancelledError:
                raise
            except KafkaError as exc:
                log.warning("consumer interrupted", extra={"error": type(exc).__name__})
                await wait_or_stop(stop, backoff.next())

    async def _consume(self, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            *self.topics, bootstrap_servers=self._bootstrap, group_id=self._group_id,
            client_id=self._name, enable_auto_commit=False, auto_offset_reset="earliest",
            max_poll_records=500, isolation_level="read_committed",
        )
        producer = reliable_producer(self._bootstrap, f"{self._name}-dlq")
        await consumer.start()
        try:
            await producer.start()
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=500)
                offsets: dict[TopicPartition, int] = {}
                for tp, records in batches.items():
                    next_offset = await self._process_all(records, producer, stop)
                    if next_offset is not None:
                        offsets[tp] = next_offset
                    if stop.is_set():
                        break
                if offsets:
                    await self._commit(consumer, offsets)
                await self._report_lag(consumer)
        finally:
            await producer.stop()
            await consumer.stop()  # commits nothing more and leaves the group

    async def _process_all(
        self, records: list[ConsumerRecord[bytes, bytes]], producer: AIOKafkaProducer, stop: asyncio.Event
    ) -> int | None:
        """Process one partition's records in order; the offset to commit (None if none was finished).

        The whole batch runs in one transaction when it can; if anything in it
        fails, it is rolled back and the records are taken one at a time, so
        retries and dead letters concern only the record at fault.
        """
        if await self._try_batch(records):
            return int(records[-1].offset) + 1
        next_offset = None
        for record in records:
            if stop.is_set():
                break
            try:
                await self._process(record, producer, stop)
            except _Interrupted:
                break
            next_offset = record.offset + 1
        return next_offset

    async def _try_batch(self, records: list[ConsumerRecord[bytes, bytes]]) -> bool:
        if len(records) < 2:
            return False
        events: list[Event] = []
        for record in records:
            try:
                events.append(decode(record.value, record.headers))
            except PoisonEvent:
                return False  # the one-at-a-time path dead-letters it in order
        wanted = [e for e in events if e.type in self._handlers]
        outcomes: list[tuple[str, str]] = [(e.type, "ignored") for e in events if e.type not in self._handlers]
        try:
            async with UnitOfWork(self._sessions) as uow:
                if wanted:
                    fresh = set((await uow.session.execute(
                        insert(inbox).values([{"consumer": self._name, "event_id": e.id} for e in wanted])
                        .on_conflict_do_nothing().returning(inbox.c.event_id))).scalars())
                    for event in wanted:
                        if event.id in fresh:
                            fresh.discard(event.id)  # the same event twice in one batch acts once
                            await self._handlers[event.type](uow.session, event)
                            outcomes.append((event.type, "handled"))
                        else:
                            outcomes.append((event.type, "duplicate"))
                await uow.commit()
        except Exception:  # retried record by record below, where failures are classified
            return False
        for event_type, outcome in outcomes:
            metrics.EVENTS_CONSUMED.labels(self._name, event_type, outcome).inc()
        return True

    async def _process(
        self, record: ConsumerRecord[bytes, bytes], producer: AIOKafkaProducer, stop: asyncio.Event
    ) -> None:
        try:
            event = decode(record.value, record.headers)
        except PoisonEvent as exc:
            await self._dead_letter(producer, record, str(exc))
            return
        handler = self._handlers.get(event.type)
        if handler is None:
            metrics.EVENTS_CONSUMED.labels(self._name, event.type, "ignored").inc()
            return
        failures = 0
        backoff = Backoff()
        while True:
            try:
                outcome = await self._handle_once(handler, event)
                metrics.EVENTS_CONSUMED.labels(self._name, event.type, outcome).inc()
                return
            except Exception as exc:
                if is_outage(exc):  # never dead-letter over an outage: wait it out
                    log.warning("database unavailable; retrying", extra={"error": type(exc).__name__})
                else:
                    failures += 1  # the handler refused or broke on this event
                if failures >= self._max_attempts:
                    await self._dead_letter(producer, record, error_kind(exc))
                    metrics.EVENTS_CONSUMED.labels(self._name, event.type, "dead_lettered").inc()
                    return
            if await wait_or_stop(stop, backoff.next()):
                raise _Interrupted  # offset stays uncommitted; redelivery resumes here

    async def _handle_once(self, handler: Handler, event: Event) -> str:
        async with UnitOfWork(self._sessions) as uow:
            first_time = await uow.session.execute(
                insert(inbox).values(consumer=self._name, event_id=event.id)
                .on_conflict_do_nothing().returning(inbox.c.event_id)
            )
            if first_time.first() is None:
                return "duplicate"
            await handler(uow.session, event)
            await uow.commit()
        return "handled"

    async def _dead_letter(self, producer: AIOKafkaProducer, record: ConsumerRecord[bytes, bytes], error: str) -> None:
        topic = dead_letter_topic(record.topic)
        headers = [*record.headers, ("dlq_error", error[:1000].encode()), ("dlq_topic", record.topic.encode()),
                   ("dlq_partition", str(record.partition).encode()), ("dlq_offset", str(record.offset).encode()),
                   ("dlq_consumer", self._name.encode())]
        await producer.send_and_wait(topic, key=record.key, value=record.value, headers=headers)
        metrics.DEAD_LETTERS.labels(self._name, record.topic).inc()
        log.error("event dead-lettered", extra={"topic": record.topic, "partition": record.partition,
                                               "offset": record.offset, "error": error})

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError):
            # A partition moved to another member; it resumes from the last
            # committed offset and the inbox absorbs the repeats.
            log.info("offset commit skipped after rebalance")

    async def _report_lag(self, consumer: AIOKafkaConsumer) -> None:
        for tp in consumer.assignment():
            highwater = consumer.highwater(tp)
            if highwater is not None:
                lag = highwater - await consumer.position(tp)
                metrics.CONSUMER_LAG.labels(self._name, tp.topic, str(tp.partition)).set(max(lag, 0))


class _Interrupted(Exception):
    """Shutdown arrived while an event was waiting to be retried."""
