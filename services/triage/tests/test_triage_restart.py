"""Triage killed with -9 mid-stream and restarted: every inquiry is decided,
and none twice."""

from __future__ import annotations

import asyncio
import signal

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from liaison_shared.kafka import catalog_topics, ensure_topics
from liaison_shared.testing.plugin import TEST_PARTITIONS
from liaison_shared.testing.system import free_port
from liaison_shared.testing.waiting import wait_until

from .conftest import DecisionsRead, process_env, publish_inquiries, received, start_triage, wait_ready

TOTAL = 300


async def test_killed_triage_resumes_without_losing_or_repeating_decisions(
    database_url: str, kafka_bootstrap: str, unique_name: str
) -> None:
    prefix = f"{unique_name}."
    env, port = process_env(database_url, kafka_bootstrap, unique_name), free_port()
    await ensure_topics(kafka_bootstrap, catalog_topics(prefix), TEST_PARTITIONS)
    inquiries = [received(mco="IA-TC", source="plan_member_services") for _ in range(TOTAL)]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, linger_ms=5)
    decisions = DecisionsRead(AIOKafkaConsumer(prefix + "inquiry.priority-assigned",
                                               bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"))
    await producer.start()
    await decisions.consumer.start()
    triage = start_triage(env, port)
    try:
        await wait_ready(port)
        await publish_inquiries(producer, prefix, inquiries[: TOTAL // 2])
        await wait_until(lambda: decisions.at_least(TOTAL // 6), timeout=60, what="the first decisions")
        triage.send_signal(signal.SIGKILL)
        await asyncio.to_thread(triage.wait, 10)
        await publish_inquiries(producer, prefix, inquiries[TOTAL // 2:])  # arrive while triage is dead
        triage = start_triage(env, port)
        await wait_until(lambda: decisions.at_least(TOTAL), timeout=120, what="every inquiry decided")
    finally:
        triage.terminate()
        await asyncio.to_thread(triage.wait, 30)
        await decisions.consumer.stop()
        await producer.stop()
    assert set(decisions.seen) == {str(i.inquiry_id) for i in inquiries}
    # A decision may be re-sent after the kill, but always as the same event: never decided twice.
    assert all(len(event_ids) == 1 for event_ids in decisions.seen.values())
