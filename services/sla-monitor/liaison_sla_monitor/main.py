"""Composition root and entry point of the sla-monitor service."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from liaison_shared import clock
from liaison_shared.program import ProgramError
from liaison_shared.runtime import Runtime, serve
from liaison_sla_monitor import workers
from liaison_sla_monitor.api import ROUTERS
from liaison_sla_monitor.contract import PolicyError, load_policy
from liaison_sla_monitor.handlers import handlers
from liaison_sla_monitor.service import SlaMonitor
from liaison_sla_monitor.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: Settings, now: Callable[[], datetime] = clock.now) -> Runtime:
    """Wire the SLA monitor; the policy is loaded (and refused if invalid) before anything runs."""
    policy = load_policy(settings.policy_path)
    runtime = Runtime(settings, migrations=MIGRATIONS)
    monitor = SlaMonitor(policy, runtime.outbox, now)
    runtime.consume(handlers.bind(monitor))
    runtime.provide(monitor)
    runtime.add_routers(*ROUTERS)
    runtime.add_worker(functools.partial(workers.fire_timers, runtime, monitor, settings))
    return runtime


def main() -> None:
    try:
        runtime = bootstrap(Settings())
    except (PolicyError, ProgramError) as refused:
        sys.exit(f"sla-monitor: the SLA policy does not load:\n{refused}")
    serve(runtime)


if __name__ == "__main__":
    main()
