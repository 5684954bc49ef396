"""The SLA monitor's SQL: cases, clocks, the signals that start and meet
them and the extensions that move them, and the read API's queries. Never commits: the caller's unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Row,
    Select,
    Uuid,
    and_,
    any_,
    case,
    func,
    literal,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_sla_monitor.tables import cases, clocks, extensions, signals

# -- cases ---------------------------------------------------------------------------------------


async def save_case(session: AsyncSession, inquiry_id: UUID, **values: Any) -> None:
    """Create or update the case row with `values` (track, priority, received_at, member_id)."""
    await session.execute(insert(cases).values(inquiry_id=inquiry_id, **values).on_conflict_do_update(
        index_elements=["inquiry_id"], set_=values))


async def case_of(session: AsyncSession, inquiry_id: UUID) -> Row[Any] | None:
    return (await session.execute(select(cases).where(cases.c.inquiry_id == inquiry_id))).first()


async def set_resolved(session: AsyncSession, inquiry_id: UUID, at: datetime | None) -> None:
    await session.execute(update(cases).where(cases.c.inquiry_id == inquiry_id).values(resolved_at=at))


def _referrals_to(mco: str) -> Select[tuple[UUID]]:
    return select(signals.c.inquiry_id).where(signals.c.signal == "mco_contacted", signals.c.mco == mco)


async def referred_mcos(session: AsyncSession, inquiry_id: UUID) -> list[str]:
    """The MCOs the case was referred to, each once, the first referral's first."""
    rows = await session.execute(select(signals.c.mco).where(
        signals.c.inquiry_id == inquiry_id, signals.c.signal == "mco_contacted", signals.c.mco.is_not(None))
        .group_by(signals.c.mco).order_by(func.min(signals.c.id)))
    return list(rows.scalars())


async def referred_to(session: AsyncSession, inquiry_id: UUID, mco: str) -> bool:
    """Whether the case was ever referred to `mco` (whose principals may then read its part of it)."""
    return bool(await session.scalar(select(_referrals_to(mco).where(signals.c.inquiry_id == inquiry_id)
                                            .exists())))


async def cases_of_members(session: AsyncSession, member_ids: Sequence[UUID]) -> dict[UUID, list[UUID]]:
    """The cases about each of these members that has one, by member id."""
    found: dict[UUID, list[UUID]] = {}
    for inquiry_id, member_id in await session.execute(select(cases.c.inquiry_id, cases.c.member_id).where(
            cases.c.member_id == any_(literal(list(member_ids), ARRAY(Uuid))))):
        found.setdefault(member_id, []).append(inquiry_id)
    return found


# -- clocks --------------------------------------------------------------------------------------


async def upsert_clock(session: AsyncSession, inquiry_id: UUID, name: str, mco: str, values: dict[str, Any], *,
                       new_cycle: bool) -> None:
    """Start (or restart) the instance of `mco` ('' case-level) of a clock; `new_cycle` counts a restart as
    the clock's next cycle."""
    statement = insert(clocks).values(inquiry_id=inquiry_id, name=name, mco=mco, **values)
    set_ = {**values, "cycle": clocks.c.cycle + 1} if new_cycle else values
    await session.execute(statement.on_conflict_do_update(index_elements=["inquiry_id", "name", "mco"], set_=set_))


async def set_clock_mco(session: AsyncSession, clock_id: int, mco: str) -> None:
    await session.execute(update(clocks).where(clocks.c.id == clock_id).values(mco=mco))


async def move_deadline(session: AsyncSession, clock_id: int, *, warn_at: datetime, due_at: datetime,
                        extended_days: int, warned: bool) -> None:
    """An open clock's deadline extended: its timer next looks at the warning, or (warned) the deadline."""
    await session.execute(update(clocks).where(clocks.c.id == clock_id).values(
        warn_at=warn_at, due_at=due_at, extended_days=extended_days, warned=warned,
        fire_at=due_at if warned else warn_at))


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


async def record_signal(session: AsyncSession, inquiry_id: UUID, signal: str, at: datetime,
                        mco: str | None = None) -> None:
    await session.execute(insert(signals).values(inquiry_id=inquiry_id, signal=signal, at=at, mco=mco))


async def signals_of(session: AsyncSession, inquiry_id: UUID) -> Sequence[Row[Any, Any, Any]]:
    """Every signal recorded for the case (`signal`, `at`, `mco`), in the order recorded."""
    return (await session.execute(select(signals.c.signal, signals.c.at, signals.c.mco)
                                  .where(signals.c.inquiry_id == inquiry_id).order_by(signals.c.id))).all()


# -- extensions ----------------------------------------------------------------------------------


async def save_extension(session: AsyncSession, inquiry_id: UUID, clock: str, days: int, requested_by: str,
                         at: datetime) -> bool:
    """Keep the extension of the case's `clock`; False (and nothing kept) if it had one already."""
    kept = await session.execute(insert(extensions).values(
        inquiry_id=inquiry_id, clock=clock, days=days, requested_by=requested_by, at=at)
        .on_conflict_do_nothing(index_elements=["inquiry_id", "clock"]).returning(extensions.c.days))
    return kept.first() is not None


async def extended_days(session: AsyncSession, inquiry_id: UUID, clock: str) -> int:
    """The days the case's `clock` was extended by (0: not extended)."""
    return await session.scalar(select(extensions.c.days).where(
        extensions.c.inquiry_id == inquiry_id, extensions.c.clock == clock)) or 0


# -- the read API --------------------------------------------------------------------------------
# `referred_to`: the MCO a caller is confined to (None: every case); only cases referred to it count, and of
# those the case-level clocks and that MCO's instances (another MCO's are its own business).


def _referred_to(mco: str | None) -> ColumnElement[bool]:
    if mco is None:
        return true()
    return and_(clocks.c.inquiry_id.in_(_referrals_to(mco)), clocks.c.mco.in_(("", mco)))


async def clocks_read(session: AsyncSession, inquiry_id: UUID, *, referred_to: str | None) -> Sequence[Row[Any]]:
    """The case's clocks a caller confined to `referred_to` may read, soonest due first."""
    return (await session.execute(select(clocks).where(clocks.c.inquiry_id == inquiry_id, _referred_to(referred_to))
                                  .order_by(clocks.c.due_at, clocks.c.name, clocks.c.mco))).all()


async def clocks_due_between(session: AsyncSession, state: str, due_from: datetime, due_to: datetime,
                             limit: int, *, referred_to: str | None) -> Sequence[Row[Any]]:
    return (await session.execute(
        select(clocks).where(clocks.c.state == state, clocks.c.due_at >= due_from, clocks.c.due_at < due_to,
                             _referred_to(referred_to))
        .order_by(clocks.c.due_at).limit(limit))).all()


async def compliance_counts(session: AsyncSession, start: datetime, end: datetime, *,
                            referred_to: str | None) -> Sequence[Row[Any]]:
    """Met, breached and open clocks per track, priority, clock and MCO ('' case-level), by due date in
    [start, end)."""
    counted = {state: func.count(case((clocks.c.state == state, 1))) for state in ("met", "breached", "open")}
    keys = (clocks.c.track, clocks.c.priority, clocks.c.name, clocks.c.mco)
    return (await session.execute(
        select(*keys, *[c.label(s) for s, c in counted.items()])
        .where(clocks.c.due_at >= start, clocks.c.due_at < end, _referred_to(referred_to))
        .group_by(*keys).order_by(*keys))).all()
