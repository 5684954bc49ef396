"""Poison events go to `<topic>.dlq` with their error, and the consumer goes on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from liaison_shared.consumer import EventConsumer, each
from liaison_shared.db import create_engine
from liaison_shared.events import Event, encode
from liaison_shared.kafka import catalog_topics, ensure_topics
from liaison_shared.migrations import upgrade
from liaison_shared.testing.bus_process import EFFECT_TYPE, MIGRATIONS, record_effect
from liaison_shared.testing.plugin import TEST_PARTITIONS
from liaison_shared.testing.waiting import wait_until

from .bus_fixtures import resolved_event, scalar


@pytest.fixture
async def engine(database_url: str, kafka_bootstrap: str, unique_name: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, unique_name)
    await upgrade(engine, unique_name, MIGRATIONS)
    await ensure_topics(kafka_bootstrap, catalog_topics(f"{unique_name}."), TEST_PARTITIONS)
    yield engine
    await engine.dispose()


async def run_consumer(engine: AsyncEngine, bootstrap: str, prefix: str, handler=record_effect):  # type: ignore[no-untyped-def]
    consumer = EventConsumer(name="dlq-test", engine=engine, bootstrap=bootstrap, group_id=prefix + "dlq-test",
                             handlers={EFFECT_TYPE: handler}, topic_prefix=prefix, max_attempts=3)
    stop = asyncio.Event()
    return stop, asyncio.create_task(consumer.run(stop))


async def produce(bootstrap: str, topic: str, value: bytes, headers: list[tuple[str, bytes]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, key=b"k", value=value, headers=headers)
    finally:
        await producer.stop()


async def dead_letters(bootstrap: str, topic: str, expected: int) -> list[dict[str, str]]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    found: list[dict[str, str]] = []
    try:
        async def collect() -> bool:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                found.extend({k: v.decode() for k, v in r.headers} for r in records)
            return len(found) >= expected
        await wait_until(collect, timeout=30, what=f"{expected} dead letters")
    finally:
        await consumer.stop()
    return found


async def test_invalid_payload_is_dead_lettered_with_its_error_and_consumer_goes_on(
    engine: AsyncEngine, kafka_bootstrap: str, unique_name: str
) -> None:
    prefix = f"{unique_name}."
    good = encode(resolved_event(), prefix)
    bad_payload = json.loads(good.value)
    bad_payload["resolved_by"] = "nobody"  # not a ResolvedBy value
    stop, task = await run_consumer(engine, kafka_bootstrap, prefix)
    try:
        await produce(kafka_bootstrap, good.topic, json.dumps(bad_payload).encode(), good.headers)
        await produce(kafka_bootstrap, good.topic, b"{not json", good.headers)
        unknown = [(k, b"liaison.no-such-event.v1" if k == "ce_type" else v) for k, v in good.headers]
        await produce(kafka_bootstrap, good.topic, good.value, unknown)
        await produce(kafka_bootstrap, good.topic, good.value, good.headers)
        await wait_until(lambda: _count(engine, 1), what="the valid event's effect")
        letters = await dead_letters(kafka_bootstrap, good.topic + ".dlq", 3)
    finally:
        stop.set()
        await task
    errors = sorted(letter["dlq_error"] for letter in letters)
    assert errors == sorted([
        "invalid payload: resolved_by: Input should be 'state' or 'mco'",
        "payload is not JSON",
        "unknown event type 'liaison.no-such-event.v1'",
    ])
    assert {letter["dlq_topic"] for letter in letters} == {good.topic}
    assert all(letter["dlq_offset"].isdigit() and letter["dlq_consumer"] == "dlq-test" for letter in letters)
    assert await scalar(engine, "SELECT count(*) FROM effects") == 1


async def test_handler_that_keeps_failing_is_dead_lettered_after_its_attempts(
    engine: AsyncEngine, kafka_bootstrap: str, unique_name: str
) -> None:
    prefix = f"{unique_name}."
    doomed, fine = resolved_event(), resolved_event()
    attempts: list[str] = []

    async def refuse_doomed(session: AsyncSession, event: Event) -> None:
        if event.id == doomed.id:
            attempts.append(str(event.id))
            raise ValueError("cannot resolve inquiry for caller 515-555-0134")
        await record_effect(session, [event])

    stop, task = await run_consumer(engine, kafka_bootstrap, prefix, each(refuse_doomed))
    try:
        for event in (doomed, fine):
            record = encode(event, prefix)
            await produce(kafka_bootstrap, record.topic, record.value, record.headers)
        await wait_until(lambda: _count(engine, 1), what="the next event's effect")
        [letter] = await dead_letters(kafka_bootstrap, f"{prefix}inquiry.resolved.dlq", 1)
    finally:
        stop.set()
        await task
    # Three tries on its own (max_attempts), plus one inside a batch if it was fetched with the next event.
    assert len(attempts) in (3, 4)
    assert letter["ce_id"] == str(doomed.id)
    assert letter["dlq_error"] == "ValueError"  # the type only: an error's text may carry PHI
    assert "515-555-0134" not in letter["dlq_error"]


async def _count(engine: AsyncEngine, n: int) -> bool:
    return await scalar(engine, "SELECT count(*) FROM effects") >= n


async def produce_all(bootstrap: str, records: list[tuple[bytes, list[tuple[str, bytes]]]], topic: str) -> None:
    """Send these (value, headers) records in order, with one key, so to one partition."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for value, headers in records:
            await producer.send(topic, key=b"k", value=value, headers=headers)
        await producer.flush()
    finally:
        await producer.stop()


