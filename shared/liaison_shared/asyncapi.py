"""The AsyncAPI 3.0 document of the event bus, generated from the event catalog.

`liaison-asyncapi [PATH]` writes it (default `docs/asyncapi.yaml`). Everything in
it comes from `liaison_shared.catalog`, so the document cannot drift from what
the services actually publish; a test checks the committed file is current.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from liaison_shared.catalog import DEAD_LETTER_SUFFIX, EVENTS, TOPICS, EventSpec, dead_letter_topic, per_mco
from liaison_shared.events import CONTENT_TYPE, SPEC_VERSION

HEADER = "# Generated from liaison_shared.catalog by liaison-asyncapi; do not edit.\n"
DEFAULT_PATH = "docs/asyncapi.yaml"
SCHEMA_REF = "#/components/schemas/{model}"
KAFKA_BINDING_VERSION = "0.4.0"
ACRONYMS = frozenset({"sla", "mco", "pcp"})

DESCRIPTION = f"""\
Every event Liaison publishes on Kafka, generated from the event catalog.

- **Topics**: one channel per topic. Topic names carry no version, so versions of a type share a topic.
- **Envelope**: CloudEvents {SPEC_VERSION}, binary content mode. The attributes travel as Kafka headers
  (`ce_specversion`, `ce_id`, `ce_source`, `ce_type`, `ce_time`, optional `ce_subject`); the record value is the
  payload as JSON (`content-type: {CONTENT_TYPE}`). Dispatch on `ce_type`; ignore types you do not know.
- **Keys**: the record key is the aggregate id named by each message's Kafka key binding, as UTF-8 text,
  so one aggregate's events stay in order within a topic.
- **Versioned types**: a type ends in its version (`.v1`); a breaking change is a new type published beside the old.
- **Dead letters**: a record a consumer can never process is copied, original headers included, to
  `<topic>{DEAD_LETTER_SUFFIX}` with the added headers `dlq_error`, `dlq_topic`, `dlq_partition`, `dlq_offset`
  and `dlq_consumer`.
"""


def channel_id(topic: str) -> str:
    """The channel id of a topic: `inquiry.priority-assigned` -> `inquiry_priority_assigned`."""
    return topic.replace(".", "_").replace("-", "_").replace("{", "").replace("}", "")


def message_title(spec: EventSpec) -> str:
    """A readable title from the type: `liaison.sla.follow-up-due.v1` -> `SLA follow up due (v1)`."""
    *parts, version = spec.type.removeprefix("liaison.").split(".")
    words = " ".join(parts).replace("-", " ").split()
    title = " ".join(w.upper() if w in ACRONYMS else w for w in words)
    return f"{title[0].upper()}{title[1:]} ({version})"


def headers_schema(spec: EventSpec) -> dict[str, Any]:
    """The JSON schema of the CloudEvents headers of one event type."""
    return {
        "type": "object",
        "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "content-type"],
        "properties": {
            "ce_specversion": {"type": "string", "const": SPEC_VERSION},
            "ce_id": {"type": "string", "format": "uuid", "description": "Unique per event; consumers dedupe on it."},
            "ce_source": {"type": "string", "description": "The publishing service."},
            "ce_type": {"type": "string", "const": spec.type},
            "ce_time": {"type": "string", "format": "date-time", "description": "When it happened, in UTC."},
            "ce_subject": {"type": "string", "description": "Optional: what the event is about."},
            "content-type": {"type": "string", "const": CONTENT_TYPE},
        },
    }


DEAD_LETTER_HEADERS: dict[str, Any] = {
    "dlq_error": {"type": "string", "description": "Why it could not be processed: an error type (never its text)."},
    "dlq_topic": {"type": "string", "description": "The topic it was consumed from."},
    "dlq_partition": {"type": "string", "description": "Its partition there."},
    "dlq_offset": {"type": "string", "description": "Its offset there."},
    "dlq_consumer": {"type": "string", "description": "The consumer that gave up on it."},
}


def dead_letter_headers_schema(spec: EventSpec) -> dict[str, Any]:
    """The headers of a dead letter: the original record's, plus why and where it failed."""
    schema = headers_schema(spec)
    return {**schema, "required": [*schema["required"], *DEAD_LETTER_HEADERS],
            "properties": {**schema["properties"], **DEAD_LETTER_HEADERS}}


