"""Composition root and entry point of the reporting service."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date
from pathlib import Path

from liaison_reporting.api import ROUTERS
from liaison_reporting.demo_history import CASES_PER_DAY, DAYS, demo_history
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


def arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="liaison-reporting", description="Serve the reports (no command), or:")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("rebuild", help="empty the read model and rewind the consumer group (service stopped); "
                        "started again, the service replays every event")
    demo = commands.add_parser("demo-history", help="write a synthetic history of cases into the read model, "
                               "replacing an earlier one (for the demo; a rebuild drops it)")
    demo.add_argument("--days", type=int, default=DAYS, help=f"days of history, ending yesterday (default {DAYS})")
    demo.add_argument("--change-on", type=date.fromisoformat, metavar="YYYY-MM-DD",
                      help="the day of the process change (default: six weeks ago)")
    demo.add_argument("--cases-per-day", type=float, default=CASES_PER_DAY,
                      help=f"cases received per business day (default {CASES_PER_DAY})")
    return parser


def main() -> None:
    """`liaison-reporting` serves; `rebuild` rebuilds the read model (service stopped); `demo-history` writes a
    synthetic history into it."""
    parser = arguments()
    chosen = parser.parse_args()
    if chosen.command == "rebuild":
        rewound = asyncio.run(rebuild(bootstrap(Settings())))
        print(f"reporting: read model emptied, {rewound} partitions rewound; start the service to replay them")
    elif chosen.command == "demo-history":
        try:
            written = asyncio.run(demo_history(Settings(), MIGRATIONS, program_calendar(), days=chosen.days,
                                               change_on=chosen.change_on, cases_per_day=chosen.cases_per_day))
        except ValueError as exc:
            parser.error(str(exc))
        print(written.summary())
    else:
        serve(bootstrap(Settings()))


if __name__ == "__main__":
    main()
