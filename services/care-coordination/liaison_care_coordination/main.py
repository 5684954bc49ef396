"""Composition root and entry point of the care-coordination service."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from liaison_care_coordination.api import ROUTERS
from liaison_care_coordination.handlers import handlers
from liaison_care_coordination.service import CareCoordination
from liaison_care_coordination.settings import Settings
from liaison_shared import clock
from liaison_shared.audit import keep_access_audit
from liaison_shared.program import program_calendar
from liaison_shared.runtime import Runtime, serve

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: Settings, now: Callable[[], datetime] = clock.now) -> Runtime:
    runtime = Runtime(settings, migrations=MIGRATIONS)
    care = CareCoordination(runtime.outbox, now, program_calendar(), settings.follow_up_days)
    runtime.consume(handlers.bind(care))
    runtime.provide(care)
    runtime.add_routers(*ROUTERS)
    keep_access_audit(runtime)
    return runtime


def main() -> None:
    """`liaison-care-coordination` serves the API and consumes attribution's and the SLA monitor's events."""
    serve(bootstrap(Settings()))


if __name__ == "__main__":
    main()
