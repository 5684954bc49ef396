"""Dead letters: list them, and replay them to their topics after a fix (`liaison-dlq`).

    liaison-dlq list   --bootstrap HOST:PORT [--prefix P] [--topic T]
    liaison-dlq replay --bootstrap HOST:PORT [--prefix P] --topic T.dlq [--event-id ID ...] [--dry-run]

`list` reads every dead-letter topic (`*.dlq` under the prefix, or only T's)
from the beginning to its current end, outside any consumer group, and prints
one line per dead letter: where it lies, where it came from, the consumer
that gave up on it, the event's type, id and time, whether it was replayed,
and the error. It never prints the record's key or payload (they may hold PHI).

`replay` produces each dead letter that the group `liaison-dlq-replay` has not
passed yet (or only those with the given event ids) back to its original
topic (its `dlq_topic` header) with the same key, value and original headers
(the `dlq_*` headers dropped), with an idempotent acks=all producer; then it
commits that group's offsets on the dead-letter topic, so the next replay
starts after them. With `--event-id`, offsets advance only over a leading run
of replayed records, so a dead letter that was not selected is never skipped
(a later full replay may send a selected one again). Both read up to the end
offsets taken when they start and stop there. Consumers' inboxes make a replay
of an event that was already handled a no-op, so resending after a crash
between producing and committing is harmless.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from liaison_shared.catalog import DEAD_LETTER_SUFFIX, dead_letter_topic
from liaison_shared.kafka import reliable_producer
from liaison_shared.logging import redact

REPLAY_GROUP = "liaison-dlq-replay"
DLQ_HEADER_PREFIX = "dlq_"
DEFAULT_TIMEOUT = 60.0
_REQUEST_TIMEOUT_MS = 15000
_MAX_FIELD = 200
_MAX_ERROR = 1000


@dataclass(frozen=True)
class DeadLetter:
    """One record of a dead-letter topic.

    `topic`, `partition` and `offset` locate it in the dead-letter topic; the
    `original_*` fields, `consumer` and `error` come from its `dlq_*` headers
    (None when a header is missing), the event attributes from its `ce_*`
    headers. `key`, `value` and `headers` (the original headers, without the
    `dlq_*` ones) are what a replay sends; they are left out of `repr` and of
    `describe()` because the payload may hold PHI.
    """

    topic: str
    partition: int
    offset: int
    dead_lettered_at: datetime | None
    original_topic: str | None
    original_partition: int | None
    original_offset: int | None
    consumer: str | None
    event_type: str | None
    event_id: str | None
    event_time: str | None
    error: str | None
    replayed: bool = False
    key: bytes | None = field(default=None, repr=False)
    value: bytes | None = field(default=None, repr=False)
    headers: tuple[tuple[str, bytes], ...] = field(default=(), repr=False)

    def describe(self) -> str:
        """One line for an operator: everything but the key and the payload."""
        original = (f"{_word(self.original_topic)}/{_word(self.original_partition)}"
                    f"@{_word(self.original_offset)}")
        dead_lettered = self.dead_lettered_at.isoformat(timespec="milliseconds") if self.dead_lettered_at else None
        error = " ".join(str(redact(self.error or "-")).split())[:_MAX_ERROR]
        return (f"dlq={self.topic}/{self.partition}@{self.offset} original={original}"
                f" consumer={_word(self.consumer)} type={_word(self.event_type)} id={_word(self.event_id)}"
                f" time={_word(self.event_time)} dead_lettered={_word(dead_lettered)}"
                f" replayed={'yes' if self.replayed else 'no'} error={error}")


def _word(value: object) -> str:
    """A header value as one printable, space-free token ('-' when absent)."""
    if value is None or value == "":
        return "-"
    return "".join(ch if ch.isprintable() and not ch.isspace() else "?" for ch in str(value))[:_MAX_FIELD]


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _event_id(text: str) -> str:
    """An event id in canonical form (UUIDs lower-case and hyphenated), for comparing."""
    try:
        return str(uuid.UUID(text.strip()))
    except ValueError:
        return text.strip()


def dlq_topic_name(topic: str, prefix: str = "") -> str:
    """The dead-letter topic of `topic` (which may already be one), with the prefix."""
    name = prefix + topic
    return name if name.endswith(DEAD_LETTER_SUFFIX) else dead_letter_topic(name)


def _to_letter(record: ConsumerRecord[bytes, bytes], replayed: bool) -> DeadLetter:
    texts: dict[str, str] = {}
    original: list[tuple[str, bytes]] = []
    for name, raw in record.headers:
        texts.setdefault(name, (raw or b"").decode("utf-8", "replace"))
        if not name.startswith(DLQ_HEADER_PREFIX):
            original.append((name, raw))
    stamp = record.timestamp
    return DeadLetter(
        topic=record.topic, partition=record.partition, offset=record.offset,
        dead_lettered_at=datetime.fromtimestamp(stamp / 1000, UTC) if stamp is not None and stamp >= 0 else None,
        original_topic=texts.get("dlq_topic") or None, original_partition=_int(texts.get("dlq_partition")),
        original_offset=_int(texts.get("dlq_offset")), consumer=texts.get("dlq_consumer"),
        event_type=texts.get("ce_type"), event_id=texts.get("ce_id"), event_time=texts.get("ce_time"),
        error=texts.get("dlq_error"), replayed=replayed,
        key=record.key, value=record.value, headers=tuple(original),
    )


async def _admin(bootstrap: str) -> Any:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="liaison-dlq",
                                request_timeout_ms=_REQUEST_TIMEOUT_MS)
    await admin.start()
    return admin


async def _dlq_partitions(admin: Any, topics: Sequence[str] | None, prefix: str) -> list[TopicPartition]:
    """The partitions of the named topics (which must exist), or of every `*.dlq` topic under `prefix`."""
    existing = set(await admin.list_topics())
    if topics is None:
        names = sorted(t for t in existing if t.startswith(prefix) and t.endswith(DEAD_LETTER_SUFFIX))
    else:
        missing = [t for t in topics if t not in existing]
        if missing:
            raise LookupError(f"no such topic: {', '.join(missing)}")
        names = list(topics)
    if not names:
        return []
    partitions = [TopicPartition(described["topic"], int(p["partition"]))
                  for described in await admin.describe_topics(names) for p in described["partitions"]]
    return sorted(partitions, key=lambda tp: (tp.topic, tp.partition))


async def _replay_offsets(admin: Any, partitions: list[TopicPartition], group_id: str) -> dict[TopicPartition, int]:
    """The replay group's committed offset of each partition (absent: none yet)."""
    if not partitions:
        return {}
    committed = await admin.list_consumer_group_offsets(group_id, partitions=partitions)
    return {tp: int(meta.offset) for tp, meta in committed.items() if meta is not None and meta.offset >= 0}


