"""Deliveries survive kill -9 without a repeat under a new id, two instances
share the work and record each delivery once, and a dead webhook endpoint does
not hold up anyone else."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from liaison_notifier.deliveries import CLAIM_AHEAD
from liaison_notifier.rules.ids import notification_id
from liaison_shared.db import create_engine
from liaison_shared.events import Event, decode, encode
from liaison_shared.kafka import catalog_topics, ensure_topics
from liaison_shared.payloads import NotificationSentV1
from liaison_shared.testing.plugin import TEST_PARTITIONS, SettingsFactory
from liaison_shared.testing.waiting import wait_until

from .conftest import (
    SECRET,
    Harness,
    Inbox,
    Receiver,
    assigned,
    free_port,
    serve_receiver,
    started_notifier,
    write_subscriptions,
)

TOTAL = 120
SHARED = 300


SCRIPT = str(Path(sys.executable).parent / "liaison-notifier")


def service_env(database_url: str, kafka_bootstrap: str, schema: str, prefix: str, subscriptions: Path
                ) -> dict[str, str]:
    """The environment of a `liaison-notifier` process, as deployed, on the test's schema and prefix."""
    return {**os.environ, "TEST_CCM_SECRET": SECRET, "LIAISON_NOTIFIER_DATABASE_URL": database_url,
            "LIAISON_NOTIFIER_DB_SCHEMA": schema, "LIAISON_NOTIFIER_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "LIAISON_NOTIFIER_TOPIC_PREFIX": prefix, "LIAISON_NOTIFIER_TOPIC_PARTITIONS": str(TEST_PARTITIONS),
            "LIAISON_NOTIFIER_HTTP_PORT": str(free_port()), "LIAISON_NOTIFIER_RETRY_BASE_SECONDS": "0.05",
            "LIAISON_NOTIFIER_SUBSCRIPTIONS_PATH": str(subscriptions)}


