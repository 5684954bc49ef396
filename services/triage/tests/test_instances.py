"""Two triage processes in one consumer group share the inquiries: each is
decided once, by one of them, and both do part of the work."""

from __future__ import annotations

import asyncio
import re

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from liaison_shared.kafka import catalog_topics, ensure_topics
from liaison_shared.testing.plugin import TEST_PARTITIONS
from liaison_shared.testing.system import free_port
from liaison_shared.testing.waiting import wait_until

from .conftest import DecisionsRead, process_env, publish_inquiries, received, start_triage, wait_ready

TOTAL = 400
HANDLED = re.compile(r'liaison_events_consumed_total\{[^}]*event_type="liaison\.inquiry\.received\.v1"'
                     r'[^}]*outcome="handled"[^}]*\} ([0-9.e+]+)')


async def handled_by(http: httpx.AsyncClient) -> int:
    """How many inquiries this instance decided, by its own metrics."""
    text = (await http.get("/metrics")).text
    return int(sum(float(n) for n in HANDLED.findall(text)))


async def test_two_triage_instances_share_the_inquiries_and_decide_each_once(
    database_url: str, kafka_bootstrap: str, unique_name: str
) -> None:
    prefix = f"{unique_name}."
    env, ports = process_env(database_url, kafka_bootstrap, unique_name), [free_port(), free_port()]
    await ensure_topics(kafka_bootstrap, catalog_topics(prefix), TEST_PARTITIONS)
    processes = [start_triage(env, port) for port in ports]
    clients = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") for port in ports]
    inquiries = [received(mco="IA-TC", source="plan_member_services") for _ in range(TOTAL)]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, linger_ms=5)
    decisions = DecisionsRead(AIOKafkaConsumer(prefix + "inquiry.priority-assigned",
                                               bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"))
    await producer.start()
    await decisions.consumer.start()
    try:
        for port in ports:
            await wait_ready(port)

        async def both_assigned() -> bool:  # the group has settled with a share for each member
            texts = [(await http.get("/metrics")).text for http in clients]
            return all(f'topic="{prefix}inquiry.received"' in text for text in texts)
        await wait_until(both_assigned, timeout=60, what="both instances assigned partitions")
        await publish_inquiries(producer, prefix, inquiries)
        await wait_until(lambda: decisions.at_least(TOTAL), timeout=120, what="every inquiry decided")
        shares = [await handled_by(http) for http in clients]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            await asyncio.to_thread(process.wait, 30)
        for http in clients:
            await http.aclose()
        await decisions.consumer.stop()
        await producer.stop()
    assert set(decisions.seen) == {str(i.inquiry_id) for i in inquiries}
    assert all(len(event_ids) == 1 for event_ids in decisions.seen.values())  # each decided once, by one instance
    assert sum(shares) == TOTAL and min(shares) > 0, shares  # both did part of the work, none twice
