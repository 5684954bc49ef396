"""All of the console's SQL: the case projection and its clocks, the change feed, people, sign-ins
and sessions. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, delete, exists, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_console.rules.queue_query import QueueQuery
from liaison_console.tables import case_clocks, cases, changes, people, sessions, sign_ins

LIVE_CLOCK_STATES = ("open", "warning", "breached")
CLOCK_KEY = ["inquiry_id", "clock", "mco"]  # unique, nulls not distinct: the case-level clock has no MCO


def change_channel(schema: str) -> str:
    """The LISTEN/NOTIFY channel on which the console's projection announces changes."""
    return f"{schema}_changes"


# -- The case projection ---------------------------------------------------------------------------


async def upsert_case(session: AsyncSession, inquiry_id: UUID, *, fill: dict[str, Any] | None = None,
                      **values: Any) -> None:
    """Set these fields of the case (and those of `fill` only where it has none yet), creating its row
    if this is the first event of it to arrive."""
    fill = fill or {}
    statement = pg_insert(cases).values(id=inquiry_id, **fill, **values)
    filled = {name: func.coalesce(cases.c[name], statement.excluded[name]) for name in fill}
    await session.execute(statement.on_conflict_do_update(
        index_elements=["id"], set_={**values, **filled, "updated_at": func.now()}))


async def case_for_update(session: AsyncSession, inquiry_id: UUID) -> Row[Any]:
    """The case's row, locked (created empty if no event of it arrived before)."""
    await session.execute(pg_insert(cases).values(id=inquiry_id).on_conflict_do_nothing(index_elements=["id"]))
    return (await session.execute(select(cases).where(cases.c.id == inquiry_id).with_for_update())).one()


async def get_case(session: AsyncSession, inquiry_id: UUID) -> Row[Any] | None:
    return (await session.execute(select(cases).where(cases.c.id == inquiry_id, cases.c.party.is_not(None)))).first()


async def add_referral(session: AsyncSession, inquiry_id: UUID, mco: str) -> None:
    """The case was referred to `mco` as well (a case keeps every MCO it was referred to, in order)."""
    await session.execute(update(cases).where(cases.c.id == inquiry_id, ~cases.c.referred_mcos.contains([mco])).values(
        referred_mcos=func.array_append(cases.c.referred_mcos, mco), updated_at=func.now()))


async def start_clock(session: AsyncSession, *, inquiry_id: UUID, clock: str, mco: str | None, track: str,
                      warn_at: datetime, due_at: datetime, started_at: datetime) -> None:
    """Open (or restart) a clock; an older start never overwrites a newer one, nor reopens what ended after it.
    The same start again moves the deadline of a clock still open (an extension, a re-decision)."""
    statement = pg_insert(case_clocks).values(inquiry_id=inquiry_id, clock=clock, mco=mco, track=track,
                                              state="open", warn_at=warn_at, due_at=due_at, started_at=started_at)
    await session.execute(statement.on_conflict_do_update(
        index_elements=CLOCK_KEY,
        set_={"state": "open", "track": track, "warn_at": warn_at, "due_at": due_at, "started_at": started_at,
              "ended_at": None},
        where=or_(and_(case_clocks.c.started_at < started_at,
                       or_(case_clocks.c.ended_at.is_(None), case_clocks.c.ended_at < started_at)),
                  and_(case_clocks.c.started_at == started_at, case_clocks.c.state == "open",
                       case_clocks.c.ended_at.is_(None)))))


