"""Rebuilding the read model from scratch: `liaison-reporting rebuild`, with the service stopped.

The read model holds nothing but what the events say, and every topic keeps its events
(`liaison_shared.kafka.KEPT_FOREVER`). So a rebuild empties the read model and the inbox, and points
the service's consumer group at the first offset of every partition it reads; started again, the
service replays every event and arrives at the same figures. Run it after a change to how events
are folded, or to recover from a lost database.
"""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text

from liaison_reporting.tables import metadata
from liaison_shared.runtime import Runtime


async def rebuild(runtime: Runtime) -> int:
    """Empty the read model, rewind the consumer group; the number of partitions rewound."""
    consumer_topics = runtime.consumer.topics if runtime.consumer is not None else []
    async with runtime.engine.begin() as conn:
        names = ", ".join(table.name for table in metadata.sorted_tables)
        await conn.execute(text(f"TRUNCATE {names}, inbox"))
    settings = runtime.settings
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(consumer_topics)
    finally:
        await admin.close()
    partitions = [TopicPartition(topic["topic"], p["partition"]) for topic in described for p in topic["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, group_id=settings.consumer_group,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        first = await consumer.beginning_offsets(partitions)
        await consumer.commit({tp: first[tp] for tp in partitions})
    finally:
        await consumer.stop()
    await runtime.engine.dispose()
    return len(partitions)
