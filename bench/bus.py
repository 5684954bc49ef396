"""The bus against raw aiokafka, on the same broker and database, in one run.

    python -m bench.bus [--events N] [--lag-rate R] [--lag-seconds S]

raw: N records through an idempotent acks=all producer and a fresh consumer
group. bus: N events through Outbox.add, OutboxRelay and an inbox
EventConsumer writing one effect row each (exactly N, or the run fails).
lag: a steady trickle of events, outbox commit -> handler. The ratio bus/raw
is the headline; what each figure means is in bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bench.intake import VERDICT
from liaison_shared.catalog import BY_TYPE, dead_letter_topic
from liaison_shared.consumer import EventConsumer
from liaison_shared.db import UnitOfWork, create_engine, session_factory
from liaison_shared.events import Event, encode
from liaison_shared.kafka import ensure_topics, reliable_producer
from liaison_shared.migrations import upgrade
from liaison_shared.outbox import Outbox, OutboxRelay
from liaison_shared.payloads import Actor, InquiryResolvedV1
from liaison_shared.testing.bus_process import EFFECT_TYPE, MIGRATIONS, record_effect
from liaison_shared.testing.waiting import wait_until
from liaison_shared.vocabulary import ResolvedBy

ACTOR = Actor(subject="test-user", name="Test User")  # who acted, as a token would say

DATABASE_URL = "postgresql+asyncpg://liaison@127.0.0.1:54329/liaison"
BOOTSTRAP = "127.0.0.1:9092"
TRANSACTION = 100  # events per outbox transaction in the throughput phase
LAG_TRANSACTION = 5  # events per outbox transaction in the lag phase
TARGET_RATIO = 0.25  # of raw aiokafka, the throughput issue's target


class Mismatch(Exception):
    """The bus lost or duplicated effects: the run fails."""


@dataclass
class Created:
    """What this run created and must remove, even when it fails."""

    schemas: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)


@dataclass
class Bus:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    outbox: Outbox
    tasks: list[asyncio.Task[None]]  # the relay and the consumer


def resolved_event() -> Event:
    payload = InquiryResolvedV1(inquiry_id=uuid.uuid4(), resolved_by=ResolvedBy.STATE,
                                resolution_code="answered", actor=ACTOR, at=datetime.now(UTC))
    return Event(payload=payload, source="/bench")


def record_size() -> int:
    record = encode(resolved_event())
    return len(record.key) + len(record.value) + sum(len(k) + len(v) for k, v in record.headers)


async def consume_count(consumer: AIOKafkaConsumer, count: int, timeout: float) -> None:
    """Read until `count` records arrived; fail after `timeout` seconds."""
    deadline, got = time.monotonic() + timeout, 0
    while got < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"raw consumer got {got} of {count} records")
        got += sum(len(records) for records in (await consumer.getmany(timeout_ms=200)).values())


async def measure_raw_throughput(bootstrap: str, n: int, topic: str, created: Created) -> float:
    """Events/s of raw aiokafka: first send until a fresh group has consumed all N."""
    created.topics.append(topic)
    await ensure_topics(bootstrap, [topic], partitions=6)
    records = [encode(resolved_event()) for _ in range(n)]
    producer = reliable_producer(bootstrap, "bench-raw")
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=topic, auto_offset_reset="earliest")
    try:
        await producer.start()
        await consumer.start()
        warm = encode(resolved_event())  # the group has joined and fetches before the clock starts
        await producer.send_and_wait(topic, key=warm.key, value=warm.value, headers=warm.headers)
        await consume_count(consumer, 1, timeout=60)
        start = time.perf_counter()
        reader = asyncio.create_task(consume_count(consumer, n, timeout=max(120, n / 100)))
        acks = [await producer.send(topic, key=r.key, value=r.value, headers=r.headers) for r in records]
        await asyncio.gather(*acks)
        await reader
        return n / (time.perf_counter() - start)
    finally:
        await consumer.stop()
        await producer.stop()


async def count_effects(engine: AsyncEngine, what: str = "*") -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(f"SELECT count({what}) FROM effects"))).scalar_one())


async def publish(bus: Bus, events: list[Event]) -> float:
    """Add events to the outbox in one transaction; the wall-clock time of its commit."""
    async with UnitOfWork(bus.sessions) as uow:
        await bus.outbox.add(uow.session, *events)
        await uow.commit()
    return time.time()


async def wait_for_effects(bus: Bus, count: int, timeout: float) -> None:
    """Poll the effects table every 50 ms until it holds `count` rows."""
    async def enough() -> bool:
        if any(task.done() for task in bus.tasks):
            raise RuntimeError("the relay or the consumer stopped")
        return await count_effects(bus.engine) >= count
    await wait_until(enough, timeout=timeout, interval=0.05, what=f"{count} effects")


@asynccontextmanager
async def running_bus(database_url: str, bootstrap: str, run_id: str, created: Created) -> AsyncIterator[Bus]:
    """A fresh schema and topic prefix with a relay and an inbox consumer running, warmed up."""
    schema, prefix = run_id, f"{run_id}."
    topic = prefix + BY_TYPE[EFFECT_TYPE].topic
    created.schemas.append(schema)
    created.topics.extend([topic, dead_letter_topic(topic)])
    await ensure_topics(bootstrap, [topic, dead_letter_topic(topic)], partitions=6)
    engine = create_engine(database_url, schema)
    stop = asyncio.Event()
    tasks: list[asyncio.Task[None]] = []
    try:
        await upgrade(engine, schema, MIGRATIONS)
        relay = OutboxRelay(engine, schema, bootstrap, service="bench", sweep_seconds=0.5)
        consumer = EventConsumer(name="bench-consumer", engine=engine, bootstrap=bootstrap, group_id=prefix + "bench",
                                 handlers={EFFECT_TYPE: record_effect}, topic_prefix=prefix)
        tasks.extend([asyncio.create_task(relay.run(stop)), asyncio.create_task(consumer.run(stop))])
        bus = Bus(engine, session_factory(engine), Outbox(prefix), tasks)
        await publish(bus, [resolved_event()])  # warm-up: producer connected, group joined
        await wait_for_effects(bus, 1, timeout=60)
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM effects"))
        yield bus
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 30)
        await engine.dispose()


async def measure_bus_throughput(bus: Bus, n: int) -> float:
    """Events/s of the bus: first outbox insert until N effect rows exist; exactly N or fail."""
    events = [resolved_event() for _ in range(n)]
    start = time.perf_counter()
    for i in range(0, n, TRANSACTION):
        await publish(bus, events[i:i + TRANSACTION])
    await wait_for_effects(bus, n, timeout=max(120, n / 50))
    elapsed = time.perf_counter() - start
    effects, distinct = await count_effects(bus.engine), await count_effects(bus.engine, "DISTINCT event_id")
    if effects != n or distinct != n:
        raise Mismatch(f"bus: {effects} effects ({distinct} distinct events) for {n} events")
    return n / elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def measure_relay_lag(bus: Bus, rate: float, seconds: float) -> dict[str, float]:
    """Outbox commit -> handler run (effects.at), and the relay's created_at -> sent_at, at a steady rate."""
    before = await count_effects(bus.engine)
    committed: dict[uuid.UUID, float] = {}
    interval, transactions = LAG_TRANSACTION / rate, round(rate * seconds / LAG_TRANSACTION)
    start = time.monotonic()
    for i in range(transactions):
        await asyncio.sleep(max(0.0, start + i * interval - time.monotonic()))  # pacing, not synchronisation
        events = [resolved_event() for _ in range(LAG_TRANSACTION)]
        commit_time = await publish(bus, events)
        committed.update((e.id, commit_time) for e in events)
    achieved = len(committed) / (time.monotonic() - start)
    await wait_for_effects(bus, before + len(committed), timeout=120)
    async with bus.engine.connect() as conn:
        handled = (await conn.execute(text("SELECT event_id, at FROM effects"))).all()
        relayed = (await conn.execute(text("SELECT event_id, created_at, sent_at FROM outbox"))).all()
    end_to_end = [(at.timestamp() - committed[eid]) * 1000 for eid, at in handled if eid in committed]
    relay = [(sent - created).total_seconds() * 1000 for eid, created, sent in relayed if eid in committed]
    if len(end_to_end) != len(committed):
        raise Mismatch(f"lag: {len(end_to_end)} effects for {len(committed)} events")
    return {"lag_rate_eps": achieved, "lag_p50_ms": percentile(end_to_end, 50),
            "lag_p99_ms": percentile(end_to_end, 99), "lag_max_ms": max(end_to_end),
            "relay_ack_p50_ms": percentile(relay, 50), "relay_ack_p99_ms": percentile(relay, 99)}