async def mark_clock(session: AsyncSession, *, inquiry_id: UUID, clock: str, mco: str | None, state: str,
                     due_at: datetime, at: datetime) -> None:
    """A clock warned, was met, breached or stopped at `at`. Arriving before its start (topics are not
    ordered among themselves) it leaves a row its older start cannot reopen. A warning never covers
    a breach or an end; a breach never covers a met or stopped clock of the same cycle."""
    ended = state in ("met", "stopped")
    statement = pg_insert(case_clocks).values(inquiry_id=inquiry_id, clock=clock, mco=mco, state=state,
                                              warn_at=due_at, due_at=due_at, started_at=at,
                                              ended_at=at if ended else None)
    weaker = {"warning": ("open",), "breached": ("open", "warning")}.get(state)
    guard = case_clocks.c.started_at <= at
    if weaker is not None:
        guard = and_(guard, case_clocks.c.state.in_(weaker))
    await session.execute(statement.on_conflict_do_update(
        index_elements=CLOCK_KEY,
        set_={"state": state, "ended_at": at if ended else case_clocks.c.ended_at}, where=guard))


async def withdraw_breach(session: AsyncSession, *, inquiry_id: UUID, clock: str, mco: str | None,
                          due_at: datetime, met_at: datetime) -> None:
    await session.execute(update(case_clocks).where(
        case_clocks.c.inquiry_id == inquiry_id, case_clocks.c.clock == clock,
        case_clocks.c.mco.is_not_distinct_from(mco), case_clocks.c.state == "breached",
        case_clocks.c.due_at == due_at).values(state="met", ended_at=met_at))


async def refresh_deadlines(session: AsyncSession, inquiry_id: UUID) -> None:
    """Recompute the case's next deadline and whether a clock of it is breached (what queues sort by)."""
    live = select(func.min(case_clocks.c.due_at)).where(case_clocks.c.inquiry_id == inquiry_id,
                                                       case_clocks.c.state.in_(LIVE_CLOCK_STATES))
    breached = exists().where(case_clocks.c.inquiry_id == inquiry_id, case_clocks.c.state == "breached")
    await session.execute(pg_insert(cases).values(id=inquiry_id).on_conflict_do_nothing(index_elements=["id"]))
    await session.execute(update(cases).where(cases.c.id == inquiry_id).values(
        next_due_at=live.scalar_subquery(), breached=breached, updated_at=func.now()))


async def record_change(session: AsyncSession, inquiry_id: UUID, kind: str, channel: str) -> None:
    """Add the change to the feed live pages follow and wake them (NOTIFY is delivered on commit)."""
    await session.execute(changes.insert().values(inquiry_id=inquiry_id, kind=kind))
    await session.execute(select(func.pg_notify(channel, "")))


# -- Queues --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visibility:
    """Which cases a person may see at all: an MCO's only those referred to it (and of those only its own
    clocks and the case's), a one-party role only that party's cases."""

    mco: str | None
    parties: frozenset[str] | None


def _visible(visibility: Visibility) -> list[Any]:
    conditions: list[Any] = [cases.c.party.is_not(None)]
    if visibility.mco is not None:
        conditions.append(cases.c.referred_mcos.contains([visibility.mco]))
    if visibility.parties is not None:
        conditions.append(cases.c.party.in_(sorted(visibility.parties)))
    return conditions


def _clocks_seen(visibility: Visibility) -> list[Any]:
    """The clocks the person sees of a case they see: an MCO's not another MCO's."""
    if visibility.mco is None:
        return []
    return [or_(case_clocks.c.mco.is_(None), case_clocks.c.mco == visibility.mco)]


def _deadlines(visibility: Visibility) -> tuple[Any, Any]:
    """The case's next deadline and whether it is breached, as the person may know them: the
    projection's own for the state's people, an MCO's from its clocks and the case's alone."""
    if visibility.mco is None:
        return cases.c.next_due_at, cases.c.breached
    own = [case_clocks.c.inquiry_id == cases.c.id, *_clocks_seen(visibility)]
    next_due = select(func.min(case_clocks.c.due_at)).where(
        *own, case_clocks.c.state.in_(LIVE_CLOCK_STATES)).scalar_subquery()
    return next_due, exists().where(*own, case_clocks.c.state == "breached")


