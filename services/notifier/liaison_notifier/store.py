"""The notifier's SQL: its copy of what it needs about inquiries, the letters,
and the deliveries it owes. Never commits: the caller's unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_notifier.tables import deliveries, inquiries, letters

# -- inquiries (the notifier's copy) ------------------------------------------------------------


async def save_inquiry(session: AsyncSession, inquiry_id: UUID, **values: Any) -> None:
    await session.execute(insert(inquiries).values(inquiry_id=inquiry_id, **values)
                          .on_conflict_do_update(index_elements=["inquiry_id"], set_=values))


async def rename(session: AsyncSession, inquiry_id: UUID, subject: str) -> None:
    await session.execute(update(inquiries).where(inquiries.c.inquiry_id == inquiry_id).values(subject=subject))


async def inquiry(session: AsyncSession, inquiry_id: UUID) -> Row[Any] | None:
    return (await session.execute(select(inquiries).where(inquiries.c.inquiry_id == inquiry_id))).first()


def _referred_to(mco: str, inquiry_id: ColumnElement[UUID | None]) -> ColumnElement[bool]:
    # An MCO sees what concerns the cases referred to it; a row of no inquiry, or of one
    # the notifier has not heard referred, concerns none.
    return inquiry_id.in_(select(inquiries.c.inquiry_id).where(inquiries.c.referred_mco == mco))


# -- letters -------------------------------------------------------------------------------------


async def save_letter(session: AsyncSession, letter_id: UUID, inquiry_id: UUID, html: str) -> bool:
    """Store a letter once; True if this call stored it."""
    stored = await session.execute(insert(letters).values(letter_id=letter_id, inquiry_id=inquiry_id, html=html)
                                   .on_conflict_do_nothing().returning(letters.c.letter_id))
    return stored.first() is not None


async def letter(session: AsyncSession, letter_id: UUID, *, visible_to_mco: str | None
                 ) -> Row[Any, Any] | None:
    """A letter (its inquiry_id and html); None if there is none, or none `visible_to_mco` (if given) may see."""
    query = select(letters.c.inquiry_id, letters.c.html).where(letters.c.letter_id == letter_id)
    if visible_to_mco is not None:
        query = query.where(_referred_to(visible_to_mco, letters.c.inquiry_id))
    return (await session.execute(query)).first()


# -- deliveries ----------------------------------------------------------------------------------


async def owe(session: AsyncSession, **values: Any) -> None:
    """A delivery owed, once per notification id (a repeat of its cause changes nothing)."""
    await session.execute(insert(deliveries).values(**values).on_conflict_do_nothing())


async def due_deliveries(session: AsyncSession, now: datetime, *, per_recipient: int, limit: int
                         ) -> Sequence[Row[Any, Any]]:
    """The oldest due deliveries, at most `per_recipient` of any one recipient."""
    place = func.row_number().over(partition_by=deliveries.c.recipient,
                                   order_by=deliveries.c.next_attempt_at).label("place")
    due = (select(deliveries.c.notification_id, deliveries.c.recipient, deliveries.c.next_attempt_at, place)
           .where(deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now).subquery())
    return (await session.execute(
        select(due.c.notification_id, due.c.recipient).where(due.c.place <= per_recipient)
        .order_by(due.c.next_attempt_at).limit(limit))).all()


async def claim(session: AsyncSession, notification_id: UUID, now: datetime, until: datetime) -> Row[Any] | None:
    """Lease a due delivery until `until` (a committed lease: no row lock is held across the send)."""
    return (await session.execute(
        update(deliveries).where(deliveries.c.notification_id == notification_id,
                                 deliveries.c.status == "pending", deliveries.c.next_attempt_at <= now)
        .values(next_attempt_at=until).returning(*deliveries.c))).first()


async def record_attempt(session: AsyncSession, notification_id: UUID, **values: Any) -> bool:
    """Record an attempt of a delivery still pending; False if another already recorded it."""
    recorded = await session.execute(
        update(deliveries).where(deliveries.c.notification_id == notification_id, deliveries.c.status == "pending")
        .values(**values).returning(deliveries.c.notification_id))
    return recorded.first() is not None


async def delivery_log(session: AsyncSession, *, inquiry_id: UUID | None, status: str | None, limit: int,
                       visible_to_mco: str | None) -> Sequence[Row[Any]]:
    """The newest deliveries first; only those `visible_to_mco` (if given) may see."""
    query = select(deliveries).order_by(deliveries.c.created_at.desc()).limit(limit)
    if visible_to_mco is not None:
        query = query.where(_referred_to(visible_to_mco, deliveries.c.inquiry_id))
    if inquiry_id is not None:
        query = query.where(deliveries.c.inquiry_id == inquiry_id)
    if status is not None:
        query = query.where(deliveries.c.status == status)
    return (await session.execute(query)).all()
