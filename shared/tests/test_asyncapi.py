"""Tests of the generated AsyncAPI document: current, complete, and self-consistent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from liaison_shared import asyncapi
from liaison_shared.catalog import EVENTS, TOPICS, per_mco
from liaison_shared.kafka import catalog_topics

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "asyncapi.yaml"
DOC = asyncapi.document()


def refs(node: Any) -> Iterator[str]:
    """Every `$ref` value anywhere in a JSON-like tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(ref: str) -> Any:
    """The node a local JSON pointer reference names, following references; KeyError when there is none."""
    assert ref.startswith("#/"), f"{ref} is not a local reference"
    node: Any = DOC
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return resolve(node["$ref"]) if isinstance(node, dict) and set(node) == {"$ref"} else node


def test_committed_document_is_what_the_catalog_generates() -> None:
    stale = "docs/asyncapi.yaml is not what the catalog generates: run `make asyncapi`"
    assert COMMITTED.read_bytes() == asyncapi.render().encode("utf-8"), stale


def test_rendering_twice_gives_identical_text() -> None:
    assert asyncapi.render() == asyncapi.render()


def test_rendered_yaml_reads_back_as_the_document_with_the_generated_comment_on_top() -> None:
    text = asyncapi.render()
    assert text.startswith("# Generated from liaison_shared.catalog by liaison-asyncapi; do not edit.\n")
    assert yaml.safe_load(text) == DOC


def test_document_is_asyncapi_3_0_0() -> None:
    assert DOC["asyncapi"] == "3.0.0"


def test_every_catalog_type_is_a_message_and_so_is_its_dead_letter() -> None:
    messages = DOC["components"]["messages"]
    dead_letters = {f"{spec.type}.dead-letter" for spec in EVENTS if not per_mco(spec.topic)}
    assert set(messages) == {spec.type for spec in EVENTS} | dead_letters
    assert all(messages[spec.type]["name"] == spec.type for spec in EVENTS)
    for name in dead_letters:
        assert {"dlq_error", "dlq_topic", "dlq_offset"} <= set(messages[name]["headers"]["required"])


def test_every_topic_the_services_create_is_a_channel_with_a_receive_operation() -> None:
    channels = DOC["channels"]
    created = catalog_topics() + [topic for topic in TOPICS if per_mco(topic)]  # per-MCO: one per MCO's code
    assert len([t for t in created if t.endswith(".dlq")]) == 26
    assert sorted(c["address"] for c in channels.values()) == sorted(created)
    for channel_id in channels:
        operation = DOC["operations"][f"receive_{channel_id}"]
        assert operation["action"] == "receive"
        assert operation["channel"] == {"$ref": f"#/channels/{channel_id}"}


def test_dead_letter_topics_and_headers_are_described() -> None:
    description = DOC["info"]["description"]
    for word in (".dlq", "dlq_error", "dlq_topic", "dlq_partition", "dlq_offset", "dlq_consumer"):
        assert word in description


@pytest.mark.parametrize("ref", sorted(set(refs(DOC))))
def test_every_reference_resolves_within_the_document(ref: str) -> None:
    try:
        resolve(ref)
    except (KeyError, TypeError):
        pytest.fail(f"{ref} does not resolve")


def test_each_message_headers_pin_its_type_and_the_cloudevents_version() -> None:
    for spec in EVENTS:
        headers = DOC["components"]["messages"][spec.type]["headers"]["properties"]
        assert headers["ce_type"]["const"] == spec.type
        assert headers["ce_specversion"]["const"] == "1.0"


def test_each_message_key_names_a_payload_field_of_its_schema() -> None:
    for spec in EVENTS:
        message = DOC["components"]["messages"][spec.type]
        assert f"`{spec.key}`" in message["bindings"]["kafka"]["key"]["description"]
        assert spec.key in resolve(message["payload"]["$ref"])["properties"]


def test_each_channel_carries_exactly_the_catalog_entries_on_its_topic() -> None:
    for channel_id, channel in DOC["channels"].items():
        expected = {spec.type for spec in EVENTS if spec.topic == channel["address"].removesuffix(".dlq")}
        carried = {resolve(m["$ref"])["name"] for m in channel["messages"].values()}
        assert carried == expected
        offered = {resolve(m["$ref"])["name"] for m in DOC["operations"][f"receive_{channel_id}"]["messages"]}
        assert offered == expected


def test_main_writes_the_document_to_the_given_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out" / "asyncapi.yaml"
    monkeypatch.setattr("sys.argv", ["liaison-asyncapi", str(target)])
    asyncapi.main()
    assert target.read_bytes() == asyncapi.render().encode("utf-8")
