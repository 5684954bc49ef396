"""Two SLA monitor processes share the timers: each fires once, and when one
is killed with -9 mid-run the other fires what it left; nothing is lost."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from liaison_shared.events import Event, decode, encode
from liaison_shared.kafka import catalog_topics, ensure_topics
from liaison_shared.testing.plugin import TEST_PARTITIONS
from liaison_shared.testing.waiting import wait_until

from .conftest import assigned

TOTAL = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_monitor(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen([str(Path(sys.executable).parent / "liaison-sla-monitor")],
                               env={**env, "LIAISON_SLA_MONITOR_HTTP_PORT": str(port)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, port


async def wait_ready(port: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        async def ready() -> bool:
            try:
                return (await http.get("/readyz")).status_code == 200
            except httpx.TransportError:
                return False
        await wait_until(ready, timeout=60, what="sla-monitor ready")


async def test_two_instances_fire_each_timer_once_even_when_one_is_killed(
    database_url: str, kafka_bootstrap: str, unique_name: str
) -> None:
    prefix = f"{unique_name}."
    env = {**os.environ, "LIAISON_SLA_MONITOR_DATABASE_URL": database_url,
           "LIAISON_SLA_MONITOR_DB_SCHEMA": unique_name, "LIAISON_SLA_MONITOR_KAFKA_BOOTSTRAP": kafka_bootstrap,
           "LIAISON_SLA_MONITOR_TOPIC_PREFIX": prefix,
           "LIAISON_SLA_MONITOR_TOPIC_PARTITIONS": str(TEST_PARTITIONS)}
    await ensure_topics(kafka_bootstrap, catalog_topics(prefix), TEST_PARTITIONS)
    first, first_port = start_monitor(env)
    second, second_port = start_monitor(env)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, linger_ms=5)
    breaches = AIOKafkaConsumer(prefix + "sla.breached", prefix + "sla.warning", bootstrap_servers=kafka_bootstrap,
                                auto_offset_reset="earliest")
    await producer.start()
    await breaches.start()
    fired: dict[tuple[str, str], set[str]] = {}
    try:
        await wait_ready(first_port)
        await wait_ready(second_port)
        # Care-transition callbacks are due 24 calendar hours after receipt: received a day ago
        # (less a few seconds), they come due one after another over the next ~10 s.
        now = datetime.now(UTC)
        cases = [assigned(track="care_transition", priority="urgent",
                          received_at=now - timedelta(hours=24) + timedelta(seconds=3 + 9 * i / TOTAL))
                 for i in range(TOTAL)]
        for case in cases:
            record = encode(Event(case, source="/tests"), prefix)
            await producer.send(record.topic, key=record.key, value=record.value, headers=record.headers)
        await producer.flush()

        async def breached_at_least(n: int) -> bool:
            for records in (await breaches.getmany(timeout_ms=100)).values():
                for record in records:
                    event = decode(record.value, record.headers)
                    key = (event.type, str(event.payload.inquiry_id))  # type: ignore[attr-defined]
                    fired.setdefault(key, set()).add(str(event.id))
            return sum(1 for kind, _ in fired if kind.endswith("breached.v1")) >= n

        await wait_until(lambda: breached_at_least(TOTAL // 5), timeout=60, what="the first breaches")
        first.send_signal(signal.SIGKILL)  # mid-run: the survivor takes over its timers
        await asyncio.to_thread(first.wait, 10)
        await wait_until(lambda: breached_at_least(TOTAL), timeout=90, what="every breach")
    finally:
        for process in (first, second):
            if process.poll() is None:
                process.terminate()
                await asyncio.to_thread(process.wait, 30)
        await breaches.stop()
        await producer.stop()
    ids = {str(c.inquiry_id) for c in cases}
    assert {i for kind, i in fired if kind.endswith("breached.v1")} == ids
    assert {i for kind, i in fired if kind.endswith("warning.v1")} == ids
    # Re-sent after the kill at most, never fired twice: one event id per timer.
    assert all(len(event_ids) == 1 for event_ids in fired.values())