def _consumer(bootstrap: str, group_id: str | None) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group_id, client_id="liaison-dlq", enable_auto_commit=False,
        auto_offset_reset="earliest", isolation_level="read_committed", request_timeout_ms=_REQUEST_TIMEOUT_MS,
    )


async def _read_to_end(
    consumer: AIOKafkaConsumer, start: dict[TopicPartition, int], timeout: float
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record from `start` up to the partitions' end offsets as of now, in offset order."""
    partitions = list(start)
    end: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
    for tp, offset in start.items():
        consumer.seek(tp, offset)
    pending = {tp for tp in partitions if start[tp] < end[tp]}
    records: list[ConsumerRecord[bytes, bytes]] = []
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s reading {sorted(str(tp) for tp in pending)}")
        batches = await consumer.getmany(*pending, timeout_ms=500)
        for tp, batch in batches.items():
            records.extend(r for r in batch if r.offset < end[tp])
        for tp in list(pending):
            if await consumer.position(tp) >= end[tp]:
                pending.discard(tp)
    return sorted(records, key=lambda r: (r.topic, r.partition, r.offset))


async def dead_letters(
    bootstrap: str, topic: str | None = None, *, prefix: str = "", group_id: str = REPLAY_GROUP,
    timeout: float = DEFAULT_TIMEOUT,
) -> list[DeadLetter]:
    """The dead letters of `topic`'s dead-letter topic (or of every `*.dlq` topic
    under `prefix`), read from the beginning without committing anything.

    `topic` is named without the prefix, as `T` or `T.dlq`. A letter is marked
    `replayed` when the replay group's committed offset has passed it.
    """
    admin = await _admin(bootstrap)
    try:
        partitions = await _dlq_partitions(admin, None if topic is None else [dlq_topic_name(topic, prefix)], prefix)
        passed = await _replay_offsets(admin, partitions, group_id)
    finally:
        await admin.close()
    if not partitions:
        return []
    consumer = _consumer(bootstrap, None)
    await consumer.start()
    try:
        consumer.assign(partitions)
        start: dict[TopicPartition, int] = await consumer.beginning_offsets(partitions)
        records = await _read_to_end(consumer, start, timeout)
    finally:
        await consumer.stop()
    return [_to_letter(r, r.offset < passed.get(TopicPartition(r.topic, r.partition), 0)) for r in records]


@dataclass(frozen=True)
class ReplayOutcome:
    """What a replay did: the letters it sent (or would send), those it could not, the ids it did not find."""

    replayed: list[DeadLetter]
    unreplayable: list[DeadLetter]
    not_found: list[str]


async def replay_dead_letters(
    bootstrap: str, dlq_topic: str, event_ids: Iterable[str] | None = None, *, prefix: str = "",
    dry_run: bool = False, group_id: str = REPLAY_GROUP, timeout: float = DEFAULT_TIMEOUT,
) -> ReplayOutcome:
    """Replay the dead letters of `dlq_topic` (named without the prefix) that the
    replay group has not passed, or only those whose event id is in `event_ids`;
    see the module's docstring. A dry run sends and commits nothing."""
    wanted = None if event_ids is None else {_event_id(i) for i in event_ids}
    topic = dlq_topic_name(dlq_topic, prefix)
    admin = await _admin(bootstrap)
    try:
        partitions = await _dlq_partitions(admin, [topic], prefix)
    finally:
        await admin.close()
    consumer = _consumer(bootstrap, group_id)
    await consumer.start()
    try:
        consumer.assign(partitions)
        beginning: dict[TopicPartition, int] = await consumer.beginning_offsets(partitions)
        start = {tp: max(beginning[tp], await consumer.committed(tp) or 0) for tp in partitions}
        records = await _read_to_end(consumer, start, timeout)

        chosen: list[DeadLetter] = []
        unreplayable: list[DeadLetter] = []
        found: set[str] = set()
        commit: dict[TopicPartition, int] = {}
        blocked: set[TopicPartition] = set()  # partitions where a letter was left for later
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            letter = _to_letter(record, replayed=False)
            event_id = _event_id(letter.event_id or "")
            if letter.original_topic is None:
                unreplayable.append(letter)  # not from our consumers: nowhere to send it, never will be
            elif wanted is None or event_id in wanted:
                chosen.append(letter)
                found.add(event_id)
            else:
                blocked.add(tp)
            if tp not in blocked:
                commit[tp] = record.offset + 1

        if not dry_run and chosen:
            producer = reliable_producer(bootstrap, "liaison-dlq-replay")
            await producer.start()
            try:
                sent = [await producer.send(letter.original_topic, key=letter.key, value=letter.value,
                                            headers=list(letter.headers)) for letter in chosen]
                await asyncio.gather(*sent)  # every one acknowledged before any offset moves
            finally:
                await producer.stop()
        if not dry_run and commit:
            await consumer.commit(commit)
    finally:
        await consumer.stop()
    not_found = sorted(wanted - found) if wanted is not None else []
    return ReplayOutcome(replayed=chosen, unreplayable=unreplayable, not_found=not_found)


async def replay(
    bootstrap: str, dlq_topic: str, event_ids: Iterable[str] | None = None, *, prefix: str = "",
    dry_run: bool = False, group_id: str = REPLAY_GROUP, timeout: float = DEFAULT_TIMEOUT,
) -> int:
    """Replay like `replay_dead_letters`; how many dead letters were (or, dry, would be) sent."""
    outcome = await replay_dead_letters(bootstrap, dlq_topic, event_ids, prefix=prefix, dry_run=dry_run,
                                        group_id=group_id, timeout=timeout)
    return len(outcome.replayed)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="liaison-dlq", description="Inspect and replay dead letters.")
    commands = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--bootstrap", required=True, metavar="HOST:PORT", help="Kafka bootstrap servers")
    common.add_argument("--prefix", default="", help="topic prefix (the services' TOPIC_PREFIX)")
    common.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                        help="give up reading after this long (default: %(default)s)")
    listing = commands.add_parser("list", parents=[common], help="print one line per dead letter (no payloads)")
    listing.add_argument("--topic", help="only this topic's dead letters (T or T.dlq, without the prefix)")
    replaying = commands.add_parser("replay", parents=[common], help="send dead letters back to their topics")
    replaying.add_argument("--topic", required=True, help="the dead-letter topic (T.dlq, without the prefix)")
    replaying.add_argument("--event-id", action="append", dest="event_ids", metavar="ID",
                           help="replay only this event (repeatable)")
    replaying.add_argument("--dry-run", action="store_true", help="print what would be replayed; send nothing")
    return parser


async def _run(args: argparse.Namespace) -> int:
    if args.command == "list":
        letters = await dead_letters(args.bootstrap, args.topic, prefix=args.prefix, timeout=args.timeout)
        for letter in letters:
            print(letter.describe())
        print(f"{len(letters)} dead letter(s)", file=sys.stderr)
        return 0
    outcome = await replay_dead_letters(args.bootstrap, args.topic, args.event_ids, prefix=args.prefix,
                                        dry_run=args.dry_run, timeout=args.timeout)
    for letter in outcome.unreplayable:
        print(f"skipped (no dlq_topic header): {letter.describe()}", file=sys.stderr)
    if outcome.not_found:
        print(f"not pending (unknown or already replayed): {', '.join(outcome.not_found)}", file=sys.stderr)
    if args.dry_run:
        for letter in outcome.replayed:
            print(f"would replay: {letter.describe()}")
        print(f"would replay {len(outcome.replayed)} dead letter(s)")
    else:
        print(f"replayed {len(outcome.replayed)} dead letter(s)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `liaison-dlq`."""
    args = _parser().parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except (LookupError, TimeoutError) as exc:
        print(f"liaison-dlq: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
