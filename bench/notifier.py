"""The notifier's webhook deliveries against raw httpx posts, in one run.

    python -m bench.notifier [--events N]

A receiver in this process (uvicorn, bare ASGI) counts webhooks and answers 204. raw: an
httpx.AsyncClient posts N signed webhook bodies, 4 (then 16) in flight. notifier: the service
in its own process turns N PriorityAssignedV1 (queue ccm) into N webhooks to it, 4 (then 16)
per endpoint; every one must arrive or the run fails. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import uvicorn

from bench.intake import BOOTSTRAP, service_cpu_seconds
from bench.service_process import DSN, Created, check_alive, clean_up, service_env, spawn, stop
from bench.triage import send_all
from liaison_notifier.rules.ids import notification_id
from liaison_notifier.templates import allowed_context
from liaison_notifier.webhooks import signed_headers
from liaison_shared.events import Event, encode
from liaison_shared.kafka import delete_topics, reliable_producer
from liaison_shared.payloads import PriorityAssignedV1
from liaison_shared.testing.waiting import wait_until

SECRET = "whsec_" + base64.b64encode(b"a benchmark secret of 32 bytes..").decode()
CONCURRENCIES = (4, 16)  # the notifier's default per_endpoint_concurrency, then more for reference
TARGET_RATIO = 0.5  # the throughput issue's target: notifier / raw at 4 in flight
SUBSCRIPTIONS = """
version: bench
base_url: "http://liaison.test"
recipients:
  member-escalations: {{channel: email, to: [member-escalations@ime.test]}}
  ccm-hook: {{channel: webhook, url: "http://127.0.0.1:{port}/hook", secret_env: TEST_CCM_SECRET}}
mco_contacts:
  IA-TC: {{channel: email, to: [escalations@iatc.test]}}
  IA-AG: {{channel: email, to: [escalations@iaag.test]}}
subscriptions:
  - {{name: member-work, kinds: [priority_assigned], when: {{queue_in: [member_liaison]}},
     notify: [member-escalations]}}
  - {{name: ccm-work, kinds: [priority_assigned], when: {{queue_in: [ccm]}}, notify: [ccm-hook]}}
  - {{name: referrals, kinds: [mco_referral], notify: [mco-contact, mco-topic]}}
  - {{name: breaches, kinds: [sla_breached], notify: [member-escalations]}}
"""  # as services/notifier/tests/conftest.py writes them, the ccm-hook pointing at this run's receiver


class Mismatch(Exception):
    """A webhook that was owed never arrived: the run fails."""


class Receiver:
    """ASGI app: counts requests, body bytes and when each webhook-id first arrived; answers 204."""

    def __init__(self) -> None:
        self.requests = self.body_bytes = 0
        self.first_seen: dict[str, float] = {}  # webhook-id -> perf_counter (one clock for all threads)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        size, more = 0, True
        while more:
            message = await receive()
            size, more = size + len(message.get("body", b"")), message.get("more_body", False)
        self.requests, self.body_bytes = self.requests + 1, self.body_bytes + size
        self.first_seen.setdefault(dict(scope["headers"]).get(b"webhook-id", b"").decode(), time.perf_counter())
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def wait_for(self, ids: set[str], timeout: float, service: subprocess.Popen[bytes] | None = None,
                       log: Path = Path()) -> None:
        """Until every id has arrived; Mismatch with the number missing after `timeout` s."""
        async def arrived() -> bool:
            check_alive("notifier", service, log)
            return ids <= self.first_seen.keys()
        try:
            await wait_until(arrived, timeout=timeout, interval=0.01, what="webhooks")
        except TimeoutError:
            missing = len(ids - self.first_seen.keys())
            raise Mismatch(f"{missing} of {len(ids)} webhooks missing after {timeout:.0f} s") from None


@contextlib.contextmanager
def serving(receiver: Receiver) -> Iterator[int]:
    """uvicorn (uvloop + httptools) on a free loopback port in a daemon thread; yields the port."""
    server = uvicorn.Server(uvicorn.Config(receiver, host="127.0.0.1", port=0, lifespan="off",
                                           access_log=False, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(1000):
        if server.started or not thread.is_alive():
            break
        time.sleep(0.01)
    if not server.started:
        raise RuntimeError("the webhook receiver did not start")
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(10)


def assigned() -> PriorityAssignedV1:
    now = datetime.now(UTC)
    return PriorityAssignedV1(inquiry_id=uuid.uuid4(), track="provider", priority="escalated", queue="ccm",
                              subject="[ESCALATED] Provider · Claims/Billing · MCO IA-TC", mco="IA-TC",
                              ruleset_version="bench", received_at=now - timedelta(seconds=3), decided_at=now)


def webhook_body() -> bytes:
    """A body of the notifier's priority_assigned webhook, built as Notifier._owe builds it."""
    a = assigned()
    context = {"inquiry_id": str(a.inquiry_id), "subject": a.subject, "track": a.track, "priority": a.priority,
               "queue": a.queue, "category": "", "mco": "IA-TC", "received_local": "Mon 2026-11-16 10:00 CST",
               "base_url": "http://liaison.test"}
    return json.dumps({"type": "priority_assigned", "cause_event_id": str(uuid.uuid4()), **{
        k: v for k, v in allowed_context("priority_assigned", context).items() if k != "base_url"}},
        sort_keys=True).encode()


