"""Two triage processes in one consumer group share the inquiries: each is
decided once, by one of them, and both do part of the work."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from liaison_shared.events import Event, decode, encode
from liaison_shared.kafka import catalog_topics, ensure_topics
from liaison_shared.payloads import PriorityAssignedV1
from liaison_shared.testing.plugin import TEST_PARTITIONS
from liaison_shared.testing.waiting import wait_until

from .conftest import received

TOTAL = 400
HANDLED = re.compile(r'liaison_events_consumed_total\{[^}]*event_type="liaison\.inquiry\.received\.v1"'
                     r'[^}]*outcome="handled"[^}]*\} ([0-9.e+]+)')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def handled_by(http: httpx.AsyncClient) -> int:
    """How many inquiries this instance decided, by its own metrics."""
    text = (await http.get("/metrics")).text
    return int(sum(float(n) for n in HANDLED.findall(text)))


async def test_two_triage_instances_share_the_inquiries_and_decide_each_once(
    database_url: str, kafka_bootstrap: str, unique_name: str
) -> None:
    prefix = f"{unique_name}."
    env = {**os.environ, "LIAISON_TRIAGE_DATABASE_URL": database_url, "LIAISON_TRIAGE_DB_SCHEMA": unique_name,
           "LIAISON_TRIAGE_KAFKA_BOOTSTRAP": kafka_bootstrap, "LIAISON_TRIAGE_TOPIC_PREFIX": prefix,
           "LIAISON_TRIAGE_TOPIC_PARTITIONS": str(TEST_PARTITIONS)}
    await ensure_topics(kafka_bootstrap, catalog_topics(prefix), TEST_PARTITIONS)
    ports = [free_port(), free_port()]
    processes = [subprocess.Popen([str(Path(sys.executable).parent / "liaison-triage")],
                                  env={**env, "LIAISON_TRIAGE_HTTP_PORT": str(port)},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for port in ports]
    clients = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") for port in ports]
    inquiries = [received(mco="IA-TC", source="plan_member_services") for _ in range(TOTAL)]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, linger_ms=5)
    decisions = AIOKafkaConsumer(prefix + "inquiry.priority-assigned", bootstrap_servers=kafka_bootstrap,
                                 auto_offset_reset="earliest")
    await producer.start()
    await decisions.start()
    seen: dict[str, set[str]] = {}

    async def decided_all() -> bool:
        for records in (await decisions.getmany(timeout_ms=100)).values():
            for record in records:
                event = decode(record.value, record.headers)
                assert isinstance(event.payload, PriorityAssignedV1)
                seen.setdefault(str(event.payload.inquiry_id), set()).add(str(event.id))
        return len(seen) >= TOTAL

    try:
        for http in clients:
            async def ready(http: httpx.AsyncClient = http) -> bool:
                try:
                    return (await http.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False
            await wait_until(ready, timeout=60, what="triage ready")

        async def both_assigned() -> bool:  # the group has settled with a share for each member
            texts = [(await http.get("/metrics")).text for http in clients]
            return all(f'topic="{prefix}inquiry.received"' in text for text in texts)
        await wait_until(both_assigned, timeout=60, what="both instances assigned partitions")
        for inquiry in inquiries:
            record = encode(Event(inquiry, source="/tests"), prefix)
            await producer.send(record.topic, key=record.key, value=record.value, headers=record.headers)
        await producer.flush()
        await wait_until(decided_all, timeout=120, what="every inquiry decided")
        shares = [await handled_by(http) for http in clients]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            await asyncio.to_thread(process.wait, 30)
        for http in clients:
            await http.aclose()
        await decisions.stop()
        await producer.stop()
    assert set(seen) == {str(i.inquiry_id) for i in inquiries}
    assert all(len(event_ids) == 1 for event_ids in seen.values())  # each decided once, by one instance
    assert sum(shares) == TOTAL and min(shares) > 0, shares  # both did part of the work, none twice