def spawn(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([SCRIPT], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_ready(env: dict[str, str]) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{env['LIAISON_NOTIFIER_HTTP_PORT']}") as http:
        async def ready() -> bool:
            try:
                return (await http.get("/readyz")).status_code == 200
            except httpx.TransportError:
                return False
        await wait_until(ready, timeout=60, what="notifier ready")


async def produce(kafka_bootstrap: str, prefix: str, events: list[Event]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for event in events:
            record = encode(event, prefix)
            await producer.send(record.topic, key=record.key, value=record.value, headers=record.headers)
        await producer.flush()
    finally:
        await producer.stop()


async def stop_all(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        await asyncio.to_thread(process.wait, 30)


async def test_killed_notifier_resends_nothing_under_a_new_id_and_loses_nothing(
    database_url: str, kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    receiver = Receiver()
    server, hook_port = serve_receiver(receiver)
    prefix = f"{unique_name}."
    env = service_env(database_url, kafka_bootstrap, unique_name, prefix,
                      write_subscriptions(tmp_path / "s.yaml", hook_port))
    await ensure_topics(kafka_bootstrap, catalog_topics(prefix), TEST_PARTITIONS)
    process = spawn(env)
    events = [Event(assigned(queue="ccm"), source="/tests") for _ in range(TOTAL)]
    try:
        await wait_ready(env)
        await produce(kafka_bootstrap, prefix, events)

        async def received(n: int) -> bool:
            return len({r["id"] for r in receiver.received}) >= n
        await wait_until(lambda: received(TOTAL // 4), timeout=60, what="the first deliveries")
        process.send_signal(signal.SIGKILL)  # mid-batch
        await asyncio.to_thread(process.wait, 10)
        process = spawn(env)
        await wait_until(lambda: received(TOTAL), timeout=120, what="every delivery")
    finally:
        await stop_all([process])
        server.shutdown()
    expected = {str(notification_id(e.id, "ccm-hook", "webhook")) for e in events}
    ids = [r["id"] for r in receiver.received]
    assert set(ids) == expected  # nothing lost, and no delivery under any other id
    repeats = len(ids) - len(set(ids))
    # Only what was sent and not yet recorded at the kill can repeat: at most what the instance held
    # (claimed ahead, twice the per-endpoint concurrency of 4).
    assert repeats <= CLAIM_AHEAD * 4


async def test_two_notifier_processes_share_the_deliveries_and_record_each_once(
    database_url: str, kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    receiver = Receiver()
    server, hook_port = serve_receiver(receiver)
    prefix = f"{unique_name}."
    # One schema and one consumer group, as deployed; each instance posts to its own path of the
    # same receiver, so the receiver can tell which instance sent what.
    envs = {name: service_env(database_url, kafka_bootstrap, unique_name, prefix,
                              write_subscriptions(tmp_path / f"{name}.yaml", hook_port, f"/hook/{name}"))
            for name in ("a", "b")}
    await ensure_topics(kafka_bootstrap, catalog_topics(prefix), TEST_PARTITIONS)
    engine = create_engine(database_url, unique_name)
    events = [Event(assigned(queue="ccm"), source="/tests") for _ in range(SHARED)]
    processes = []
    try:
        for env in envs.values():  # one after the other: the first migrates the shared schema
            processes.append(spawn(env))
            await wait_ready(env)
        await produce(kafka_bootstrap, prefix, events)

        async def all_recorded() -> bool:
            async with engine.connect() as conn:
                return (await conn.exec_driver_sql(
                    "SELECT count(*) FROM deliveries WHERE status = 'sent'")).scalar_one() == SHARED
        await wait_until(all_recorded, timeout=120, what="every delivery recorded as sent")
        async with engine.connect() as conn:
            rows = (await conn.exec_driver_sql("SELECT notification_id, attempts FROM deliveries")).all()
            announced = (await conn.exec_driver_sql(
                "SELECT value, headers FROM outbox WHERE topic LIKE '%notification.delivery'")).all()
    finally:
        await stop_all(processes)
        await engine.dispose()
        server.shutdown()
    expected = {str(notification_id(e.id, "ccm-hook", "webhook")) for e in events}
    ids = [r["id"] for r in receiver.received]
    assert sorted(ids) == sorted(expected)  # every one arrived, none twice
    assert sorted(str(r.notification_id) for r in rows) == sorted(expected)
    assert {r.attempts for r in rows} == {1}
    sent = [decode(value, [(name, raw.encode()) for name, raw in headers]).payload for value, headers in announced]
    assert sorted(str(p.notification_id) for p in sent if isinstance(p, NotificationSentV1)) == sorted(expected)
    by_instance = Counter(r["path"] for r in receiver.received)
    assert set(by_instance) == {"/hook/a", "/hook/b"}
    assert min(by_instance.values()) >= SHARED // 10, by_instance  # both did a share of the work


async def test_dead_webhook_endpoint_does_not_hold_up_other_recipients(notifier: Harness) -> None:
    notifier.receiver.hang = True  # every webhook request hangs past the timeout
    await notifier.publish(*[assigned(queue="ccm") for _ in range(10)])
    await notifier.publish(*[assigned(queue="member_liaison") for _ in range(10)])

    async def emails() -> bool:
        return len(notifier.inbox.messages) >= 10
    await wait_until(emails, timeout=30, what="ten e-mails while the webhook hangs")
    async with notifier.runtime.engine.connect() as conn:
        webhook_sent = await conn.exec_driver_sql(
            "SELECT count(*) FROM deliveries WHERE channel = 'webhook' AND status = 'sent'")
        assert webhook_sent.scalar_one() == 0


async def test_rejected_webhook_is_failed_with_its_reason_and_announced(notifier: Harness) -> None:
    notifier.receiver.fail_first = 0
    notifier.receiver.verify = lambda headers, body: False  # type: ignore[method-assign]  # answers 401
    [event] = await notifier.publish(assigned(queue="ccm"))

    async def failed() -> bool:
        async with notifier.runtime.engine.connect() as conn:
            status = (await conn.exec_driver_sql(
                f"SELECT status FROM deliveries WHERE cause_event_id = '{event.id}'")).scalar()
        return status == "failed"
    await wait_until(failed, what="the delivery failed")
    async with notifier.runtime.engine.connect() as conn:
        row = (await conn.exec_driver_sql(
            f"SELECT attempts, last_error FROM deliveries WHERE cause_event_id = '{event.id}'")).one()
        announced = (await conn.exec_driver_sql(
            "SELECT count(*) FROM outbox WHERE topic LIKE '%notification.delivery'")).scalar_one()
    assert (row.attempts, row.last_error) == (1, "http 401")  # a 4xx is not retried
    assert announced == 1


async def test_a_long_backlog_for_one_hung_endpoint_does_not_hold_back_newer_work(notifier: Harness) -> None:
    # More hung webhook deliveries than the deliverer takes in one look, all older than the e-mails.
    notifier.receiver.hang = True
    await notifier.publish(*[assigned(queue="ccm") for _ in range(400)])

    async def backlog() -> bool:
        async with notifier.runtime.engine.connect() as conn:
            return (await conn.exec_driver_sql(
                "SELECT count(*) FROM deliveries WHERE channel = 'webhook'")).scalar_one() == 400
    await wait_until(backlog, timeout=60, what="the webhook backlog")
    await notifier.publish(*[assigned(queue="member_liaison") for _ in range(5)])

    async def emails() -> bool:
        return len(notifier.inbox.messages) >= 5
    await wait_until(emails, timeout=20, what="five e-mails behind 400 hung webhook deliveries")


async def test_new_deliveries_go_out_without_waiting_for_the_poll(
        make_settings: SettingsFactory, tmp_path: Path, inbox: tuple[Inbox, int], receiver: tuple[Receiver, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The consumer's commit wakes the deliverer: with a 60 s poll, the e-mail still goes at once."""
    monkeypatch.setenv("TEST_CCM_SECRET", SECRET)
    async with started_notifier(make_settings, tmp_path, inbox, receiver, delivery_poll_seconds=60) as harness:
        await harness.publish(assigned(queue="member_liaison"))

        async def sent() -> bool:
            return len(harness.inbox.messages) == 1
        await wait_until(sent, timeout=20, what="the e-mail, long before the 60 s poll")


async def test_hung_sends_hold_no_database_connection(
        make_settings: SettingsFactory, tmp_path: Path, inbox: tuple[Inbox, int], receiver: tuple[Receiver, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """More hung webhook sends than the connection pool has connections: e-mails still go out."""
    monkeypatch.setenv("TEST_CCM_SECRET", SECRET)
    receiver[0].hang = True
    try:
        async with started_notifier(make_settings, tmp_path, inbox, receiver, webhook_timeout_seconds=15,
                                    per_endpoint_concurrency=30) as harness:
            await harness.publish(*[assigned(queue="ccm") for _ in range(30)])  # 30 sends hang for 15 s each

            async def hanging() -> bool:
                return receiver[0].attempts >= 30
            await wait_until(hanging, timeout=20, what="thirty webhook sends in flight")
            await harness.publish(*[assigned(queue="member_liaison") for _ in range(3)])

            async def sent() -> bool:
                return len(harness.inbox.messages) == 3
            # Holding a connection each, the hung sends would keep the consumer out of the pool for 15 s.
            await wait_until(sent, timeout=10, what="three e-mails while thirty sends hang")
    finally:
        receiver[0].hang = False
