"""All of reporting's SQL: the read model's writes (each indifferent to the order events arrive in,
since topics are not ordered among themselves) and the aggregates the reports are made of. Never
commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, case, func, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_reporting.tables import cases, clock_cycles

# -- the read model -------------------------------------------------------------------------------


async def upsert_case(session: AsyncSession, inquiry_id: UUID, *, earliest: dict[str, datetime] | None = None,
                      latest: dict[str, datetime] | None = None, fill: dict[str, Any] | None = None,
                      **values: Any) -> None:
    """Set `values`; keep the earliest of `earliest`, the latest of `latest`; `fill` only where empty."""
    earliest, latest, fill = earliest or {}, latest or {}, fill or {}
    statement = pg_insert(cases).values(id=inquiry_id, **values, **earliest, **latest, **fill)
    excluded = statement.excluded
    merged: dict[str, Any] = dict(values)
    merged.update({n: func.least(cases.c[n], excluded[n]) for n in earliest})
    merged.update({n: func.greatest(cases.c[n], excluded[n]) for n in latest})
    merged.update({n: func.coalesce(cases.c[n], excluded[n]) for n in fill})
    if merged:
        await session.execute(statement.on_conflict_do_update(index_elements=["id"], set_=merged))
    else:
        await session.execute(statement.on_conflict_do_nothing(index_elements=["id"]))


async def get_case(session: AsyncSession, inquiry_id: UUID, *, for_update: bool = False) -> Row[Any] | None:
    query = select(cases).where(cases.c.id == inquiry_id)
    return (await session.execute(query.with_for_update() if for_update else query)).first()


async def set_case(session: AsyncSession, inquiry_id: UUID, **values: Any) -> None:
    await session.execute(update(cases).where(cases.c.id == inquiry_id).values(**values))


STRONGER = {"met": ("open", "breached"), "breached": ("open",), "stopped": ("open",)}
"""What each outcome may replace: a breach withdrawn becomes met; a clock that stopped after its breach
stays breached."""


async def cycle(session: AsyncSession, *, inquiry_id: UUID, clock: str, due_at: datetime,
                outcome: str | None = None, **values: Any) -> None:
    """Record what is known of one cycle of a clock (its deadline tells the cycles apart)."""
    row = {"inquiry_id": inquiry_id, "clock": clock, "due_at": due_at, **values}
    if outcome is not None:
        row["outcome"] = outcome
    statement = pg_insert(clock_cycles).values(**row)
    updates: dict[str, Any] = dict(values)
    if outcome is not None:
        updates["outcome"] = case((clock_cycles.c.outcome.in_(STRONGER[outcome]), outcome),
                                  else_=clock_cycles.c.outcome)
    await session.execute(statement.on_conflict_do_update(index_elements=["inquiry_id", "clock", "due_at"],
                                                          set_=updates))


# -- the reports' aggregates ----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which cases a report covers: a period, and for an MCO's reader only what was referred to it."""

    start: datetime
    end: datetime
    zone: str
    mco: str | None = None


def case_mco() -> Any:
    return func.coalesce(cases.c.referred_mco, cases.c.mco, literal_column("'none'"))


def _confined(scope: Scope) -> list[Any]:
    return [cases.c.referred_mco == scope.mco] if scope.mco is not None else []


def month_of(column: Any, zone: str) -> Any:
    return func.to_char(func.timezone(zone, column), "YYYY-MM")


def dimension(name: str, zone: str) -> Any:
    return {"clock": clock_cycles.c.clock, "track": clock_cycles.c.track, "priority": clock_cycles.c.priority,
            "mco": case_mco(), "source": cases.c.source, "month": month_of(clock_cycles.c.due_at, zone)}[name]


async def compliance(session: AsyncSession, scope: Scope, group_by: Sequence[str]) -> Sequence[Any]:
    """Met and breached cycles whose deadline fell in the period, per group."""
    dims = [dimension(name, scope.zone).label(name) for name in group_by]
    met = func.count().filter(clock_cycles.c.outcome == "met")
    breached = func.count().filter(clock_cycles.c.outcome == "breached")
    query = (select(*dims, met.label("met"), breached.label("breached"))
             .select_from(clock_cycles.join(cases, cases.c.id == clock_cycles.c.inquiry_id, isouter=True))
             .where(clock_cycles.c.due_at >= scope.start, clock_cycles.c.due_at < scope.end,
                    clock_cycles.c.outcome.in_(("met", "breached")), *_confined(scope))
             .group_by(*dims).order_by(*dims))
    return (await session.execute(query)).all()


