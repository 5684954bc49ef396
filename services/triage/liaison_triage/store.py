"""Triage's SQL. Never commits: the consumer's transaction does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared.payloads import (
    InquiryReceivedV1,
    McoContactedV1,
    MemberDisenrolledV1,
    MemberEnrolledV1,
    PriorityAssignedV1,
)
from liaison_shared.vocabulary import Priority
from liaison_triage.rules.assignment import Override
from liaison_triage.rules.tracks import Enrollment
from liaison_triage.tables import (
    awaiting_enrollment,
    decisions,
    early_disenrollments,
    enrollments,
    overrides,
    referrals,
)


async def enrollment_on(session: AsyncSession, medicaid_id: str, day: date) -> Enrollment:
    rows = (await session.execute(select(enrollments).where(enrollments.c.medicaid_id == medicaid_id)
                                  .order_by(enrollments.c.effective_from.desc(), enrollments.c.mco))).all()
    covering = [r for r in rows if r.effective_from <= day and (r.effective_to is None or r.effective_to >= day)]
    if not covering:
        return Enrollment(known=bool(rows))
    return Enrollment(known=True, mco=covering[0].mco, risk_flags=frozenset(covering[0].risk_flags))


async def record_enrollment(session: AsyncSession, enrolled: MemberEnrolledV1) -> None:
    ended = await session.scalar(
        select(early_disenrollments.c.effective_to)
        .where(early_disenrollments.c.member_id == enrolled.member_id, early_disenrollments.c.mco == enrolled.mco,
               early_disenrollments.c.effective_to >= enrolled.effective_from)
        .order_by(early_disenrollments.c.effective_to).limit(1))
    effective_to = min(d for d in (enrolled.effective_to, ended) if d is not None) \
        if (enrolled.effective_to or ended) else None
    values = {"member_id": enrolled.member_id, "medicaid_id": enrolled.medicaid_id, "mco": enrolled.mco,
              "effective_from": enrolled.effective_from, "effective_to": effective_to,
              "risk_flags": sorted(enrolled.risk_flags)}
    await session.execute(insert(enrollments).values(values).on_conflict_do_update(
        index_elements=["member_id", "mco", "effective_from"],
        set_={"medicaid_id": enrolled.medicaid_id, "effective_to": effective_to,
              "risk_flags": sorted(enrolled.risk_flags)}))


async def record_disenrollment(session: AsyncSession, ended: MemberDisenrolledV1) -> None:
    changed = await session.execute(
        update(enrollments).where(enrollments.c.member_id == ended.member_id, enrollments.c.mco == ended.mco,
                                  enrollments.c.effective_from <= ended.effective_to)
        .values(effective_to=ended.effective_to).returning(enrollments.c.member_id))
    if changed.first() is None:
        await session.execute(insert(early_disenrollments).values(
            member_id=ended.member_id, mco=ended.mco, effective_to=ended.effective_to).on_conflict_do_nothing())


async def save_decision(session: AsyncSession, received: InquiryReceivedV1, assigned: PriorityAssignedV1) -> None:
    values = {"track": assigned.track, "mco": assigned.mco, "priority": assigned.priority, "queue": assigned.queue,
              "rules_fired": list(assigned.rules_fired), "ruleset_version": assigned.ruleset_version,
              "decided_at": assigned.decided_at}
    await session.execute(insert(decisions).values(
        inquiry_id=received.inquiry_id, received=received.model_dump(mode="json"), **values)
        .on_conflict_do_update(index_elements=["inquiry_id"], set_=values))


async def decided_inquiry(session: AsyncSession, inquiry_id: UUID) -> InquiryReceivedV1 | None:
    """The inquiry as received, if triage has decided it before."""
    received = await session.scalar(select(decisions.c.received).where(decisions.c.inquiry_id == inquiry_id))
    return None if received is None else InquiryReceivedV1.model_validate(received)


async def decision_of(session: AsyncSession, inquiry_id: UUID) -> Row[Any] | None:
    """Triage's decision row of an inquiry (as received, track, priority, MCOs), if it has one."""
    return (await session.execute(select(decisions).where(decisions.c.inquiry_id == inquiry_id))).first()


async def save_referral(session: AsyncSession, referral: McoContactedV1) -> None:
    """Keep the latest referral of a case (an older one arriving late changes nothing)."""
    values = {"mco": referral.mco, "at": referral.at}
    await session.execute(insert(referrals).values(inquiry_id=referral.inquiry_id, **values).on_conflict_do_update(
        index_elements=["inquiry_id"], set_=values, where=referrals.c.at <= referral.at))


async def referred_mco(session: AsyncSession, inquiry_id: UUID) -> str | None:
    """The MCO the case was last referred to, if it was."""
    return await session.scalar(select(referrals.c.mco).where(referrals.c.inquiry_id == inquiry_id))


async def save_override(session: AsyncSession, inquiry_id: UUID, priority: Priority, reason: str,
                        at: datetime) -> None:
    values = {"priority": priority, "reason": reason, "at": at}
    await session.execute(insert(overrides).values(inquiry_id=inquiry_id, **values).on_conflict_do_update(
        index_elements=["inquiry_id"], set_=values, where=overrides.c.at <= at))


async def override_for(session: AsyncSession, inquiry_id: UUID) -> Override | None:
    row = (await session.execute(select(overrides).where(overrides.c.inquiry_id == inquiry_id))).first()
    return None if row is None else Override(priority=Priority(row.priority), reason=row.reason)


async def await_enrollment(session: AsyncSession, received: InquiryReceivedV1, medicaid_id: str,
                           decide_by: datetime) -> None:
    await session.execute(insert(awaiting_enrollment).values(
        inquiry_id=received.inquiry_id, medicaid_id=medicaid_id, received=received.model_dump(mode="json"),
        decide_by=decide_by).on_conflict_do_nothing())


async def take_awaiting(session: AsyncSession, *, medicaid_id: str | None = None, due_by: datetime | None = None,
                        limit: int = 100) -> Sequence[InquiryReceivedV1]:
    """Remove and return waiting inquiries (for one member, or those whose wait is over).
    Rows locked by another instance are skipped: each is taken once."""
    query = select(awaiting_enrollment.c.inquiry_id, awaiting_enrollment.c.received)
    if medicaid_id is not None:
        query = query.where(awaiting_enrollment.c.medicaid_id == medicaid_id)
    if due_by is not None:
        query = query.where(awaiting_enrollment.c.decide_by <= due_by)
    rows = (await session.execute(query.order_by(awaiting_enrollment.c.decide_by).limit(limit)
                                  .with_for_update(skip_locked=True))).all()
    if rows:
        await session.execute(delete(awaiting_enrollment)
                              .where(awaiting_enrollment.c.inquiry_id.in_([r.inquiry_id for r in rows])))
    return [InquiryReceivedV1.model_validate(r.received) for r in rows]
