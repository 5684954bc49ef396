"""Composition root and entry point of the sla-monitor service."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from liaison_shared import clock
from liaison_shared.program import ProgramError
from liaison_shared.retry import wait_or_stop
from liaison_shared.runtime import Runtime, serve
from liaison_shared.static_keys import READ, static_keys
from liaison_sla_monitor.api import build_router
from liaison_sla_monitor.handlers import handlers
from liaison_sla_monitor.monitor import SlaMonitor
from liaison_sla_monitor.policy import PolicyError, load_policy
from liaison_sla_monitor.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
TIMER_BATCH = 500


def bootstrap(settings: Settings, now: Callable[[], datetime] = clock.now) -> Runtime:
    """Wire the SLA monitor; the policy is loaded (and refused if invalid) before anything runs."""
    policy = load_policy(settings.policy_path)
    runtime = Runtime(settings, migrations=MIGRATIONS)
    monitor = SlaMonitor(policy, runtime.outbox, now)
    runtime.consume(handlers.bind(monitor))
    runtime.authenticate_with(static_keys({READ: settings.read_key_sha256}))
    runtime.add_routers(build_router(runtime, monitor))

    async def fire_timers(stop: asyncio.Event) -> None:
        """Fire due timers; sleep until the next one (at most timer_poll_seconds, so new ones are seen)."""
        while not stop.is_set():
            async with runtime.unit_of_work() as uow:
                fired = await monitor.fire_due(uow.session, limit=TIMER_BATCH)
                await uow.commit()
            if fired == TIMER_BATCH:
                continue  # more are due right now
            async with runtime.sessions() as session:
                next_at = await monitor.next_fire_at(session)
            # A short floor batches timers that come due together instead of one transaction each.
            pause = settings.timer_poll_seconds if next_at is None else \
                min(settings.timer_poll_seconds, max((next_at - monitor.now()).total_seconds(), 0.02))
            await wait_or_stop(stop, pause)

    runtime.add_worker(fire_timers)
    return runtime


def main() -> None:
    try:
        runtime = bootstrap(Settings())
    except (PolicyError, ProgramError) as refused:
        sys.exit(f"sla-monitor: the SLA policy does not load:\n{refused}")
    serve(runtime)


if __name__ == "__main__":
    main()
