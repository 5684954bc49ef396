"""The hand-worked deadline table again, end to end: for every (track,
priority) and the four receipt instants, triage's decision goes over Kafka
and the clocks the monitor announces carry exactly those deadlines."""

from __future__ import annotations

import uuid
from datetime import timedelta

from liaison_sla_monitor.contract import load_policy

from .conftest import Monitor, assigned
from .test_deadlines import ANCHORS, EXPECTED, utc

POLICY = load_policy()


async def test_announced_deadlines_match_the_hand_worked_table(monitor: Monitor) -> None:
    # Keep the monitor's clock before every anchor, so nothing fires meanwhile.
    monitor.clock.set(min(ANCHORS.values()) - timedelta(days=1))
    cases: dict[uuid.UUID, tuple[str, str, str]] = {}
    for track, priority in {(t, p) for t, p, _ in EXPECTED}:
        for anchor, received_at in ANCHORS.items():
            case = assigned(track=track, priority=priority, received_at=received_at)
            cases[case.inquiry_id] = (track, priority, anchor)
            await monitor.publish(case)
    checked = 0
    for inquiry_id, (track, priority, anchor) in cases.items():
        triaged = [c for c in POLICY.clocks_for(track, priority) if str(c.starts_on) == "triaged"]
        started = {c.clock: c for c in await monitor.events("clock-started.v1", inquiry_id, len(triaged))}
        for spec in triaged:
            warn_at, due_at = EXPECTED[(track, priority, spec.name)][anchor]
            assert (started[spec.name].warn_at, started[spec.name].due_at) == (utc(warn_at), utc(due_at)), \
                (track, priority, spec.name, anchor)
            checked += 1
    assert checked >= 60
