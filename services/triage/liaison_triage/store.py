"""Triage's SQL. Never commits: the consumer's transaction does."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, Row, Text, Uuid, any_, delete, literal, select, update
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


async def enrollments_of(session: AsyncSession, medicaid_ids: Iterable[str]) -> dict[str, list[Row[Any]]]:
    """Triage's enrollment records of these members, each member's latest first."""
    ids = list(medicaid_ids)
    if not ids:
        return {}
    found: dict[str, list[Row[Any]]] = {}
    query = select(enrollments).where(enrollments.c.medicaid_id == any_(literal(ids, ARRAY(Text))))
    for row in (await session.execute(query.order_by(enrollments.c.effective_from.desc(), enrollments.c.mco))).all():
        found.setdefault(row.medicaid_id, []).append(row)
    return found


def covering(records: Sequence[Row[Any]], day: date) -> Enrollment:
    """What a member's enrollment records (latest first) say of `day`."""
    on_day = [r for r in records if r.effective_from <= day and (r.effective_to is None or r.effective_to >= day)]
    if not on_day:
        return Enrollment(known=bool(records))
    return Enrollment(known=True, mco=on_day[0].mco, risk_flags=frozenset(on_day[0].risk_flags))


async def record_enrollments(session: AsyncSession, enrolled: Sequence[MemberEnrolledV1]) -> None:
    """Keep these enrollments (the last of two for one span wins), cut short by disenrollments that
    arrived before them."""
    if not enrolled:
        return
    members = list({e.member_id for e in enrolled})
    early: dict[tuple[UUID, str], list[date]] = {}
    for row in await session.execute(select(early_disenrollments).where(
            early_disenrollments.c.member_id == any_(literal(members, ARRAY(Uuid))))):
        early.setdefault((row.member_id, row.mco), []).append(row.effective_to)
    rows = {}
    for e in enrolled:
        ended = min((d for d in early.get((e.member_id, e.mco), []) if d >= e.effective_from), default=None)
        effective_to = min((d for d in (e.effective_to, ended) if d is not None), default=None)
        rows[e.member_id, e.mco, e.effective_from] = {
            "member_id": e.member_id, "medicaid_id": e.medicaid_id, "mco": e.mco, "effective_from": e.effective_from,
            "effective_to": effective_to, "risk_flags": sorted(e.risk_flags)}
    statement = insert(enrollments)  # one statement, many parameter sets: compiled once, not per batch size
    await session.execute(statement.on_conflict_do_update(
        index_elements=["member_id", "mco", "effective_from"],
        set_={name: statement.excluded[name] for name in ("medicaid_id", "effective_to", "risk_flags")}),
        list(rows.values()))


async def record_disenrollment(session: AsyncSession, ended: MemberDisenrolledV1) -> None:
    changed = await session.execute(
        update(enrollments).where(enrollments.c.member_id == ended.member_id, enrollments.c.mco == ended.mco,
                                  enrollments.c.effective_from <= ended.effective_to)
        .values(effective_to=ended.effective_to).returning(enrollments.c.member_id))
    if changed.first() is None:
        await session.execute(insert(early_disenrollments).values(
            member_id=ended.member_id, mco=ended.mco, effective_to=ended.effective_to).on_conflict_do_nothing())


async def save_decisions(session: AsyncSession,
                         decided: Sequence[tuple[InquiryReceivedV1, PriorityAssignedV1]]) -> None:
    """Record these decisions (one per inquiry), replacing earlier ones of the same inquiries."""
    if not decided:
        return
    statement = insert(decisions)
    replaced = ("track", "mco", "priority", "queue", "rules_fired", "ruleset_version", "decided_at")
    await session.execute(statement.on_conflict_do_update(
        index_elements=["inquiry_id"], set_={name: statement.excluded[name] for name in replaced}), [
        {"inquiry_id": received.inquiry_id, "received": received.model_dump(mode="json"),
         "track": assigned.track, "mco": assigned.mco, "priority": assigned.priority, "queue": assigned.queue,
         "rules_fired": list(assigned.rules_fired), "ruleset_version": assigned.ruleset_version,
         "decided_at": assigned.decided_at} for received, assigned in decided])


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
    return (await referred_mcos(session, [inquiry_id])).get(inquiry_id)


async def referred_mcos(session: AsyncSession, inquiry_ids: Sequence[UUID]) -> dict[UUID, str]:
    """The MCO each of these cases was last referred to, for those that were."""
    rows = await session.execute(select(referrals.c.inquiry_id, referrals.c.mco)
                                 .where(referrals.c.inquiry_id == any_(literal(list(inquiry_ids), ARRAY(Uuid)))))
    return {row.inquiry_id: row.mco for row in rows}


async def save_override(session: AsyncSession, inquiry_id: UUID, priority: Priority, reason: str,
                        at: datetime) -> None:
    values = {"priority": priority, "reason": reason, "at": at}
    await session.execute(insert(overrides).values(inquiry_id=inquiry_id, **values).on_conflict_do_update(
        index_elements=["inquiry_id"], set_=values, where=overrides.c.at <= at))


async def overrides_for(session: AsyncSession, inquiry_ids: Sequence[UUID]) -> dict[UUID, Override]:
    wanted = overrides.c.inquiry_id == any_(literal(list(inquiry_ids), ARRAY(Uuid)))
    rows = await session.execute(select(overrides).where(wanted))
    return {row.inquiry_id: Override(priority=Priority(row.priority), reason=row.reason) for row in rows}


async def await_enrollments(session: AsyncSession, waiting: Sequence[tuple[InquiryReceivedV1, str]],
                            decide_by: datetime) -> None:
    """These inquiries (with their members' Medicaid IDs) wait for enrollment until `decide_by`."""
    if waiting:
        await session.execute(insert(awaiting_enrollment).on_conflict_do_nothing(), [
            {"inquiry_id": received.inquiry_id, "medicaid_id": medicaid_id,
             "received": received.model_dump(mode="json"), "decide_by": decide_by}
            for received, medicaid_id in waiting])


async def take_awaiting(session: AsyncSession, *, medicaid_ids: Sequence[str] | None = None,
                        due_by: datetime | None = None, limit: int = 100) -> Sequence[InquiryReceivedV1]:
    """Remove and return waiting inquiries (of these members, or those whose wait is over).
    Rows locked by another instance are skipped: each is taken once."""
    query = select(awaiting_enrollment.c.inquiry_id, awaiting_enrollment.c.received)
    if medicaid_ids is not None:
        query = query.where(awaiting_enrollment.c.medicaid_id == any_(literal(list(medicaid_ids), ARRAY(Text))))
    if due_by is not None:
        query = query.where(awaiting_enrollment.c.decide_by <= due_by)
    rows = (await session.execute(query.order_by(awaiting_enrollment.c.decide_by).limit(limit)
                                  .with_for_update(skip_locked=True))).all()
    if rows:
        await session.execute(delete(awaiting_enrollment)
                              .where(awaiting_enrollment.c.inquiry_id.in_([r.inquiry_id for r in rows])))
    return [InquiryReceivedV1.model_validate(r.received) for r in rows]
