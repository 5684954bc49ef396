"""The notifier's SQL: its copy of what it needs about inquiries and their
referrals, the letters, and the deliveries it owes. Never commits: the
caller's unit of work does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Row, delete, exists, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_notifier.rules.routing import MCO_RECIPIENT_PREFIX
from liaison_notifier.tables import deliveries, inquiries, letters, referrals, waiting_notices

# -- inquiries (the notifier's copy) ------------------------------------------------------------


async def save_inquiry(session: AsyncSession, inquiry_id: UUID, **values: Any) -> Row[Any]:
    """Insert or update the notifier's copy of an inquiry (no values: make sure it exists); the row as it is now."""
    statement = insert(inquiries).values(inquiry_id=inquiry_id, **values)
    if not values:
        await session.execute(statement.on_conflict_do_nothing())
        return (await session.execute(select(inquiries).where(inquiries.c.inquiry_id == inquiry_id))).one()
    return (await session.execute(statement.on_conflict_do_update(index_elements=["inquiry_id"], set_=values)
                                  .returning(*inquiries.c))).one()


async def rename(session: AsyncSession, inquiry_id: UUID, subject: str) -> None:
    await session.execute(update(inquiries).where(inquiries.c.inquiry_id == inquiry_id).values(subject=subject))


async def inquiry(session: AsyncSession, inquiry_id: UUID) -> Row[Any] | None:
    return (await session.execute(select(inquiries).where(inquiries.c.inquiry_id == inquiry_id))).first()


async def add_referral(session: AsyncSession, inquiry_id: UUID, mco: str, at: datetime) -> bool:
    """Record that the case was referred to `mco`; True if it was not already."""
    added = await session.execute(insert(referrals).values(inquiry_id=inquiry_id, mco=mco, referred_at=at)
                                  .on_conflict_do_nothing().returning(referrals.c.mco))
    return added.first() is not None


async def referred_mcos(session: AsyncSession, inquiry_id: UUID) -> tuple[str, ...]:
    """Every MCO the case was referred to, in the order of their referrals."""
    return tuple((await session.scalars(select(referrals.c.mco).where(referrals.c.inquiry_id == inquiry_id)
                                        .order_by(referrals.c.referred_at, referrals.c.mco))).all())


def _referred_to(mco: str, inquiry_id: ColumnElement[UUID | None]) -> ColumnElement[bool]:
    # An MCO sees what concerns the cases referred to it; a row of no inquiry, or of one
    # the notifier has not heard referred to that MCO, concerns none.
    return exists().where(referrals.c.inquiry_id == inquiry_id, referrals.c.mco == mco)


# -- letters -------------------------------------------------------------------------------------


async def save_letter(session: AsyncSession, letter_id: UUID, inquiry_id: UUID, notice: str | None,
                      html: str) -> bool:
    """Store a letter once; True if this call stored it."""
    stored = await session.execute(insert(letters).values(letter_id=letter_id, inquiry_id=inquiry_id, notice=notice,
                                                          html=html)
                                   .on_conflict_do_nothing().returning(letters.c.letter_id))
    return stored.first() is not None


async def has_letter(session: AsyncSession, letter_id: UUID) -> bool:
    return bool(await session.scalar(select(exists().where(letters.c.letter_id == letter_id))))


async def wait_notice(session: AsyncSession, event_id: UUID, inquiry_id: UUID, notice: str, text: str,
                      at: datetime) -> None:
    """Keep a notice whose letter cannot be written yet (once per notice event)."""
    await session.execute(insert(waiting_notices).values(event_id=event_id, inquiry_id=inquiry_id, notice=notice,
                                                         text=text, at=at).on_conflict_do_nothing())


async def take_waiting_notices(session: AsyncSession, inquiry_id: UUID, at: datetime) -> Sequence[Row[Any]]:
    """The notices of `inquiry_id` issued at `at` that were waiting, no longer waiting."""
    return (await session.execute(delete(waiting_notices).where(
        waiting_notices.c.inquiry_id == inquiry_id, waiting_notices.c.at == at).returning(*waiting_notices.c))).all()


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


