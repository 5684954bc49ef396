"""The event envelope and its Kafka encoding (CloudEvents 1.0, binary mode).

CloudEvents attributes travel as `ce_*` Kafka headers, the payload as JSON in
the record value, the aggregate id as the record key.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import ValidationError

from liaison_shared import clock
from liaison_shared.catalog import BY_TYPE, EventSpec, mco_topic, per_mco, spec_for
from liaison_shared.payloads import Payload

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"

Headers = list[tuple[str, bytes]]


class PoisonEvent(Exception):
    """A record that can never be processed: unknown type, bad envelope or payload."""


@dataclass(frozen=True)
class Event:
    """One event: CloudEvents attributes around a catalogued payload."""

    payload: Payload
    source: str
    subject: str | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    time: datetime = field(default_factory=clock.now)

    @property
    def spec(self) -> EventSpec:
        return spec_for(self.payload)

    @property
    def type(self) -> str:
        return self.spec.type

    @property
    def key(self) -> str:
        return str(getattr(self.payload, self.spec.key))


@dataclass(frozen=True)
class KafkaRecord:
    """What goes on the wire for one event."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers


def encode(event: Event, topic_prefix: str = "") -> KafkaRecord:
    """The Kafka record of an event, in CloudEvents binary content mode."""
    headers: Headers = [
        ("ce_specversion", SPEC_VERSION.encode()),
        ("ce_id", str(event.id).encode()),
        ("ce_source", event.source.encode()),
        ("ce_type", event.type.encode()),
        ("ce_time", event.time.astimezone(UTC).isoformat().encode()),
        ("content-type", CONTENT_TYPE.encode()),
    ]
    if event.subject is not None:
        headers.append(("ce_subject", event.subject.encode()))
    topic = event.spec.topic
    if per_mco(topic):
        topic = mco_topic(topic, str(getattr(event.payload, "mco")))  # noqa: B009 - per-MCO payloads have it
    return KafkaRecord(
        topic=topic_prefix + topic,
        key=event.key.encode(),
        value=event.payload.model_dump_json().encode(),
        headers=headers,
    )


def decode(value: bytes | None, headers: Sequence[tuple[str, bytes]]) -> Event:
    """The event in a Kafka record; raises PoisonEvent when it cannot be one."""
    attrs = {name: raw.decode("utf-8", "replace") for name, raw in headers if name.startswith("ce_")}
    missing = [a for a in ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time") if a not in attrs]
    if missing:
        raise PoisonEvent(f"missing CloudEvents headers: {', '.join(missing)}")
    if attrs["ce_specversion"] != SPEC_VERSION:
        raise PoisonEvent(f"unsupported specversion {attrs['ce_specversion']!r}")
    spec = BY_TYPE.get(attrs["ce_type"])
    if spec is None:
        raise PoisonEvent(f"unknown event type {attrs['ce_type']!r}")
    try:
        event_id = uuid.UUID(attrs["ce_id"])
        time = datetime.fromisoformat(attrs["ce_time"])
    except ValueError as exc:
        raise PoisonEvent(f"bad ce_id or ce_time: {exc}") from None
    try:
        payload = spec.payload.model_validate_json(value or b"")
    except (ValueError, ValidationError) as exc:
        raise PoisonEvent(describe_invalid_payload(exc)) from None
    return Event(payload=payload, source=attrs["ce_source"], subject=attrs.get("ce_subject"),
                 id=event_id, time=time)


def describe_invalid_payload(exc: Exception) -> str:
    """Which fields are wrong and why, without echoing their values (they may be PHI)."""
    if isinstance(exc, ValidationError) and not any(err["type"] == "json_invalid" for err in exc.errors()):
        problems = [f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()]
        return "invalid payload: " + "; ".join(problems[:10])
    return "payload is not JSON"