async def open_breaches(session: AsyncSession, mco: str | None) -> Sequence[Any]:
    """Breached cycles of cases still open, oldest deadline first."""
    still_open = or_(cases.c.last_resolved_at.is_(None), cases.c.last_reopened_at > cases.c.last_resolved_at)
    query = (select(clock_cycles.c.inquiry_id, clock_cycles.c.clock, clock_cycles.c.track, clock_cycles.c.priority,
                    clock_cycles.c.due_at, case_mco().label("mco"))
             .select_from(clock_cycles.join(cases, cases.c.id == clock_cycles.c.inquiry_id))
             .where(clock_cycles.c.outcome == "breached", still_open,
                    *([cases.c.referred_mco == mco] if mco is not None else []))
             .order_by(clock_cycles.c.due_at))
    return (await session.execute(query)).all()


DURATIONS = {"first_contact": (cases.c.first_contact_at, cases.c.first_contact_business_s,
                               cases.c.first_contact_calendar_s),
             "resolution": (cases.c.resolved_at, cases.c.resolution_business_s, cases.c.resolution_calendar_s)}


async def durations(session: AsyncSession, scope: Scope, measure: str, group_by: Sequence[str]) -> Sequence[Any]:
    """Median and p90 (linear interpolation, as numpy's default) of a duration, per group, in business
    and calendar seconds, over cases whose measured moment fell in the period."""
    at, business, calendar = DURATIONS[measure]
    dims = [{"track": cases.c.track, "priority": cases.c.priority, "mco": case_mco(),
             "source": cases.c.source}[name].label(name) for name in group_by]

    def pct(column: Any, p: float) -> Any:
        return func.percentile_cont(p).within_group(column)

    query = (select(*dims, func.count().label("cases"), pct(business, 0.5).label("business_median_s"),
                    pct(business, 0.9).label("business_p90_s"), pct(calendar, 0.5).label("calendar_median_s"),
                    pct(calendar, 0.9).label("calendar_p90_s"))
             .where(at >= scope.start, at < scope.end, business.is_not(None), *_confined(scope))
             .group_by(*dims).order_by(*dims))
    return (await session.execute(query)).all()


async def values_by_day(session: AsyncSession, scope: Scope, measure: str) -> Sequence[Any]:
    """(local day, business seconds) of each case measured in the period, by day."""
    at, business, _ = DURATIONS[measure]
    day = func.date(func.timezone(scope.zone, at))
    query = (select(day.label("day"), business.label("seconds"))
             .where(at >= scope.start, at < scope.end, business.is_not(None), *_confined(scope)).order_by(day))
    return (await session.execute(query)).all()


async def counts_by(session: AsyncSession, scope: Scope, by: str) -> Sequence[Any]:
    """Cases received in the period, per source, category or MCO."""
    column = {"source": cases.c.source, "category": cases.c.category, "mco": case_mco()}[by]
    query = (select(column.label("label"), func.count().label("cases"))
             .where(cases.c.received_at >= scope.start, cases.c.received_at < scope.end, *_confined(scope))
             .group_by(column))
    return (await session.execute(query)).all()


async def secondary_escalations(session: AsyncSession, scope: Scope) -> Any:
    """Of the cases received in the period: how many, how many reopened, escalated again after being
    worked, and either."""
    query = (select(func.count().label("cases"), func.count().filter(cases.c.reopenings > 0).label("reopened"),
                    func.count().filter(cases.c.escalations > 0).label("escalated"),
                    func.count().filter(or_(cases.c.reopenings > 0, cases.c.escalations > 0)).label("either"))
             .where(cases.c.received_at >= scope.start, cases.c.received_at < scope.end, *_confined(scope)))
    return (await session.execute(query)).one()


async def mco_scorecard(session: AsyncSession, scope: Scope) -> Sequence[Any]:
    """Per MCO and month of referral: referrals, median business time to the MCO's contact, met and
    breached cycles of the MCO's clocks."""
    month = month_of(cases.c.referred_at, scope.zone)
    mco_cycles = (select(clock_cycles.c.inquiry_id,
                         func.count().filter(clock_cycles.c.outcome == "met").label("met"),
                         func.count().filter(clock_cycles.c.outcome == "breached").label("breached"))
                  .where(clock_cycles.c.clock.like("mco\\_%")).group_by(clock_cycles.c.inquiry_id).subquery())
    query = (select(cases.c.referred_mco.label("mco"), month.label("month"), func.count().label("referrals"),
                    func.percentile_cont(0.5).within_group(cases.c.mco_contact_business_s).label("contact_median_s"),
                    func.coalesce(func.sum(mco_cycles.c.met), 0).label("met"),
                    func.coalesce(func.sum(mco_cycles.c.breached), 0).label("breached"))
             .select_from(cases.join(mco_cycles, mco_cycles.c.inquiry_id == cases.c.id, isouter=True))
             .where(cases.c.referred_at >= scope.start, cases.c.referred_at < scope.end,
                    cases.c.referred_mco.is_not(None), *_confined(scope))
             .group_by(cases.c.referred_mco, month).order_by(cases.c.referred_mco, month))
    return (await session.execute(query)).all()