SORTABLE = {
    "next_due": cases.c.next_due_at, "priority": cases.c.priority_rank, "received": cases.c.received_at,
    "status": cases.c.status, "track": cases.c.track, "queue": cases.c.queue, "mco": cases.c.mco,
    "category": cases.c.category, "source": cases.c.source, "assignee": cases.c.assignee_name,
    "subject": cases.c.subject,
}


def _conditions(query: QueueQuery, visibility: Visibility, me: str) -> list[Any]:
    conditions = _visible(visibility)
    _, breached = _deadlines(visibility)
    if query.status == "open":
        conditions.append(cases.c.status != "resolved")
    elif query.status != "all":
        conditions.append(cases.c.status == query.status)
    for name in ("track", "priority", "source", "category", "party"):
        value = getattr(query, name)
        if value is not None:
            conditions.append(cases.c[name] == value)
    if query.queues is not None:
        conditions.append(cases.c.queue.in_(sorted(query.queues)))
    if query.mco is not None:
        conditions.append(or_(cases.c.mco == query.mco, cases.c.referred_mcos.contains([query.mco])))
    if query.breached is not None:
        conditions.append(breached if query.breached else ~breached)
    if query.assignee == "me":
        conditions.append(cases.c.assignee_subject == me)
    elif query.assignee == "none":
        conditions.append(cases.c.assignee_subject.is_(None))
    elif query.assignee is not None:
        conditions.append(cases.c.assignee_subject == query.assignee)
    return conditions


async def queue_page(session: AsyncSession, query: QueueQuery, visibility: Visibility, me: str,
                     page_size: int) -> tuple[Sequence[Row[Any]], int]:
    """One page of the cases `query` asks for, in its order, and how many there are in all."""
    conditions = _conditions(query, visibility, me)
    next_due, breached = _deadlines(visibility)
    column = next_due if query.sort == "next_due" else SORTABLE[query.sort]
    order = column.desc().nulls_last() if query.descending else column.asc().nulls_last()
    shown = [c for c in cases.c if c.name not in ("next_due_at", "breached")]
    statement: Any = select(*shown, next_due.label("next_due_at"), breached.label("breached"))
    rows: Sequence[Row[Any]] = (await session.execute(
        statement.where(*conditions)
        .order_by(order, cases.c.received_at.asc(), cases.c.id)
        .limit(page_size).offset((query.page - 1) * page_size))).all()
    total = (await session.execute(select(func.count()).select_from(cases).where(*conditions))).scalar_one()
    return rows, int(total)


async def clocks_of(session: AsyncSession, inquiry_ids: Sequence[UUID], visibility: Visibility, *,
                    live_only: bool) -> dict[UUID, list[Row[Any]]]:
    """The clocks of these cases the person sees (only those still running, if `live_only`), soonest
    due first."""
    if not inquiry_ids:
        return {}
    query = select(case_clocks).where(case_clocks.c.inquiry_id.in_(inquiry_ids), *_clocks_seen(visibility))
    if live_only:
        query = query.where(case_clocks.c.state.in_(LIVE_CLOCK_STATES))
    found: dict[UUID, list[Row[Any]]] = {}
    ordered = query.order_by(case_clocks.c.due_at, case_clocks.c.clock, case_clocks.c.mco.nulls_first())
    for row in (await session.execute(ordered)).all():
        found.setdefault(row.inquiry_id, []).append(row)
    return found


async def opened_from(session: AsyncSession, inquiry_id: UUID, visibility: Visibility) -> Sequence[Row[Any]]:
    """The cases a survey outcome of this case opened, that the person may see, oldest first."""
    return (await session.execute(select(cases).where(cases.c.origin_inquiry_id == inquiry_id,
                                                      *_visible(visibility))
                                  .order_by(cases.c.received_at, cases.c.id))).all()


# -- The change feed -------------------------------------------------------------------------------


async def last_change(session: AsyncSession) -> int:
    return int((await session.execute(select(func.coalesce(func.max(changes.c.seq), 0)))).scalar_one())


