"""The only module that builds aiokafka clients: producer settings and topics."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from liaison_shared.catalog import TOPICS, dead_letter_topic, mco_topic, per_mco

DEFAULT_PARTITIONS = 6


def reliable_producer(bootstrap: str, client_id: str) -> AIOKafkaProducer:
    """An idempotent producer that waits for every in-sync replica (acks=all)."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        request_timeout_ms=15000,
    )


def catalog_topics(prefix: str = "") -> list[str]:
    """Every catalogued topic and its dead-letter topic, with the given prefix (per-MCO
    topics are created for the MCOs a deployment knows, with `mco_topics`)."""
    return [prefix + name for topic in TOPICS if not per_mco(topic) for name in (topic, dead_letter_topic(topic))]


def mco_topics(mcos: Iterable[str], prefix: str = "") -> list[str]:
    """The concrete per-MCO topics of these MCOs."""
    return [prefix + mco_topic(topic, mco) for topic in TOPICS if per_mco(topic) for mco in mcos]


KEPT_FOREVER = {"retention.ms": "-1"}
"""Events are the record read models are built from: a topic keeps every event, so a read model
(reporting's, for one) can be rebuilt by replaying its topics from the start."""


async def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int = DEFAULT_PARTITIONS) -> None:
    """Create the topics that do not exist yet (consumers never wait for auto-creation), keeping their
    events forever."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [NewTopic(name=t, num_partitions=partitions, replication_factor=1, topic_configs=KEPT_FOREVER)
                  for t in dict.fromkeys(topics) if t not in existing]
        if wanted:
            try:
                await admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                pass  # another instance created them first
    finally:
        await admin.close()


async def delete_topics(bootstrap: str, prefix: str) -> None:
    """Delete every topic whose name starts with `prefix` (tests and benchmarks clean up with it)."""
    if not prefix:
        raise ValueError("refusing to delete topics without a prefix")
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        doomed = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()


async def kafka_answers(producer: AIOKafkaProducer, timeout: float = 2.0) -> bool:
    """True when the broker answers a metadata request within `timeout` seconds."""
    try:
        await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout)
    except Exception:  # any failure means "not ready"; readiness must not raise
        return False
    return True