# One statement claims a batch: the oldest due deliveries, no more of one recipient than this
# instance has room for (a recipient with a long backlog cannot fill the batch), rows
# another instance is claiming right now skipped. The status and due time are checked again on the
# locked row, so a delivery claimed or recorded meanwhile is not taken.
_CLAIM = text("""
WITH due AS (
    SELECT notification_id, recipient, next_attempt_at,
           row_number() OVER (PARTITION BY recipient ORDER BY next_attempt_at) AS place
    FROM deliveries WHERE status = 'pending' AND next_attempt_at <= :now
), held AS (
    SELECT * FROM unnest(CAST(:held_recipients AS text[]), CAST(:held_counts AS int[])) AS h(recipient, n)
), picked AS (
    SELECT notification_id FROM deliveries
    WHERE notification_id IN (
        SELECT due.notification_id FROM due LEFT JOIN held USING (recipient)
        WHERE due.place <= :per_recipient - coalesce(held.n, 0)
        ORDER BY due.next_attempt_at LIMIT :limit)
      AND status = 'pending' AND next_attempt_at <= :now
    FOR UPDATE SKIP LOCKED
)
UPDATE deliveries SET next_attempt_at = :until FROM picked
WHERE deliveries.notification_id = picked.notification_id
RETURNING deliveries.*
""")

# Each outcome is recorded only while the claim that sent it still holds (the row is pending
# with the lease that claim set): a lapsed lease taken by another instance records nothing here.
_RECORD = text("""
UPDATE deliveries SET status = o.status, attempts = o.attempts, last_error = o.last_error,
                      next_attempt_at = o.next_attempt_at, sent_at = o.sent_at
FROM unnest(CAST(:ids AS uuid[]), CAST(:leases AS timestamptz[]), CAST(:statuses AS text[]),
            CAST(:attempts AS int[]), CAST(:errors AS text[]), CAST(:next_attempts AS timestamptz[]),
            CAST(:sent AS timestamptz[]))
     AS o(notification_id, lease, status, attempts, last_error, next_attempt_at, sent_at)
WHERE deliveries.notification_id = o.notification_id AND deliveries.status = 'pending'
  AND deliveries.next_attempt_at = o.lease
RETURNING deliveries.notification_id
""")


async def claim_due(session: AsyncSession, now: datetime, until: datetime, *, per_recipient: int,
                    held: Mapping[str, int], limit: int) -> Sequence[Row[Any]]:
    """Lease due deliveries until `until` (a committed lease: no row lock is held across the sends),
    at most `per_recipient` of a recipient less those of it the caller holds already (`held`)."""
    return (await session.execute(_CLAIM, {
        "now": now, "until": until, "per_recipient": per_recipient, "limit": limit,
        "held_recipients": list(held), "held_counts": list(held.values())})).all()


async def record_attempts(session: AsyncSession, attempts: Sequence[Mapping[str, Any]]) -> set[UUID]:
    """Record attempts (each with notification_id, the lease it was claimed with, status, attempts,
    last_error, next_attempt_at, sent_at); the ids recorded, without those whose claim no longer holds."""
    recorded = await session.execute(_RECORD, {
        "ids": [a["notification_id"] for a in attempts], "leases": [a["lease"] for a in attempts],
        "statuses": [a["status"] for a in attempts], "attempts": [a["attempts"] for a in attempts],
        "errors": [a["last_error"] for a in attempts], "next_attempts": [a["next_attempt_at"] for a in attempts],
        "sent": [a["sent_at"] for a in attempts]})
    return set(recorded.scalars())


async def delivery_log(session: AsyncSession, *, inquiry_id: UUID | None, status: str | None, limit: int,
                       visible_to_mco: str | None) -> Sequence[Row[Any]]:
    """The newest deliveries first; only those `visible_to_mco` (if given) may see: of the cases referred
    to it, all but the deliveries to other MCOs' contacts."""
    query = select(deliveries).order_by(deliveries.c.created_at.desc()).limit(limit)
    if visible_to_mco is not None:
        # Of a case referred to several MCOs, an MCO sees its own part: not what went to the others' contacts.
        query = query.where(_referred_to(visible_to_mco, deliveries.c.inquiry_id),
                            or_(~deliveries.c.recipient.startswith(MCO_RECIPIENT_PREFIX),
                                deliveries.c.recipient == f"{MCO_RECIPIENT_PREFIX}{visible_to_mco}"))
    if inquiry_id is not None:
        query = query.where(deliveries.c.inquiry_id == inquiry_id)
    if status is not None:
        query = query.where(deliveries.c.status == status)
    return (await session.execute(query)).all()