async def measure_raw(receiver: Receiver, port: int, n: int, c: int) -> float:
    """Posts/s: C workers share one AsyncClient and post N signed bodies, each with a new webhook-id."""
    body, url = webhook_body(), f"http://127.0.0.1:{port}/hook"
    ids = [str(uuid.uuid4()) for _ in range(n + c)]
    todo = iter(ids[c:])  # one shared iterator: each id is posted once

    async def post(http: httpx.AsyncClient, msg_id: str) -> None:
        response = await http.post(url, content=body, headers=signed_headers(SECRET, msg_id, body, int(time.time())))
        if response.status_code != 204:
            raise Mismatch(f"the receiver answered {response.status_code}")

    async def worker(http: httpx.AsyncClient) -> None:
        for msg_id in todo:
            await post(http, msg_id)

    async with httpx.AsyncClient(timeout=30) as http:
        await asyncio.gather(*(post(http, i) for i in ids[:c]))  # warm-up: C connections open
        start = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(c)))
        elapsed = time.perf_counter() - start
    await receiver.wait_for(set(ids), timeout=5)
    return n / elapsed


async def wait_until_ready(port: int, service: subprocess.Popen[bytes], log: Path) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
        async def ready() -> bool:
            check_alive("notifier", service, log)
            with contextlib.suppress(httpx.TransportError):
                return (await http.get("/readyz")).status_code == 200
            return False
        await wait_until(ready, timeout=90, interval=0.2, what="the notifier's /readyz")


async def measure_notifier(receiver: Receiver, hook_port: int, created: Created, n: int, c: int,
                           bootstrap: str, tmp: Path) -> dict[str, float]:
    """Notifications/s: first PriorityAssignedV1 produced until the receiver holds all N webhook-ids."""
    schema, prefix = f"{created.prefix.rstrip('.')}_c{c}", f"{created.prefix}c{c}."  # fresh for each run
    created.schemas.append(schema)
    subscriptions, log = tmp / f"subscriptions-c{c}.yaml", tmp / f"notifier-c{c}.log"
    subscriptions.write_text(SUBSCRIPTIONS.format(port=hook_port))
    env = {**service_env("notifier", schema, prefix, bootstrap, SUBSCRIPTIONS_PATH=str(subscriptions),
                         PER_ENDPOINT_CONCURRENCY=str(c)), "TEST_CCM_SECRET": SECRET}
    http_port = int(env["LIAISON_NOTIFIER_HTTP_PORT"])
    created.service = service = spawn("notifier", env, log)
    producer, topic = reliable_producer(bootstrap, "bench-triage"), f"{prefix}inquiry.priority-assigned"
    try:
        await wait_until_ready(http_port, service, log)
        await producer.start()
        warm = Event(assigned(), source="/liaison/triage")  # the group has joined, the deliverer is running
        await send_all(producer, topic, [encode(warm, prefix)])
        await receiver.wait_for({str(notification_id(warm.id, "ccm-hook", "webhook"))}, 90, service, log)
        events = [Event(assigned(), source="/liaison/triage") for _ in range(n)]
        expected = {str(notification_id(e.id, "ccm-hook", "webhook")) for e in events}
        requests, body_bytes, cpu = receiver.requests, receiver.body_bytes, service_cpu_seconds(service.pid)
        start, wall = time.perf_counter(), time.time()
        await send_all(producer, topic, [encode(e, prefix) for e in events])
        await receiver.wait_for(expected, max(120, n / 5), service, log)
        elapsed = max(receiver.first_seen[i] for i in expected) - start
        cpu = service_cpu_seconds(service.pid) - cpu
        conn = await asyncpg.connect(DSN)  # when the consumer wrote the last delivery row (its transaction's start)
        last_row = await conn.fetchval(f'SELECT extract(epoch FROM max(created_at)) FROM "{schema}".deliveries')
        await conn.close()
    finally:
        await producer.stop()
        await asyncio.to_thread(stop, created)  # late repeats arrive before this returns
        with contextlib.suppress(Exception):  # the broker's open files: this run's topics go now
            await delete_topics(bootstrap, prefix)
    return {f"notifier_c{c}_nps": n / elapsed, f"notifier_c{c}_duplicates": receiver.requests - requests - n,
            f"notifier_c{c}_elapsed_s": elapsed, f"notifier_c{c}_rows_written_s": float(last_row) - wall,
            f"notifier_c{c}_cpu_ms": cpu * 1000 / n,
            "notifier_body_bytes": (receiver.body_bytes - body_bytes) / (receiver.requests - requests)}


