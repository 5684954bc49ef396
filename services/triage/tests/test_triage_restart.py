"""Triage killed with -9 mid-stream and restarted: every inquiry is decided,
and none twice."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from liaison_shared.events import Event, decode, encode
from liaison_shared.kafka import catalog_topics, ensure_topics
from liaison_shared.payloads import InquiryReceivedV1, PriorityAssignedV1
from liaison_shared.testing.plugin import TEST_PARTITIONS
from liaison_shared.testing.waiting import wait_until

from .conftest import received

TOTAL = 300


def start_triage(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(Path(sys.executable).parent / "liaison-triage")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_killed_triage_resumes_without_losing_or_repeating_decisions(
    database_url: str, kafka_bootstrap: str, unique_name: str
) -> None:
    prefix = f"{unique_name}."
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "LIAISON_TRIAGE_DATABASE_URL": database_url, "LIAISON_TRIAGE_DB_SCHEMA": unique_name,
           "LIAISON_TRIAGE_KAFKA_BOOTSTRAP": kafka_bootstrap, "LIAISON_TRIAGE_TOPIC_PREFIX": prefix,
           "LIAISON_TRIAGE_TOPIC_PARTITIONS": str(TEST_PARTITIONS), "LIAISON_TRIAGE_HTTP_PORT": str(port)}
    await ensure_topics(kafka_bootstrap, catalog_topics(prefix), TEST_PARTITIONS)
    inquiries = [received(mco="IA-TC", source="plan_member_services") for _ in range(TOTAL)]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, linger_ms=5)
    decisions = AIOKafkaConsumer(prefix + "inquiry.priority-assigned", bootstrap_servers=kafka_bootstrap,
                                 auto_offset_reset="earliest")
    await producer.start()
    await decisions.start()
    seen: dict[str, set[str]] = {}

    async def decided_at_least(n: int) -> bool:
        for records in (await decisions.getmany(timeout_ms=100)).values():
            for record in records:
                event = decode(record.value, record.headers)
                assert isinstance(event.payload, PriorityAssignedV1)
                seen.setdefault(str(event.payload.inquiry_id), set()).add(str(event.id))
        return len(seen) >= n

    async def publish(batch: list[InquiryReceivedV1]) -> None:
        for inquiry in batch:
            record = encode(Event(inquiry, source="/tests"), prefix)
            await producer.send(record.topic, key=record.key, value=record.value, headers=record.headers)
        await producer.flush()

    triage = start_triage(env)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            async def ready() -> bool:
                try:
                    return (await http.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False
            await wait_until(ready, timeout=60, what="triage ready")
        await publish(inquiries[: TOTAL // 2])
        await wait_until(lambda: decided_at_least(TOTAL // 6), timeout=60, what="the first decisions")
        triage.send_signal(signal.SIGKILL)
        await asyncio.to_thread(triage.wait, 10)
        await publish(inquiries[TOTAL // 2:])  # arrive while triage is dead
        triage = start_triage(env)
        await wait_until(lambda: decided_at_least(TOTAL), timeout=120, what="every inquiry decided")
    finally:
        triage.terminate()
        await asyncio.to_thread(triage.wait, 30)
        await decisions.stop()
        await producer.stop()
    assert set(seen) == {str(i.inquiry_id) for i in inquiries}
    # A decision may be re-sent after the kill, but always as the same event: never decided twice.
    assert all(len(event_ids) == 1 for event_ids in seen.values())