async def clean_up(database_url: str, bootstrap: str, created: Created) -> None:
    """Drop the schemas and delete the topics of this run; report failures, never raise."""
    try:
        conn = await asyncpg.connect(make_url(database_url).set(drivername="postgresql")
                                     .render_as_string(hide_password=False))
        try:
            for schema in created.schemas:
                await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            await conn.close()
    except Exception as exc:
        print(f"cleanup: schemas {created.schemas} not dropped: {exc!r}", file=sys.stderr)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    try:
        await admin.start()
        doomed = [t for t in created.topics if t in set(await admin.list_topics())]
        if doomed:
            await admin.delete_topics(doomed)
    except Exception as exc:
        print(f"cleanup: topics {created.topics} not deleted: {exc!r}", file=sys.stderr)
    finally:
        await admin.close()


def report(f: dict[str, float]) -> None:
    print(f"\n  {f['events']:.0f} events of {f['record_bytes']:.0f} bytes (key+value+headers)")
    print(f"  raw aiokafka produce+consume      {f['raw_eps']:>8,.0f} events/s")
    print(f"  bus outbox->relay->inbox+effect   {f['bus_eps']:>8,.0f} events/s   {f['ratio']:.3f}x raw"
          f"   target >= {TARGET_RATIO}x raw: {VERDICT[f['ratio'] >= TARGET_RATIO]}")
    print(f"  lag commit->handler at {f['lag_rate_eps']:.0f}/s     p50 {f['lag_p50_ms']:.0f} ms, "
          f"p99 {f['lag_p99_ms']:.0f} ms, max {f['lag_max_ms']:.0f} ms")
    print(f"  relay created_at->sent_at         p50 {f['relay_ack_p50_ms']:.0f} ms, p99 {f['relay_ack_p99_ms']:.0f} ms")
    print(json.dumps({k: round(v, 3) for k, v in f.items()}))


