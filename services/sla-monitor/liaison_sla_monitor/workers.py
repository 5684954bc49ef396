"""The SLA monitor's background loop: firing the timers that come due."""

from __future__ import annotations

import asyncio

from liaison_shared.retry import wait_or_stop
from liaison_shared.runtime import Runtime
from liaison_sla_monitor.rules.timers import pause
from liaison_sla_monitor.service import SlaMonitor
from liaison_sla_monitor.settings import Settings

TIMER_BATCH = 500


async def fire_timers(runtime: Runtime, monitor: SlaMonitor, settings: Settings, stop: asyncio.Event) -> None:
    """Fire due timers until `stop`; sleep until the next one (at most timer_poll_seconds, so new ones are seen)."""
    while not stop.is_set():
        async with runtime.unit_of_work() as uow:
            fired = await monitor.fire_due(uow.session, limit=TIMER_BATCH)
            await uow.commit()
        if fired == TIMER_BATCH:
            continue  # more are due right now
        async with runtime.sessions() as session:
            next_at = await monitor.next_fire_at(session)
        await wait_or_stop(stop, pause(next_at, monitor.now(), settings.timer_poll_seconds))
