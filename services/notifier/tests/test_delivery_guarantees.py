"""Deliveries survive kill -9 without a repeat under a new id, and a dead
webhook endpoint does not hold up anyone else."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from liaison_notifier.main import bootstrap
from liaison_notifier.rules.ids import notification_id
from liaison_notifier.settings import Settings
from liaison_shared.events import Event, encode
from liaison_shared.kafka import catalog_topics, ensure_topics
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


async def test_killed_notifier_resends_nothing_under_a_new_id_and_loses_nothing(
    database_url: str, kafka_bootstrap: str, unique_name: str, tmp_path: Path
) -> None:
    receiver = Receiver()
    server, hook_port = serve_receiver(receiver)
    prefix, http_port = f"{unique_name}.", free_port()
    env = {**os.environ, "TEST_CCM_SECRET": SECRET, "LIAISON_NOTIFIER_DATABASE_URL": database_url,
           "LIAISON_NOTIFIER_DB_SCHEMA": unique_name, "LIAISON_NOTIFIER_KAFKA_BOOTSTRAP": kafka_bootstrap,
           "LIAISON_NOTIFIER_TOPIC_PREFIX": prefix, "LIAISON_NOTIFIER_TOPIC_PARTITIONS": str(TEST_PARTITIONS),
           "LIAISON_NOTIFIER_HTTP_PORT": str(http_port), "LIAISON_NOTIFIER_RETRY_BASE_SECONDS": "0.05",
           "LIAISON_NOTIFIER_SUBSCRIPTIONS_PATH": str(write_subscriptions(tmp_path / "s.yaml", hook_port))}
    await ensure_topics(kafka_bootstrap, catalog_topics(prefix), TEST_PARTITIONS)
    script = str(Path(sys.executable).parent / "liaison-notifier")
    process = subprocess.Popen([script], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    events = [Event(assigned(queue="ccm"), source="/tests") for _ in range(TOTAL)]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}") as http:
            async def ready() -> bool:
                try:
                    return (await http.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False
            await wait_until(ready, timeout=60, what="notifier ready")
        for event in events:
            record = encode(event, prefix)
            await producer.send(record.topic, key=record.key, value=record.value, headers=record.headers)
        await producer.flush()

        async def received(n: int) -> bool:
            return len({r["id"] for r in receiver.received}) >= n
        await wait_until(lambda: received(TOTAL // 4), timeout=60, what="the first deliveries")
        process.send_signal(signal.SIGKILL)  # mid-batch
        await asyncio.to_thread(process.wait, 10)
        process = subprocess.Popen([script], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await wait_until(lambda: received(TOTAL), timeout=120, what="every delivery")
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 30)
        await producer.stop()
        server.shutdown()
    expected = {str(notification_id(e.id, "ccm-hook", "webhook")) for e in events}
    ids = [r["id"] for r in receiver.received]
    assert set(ids) == expected  # nothing lost, and no delivery under any other id
    repeats = len(ids) - len(set(ids))
    assert repeats <= 4  # only what was in flight at the kill (per-endpoint concurrency 4) can repeat


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


async def test_two_notifier_instances_send_each_notification_once(
    notifier: Harness, make_settings: SettingsFactory
) -> None:
    second = bootstrap(make_settings(Settings, subscriptions_path=notifier.runtime.settings.subscriptions_path,
                                     delivery_poll_seconds=0.05))
    await second.start()
    try:
        events = await notifier.publish(*[assigned(queue="ccm") for _ in range(40)])

        async def all_received() -> bool:
            return len({r["id"] for r in notifier.receiver.received}) >= len(events)
        await wait_until(all_received, timeout=60, what="every webhook")
    finally:
        await second.stop()
    ids = [r["id"] for r in notifier.receiver.received]
    assert len(ids) == len(set(ids)) == len(events)


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