async def run(args: argparse.Namespace) -> None:
    run_id = f"bench_{uuid.uuid4().hex[:10]}"
    created = Created()
    try:
        raw = await measure_raw_throughput(args.bootstrap, args.events, f"{run_id}.raw", created)
        async with running_bus(args.database_url, args.bootstrap, run_id, created) as bus:
            bus_eps = await measure_bus_throughput(bus, args.events)
            rate = args.lag_rate or min(500.0, bus_eps / 2)  # below saturation, or it measures a queue
            lag = await measure_relay_lag(bus, rate, args.lag_seconds)
        report({"events": args.events, "record_bytes": record_size(), "raw_eps": raw, "bus_eps": bus_eps,
                "ratio": bus_eps / raw, **lag})
    finally:
        await clean_up(args.database_url, args.bootstrap, created)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20000, help="events per throughput phase")
    parser.add_argument("--lag-rate", type=float, help="events/s of the lag phase (default 500, at most bus/2)")
    parser.add_argument("--lag-seconds", type=float, default=6.0, help="length of the lag phase")
    parser.add_argument("--database-url", default=DATABASE_URL)
    parser.add_argument("--bootstrap", default=BOOTSTRAP)
    logging.basicConfig(level=logging.WARNING)
    try:
        asyncio.run(run(parser.parse_args()))
    except Mismatch as exc:
        sys.exit(f"FAILED: {exc}")


if __name__ == "__main__":
    main()
