"""Consuming: inbox-deduplicated handlers, offsets committed after the database.

For what one poll returns, the consumer opens one transaction, records
(consumer, event id) of every event in the inbox with one statement, runs
the handlers (whose effects and published events share that transaction)
and commits; only then does it commit the Kafka offsets. A handler is given
a run of consecutive events of its type from one partition, in order, so it
can write their effects with set-based statements. A redelivered event
finds its inbox row and has no second effect. Poison records go to
`<topic>.dlq` with the error in headers, alone; if a handler fails, the
poll is taken again one record at a time, so a handler that keeps failing
sends only its own record there after `max_attempts`. An unreachable
database is waited out (never dead-lettered), so an outage loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from liaison_shared import metrics
from liaison_shared.catalog import BY_TYPE, dead_letter_topic
from liaison_shared.db import UnitOfWork, is_outage, session_factory
from liaison_shared.events import Event, PoisonEvent, decode
from liaison_shared.kafka import reliable_producer
from liaison_shared.logging import error_kind
from liaison_shared.retry import Backoff, wait_or_stop

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Sequence[Event]], Awaitable[None]]
"""Handles events of one type, in the order of their partition, in the caller's transaction."""
EventHandler = Callable[[AsyncSession, Event], Awaitable[None]]

_CLAIM = text(
    "INSERT INTO inbox (consumer, event_id) SELECT :consumer, unnest(CAST(:ids AS uuid[])) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
)


def each(handler: EventHandler) -> Handler:
    """A handler that takes the events of a run one by one."""

    async def handle(session: AsyncSession, events: Sequence[Event]) -> None:
        for event in events:
            await handler(session, event)

    return handle


class EventConsumer:
    """Runs handlers for catalogued event types, once per event per consumer name."""

    def __init__(
        self, *, name: str, engine: AsyncEngine, bootstrap: str, group_id: str,
        handlers: Mapping[str, Handler], topic_prefix: str = "", max_attempts: int = 5,
        max_poll_records: int = 1000,
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
        self._max_poll_records = max_poll_records
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
            max_poll_records=self._max_poll_records, isolation_level="read_committed",
        )
        producer = reliable_producer(self._bootstrap, f"{self._name}-dlq")
        await consumer.start()
        try:
            await producer.start()
            while not stop.is_set():
                batches = await consumer.getmany(timeout_ms=500)
                if batches:
                    offsets = await self._process_poll(batches, producer, stop)
                    if offsets:
                        await self._commit(consumer, offsets)
                await self._report_lag(consumer)
        finally:
            await producer.stop()
            await consumer.stop()  # commits nothing more and leaves the group

    async def _process_poll(
        self, batches: Mapping[TopicPartition, list[ConsumerRecord[bytes, bytes]]], producer: AIOKafkaProducer,
        stop: asyncio.Event,
    ) -> dict[TopicPartition, int]:
        """Process what one poll returned; the offsets to commit (each partition's next unfinished record).

        Everything runs in one transaction when it can: one inbox insert for
        all the events, then each partition's events in order, a run of
        consecutive events of one type per handler call. Poison records are
        left out of it and dead-lettered once it committed. If a handler
        fails, the transaction is rolled back and the records are taken one
        at a time, so retries and dead letters concern only the record at
        fault and its neighbours' effects are committed once.
        """
        if await self._try_together(batches, producer):
            return {tp: int(records[-1].offset) + 1 for tp, records in batches.items()}
        offsets: dict[TopicPartition, int] = {}
        for tp, records in batches.items():
            for record in records:
                if stop.is_set():
                    return offsets
                try:
                    await self._process(record, producer, stop)
                except _Interrupted:
                    return offsets
                offsets[tp] = record.offset + 1
        return offsets

    async def _try_together(
        self, batches: Mapping[TopicPartition, list[ConsumerRecord[bytes, bytes]]], producer: AIOKafkaProducer
    ) -> bool:
        poison: list[tuple[ConsumerRecord[bytes, bytes], str]] = []
        runs: list[list[Event]] = []  # per partition, consecutive events of one handled type
        outcomes: Counter[tuple[str, str]] = Counter()
        for records in batches.values():
            previous = None
            for record in records:
                try:
                    event = decode(record.value, record.headers)
                except PoisonEvent as exc:
                    poison.append((record, str(exc)))
                    continue
                if event.type not in self._handlers:
                    outcomes[event.type, "ignored"] += 1
                elif previous == event.type:
                    runs[-1].append(event)
                else:
                    runs.append([event])
                previous = event.type
        try:
            async with UnitOfWork(self._sessions) as uow:
                fresh = await self._claim_in_inbox(uow.session, [e.id for run in runs for e in run])
                for run in runs:
                    new = [e for e in run if e.id in fresh]
                    fresh.difference_update(e.id for e in new)  # the same event twice in one poll acts once
                    outcomes[run[0].type, "duplicate"] += len(run) - len(new)
                    if new:
                        await self._handlers[run[0].type](uow.session, new)
                        outcomes[run[0].type, "handled"] += len(new)
                await uow.commit()
        except Exception:  # retried record by record, where failures are classified
            return False
        for record, error in poison:
            await self._dead_letter(producer, record, error)
        for (event_type, outcome), count in outcomes.items():
            metrics.EVENTS_CONSUMED.labels(self._name, event_type, outcome).inc(count)
        return True

    async def _claim_in_inbox(self, session: AsyncSession, event_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        """Record these events in the inbox; the ids that were not there yet."""
        if not event_ids:
            return set()
        rows = await session.execute(_CLAIM, {"consumer": self._name, "ids": event_ids})
        return set(rows.scalars())

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
            if not await self._claim_in_inbox(uow.session, [event.id]):
                return "duplicate"
            await handler(uow.session, [event])
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
