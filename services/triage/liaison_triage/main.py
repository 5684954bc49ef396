"""Composition root and entry point of the triage service."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path

from liaison_shared.program import ProgramError, program_calendar
from liaison_shared.retry import wait_or_stop
from liaison_shared.runtime import Runtime, serve
from liaison_triage.handlers import handlers
from liaison_triage.rules import RulesetError, load_ruleset
from liaison_triage.settings import Settings
from liaison_triage.triage import Triage

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: Settings) -> Runtime:
    """Wire the triage service; the ruleset is loaded (and refused if invalid) here, before anything runs."""
    ruleset = load_ruleset(settings.ruleset_path)
    program_calendar()  # the program file is read (and refused if invalid) at start, not at the first inquiry
    runtime = Runtime(settings, migrations=MIGRATIONS)
    triage = Triage(ruleset, runtime.outbox, enrollment_wait=timedelta(seconds=settings.enrollment_wait_seconds))
    runtime.consume(handlers.bind(triage))

    async def release_overdue_waits(stop: asyncio.Event) -> None:
        while not await wait_or_stop(stop, settings.release_sweep_seconds):
            async with runtime.unit_of_work() as uow:
                if await triage.release_overdue(uow.session):
                    await uow.commit()

    runtime.add_worker(release_overdue_waits)
    return runtime


def main() -> None:
    try:
        runtime = bootstrap(Settings())
    except (RulesetError, ProgramError) as refused:
        sys.exit(f"triage: the ruleset does not load:\n{refused}")
    serve(runtime)


if __name__ == "__main__":
    main()
