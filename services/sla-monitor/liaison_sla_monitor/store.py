"""The SLA monitor's SQL: cases, clocks and the signals that start and meet
them, and the read API's queries. Never commits: the caller's unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, BigInteger, ColumnElement, Row, Uuid, any_, case, func, literal, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_sla_monitor.tables import cases, clocks, signals

# -- cases ---------------------------------------------------------------------------------------


async def save_case(session: AsyncSession, inquiry_id: UUID, **values: Any) -> None:
    """Create or update the case row with `values` (track, priority, received_at, member_id)."""
    await session.execute(insert(cases).values(inquiry_id=inquiry_id, **values).on_conflict_do_update(
        index_elements=["inquiry_id"], set_=values))


async def case_of(session: AsyncSession, inquiry_id: UUID) -> Row[Any] | None:
    return (await session.execute(select(cases).where(cases.c.inquiry_id == inquiry_id))).first()


async def referred_mco_of(session: AsyncSession, inquiry_id: UUID) -> str | None:
    """The MCO the case was last referred to; None if it was not (or is not known here)."""
    return await session.scalar(select(cases.c.referred_mco).where(cases.c.inquiry_id == inquiry_id))


async def set_resolved(session: AsyncSession, inquiry_id: UUID, at: datetime | None) -> None:
    await session.execute(update(cases).where(cases.c.inquiry_id == inquiry_id).values(resolved_at=at))


async def save_referral(session: AsyncSession, inquiry_id: UUID, mco: str, at: datetime) -> None:
    """Keep the case's latest referral (by `at`; a tie goes to the one recorded last): an older one
    arriving late changes nothing."""
    values = {"referred_mco": mco, "referred_at": at}
    await session.execute(insert(cases).values(inquiry_id=inquiry_id, **values).on_conflict_do_update(
        index_elements=["inquiry_id"], set_=values,
        where=or_(cases.c.referred_at.is_(None), cases.c.referred_at <= at)))


async def cases_of_members(session: AsyncSession, member_ids: Sequence[UUID]) -> dict[UUID, list[UUID]]:
    """The cases about each of these members that has one, by member id."""
    found: dict[UUID, list[UUID]] = {}
    for inquiry_id, member_id in await session.execute(select(cases.c.inquiry_id, cases.c.member_id).where(
            cases.c.member_id == any_(literal(list(member_ids), ARRAY(Uuid))))):
        found.setdefault(member_id, []).append(inquiry_id)
    return found


# -- clocks --------------------------------------------------------------------------------------


async def upsert_clock(session: AsyncSession, inquiry_id: UUID, name: str, values: dict[str, Any], *,
                       new_cycle: bool) -> None:
    """Start (or restart) a clock; `new_cycle` counts a restart as the clock's next cycle."""
    statement = insert(clocks).values(inquiry_id=inquiry_id, name=name, **values)
    set_ = {**values, "cycle": clocks.c.cycle + 1} if new_cycle else values
    await session.execute(statement.on_conflict_do_update(index_elements=["inquiry_id", "name"], set_=set_))


async def close_clock(session: AsyncSession, clock_id: int, state: str, at: datetime) -> None:
    await session.execute(update(clocks).where(clocks.c.id == clock_id)
                          .values(state=state, fire_at=None, closed_at=at))


async def clocks_of(session: AsyncSession, inquiry_id: UUID, *, for_update: bool = False) -> Sequence[Row[Any]]:
    query = select(clocks).where(clocks.c.inquiry_id == inquiry_id).order_by(clocks.c.id)
    return (await session.execute(query.with_for_update() if for_update else query)).all()


async def claim_due(session: AsyncSession, now: datetime, limit: int) -> Sequence[Row[Any]]:
    """Clocks due to warn or breach by `now`, each claimed by one instance only (SKIP LOCKED)."""
    return (await session.execute(
        select(clocks).where(clocks.c.fire_at <= now).order_by(clocks.c.fire_at).limit(limit)
        .with_for_update(skip_locked=True))).all()


async def record_firings(session: AsyncSession, warned: Sequence[int], breached: Sequence[int]) -> None:
    """One UPDATE for a batch of fired timers: `warned` wait for their deadline, `breached` close at it."""
    if not warned and not breached:
        return
    breaches = clocks.c.id == func.any(literal(list(breached), ARRAY(BigInteger)))
    await session.execute(
        update(clocks).where(clocks.c.id == func.any(literal([*warned, *breached], ARRAY(BigInteger))))
        .values(warned=case((breaches, clocks.c.warned), else_=True),
                state=case((breaches, "breached"), else_=clocks.c.state),
                fire_at=case((breaches, None), else_=clocks.c.due_at),
                closed_at=case((breaches, clocks.c.due_at), else_=clocks.c.closed_at)))


async def next_fire_at(session: AsyncSession) -> datetime | None:
    found: datetime | None = await session.scalar(select(func.min(clocks.c.fire_at)))
    return found


# -- signals -------------------------------------------------------------------------------------


async def record_signal(session: AsyncSession, inquiry_id: UUID, signal: str, at: datetime) -> None:
    await session.execute(insert(signals).values(inquiry_id=inquiry_id, signal=signal, at=at))


async def signals_of(session: AsyncSession, inquiry_id: UUID) -> Sequence[Row[Any, Any]]:
    """Every signal recorded for the case (`signal`, `at`), in the order recorded."""
    return (await session.execute(select(signals.c.signal, signals.c.at).where(signals.c.inquiry_id == inquiry_id)
                                  .order_by(signals.c.id))).all()


# -- the read API --------------------------------------------------------------------------------
# `referred_to`: the MCO a caller is confined to (None: every case); only cases referred to it count.


def _referred_to(mco: str | None) -> ColumnElement[bool]:
    if mco is None:
        return true()
    return clocks.c.inquiry_id.in_(select(cases.c.inquiry_id).where(cases.c.referred_mco == mco))


async def clocks_due_between(session: AsyncSession, state: str, due_from: datetime, due_to: datetime,
                             limit: int, *, referred_to: str | None) -> Sequence[Row[Any]]:
    return (await session.execute(
        select(clocks).where(clocks.c.state == state, clocks.c.due_at >= due_from, clocks.c.due_at < due_to,
                             _referred_to(referred_to))
        .order_by(clocks.c.due_at).limit(limit))).all()


async def compliance_counts(session: AsyncSession, start: datetime, end: datetime, *,
                            referred_to: str | None) -> Sequence[Row[Any]]:
    """Met, breached and open clocks per track, priority and clock, by due date in [start, end)."""
    counted = {state: func.count(case((clocks.c.state == state, 1))) for state in ("met", "breached", "open")}
    return (await session.execute(
        select(clocks.c.track, clocks.c.priority, clocks.c.name, *[c.label(s) for s, c in counted.items()])
        .where(clocks.c.due_at >= start, clocks.c.due_at < end, _referred_to(referred_to))
        .group_by(clocks.c.track, clocks.c.priority, clocks.c.name)
        .order_by(clocks.c.track, clocks.c.priority, clocks.c.name))).all()