def schemas() -> dict[str, Any]:
    """The payload schemas of every catalogued model, nested `$defs` hoisted beside them, sorted by name."""
    found: dict[str, Any] = {}
    for spec in EVENTS:
        schema = spec.payload.model_json_schema(ref_template=SCHEMA_REF)
        named = {spec.payload.__name__: schema, **schema.pop("$defs", {})}
        for name, sub in named.items():
            if found.setdefault(name, sub) != sub:
                raise ValueError(f"two different schemas are both named {name!r}")
    return dict(sorted(found.items()))


def message(spec: EventSpec, payload_schemas: dict[str, Any]) -> dict[str, Any]:
    """The AsyncAPI message of one event type."""
    name = spec.payload.__name__
    key: dict[str, Any] = {"type": "string"}
    if fmt := payload_schemas[name].get("properties", {}).get(spec.key, {}).get("format"):
        key["format"] = fmt
    key["description"] = f"The payload field `{spec.key}`, as UTF-8 text."
    return {
        "name": spec.type,
        "title": message_title(spec),
        "summary": spec.summary,
        "contentType": CONTENT_TYPE,
        "headers": headers_schema(spec),
        "payload": {"$ref": SCHEMA_REF.format(model=name)},
        "bindings": {"kafka": {"key": key, "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def document() -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document of the bus, as plain data, in catalog order (schemas sorted by name)."""
    payload_schemas = schemas()
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    dead_letter_messages: dict[str, Any] = {}
    for topic in TOPICS:
        specs = [spec for spec in EVENTS if spec.topic == topic]
        cid = channel_id(topic)
        if not per_mco(topic):  # an MCO's own topic has no consumer here, so no dead letters
            dlq = channel_id(dead_letter_topic(topic))
            channels[dlq] = {
                "address": dead_letter_topic(topic),
                "description": f"Dead letters of {topic}: records a consumer could never process, "
                               "copied as they were, with headers saying why and where. "
                               "Replay with `liaison-dlq replay`.",
                "messages": {s.type: {"$ref": f"#/components/messages/{s.type}.dead-letter"} for s in specs},
            }
            operations[f"receive_{dlq}"] = {
                "action": "receive", "channel": {"$ref": f"#/channels/{dlq}"},
                "summary": f"Read the dead letters of {topic} (operations).",
                "messages": [{"$ref": f"#/channels/{dlq}/messages/{s.type}"} for s in specs],
            }
            for spec in specs:
                letter = message(spec, payload_schemas)
                dead_letter_messages[f"{spec.type}.dead-letter"] = {
                    **letter, "title": f"{letter['title']}, dead letter",
                    "headers": dead_letter_headers_schema(spec)}
        channels[cid] = {
            "address": topic,
            "description": f"Carries {', '.join(s.type for s in specs)}. "
                           f"Records no consumer can process go to {dead_letter_topic(topic)}.",
            "messages": {s.type: {"$ref": f"#/components/messages/{s.type}"} for s in specs},
        }
        if per_mco(topic):
            channels[cid]["description"] = (
                "One topic per MCO, carrying only what that MCO needs about inquiries referred to it "
                "(no names, Medicaid IDs, phones or descriptions): an MCO integration is granted its own "
                "topic and nothing else. " + channels[cid]["description"])
            channels[cid]["parameters"] = {"mco": {"description": "The MCO's code, e.g. IA-TC."}}
        operations[f"receive_{cid}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{cid}"},
            "summary": f"Subscribe to {topic}.",
            "messages": [{"$ref": f"#/channels/{cid}/messages/{s.type}"} for s in specs],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Liaison event bus", "version": "1", "description": DESCRIPTION},
        "defaultContentType": CONTENT_TYPE,
        "servers": {"local": {"host": "127.0.0.1:9092", "protocol": "kafka",
                              "description": "The local development broker."}},
        "channels": channels,
        "operations": operations,
        "components": {
            "messages": {**{spec.type: message(spec, payload_schemas) for spec in EVENTS}, **dead_letter_messages},
            "schemas": payload_schemas,
        },
    }


class _Dumper(yaml.SafeDumper):
    """A safe dumper that writes no anchors or aliases and multi-line text as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_Dumper.add_representer(str, _text)


def render() -> str:
    """The document as YAML text, with the generated-file comment on top."""
    body = yaml.dump(document(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)
    return HEADER + body


def main() -> None:
    """Entry point of `liaison-asyncapi [PATH]`: write the document to PATH (default docs/asyncapi.yaml)."""
    path = Path(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_PATH)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), encoding="utf-8", newline="\n")
    print(path)