async def changes_after(session: AsyncSession, seq: int, limit: int = 500) -> Sequence[Row[Any]]:
    """Changes after `seq`, in order, with what visibility needs of their case."""
    return (await session.execute(
        select(changes.c.seq, changes.c.inquiry_id, changes.c.kind, cases.c.party, cases.c.referred_mcos,
               func.extract("epoch", func.clock_timestamp() - changes.c.at).label("age_seconds"))
        .join(cases, cases.c.id == changes.c.inquiry_id).where(changes.c.seq > seq)
        .order_by(changes.c.seq).limit(limit))).all()


async def prune_changes(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(changes).where(changes.c.at < before))


# -- People ------------------------------------------------------------------------------------------


async def remember_person(session: AsyncSession, *, subject: str, name: str, roles: Sequence[str],
                          mco: str | None) -> None:
    values = {"name": name, "roles": sorted(roles), "mco": mco, "last_seen_at": func.now()}
    await session.execute(pg_insert(people).values(subject=subject, **values)
                          .on_conflict_do_update(index_elements=["subject"], set_=values))


async def state_staff(session: AsyncSession) -> Sequence[Row[Any]]:
    """The state's people who have signed in (those cases can be assigned to), by name."""
    return (await session.execute(select(people).where(people.c.mco.is_(None)).order_by(people.c.name))).all()


async def person(session: AsyncSession, subject: str) -> Row[Any] | None:
    return (await session.execute(select(people).where(people.c.subject == subject))).first()


# -- Sign-ins and sessions ------------------------------------------------------------------------------


async def begin_sign_in(session: AsyncSession, *, state: str, verifier: str, nonce: str, next_path: str) -> None:
    await session.execute(sign_ins.insert().values(state=state, verifier=verifier, nonce=nonce, next_path=next_path))


async def take_sign_in(session: AsyncSession, state: str, *, since: datetime) -> Row[Any] | None:
    """The sign-in `state` names, once (it is deleted), if it began after `since`."""
    return (await session.execute(delete(sign_ins).where(sign_ins.c.state == state, sign_ins.c.created_at > since)
                                  .returning(sign_ins))).first()


async def create_session(session: AsyncSession, *, id_hash: bytes, subject: str, tokens: bytes,
                         access_expires_at: datetime, csrf: str) -> None:
    await session.execute(sessions.insert().values(id_hash=id_hash, subject=subject, tokens=tokens,
                                                   access_expires_at=access_expires_at, csrf=csrf))


async def get_session(session: AsyncSession, id_hash: bytes) -> Row[Any] | None:
    return (await session.execute(select(sessions).where(sessions.c.id_hash == id_hash))).first()


async def touch_session(session: AsyncSession, id_hash: bytes) -> None:
    await session.execute(update(sessions).where(sessions.c.id_hash == id_hash).values(last_seen_at=func.now()))


async def renew_session(session: AsyncSession, id_hash: bytes, *, tokens: bytes, access_expires_at: datetime) -> None:
    await session.execute(update(sessions).where(sessions.c.id_hash == id_hash).values(
        tokens=tokens, access_expires_at=access_expires_at, last_seen_at=func.now()))


async def end_session(session: AsyncSession, id_hash: bytes) -> None:
    await session.execute(delete(sessions).where(sessions.c.id_hash == id_hash))


async def purge_sessions(session: AsyncSession, *, idle_since: datetime, created_before: datetime,
                         sign_ins_before: datetime) -> None:
    await session.execute(delete(sessions).where(or_(sessions.c.last_seen_at < idle_since,
                                                     sessions.c.created_at < created_before)))
    await session.execute(delete(sign_ins).where(sign_ins.c.created_at < sign_ins_before))


async def database_now(session: AsyncSession) -> datetime:
    return (await session.execute(text("SELECT now()"))).scalar_one()  # type: ignore[no-any-return]
