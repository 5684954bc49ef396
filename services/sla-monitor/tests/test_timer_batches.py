"""The timer loop fires what is due in batches: several timers due together are fired by one
`fire_due` (one claim, one UPDATE, one outbox insert), each exactly once; a batch that never
commits (an instance killed mid-way) leaves them all to the next run, and while one instance
holds a batch another skips it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from liaison_shared.bus_tables import outbox
from liaison_shared.events import decode
from liaison_shared.migrations import upgrade
from liaison_shared.runtime import Runtime
from liaison_shared.testing.plugin import SettingsFactory
from liaison_sla_monitor.contract import load_policy
from liaison_sla_monitor.main import MIGRATIONS
from liaison_sla_monitor.service import SlaMonitor
from liaison_sla_monitor.settings import Settings
from liaison_sla_monitor.tables import clocks

from .conftest import MONDAY_10, ManualClock, assigned

CASES = 5


@pytest.fixture
async def runtime(make_settings: SettingsFactory) -> AsyncIterator[tuple[Runtime, SlaMonitor, ManualClock]]:
    """The monitor's use cases on a migrated schema, with no timer loop running: the test fires."""
    clock = ManualClock(MONDAY_10)
    settings = make_settings(Settings)
    assert isinstance(settings, Settings)
    runtime = Runtime(settings, migrations=MIGRATIONS)
    await upgrade(runtime.engine, settings.schema_name, MIGRATIONS)
    try:
        yield runtime, SlaMonitor(load_policy(settings.policy_path), runtime.outbox, clock), clock
    finally:
        await runtime.engine.dispose()


async def breach_events(runtime: Runtime) -> list[Any]:
    async with runtime.sessions() as session:
        rows = (await session.execute(select(outbox.c.value, outbox.c.headers))).all()
    events = [decode(r.value, [(name, value.encode()) for name, value in r.headers]) for r in rows]
    return [e for e in events if e.type.endswith("breached.v1")]


async def clock_states(runtime: Runtime) -> dict[Any, tuple[str, Any]]:
    async with runtime.sessions() as session:
        rows = (await session.execute(select(clocks.c.inquiry_id, clocks.c.state, clocks.c.fire_at)
                                      .where(clocks.c.name == "member_callback"))).all()
    return {r.inquiry_id: (r.state, r.fire_at) for r in rows}


async def test_timers_due_together_fire_in_one_batch_once_and_survive_an_aborted_batch(
    runtime: tuple[Runtime, SlaMonitor, ManualClock],
) -> None:
    rt, monitor, clock = runtime
    cases = [assigned(track="care_transition", priority="urgent", received_at=MONDAY_10 - timedelta(minutes=i))
             for i in range(CASES)]
    async with rt.unit_of_work() as uow:
        for case in cases:
            await monitor.triaged(uow.session, case)
        await uow.commit()
    ids = {c.inquiry_id for c in cases}
    clock.set(MONDAY_10 + timedelta(days=2))  # every clock is past its warning and its deadline

    # An instance claims the batch and dies before committing; meanwhile a second one skips it.
    async with rt.unit_of_work() as dying:
        assert await monitor.fire_due(dying.session) >= CASES
        async with rt.unit_of_work() as other:
            assert await monitor.fire_due(other.session) == 0  # locked by the first: SKIP LOCKED
    assert await breach_events(rt) == []
    assert {state for state, _ in (await clock_states(rt)).values()} == {"open"}

    async with rt.unit_of_work() as uow:
        fired = await monitor.fire_due(uow.session)
        await uow.commit()
    breaches = await breach_events(rt)
    assert sorted(str(e.payload.inquiry_id) for e in breaches) == sorted(str(i) for i in ids)  # each once
    assert (await clock_states(rt)) == {i: ("breached", None) for i in ids}
    async with rt.unit_of_work() as uow:
        assert await monitor.fire_due(uow.session) == 0  # nothing left: fired once, in one batch
        await uow.commit()
    assert len(await breach_events(rt)) == CASES
    assert fired >= CASES
