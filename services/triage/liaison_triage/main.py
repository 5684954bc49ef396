"""Composition root and entry point of the triage service."""

from __future__ import annotations

import functools
import sys
from datetime import timedelta
from pathlib import Path

from liaison_shared.program import ProgramError, program_calendar
from liaison_shared.runtime import Runtime, serve
from liaison_triage import workers
from liaison_triage.contract import RulesetError, load_ruleset
from liaison_triage.handlers import handlers
from liaison_triage.rules.priority import Ruleset
from liaison_triage.service import Triage
from liaison_triage.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: Settings) -> Runtime:
    """Wire the triage service; the ruleset is loaded (and refused if invalid) here, before anything runs."""
    ruleset = Ruleset(load_ruleset(settings.ruleset_path))
    program_calendar()  # the program file is read (and refused if invalid) at start, not at the first inquiry
    runtime = Runtime(settings, migrations=MIGRATIONS)
    triage = Triage(ruleset, runtime.outbox, enrollment_wait=timedelta(seconds=settings.enrollment_wait_seconds))
    runtime.consume(handlers.bind(triage))
    runtime.add_worker(functools.partial(workers.release_overdue_waits, triage, runtime.sessions,
                                         settings.release_sweep_seconds))
    return runtime


def main() -> None:
    try:
        runtime = bootstrap(Settings())
    except (RulesetError, ProgramError) as refused:
        sys.exit(f"triage: the ruleset does not load:\n{refused}")
    serve(runtime)


if __name__ == "__main__":
    main()
