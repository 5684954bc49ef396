"""`liaison-dlq`: dead letters are listed without their payload and replayed once, to their topic."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from liaison_shared import dlq
from liaison_shared.consumer import EventConsumer, each
from liaison_shared.db import create_engine
from liaison_shared.events import Event, KafkaRecord, encode
from liaison_shared.kafka import ensure_topics
from liaison_shared.migrations import upgrade
from liaison_shared.payloads import Actor, InquiryResolvedV1
from liaison_shared.testing.bus_process import EFFECT_TYPE, MIGRATIONS, record_effect
from liaison_shared.testing.plugin import TEST_PARTITIONS
from liaison_shared.testing.waiting import wait_until
from liaison_shared.vocabulary import ResolvedBy

from .bus_fixtures import resolved_event, scalar

ACTOR = Actor(subject="test-user", name="Test User")  # who acted, as a token would say

PHI = "Zelda Quixote called about her insulin"  # free text in the payloads: must never be printed
TOPIC = "inquiry.resolved"


@pytest.fixture
async def topics(kafka_bootstrap: str, unique_name: str) -> str:
    """The test's prefix, with `inquiry.resolved` and its dead-letter topic created under it."""
    prefix = f"{unique_name}."
    await ensure_topics(kafka_bootstrap, [prefix + TOPIC, prefix + TOPIC + ".dlq"], TEST_PARTITIONS)
    return prefix


@pytest.fixture
async def engine(database_url: str, unique_name: str, topics: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url, unique_name)
    await upgrade(engine, unique_name, MIGRATIONS)
    yield engine
    await engine.dispose()


def resolved(inquiry_id: uuid.UUID) -> Event:
    payload = InquiryResolvedV1(inquiry_id=inquiry_id, resolved_by=ResolvedBy.STATE, resolution_code="answered",
                                summary=PHI, actor=ACTOR, at=datetime.now(UTC))
    return Event(payload=payload, source="/tests")