async def test_a_poll_holding_a_poison_event_commits_its_neighbours_effects_once_in_one_batch(
    engine: AsyncEngine, kafka_bootstrap: str, unique_name: str
) -> None:
    prefix = f"{unique_name}."
    events = [resolved_event() for _ in range(20)]
    records = [(r.value, r.headers) for r in (encode(e, prefix) for e in events)]
    poison = (b"{not json", records[10][1])  # between the tenth and the eleventh event
    await produce_all(kafka_bootstrap, [*records[:10], poison, *records[10:]], encode(events[0], prefix).topic)
    runs: list[list[str]] = []

    async def record_runs(session: AsyncSession, batch: Sequence[Event]) -> None:
        runs.append([str(e.id) for e in batch])
        await record_effect(session, batch)

    stop, task = await run_consumer(engine, kafka_bootstrap, prefix, record_runs)  # started after: one poll
    try:
        await wait_until(lambda: _count(engine, 20), what="the twenty events' effects")
        [letter] = await dead_letters(kafka_bootstrap, f"{prefix}inquiry.resolved.dlq", 1)
    finally:
        stop.set()
        await task
    assert letter["dlq_error"] == "payload is not JSON"
    assert await scalar(engine, "SELECT count(*) FROM effects") == 20
    assert await scalar(engine, "SELECT count(DISTINCT event_id) FROM effects") == 20
    assert runs == [[str(e.id) for e in events]]  # one handler call for the whole poll: the poison left out


async def test_a_failing_event_in_a_poll_is_retried_alone_and_its_neighbours_act_once(
    engine: AsyncEngine, kafka_bootstrap: str, unique_name: str
) -> None:
    prefix = f"{unique_name}."
    events = [resolved_event() for _ in range(12)]
    doomed = events[5]
    await produce_all(kafka_bootstrap, [(r.value, r.headers) for r in (encode(e, prefix) for e in events)],
                      encode(doomed, prefix).topic)
    calls: list[int] = []

    async def refuse_doomed(session: AsyncSession, batch: Sequence[Event]) -> None:
        calls.append(len(batch))
        await record_effect(session, batch)  # the neighbours' effects, rolled back with the batch
        if any(e.id == doomed.id for e in batch):
            raise ValueError("this inquiry cannot be resolved")

    stop, task = await run_consumer(engine, kafka_bootstrap, prefix, refuse_doomed)
    try:
        await wait_until(lambda: _count(engine, 11), what="the other eleven events' effects")
        [letter] = await dead_letters(kafka_bootstrap, f"{prefix}inquiry.resolved.dlq", 1)
    finally:
        stop.set()
        await task
    assert letter["ce_id"] == str(doomed.id)
    assert calls[0] == 12  # tried together first
    assert calls[1:] == [1] * (11 + 3)  # then one by one: eleven once each, the doomed one max_attempts times
    assert await scalar(engine, "SELECT count(*) FROM effects") == 11
    assert await scalar(engine, f"SELECT count(*) FROM effects WHERE event_id = '{doomed.id}'") == 0
