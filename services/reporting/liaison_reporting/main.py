"""Composition root and entry point of the reporting service."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from liaison_reporting.api import ROUTERS
from liaison_reporting.handlers import handlers
from liaison_reporting.rebuild import rebuild
from liaison_reporting.service import Reports
from liaison_reporting.settings import Settings
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.program import program_calendar
from liaison_shared.runtime import Runtime, serve

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: Settings, calendar: BusinessCalendar | None = None) -> Runtime:
    runtime = Runtime(settings, migrations=MIGRATIONS)
    reports = Reports(calendar or program_calendar())
    runtime.consume(handlers.bind(reports))
    runtime.provide(reports)
    runtime.add_routers(*ROUTERS)
    return runtime


def main() -> None:
    """`liaison-reporting` serves; `liaison-reporting rebuild` rebuilds the read model (service stopped)."""
    if sys.argv[1:] == ["rebuild"]:
        rewound = asyncio.run(rebuild(bootstrap(Settings())))
        print(f"reporting: read model emptied, {rewound} partitions rewound; start the service to replay them")
        return
    if sys.argv[1:]:
        sys.exit("usage: liaison-reporting [rebuild]")
    serve(bootstrap(Settings()))


if __name__ == "__main__":
    main()
