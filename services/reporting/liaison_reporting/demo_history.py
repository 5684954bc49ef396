"""`liaison-reporting demo-history`: a few months of a small program's cases, synthetic, written straight into
reporting's read model, so that on a fresh machine (`make up`) every report shows something real.

- Cases received on the program's business days over the last `days` days, ending yesterday, about
  `cases_per_day` a business day, every one resolved before now but a handful reopened and open again
  (`liaison_reporting.synthetic` says how they are drawn).
- A process change on `change_on` (default: six weeks ago): from that day on the work takes a quarter less
  time (`FASTER`: what of each case's time to first contact and to resolution lies after the change is
  shortened), so the control chart shifts and before/after finds the fall: about 20% in the times measured after
  the change, which include those of cases begun before it.
- A fall of 20% is about one standard deviation of a day's median of some 60 cases, so a history drawn at
  random does not always show it: of the histories the seeds draw, the first that reads as intended is kept
  (before/after finds resolution time fell 18-22%, and the control chart of resolution time breaks a run rule
  after the change: the first drawn, most often; within four for each of 30 dates tried). The demo is there
  to show what the reports find.
- Its first week's resolutions are of the cases received since it began only, so they are shorter: a control
  chart over the whole history starts below its limits. The console's default period, the last three whole
  months, starts after that.
- Idempotent: synthetic rows are told apart by their ids, all within [`synthetic.FIRST_ID`,
  `synthetic.LAST_ID`] (no random id can fall there), and a run first deletes the rows of the previous one, in
  the same transaction as it writes its own. Rows made from events are never touched.
- Grievances and appeals too: 30 to 60 of each per MCO (`synthetic.grievances_and_appeals`), a few breached,
  some extended, one expedited request per MCO denied, some taken to a state fair hearing, for the
  grievances-and-appeals report.
- The rows are not events: `liaison-reporting rebuild` replays the events only, so it drops the history (run
  this again afterwards).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy.engine import make_url

from liaison_reporting import synthetic
from liaison_reporting.rules.control_chart import control_chart
from liaison_shared import clock
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.db import create_engine
from liaison_shared.migrations import upgrade
from liaison_shared.settings import ServiceSettings

DAYS = 120
CASES_PER_DAY = 60
CHANGE_WEEKS_AGO = 6
FASTER = 0.75
SEED = 2026
ATTEMPTS = 20
FELL = (18, 22)  # percent, as before/after rounds it


@dataclass(frozen=True)
class History:
    """What a run wrote."""

    cases: int  # the inquiries
    cycles: int  # every clock cycle, the grievances' and appeals' too
    first: date  # the first and last day cases were received
    last: date
    change_on: date
    replaced: int  # synthetic cases of an earlier run, deleted first
    grievances_appeals: int = 0

    def summary(self) -> str:
        again = f"; replaced {self.replaced:,} synthetic cases of an earlier run" if self.replaced else ""
        return (f"reporting: wrote a synthetic history of {self.cases:,} cases and {self.cycles:,} clock cycles "
                f"received {self.first} .. {self.last}, with a process change on {self.change_on} (the work "
                f"{100 - FASTER * 100:.0f}% faster from then on), and {self.grievances_appeals:,} grievances and "
                f"appeals{again}")


def default_change_on(today: date) -> date:
    return today - timedelta(weeks=CHANGE_WEEKS_AGO)


async def demo_history(settings: ServiceSettings, migrations: Path, calendar: BusinessCalendar, *, days: int = DAYS,
                       change_on: date | None = None, cases_per_day: float = CASES_PER_DAY,
                       now: datetime | None = None) -> History:
    """Write the history into the schema of `settings` (migrated first), replacing an earlier one."""
    now = now or clock.now()
    today = now.astimezone(calendar.zone).date()
    first, last = today - timedelta(days=days), today - timedelta(days=1)
    change_on = change_on or default_change_on(today)
    if days < 1 or cases_per_day <= 0:
        raise ValueError("--days and --cases-per-day must be positive")
    if not first < change_on <= last:
        raise ValueError(f"--change-on must fall within the history, after its first day: {first} .. {last}")
    business = synthetic.BusinessDays.of(calendar, first, last)
    if not business.count:
        raise ValueError(f"no business day from {first} to {last}: ask for more --days")
    count = round(cases_per_day * business.count)

    engine = create_engine(settings.database_url, settings.schema_name)
    try:
        await upgrade(engine, settings.schema_name, migrations)
    finally:
        await engine.dispose()
    dsn = make_url(settings.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn, server_settings={"search_path": settings.schema_name})
    try:
        async with conn.transaction():
            await conn.execute("DELETE FROM clock_cycles WHERE inquiry_id BETWEEN $1 AND $2",
                               synthetic.FIRST_ID, synthetic.LAST_ID)
            replaced = await conn.fetchval(  # the inquiries of the earlier run (its grievances and appeals too go)
                "WITH gone AS (DELETE FROM cases WHERE id BETWEEN $1 AND $2 RETURNING kind) "
                "SELECT count(*) FILTER (WHERE kind IS NULL OR kind NOT IN ('grievance', 'appeal')) FROM gone",
                synthetic.FIRST_ID, synthetic.LAST_ID)
            await conn.execute("DELETE FROM reviews WHERE inquiry_id BETWEEN $1 AND $2",
                               synthetic.FIRST_ID, synthetic.LAST_ID)
            cases, cycles = await synthetic.copy(conn, iter(drawn(business, count, now, change_on, calendar.zone)))
            grievances = synthetic.grievances_and_appeals(SEED, business, now)
            await synthetic.copy_grievances(conn, grievances)
        await conn.execute("ANALYZE cases, clock_cycles, reviews")
    finally:
        await conn.close()
    return History(cases=cases, cycles=cycles + len(grievances.cycles), first=first, last=last, change_on=change_on,
                   replaced=replaced,
                   grievances_appeals=len(grievances.cases))


Chunks = list[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]
RESOLVED_AT, RESOLUTION_S = (synthetic.CASE_COLUMNS.index(name) for name in ("resolved_at", "resolution_business_s"))


def drawn(business: synthetic.BusinessDays, count: int, now: datetime, change_on: date, zone: ZoneInfo) -> Chunks:
    """The first history of the seeds that reads as intended (else the last drawn)."""
    change = (business.index(change_on), FASTER)
    for attempt in range(ATTEMPTS):
        chunks = list(synthetic.history(SEED + attempt, count, business, now, change))
        if reads_as_intended(chunks, change_on, zone):
            break
    return chunks


def reads_as_intended(chunks: Chunks, change_on: date, zone: ZoneInfo) -> bool:
    """Whether resolution time, by the day of resolution as the reports take it, fell 18-22% across the change
    and its I-MR chart of daily medians breaks a run rule from the change on."""
    by_day: dict[date, list[float]] = defaultdict(list)
    for case_rows, _ in chunks:
        for row in case_rows:
            at = (synthetic.PG_EPOCH + timedelta(microseconds=row[RESOLVED_AT])).astimezone(zone).date()
            by_day[at].append(row[RESOLUTION_S])
    before = median(v for d, values in by_day.items() if d < change_on for v in values)
    after = median(v for d, values in by_day.items() if d >= change_on for v in values)
    first, last = min(by_day), max(by_day)
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    chart = control_chart([median(by_day[d]) if d in by_day else None for d in days])
    return (FELL[0] <= round(100 * (1 - after / before)) <= FELL[1]
            and any(point.rules for point in chart.points if days[point.position] >= change_on))