async def records_of(bootstrap: str, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of `topic` up to its current end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    found: list[ConsumerRecord[bytes, bytes]] = []
    try:
        partitions = [TopicPartition(topic, p) for p in range(TEST_PARTITIONS)]
        consumer.assign(partitions)
        end = await consumer.end_offsets(partitions)

        async def collect() -> bool:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                found.extend(batch)
            return all([await consumer.position(tp) >= end[tp] for tp in partitions])

        await wait_until(collect, what=f"the records of {topic}")
    finally:
        await consumer.stop()
    return found


def ce_id(record: ConsumerRecord[bytes, bytes]) -> str:
    return dict(record.headers)["ce_id"].decode()


async def test_consumers_dead_letters_are_listed_without_payload_and_replayed_once(
    engine: AsyncEngine, kafka_bootstrap: str, topics: str
) -> None:
    prefix = topics
    inquiry = uuid.uuid4()
    doomed, fine = resolved(inquiry), resolved_event()
    poison = encode(resolved(inquiry), prefix)  # same inquiry, so the same partition, after `doomed`
    bad = json.loads(poison.value)
    bad["resolved_by"] = "nobody"
    fixed = False

    async def fails_until_fixed(session: AsyncSession, event: Event) -> None:
        if event.id == doomed.id and not fixed:
            raise ValueError("inquiry cannot be resolved yet")
        await record_effect(session, [event])

    consumer = EventConsumer(name="dlq-test", engine=engine, bootstrap=kafka_bootstrap,
                             group_id=prefix + "dlq-test", handlers={EFFECT_TYPE: each(fails_until_fixed)},
                             topic_prefix=prefix, max_attempts=1)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
        await producer.start()
        try:
            sent = {}
            for name, record in [("doomed", encode(doomed, prefix)),
                                 ("poison", KafkaRecord(poison.topic, poison.key, json.dumps(bad).encode(),
                                                        poison.headers)),
                                 ("fine", encode(fine, prefix))]:
                sent[name] = await producer.send_and_wait(record.topic, key=record.key, value=record.value,
                                                          headers=record.headers)
        finally:
            await producer.stop()

        async def two_letters() -> list[dlq.DeadLetter]:
            found = await dlq.dead_letters(kafka_bootstrap, TOPIC, prefix=prefix)
            return found if len(found) == 2 else []

        letter, poisoned = await wait_until(two_letters, what="two dead letters")
        await wait_until(lambda: effects(engine, fine.id), what="the fine event's effect")

        # list: where each came from, who refused it and why; never the payload
        assert letter.topic == poisoned.topic == prefix + TOPIC + ".dlq"
        assert letter.partition == poisoned.partition and letter.offset < poisoned.offset
        assert (letter.original_topic, letter.original_partition, letter.original_offset) == (
            prefix + TOPIC, sent["doomed"].partition, sent["doomed"].offset)
        assert (poisoned.original_partition, poisoned.original_offset) == (
            sent["poison"].partition, sent["poison"].offset)
        assert (letter.consumer, letter.event_type, letter.event_id) == ("dlq-test", EFFECT_TYPE, str(doomed.id))
        assert letter.event_time == doomed.time.astimezone(UTC).isoformat()
        assert letter.error == "ValueError"
        assert poisoned.event_id == dict(poison.headers)["ce_id"].decode()
        assert poisoned.error == "invalid payload: resolved_by: Input should be 'state' or 'mco'"
        assert not letter.replayed and not poisoned.replayed
        lines = [letter.describe(), poisoned.describe(), repr(letter), repr(poisoned)]
        assert all(PHI not in line and "nobody" not in line and str(inquiry) not in line for line in lines)
        assert letter.describe().startswith(f"dlq={letter.topic}/{letter.partition}@{letter.offset} "
                                            f"original={prefix}{TOPIC}/{sent['doomed'].partition}@")

        # a dry run sends nothing and commits nothing
        before = len(await records_of(kafka_bootstrap, prefix + TOPIC))
        assert await dlq.replay(kafka_bootstrap, TOPIC + ".dlq", [str(doomed.id)], prefix=prefix, dry_run=True) == 1
        assert len(await records_of(kafka_bootstrap, prefix + TOPIC)) == before

        # after the fix, replaying just that event has it handled, with its original record
        fixed = True
        assert await dlq.replay(kafka_bootstrap, TOPIC + ".dlq", [str(doomed.id).upper()], prefix=prefix) == 1
        await wait_until(lambda: effects(engine, doomed.id), what="the replayed event's effect")
        original, replayed = [r for r in await records_of(kafka_bootstrap, prefix + TOPIC)
                              if ce_id(r) == str(doomed.id)]
        assert (replayed.key, replayed.value, replayed.headers) == (original.key, original.value, original.headers)
        assert replayed.partition == original.partition and replayed.offset > original.offset
        assert not any(name.startswith("dlq_") for name, _ in replayed.headers)
    finally:
        stop.set()
        await task

    # the rest (the poison record) once; then nothing is left to replay
    assert await dlq.replay(kafka_bootstrap, TOPIC + ".dlq", prefix=prefix) == 1
    assert await dlq.replay(kafka_bootstrap, TOPIC + ".dlq", prefix=prefix) == 0
    again = [r for r in await records_of(kafka_bootstrap, prefix + TOPIC) if ce_id(r) == poisoned.event_id]
    assert len(again) == 2 and again[0].headers == again[1].headers and again[1].value == json.dumps(bad).encode()
    assert all(letter.replayed for letter in await dlq.dead_letters(kafka_bootstrap, TOPIC, prefix=prefix))
    assert await scalar(engine, f"SELECT count(*) FROM effects WHERE event_id = '{doomed.id}'") == 1


async def effects(engine: AsyncEngine, event_id: uuid.UUID) -> bool:
    return await scalar(engine, f"SELECT count(*) FROM effects WHERE event_id = '{event_id}'") >= 1


async def produce_dead_letter(bootstrap: str, prefix: str, event: Event, *, original: bool = True,
                              partition: int = 0, timestamp_ms: int | None = None) -> None:
    """A dead letter as the consumer writes it (or, `original=False`, without any dlq_* header)."""
    record = encode(event, prefix)
    headers = list(record.headers)
    if original:
        headers += [("dlq_error", b"invalid payload: due: Field required"), ("dlq_topic", record.topic.encode()),
                    ("dlq_partition", b"1"), ("dlq_offset", b"42"), ("dlq_consumer", b"sla-monitor")]
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(record.topic + ".dlq", key=record.key, value=record.value, headers=headers,
                                     partition=partition, timestamp_ms=timestamp_ms)
    finally:
        await producer.stop()


async def test_event_id_selection_replays_only_those_and_never_skips_the_others(
    kafka_bootstrap: str, topics: str
) -> None:
    prefix = topics
    first, second, third, stray = (resolved(uuid.uuid4()) for _ in range(4))
    for event in (first, second, third):
        await produce_dead_letter(kafka_bootstrap, prefix, event)
    await produce_dead_letter(kafka_bootstrap, prefix, stray, original=False)

    outcome = await dlq.replay_dead_letters(kafka_bootstrap, TOPIC + ".dlq", [str(second.id), "no-such-id"],
                                            prefix=prefix)
    assert [letter.event_id for letter in outcome.replayed] == [str(second.id)]
    assert [letter.event_id for letter in outcome.unreplayable] == [str(stray.id)]
    assert outcome.not_found == ["no-such-id"]
    assert [ce_id(r) for r in await records_of(kafka_bootstrap, prefix + TOPIC)] == [str(second.id)]

    # `first` was left behind, so no offset moved: a full replay still finds it (and `second` again)
    assert await dlq.replay(kafka_bootstrap, TOPIC, [str(first.id)], prefix=prefix) == 1
    assert await dlq.replay(kafka_bootstrap, TOPIC, prefix=prefix) == 2
    assert await dlq.replay(kafka_bootstrap, TOPIC, prefix=prefix) == 0
    replayed = [ce_id(r) for r in await records_of(kafka_bootstrap, prefix + TOPIC)]
    assert sorted(replayed) == sorted(str(e.id) for e in (second, first, second, third))


async def run_cli(*args: str) -> tuple[int, str, str]:
    script = Path(sys.executable).parent / "liaison-dlq"
    process = await asyncio.create_subprocess_exec(script, *args, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, stdout.decode(), stderr.decode()


async def test_cli_lists_one_line_per_dead_letter_and_replays(kafka_bootstrap: str, topics: str) -> None:
    prefix = topics
    event = resolved(uuid.uuid4())
    await ensure_topics(kafka_bootstrap, [prefix + "sla.breached", prefix + "sla.breached.dlq"], TEST_PARTITIONS)
    await produce_dead_letter(kafka_bootstrap, prefix, event, partition=1, timestamp_ms=1_700_000_000_000)

    code, out, err = await run_cli("list", "--bootstrap", kafka_bootstrap, "--prefix", prefix)
    assert code == 0, err
    assert out == (
        f"dlq={prefix}{TOPIC}.dlq/1@0 original={prefix}{TOPIC}/1@42 consumer=sla-monitor type={EFFECT_TYPE}"
        f" id={event.id} time={event.time.astimezone(UTC).isoformat()} dead_lettered=2023-11-14T22:13:20.000+00:00"
        " replayed=no error=invalid payload: due: Field required\n"
    )
    assert "1 dead letter(s)" in err
    assert PHI not in out + err

    code, out, err = await run_cli("replay", "--bootstrap", kafka_bootstrap, "--prefix", prefix,
                                   "--topic", f"{TOPIC}.dlq")
    assert (code, out) == (0, "replayed 1 dead letter(s)\n"), err
    code, out, err = await run_cli("replay", "--bootstrap", kafka_bootstrap, "--prefix", prefix,
                                   "--topic", f"{TOPIC}.dlq")
    assert (code, out) == (0, "replayed 0 dead letter(s)\n"), err
    code, out, err = await run_cli("list", "--bootstrap", kafka_bootstrap, "--prefix", prefix, "--topic", TOPIC)
    assert code == 0 and " replayed=yes " in out, err

    code, out, err = await run_cli("list", "--bootstrap", kafka_bootstrap, "--prefix", prefix, "--topic", "nope")
    assert code == 1 and out == "" and f"no such topic: {prefix}nope.dlq" in err
