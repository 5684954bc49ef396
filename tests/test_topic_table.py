"""The topic table in docs/operations.md says who consumes what; the services'
own handlers decide it. This holds the table to the handlers, so a reader is
never told that a service reacts to an event it ignores (or the reverse)."""

from __future__ import annotations

import re
from pathlib import Path

from deploy.scaling import consumed_topics
from liaison_shared.catalog import EVENTS

OPERATIONS = Path(__file__).resolve().parents[1] / "docs" / "operations.md"
SERVICES = ("intake", "triage", "sla-monitor", "notifier", "attribution", "console", "reporting", "care-coordination")


def documented() -> dict[str, set[str]]:
    """Topic → the services the table says consume it."""
    table: dict[str, set[str]] = {}
    for line in OPERATIONS.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not cells[0].startswith("`"):
            continue
        consumers = {s for s in SERVICES if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", cells[3])}
        for topic in re.findall(r"`([^`]+)`", cells[0]):
            table[topic] = consumers
    return table


def test_the_topic_table_names_every_catalogued_topic_and_who_consumes_it() -> None:
    consumed: dict[str, set[str]] = {spec.topic: set() for spec in EVENTS if "{" not in spec.topic}  # not MCOs'
    for service in SERVICES:
        for topic in consumed_topics(service):
            consumed[topic].add(service)
    table = documented()
    assert {t: table.get(t) for t in consumed} == consumed