def report(f: dict[str, float]) -> None:
    print(f"\n  {f['events']:.0f} webhooks per phase, bodies {f['notifier_body_bytes']:.0f} bytes (raw "
          f"{f['raw_body_bytes']:.0f}), to a uvicorn receiver in the benchmark's process")
    for c in CONCURRENCIES:
        print(f"  raw httpx, {c:>2} in flight           {f[f'raw_c{c}_pps']:>7,.0f} posts/s")
        print(f"  notifier, {c:>2} per endpoint        {f[f'notifier_c{c}_nps']:>7,.0f} notifications/s"
              f"   {f[f'ratio_c{c}']:.3f}x raw   ({f[f'notifier_c{c}_duplicates']:.0f} duplicates)")
        print(f"    all delivery rows written after {f[f'notifier_c{c}_rows_written_s']:.1f} s of "
              f"{f[f'notifier_c{c}_elapsed_s']:.1f} s; service CPU {f[f'notifier_c{c}_cpu_ms']:.1f} ms/notification")
    verdict = "PASS" if f["ratio_c4"] >= TARGET_RATIO else "MISS"
    print(f"  target: notifier >= {TARGET_RATIO}x raw at 4 per endpoint: {f['ratio_c4']:.3f}x  {verdict}")
    print(json.dumps({k: round(v, 3) for k, v in f.items()}))


async def run(args: argparse.Namespace) -> None:
    run_id = f"bench_{uuid.uuid4().hex[:10]}"
    created, receiver = Created(prefix=f"{run_id}."), Receiver()
    figures: dict[str, float] = {"events": args.events, "raw_body_bytes": len(webhook_body())}
    try:
        with serving(receiver) as port, tempfile.TemporaryDirectory(prefix="bench-notifier-") as tmp:
            for c in CONCURRENCIES:
                figures[f"raw_c{c}_pps"] = await measure_raw(receiver, port, args.events, c)
            for c in CONCURRENCIES:
                figures |= await measure_notifier(receiver, port, created, args.events, c, args.bootstrap, Path(tmp))
                figures[f"ratio_c{c}"] = figures[f"notifier_c{c}_nps"] / figures[f"raw_c{c}_pps"]
        report(figures)
    finally:
        await asyncio.to_thread(stop, created)
        await clean_up(args.bootstrap, created)  # drops the schemas, deletes every topic of the run's prefix


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=2000, help="webhooks in each phase")
    parser.add_argument("--bootstrap", default=BOOTSTRAP)
    try:
        asyncio.run(run(parser.parse_args()))
    except (Mismatch, TimeoutError) as exc:
        sys.exit(f"FAILED: {exc}")


if __name__ == "__main__":
    main()
