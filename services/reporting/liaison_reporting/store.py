"""The read model's writes, each indifferent to the order events arrive in (topics are not ordered
among themselves). The reports' aggregates are in `liaison_reporting.aggregates`. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, case, delete, func, literal_column, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_reporting.tables import cases, clock_cycles, reviews

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


async def cycle(session: AsyncSession, *, inquiry_id: UUID, clock: str, due_at: datetime, clock_mco: str | None = None,
                outcome: str | None = None, **values: Any) -> None:
    """Record what is known of one cycle of a clock (its deadline tells the cycles apart; `clock_mco` the MCO
    whose obligation it times, None for the case's own clock)."""
    row = {"inquiry_id": inquiry_id, "clock": clock, "clock_mco": clock_mco or "", "due_at": due_at, **values}
    if outcome is not None:
        row["outcome"] = outcome
    statement = pg_insert(clock_cycles).values(**row)
    updates: dict[str, Any] = dict(values)
    if outcome is not None:
        updates["outcome"] = case((clock_cycles.c.outcome.in_(STRONGER[outcome]), outcome),
                                  else_=clock_cycles.c.outcome)
    await session.execute(statement.on_conflict_do_update(index_elements=["inquiry_id", "clock", "clock_mco",
                                                                          "due_at"], set_=updates))


async def replace_open_cycle(session: AsyncSession, *, inquiry_id: UUID, clock: str, clock_mco: str | None,
                             started_at: datetime, due_at: datetime) -> None:
    """A start again with the same start and another deadline moved the cycle's deadline (an extension, the
    case decided again): the open cycle with the old deadline is the same cycle, not another one to count."""
    await session.execute(delete(clock_cycles).where(
        clock_cycles.c.inquiry_id == inquiry_id, clock_cycles.c.clock == clock,
        clock_cycles.c.clock_mco == (clock_mco or ""), clock_cycles.c.started_at == started_at,
        clock_cycles.c.outcome == "open", clock_cycles.c.due_at != due_at))


def case_mco() -> Any:
    """The case's MCO for the reports: the one it was referred to, else the member's, else 'none'."""
    return func.coalesce(cases.c.referred_mco, cases.c.mco, literal_column("'none'"))


async def label_cycles(session: AsyncSession, inquiry_id: UUID) -> None:
    """Copy the case's MCO, referral and source onto its cycles: after the case's changed, or a cycle was written.

    Both writers call this, so whichever arrives last brings the cycles up to date. Two transactions writing the
    case and a cycle at once would each miss the other's uncommitted row; the lock on the inquiry (held to the
    end of the transaction) puts one after the other, and this statement, begun after it, sees the first's rows.
    """
    await session.execute(select(func.pg_advisory_xact_lock(func.hashtextextended(str(inquiry_id), 0))))
    labels = {"mco": case_mco(), "referred_mco": cases.c.referred_mco, "source": cases.c.source}
    await session.execute(
        update(clock_cycles)
        .where(clock_cycles.c.inquiry_id == inquiry_id, cases.c.id == inquiry_id,
               or_(*(clock_cycles.c[name].is_distinct_from(value) for name, value in labels.items())))
        .values(**labels))


async def review(session: AsyncSession, *, inquiry_id: UUID, level: str, at: datetime, resolution: str | None) -> None:
    """One review of a grievance or an appeal at a level (the same event again changes nothing)."""
    await session.execute(pg_insert(reviews).values(inquiry_id=inquiry_id, level=level, at=at, resolution=resolution)
                          .on_conflict_do_nothing(index_elements=["inquiry_id", "level", "at"]))
