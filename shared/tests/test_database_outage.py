"""A consumer waits out a PostgreSQL restart: the events it could not record
are neither lost nor dead-lettered, and none has two effects."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from aiokafka import AIOKafkaProducer

from liaison_shared.consumer import EventConsumer
from liaison_shared.db import create_engine
from liaison_shared.events import encode
from liaison_shared.kafka import catalog_topics, ensure_topics
from liaison_shared.migrations import upgrade
from liaison_shared.testing.bus_process import EFFECT_TYPE, MIGRATIONS, record_effect
from liaison_shared.testing.plugin import TEST_PARTITIONS
from liaison_shared.testing.private_servers import PrivatePostgres
from liaison_shared.testing.waiting import wait_until

from .bus_fixtures import resolved_event, scalar

PRIVATE_PORT = 54339


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    with PrivatePostgres(PRIVATE_PORT) as server:
        yield server


async def test_consumer_resumes_after_database_restart_without_loss_or_repeat(
    private_postgres: PrivatePostgres, kafka_bootstrap: str, unique_name: str
) -> None:
    prefix = f"{unique_name}."
    engine = create_engine(private_postgres.database_url, unique_name)
    await upgrade(engine, unique_name, MIGRATIONS)
    await ensure_topics(kafka_bootstrap, catalog_topics(prefix), TEST_PARTITIONS)
    consumer = EventConsumer(name="outage-test", engine=engine, bootstrap=kafka_bootstrap,
                             group_id=prefix + "outage-test", handlers={EFFECT_TYPE: record_effect},
                             topic_prefix=prefix, max_attempts=2)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()

    async def send(count: int) -> None:
        for _ in range(count):
            record = encode(resolved_event(), prefix)
            await producer.send_and_wait(record.topic, key=record.key, value=record.value, headers=record.headers)

    async def effects_reach(n: int) -> bool:
        return await scalar(engine, "SELECT count(*) FROM effects") >= n

    try:
        await send(20)
        await wait_until(lambda: effects_reach(20), what="the first 20 effects")
        await asyncio.to_thread(private_postgres.stop)
        await send(30)  # arrive while the database is down
        await asyncio.to_thread(private_postgres.start)
        await wait_until(lambda: effects_reach(50), timeout=60, what="all 50 effects")
    finally:
        stop.set()
        await task
        await producer.stop()
    assert await scalar(engine, "SELECT count(*) FROM effects") == 50
    assert await scalar(engine, "SELECT count(DISTINCT event_id) FROM effects") == 50
    await engine.dispose()
