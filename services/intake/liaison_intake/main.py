"""Composition root and entry point of the intake service."""

from __future__ import annotations

import sys
from pathlib import Path

from liaison_intake.api import ROUTERS
from liaison_intake.handlers import handlers
from liaison_intake.service import IntakeService
from liaison_intake.settings import Settings
from liaison_shared.audit import keep_access_audit
from liaison_shared.program import ProgramError, program_calendar
from liaison_shared.runtime import Runtime, serve

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: Settings) -> Runtime:
    """Wire the intake service; the program file is loaded (and refused if invalid) first,
    and nothing connects until the runtime starts."""
    calendar = program_calendar()
    runtime = Runtime(settings, migrations=MIGRATIONS)
    intake = IntakeService(runtime.outbox, calendar)
    runtime.consume(handlers.bind(intake))
    runtime.provide(intake)
    runtime.add_routers(*ROUTERS)
    keep_access_audit(runtime)
    return runtime


def main() -> None:
    try:
        runtime = bootstrap(Settings())
    except ProgramError as refused:
        sys.exit(f"intake: the program file does not load:\n{refused}")
    serve(runtime)


if __name__ == "__main__":
    main()
