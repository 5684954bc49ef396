"""The bus's promises, on the real broker and database: outbox to Kafka to
inbox gives every event exactly one effect, through kill -9 of the relay and
of the consumer, and through redelivery of everything."""

from __future__ import annotations

from liaison_shared.db import UnitOfWork, create_engine, session_factory
from liaison_shared.kafka import catalog_topics, ensure_topics
from liaison_shared.migrations import upgrade
from liaison_shared.outbox import Outbox
from liaison_shared.testing.bus_process import MIGRATIONS
from liaison_shared.testing.plugin import TEST_PARTITIONS
from liaison_shared.testing.waiting import wait_until

from .bus_fixtures import BusProcess, resolved_event, running, scalar

TOTAL = 1000
BATCH = 50


async def test_thousand_events_have_exactly_one_effect_through_kills_and_redelivery(
    database_url: str, kafka_bootstrap: str, unique_name: str
) -> None:
    schema, prefix = unique_name, f"{unique_name}."
    engine = create_engine(database_url, schema)
    await upgrade(engine, schema, MIGRATIONS)
    await ensure_topics(kafka_bootstrap, catalog_topics(prefix), TEST_PARTITIONS)
    outbox, sessions = Outbox(prefix), session_factory(engine)
    common = {"database_url": database_url, "schema": schema, "bootstrap": kafka_bootstrap, "prefix": prefix}
    relay, consumer = BusProcess("relay", **common), BusProcess("consumer", **common)
    published: set[str] = set()

    async def publish_batch() -> None:
        events = [resolved_event() for _ in range(BATCH)]
        async with UnitOfWork(sessions) as uow:
            await outbox.add(uow.session, *events)
            await uow.commit()
        published.update(str(e.id) for e in events)

    async def sent() -> int:
        return await scalar(engine, "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL")

    async def effects() -> int:
        return await scalar(engine, "SELECT count(*) FROM effects")

    try:
        with running(relay, consumer):
            for batch in range(TOTAL // BATCH):
                await publish_batch()
                if batch == 5:  # relay dies part-way; the outbox keeps what it had not sent
                    await wait_until(lambda: _at_least(sent, 200), what="200 events relayed")
                    relay.kill()
                if batch == 8:
                    relay.start()
                if batch == 12:  # consumer dies part-way, with offsets not yet committed
                    await wait_until(lambda: _at_least(effects, 400), what="400 effects")
                    consumer.kill()
                    consumer.start()
            await wait_until(lambda: _at_least(effects, TOTAL), timeout=60, what="every effect")
            assert await sent() == TOTAL

            # Redeliver everything: the relay resends all rows, the inbox absorbs them.
            async with engine.begin() as conn:
                await conn.exec_driver_sql("UPDATE outbox SET sent_at = NULL")
            await wait_until(lambda: _at_least(sent, TOTAL), timeout=60, what="everything resent")
            await wait_until(lambda: _inbox_saw_all_redeliveries(engine, kafka_bootstrap, prefix),
                             timeout=60, what="consumer caught up with the redelivery")

        assert await effects() == TOTAL
        assert await scalar(engine, "SELECT count(DISTINCT event_id) FROM effects") == TOTAL
        async with engine.connect() as conn:
            seen = {str(r[0]) for r in await conn.exec_driver_sql("SELECT event_id FROM effects")}
        assert seen == published
    finally:
        await engine.dispose()


async def _at_least(count, n: int) -> bool:  # type: ignore[no-untyped-def]
    return await count() >= n


async def _inbox_saw_all_redeliveries(engine, bootstrap: str, prefix: str) -> bool:  # type: ignore[no-untyped-def]
    """True when the consumer group has committed past every record on the topic."""
    from aiokafka import TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        committed = await admin.list_consumer_group_offsets(prefix + "test-consumer")
        topic = prefix + "inquiry.resolved"
        partitions = [tp for tp in committed if tp.topic == topic]
        from aiokafka import AIOKafkaConsumer

        probe = AIOKafkaConsumer(bootstrap_servers=bootstrap)
        await probe.start()
        try:
            ends = await probe.end_offsets([TopicPartition(topic, p.partition) for p in partitions])
        finally:
            await probe.stop()
        total_end = sum(ends.values())
        return total_end >= 2 * TOTAL and all(committed[tp].offset >= ends[tp] for tp in partitions)
    finally:
        await admin.close()
