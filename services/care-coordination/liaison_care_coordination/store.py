"""Care coordination's SQL. Never commits: the caller's unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ARRAY, Row, Text, case, delete, func, literal, select, union_all, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_care_coordination.rules.high_risk_list import Enrollment, Entry, ListRow, Reject, Side
from liaison_care_coordination.tables import (
    conferences,
    coordinations,
    item_clocks,
    list_entries,
    members,
    next_steps,
    notices,
    outreach,
    series,
    tracking,
    uploads,
)

# -- members (attribution's events) ------------------------------------------------------------------


async def save_members(session: AsyncSession, rows: Sequence[dict[str, Any]], fields: Sequence[str]) -> None:
    """Upsert members (one statement for a batch; the last row of a member wins), changing only `fields`."""
    latest = {row["member_id"]: row for row in rows}
    if not latest:
        return
    statement = insert(members).values(list(latest.values()))
    await session.execute(statement.on_conflict_do_update(
        index_elements=["member_id"], set_={f: statement.excluded[f] for f in (*fields, "updated_at")}))


async def waiting_notices(session: AsyncSession, member_ids: Sequence[UUID]) -> Sequence[Row[Any]]:
    """Notices that waited for attribution to tell these members' plan and practice, now that it has."""
    return (await session.execute(
        select(notices, members.c.member_id.label("patient_id"), members.c.plan.label("patient_plan"),
               members.c.practice_npi.label("patient_practice"))
        .join(members, members.c.medicaid_id == notices.c.medicaid_id)
        .where(members.c.member_id.in_(member_ids), notices.c.published.is_(False),
               members.c.plan.is_not(None), members.c.practice_npi.is_not(None))
        .with_for_update(of=notices))).all()


async def enrollments(session: AsyncSession, medicaid_ids: Sequence[str]) -> dict[str, Enrollment]:
    rows = await session.execute(select(members).where(members.c.medicaid_id.in_(medicaid_ids)))
    return {r.medicaid_id: Enrollment(str(r.member_id), r.plan, r.practice_npi, r.disenrolled_on) for r in rows}


async def member_by_medicaid_id(session: AsyncSession, medicaid_id: str) -> Row[Any] | None:
    return (await session.execute(select(members).where(members.c.medicaid_id == medicaid_id))).first()


async def medicaid_id_of(session: AsyncSession, member_id: UUID) -> str | None:
    found = await session.scalar(select(members.c.medicaid_id).where(members.c.member_id == member_id))
    return str(found) if found is not None else None


# -- high-risk lists ---------------------------------------------------------------------------------


async def replace_list(session: AsyncSession, upload_id: UUID, plan: str, practice_npi: str, side: Side,
                       rows: Sequence[ListRow], rejects: Sequence[Reject], received_at: datetime,
                       by_subject: str) -> None:
    """One side's list is replaced by its latest upload (each upload is the side's whole top 30)."""
    await session.execute(insert(uploads).values(
        upload_id=upload_id, plan=plan, practice_npi=practice_npi, side=side, received_at=received_at,
        by_subject=by_subject, accepted=len(rows),
        rejects=[{"row": r.row, "field": r.field, "reason": r.reason} for r in rejects]))
    await session.execute(delete(list_entries).where(list_entries.c.plan == plan,
                                                     list_entries.c.practice_npi == practice_npi,
                                                     list_entries.c.side == side))
    if rows:
        await session.execute(insert(list_entries), [
            {"plan": plan, "practice_npi": practice_npi, "side": side, "medicaid_id": row.medicaid_id,
             "rank": row.rank, "flagged": row.flagged, "risk_level": row.risk_level,
             "risk_drivers": list(row.risk_drivers), "shared": row.shared() if side == "plan" else {},
             "upload_id": upload_id} for row in rows])


async def entries(session: AsyncSession, plan: str, practice_npi: str) -> list[Entry]:
    rows = await session.execute(select(list_entries).where(list_entries.c.plan == plan,
                                                            list_entries.c.practice_npi == practice_npi))
    return [Entry(r.medicaid_id, r.side, r.rank, r.flagged, r.risk_level, tuple(r.risk_drivers), r.shared)
            for r in rows]


async def pairs(session: AsyncSession) -> list[tuple[str, str]]:
    """Every (plan, practice) with a list."""
    rows = await session.execute(select(list_entries.c.plan, list_entries.c.practice_npi).distinct()
                                 .order_by(list_entries.c.plan, list_entries.c.practice_npi))
    return [(r.plan, r.practice_npi) for r in rows]


# -- conference series and conferences -----------------------------------------------------------------


async def save_series(session: AsyncSession, plan: str, practice_npi: str, **values: Any) -> UUID:
    statement = insert(series).values(plan=plan, practice_npi=practice_npi, **values)
    changed = {k: v for k, v in values.items() if k not in ("series_id", "created_at")}
    found = await session.scalar(statement.on_conflict_do_update(
        constraint="conference_series_plan_practice", set_=changed).returning(series.c.series_id))
    assert found is not None
    return UUID(str(found))


async def series_of(session: AsyncSession, plan: str, practice_npi: str) -> Row[Any] | None:
    return (await session.execute(select(series).where(series.c.plan == plan,
                                                       series.c.practice_npi == practice_npi))).first()


async def series_by_id(session: AsyncSession, series_id: UUID) -> Row[Any] | None:
    return (await session.execute(select(series).where(series.c.series_id == series_id))).first()


async def discussed_at(session: AsyncSession, series_id: UUID) -> dict[str, datetime]:
    """When each patient was last on a held conference's agenda."""
    patient = func.jsonb_array_elements_text(conferences.c.agenda).table_valued("value").render_derived()
    rows = await session.execute(select(patient.c.value, func.max(conferences.c.held_at))
                                 .select_from(conferences).join(patient, conferences.c.series_id == series_id)
                                 .group_by(patient.c.value))
    return {str(medicaid_id): at for medicaid_id, at in rows}


async def add_conference(session: AsyncSession, conference_id: UUID, series_id: UUID, held_at: datetime,
                         agenda: Sequence[str]) -> None:
    await session.execute(insert(conferences).values(conference_id=conference_id, series_id=series_id,
                                                     held_at=held_at, agenda=list(agenda)))


async def conference(session: AsyncSession, conference_id: UUID) -> Row[Any] | None:
    """A conference with its series' plan and practice."""
    return (await session.execute(select(conferences, series.c.plan, series.c.practice_npi,
                                         series.c.practice_contact_email, series.c.agenda_size)
                                  .join(series, series.c.series_id == conferences.c.series_id)
                                  .where(conferences.c.conference_id == conference_id))).first()


async def conferences_of(session: AsyncSession, series_id: UUID) -> Sequence[Row[Any]]:
    return (await session.execute(select(conferences).where(conferences.c.series_id == series_id)
                                  .order_by(conferences.c.held_at.desc()))).all()


async def mark_summary_sent(session: AsyncSession, conference_id: UUID, sent_at: datetime,
                            summary: dict[str, Any]) -> None:
    await session.execute(update(conferences).where(conferences.c.conference_id == conference_id)
                          .values(summary_sent_at=sent_at, summary=summary))


# -- coordinations, next steps, outreach, tracking -----------------------------------------------------


async def save_coordination(session: AsyncSession, values: dict[str, Any]) -> UUID:
    changed = {k: v for k, v in values.items() if k not in ("coordination_id", "plan", "practice_npi", "medicaid_id")}
    found = await session.scalar(insert(coordinations).values(**values).on_conflict_do_update(
        constraint="coordinations_patient", set_=changed).returning(coordinations.c.coordination_id))
    assert found is not None
    return UUID(str(found))


async def update_coordination(session: AsyncSession, coordination_id: UUID, **values: Any) -> None:
    await session.execute(update(coordinations).where(coordinations.c.coordination_id == coordination_id)
                          .values(**values))


async def coordination(session: AsyncSession, coordination_id: UUID) -> Row[Any] | None:
    return (await session.execute(select(coordinations)
                                  .where(coordinations.c.coordination_id == coordination_id))).first()


async def coordinations_of(session: AsyncSession, plan: str, practice_npi: str) -> Sequence[Row[Any]]:
    return (await session.execute(select(coordinations).where(coordinations.c.plan == plan,
                                                              coordinations.c.practice_npi == practice_npi))).all()


async def add_steps(session: AsyncSession, steps: Sequence[dict[str, Any]]) -> None:
    if steps:
        await session.execute(insert(next_steps), list(steps))


async def steps_of(session: AsyncSession, coordination_ids: Sequence[UUID]) -> Sequence[Row[Any]]:
    """Next steps with the state of their report-back clock."""
    return (await session.execute(
        select(next_steps, item_clocks.c.state.label("clock_state"), item_clocks.c.due_at)
        .outerjoin(item_clocks, (item_clocks.c.item_id == next_steps.c.step_id)
                   & (item_clocks.c.clock == "report_back"))
        .where(next_steps.c.coordination_id.in_(coordination_ids))
        .order_by(next_steps.c.report_back_on, next_steps.c.step_id))).all()


async def step(session: AsyncSession, step_id: UUID) -> Row[Any] | None:
    return (await session.execute(select(next_steps, coordinations.c.plan, coordinations.c.practice_npi)
                                  .join(coordinations, coordinations.c.coordination_id == next_steps.c.coordination_id)
                                  .where(next_steps.c.step_id == step_id))).first()


async def report_step(session: AsyncSession, step_id: UUID, reported_at: datetime, report: str) -> bool:
    """Record the report-back once; False if it was recorded already."""
    done = await session.execute(update(next_steps).where(next_steps.c.step_id == step_id,
                                                          next_steps.c.reported_at.is_(None))
                                 .values(reported_at=reported_at, report=report))
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def add_outreach(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(outreach).values(**values))


async def outreach_of(session: AsyncSession, coordination_id: UUID) -> Sequence[Row[Any]]:
    return (await session.execute(select(outreach).where(outreach.c.coordination_id == coordination_id)
                                  .order_by(outreach.c.at))).all()


async def start_tracking(session: AsyncSession, tracking_id: UUID, coordination_id: UUID, at: datetime) -> bool:
    """Put the patient on the tracking list; False if they are on it already."""
    added = await session.execute(insert(tracking).values(tracking_id=tracking_id, coordination_id=coordination_id,
                                                          started_at=at).on_conflict_do_nothing())
    return bool(added.rowcount)  # type: ignore[attr-defined]


async def tracked(session: AsyncSession, plan: str, practice_npi: str) -> Sequence[Row[Any]]:
    return (await session.execute(
        select(tracking, coordinations.c.medicaid_id, item_clocks.c.state.label("clock_state"), item_clocks.c.due_at)
        .join(coordinations, coordinations.c.coordination_id == tracking.c.coordination_id)
        .outerjoin(item_clocks, (item_clocks.c.item_id == tracking.c.tracking_id)
                   & (item_clocks.c.clock == "tracking_update"))
        .where(coordinations.c.plan == plan, coordinations.c.practice_npi == practice_npi)
        .order_by(tracking.c.started_at))).all()


async def tracking_entry(session: AsyncSession, tracking_id: UUID) -> Row[Any] | None:
    return (await session.execute(select(tracking, coordinations.c.plan, coordinations.c.practice_npi)
                                  .join(coordinations, coordinations.c.coordination_id == tracking.c.coordination_id)
                                  .where(tracking.c.tracking_id == tracking_id))).first()


async def update_tracking(session: AsyncSession, tracking_id: UUID, at: datetime, claims_activity: str) -> None:
    await session.execute(update(tracking).where(tracking.c.tracking_id == tracking_id)
                          .values(updated_at=at, claims_activity=claims_activity))


# -- notices (admissions, discharges, call-back requests) -----------------------------------------------


async def add_notice(session: AsyncSession, **values: Any) -> UUID | None:
    """Store a notice; None if the sender sent this message before (it is acknowledged again, once stored)."""
    found = await session.scalar(insert(notices).values(**values).on_conflict_do_nothing(
        constraint="notices_sender_message").returning(notices.c.notice_id))
    return UUID(str(found)) if found is not None else None


async def notice(session: AsyncSession, notice_id: UUID) -> Row[Any] | None:
    return (await session.execute(select(notices).where(notices.c.notice_id == notice_id))).first()


async def publish_notice(session: AsyncSession, notice_id: UUID, **values: Any) -> None:
    await session.execute(update(notices).where(notices.c.notice_id == notice_id).values(published=True, **values))


async def record_reached(session: AsyncSession, notice_id: UUID, at: datetime, by: str) -> bool:
    done = await session.execute(update(notices).where(notices.c.notice_id == notice_id, notices.c.reached_at.is_(None))
                                 .values(reached_at=at, reached_by=by))
    return bool(done.rowcount)  # type: ignore[attr-defined]


async def notices_of(session: AsyncSession, plan: str | None, practice_npi: str | None,
                     since: datetime) -> Sequence[Row[Any]]:
    clock = item_clocks.alias("clock")
    query = (select(notices, clock.c.clock, clock.c.state.label("clock_state"), clock.c.due_at)
             .outerjoin(clock, clock.c.item_id == notices.c.notice_id)
             .where(notices.c.received_at >= since, notices.c.published.is_(True)))
    if plan is not None:
        query = query.where(notices.c.plan == plan)
    if practice_npi is not None:
        query = query.where(notices.c.practice_npi == practice_npi)
    rows = (await session.execute(query.order_by(notices.c.occurred_at.desc(), notices.c.notice_id,
                                                 clock.c.due_at.desc().nulls_last()))).all()
    latest: dict[UUID, Row[Any]] = {}
    for row in rows:  # a discharge may have two clocks (48 hours, then the call window): show its latest
        latest.setdefault(row.notice_id, row)
    return list(latest.values())


async def ed_visits(session: AsyncSession, plan: str, practice_npi: str) -> Sequence[Row[Any, Any, Any]]:
    return (await session.execute(select(notices.c.medicaid_id, notices.c.occurred_at, notices.c.reached_at)
                                  .where(notices.c.plan == plan, notices.c.practice_npi == practice_npi,
                                         notices.c.emergency.is_(True), notices.c.kind != "callback"))).all()


# -- clocks the SLA monitor runs for the items ----------------------------------------------------------


CLOCK_STATES = ("open", "warning", "breached", "met", "stopped")
"""A clock's states in the order they can follow one another (a withdrawn breach is met after all)."""


async def save_clock(session: AsyncSession, item_id: UUID, clock: str, state: str, due_at: datetime) -> None:
    """Record what the SLA monitor said of an item's clock. Its events travel on several topics, so they may
    arrive in any order: a state never goes back (a start arriving after the breach leaves it breached),
    and a start's deadline is the one kept."""
    rank = func.array_position(literal(list(CLOCK_STATES), ARRAY(Text)), item_clocks.c.state)
    new_rank = CLOCK_STATES.index(state) + 1
    statement = insert(item_clocks).values(item_id=item_id, clock=clock, state=state, due_at=due_at)
    changes: dict[str, Any] = {"state": case((rank < new_rank, state), else_=item_clocks.c.state)}
    if state == "open":
        changes["due_at"] = due_at
    await session.execute(statement.on_conflict_do_update(index_elements=["item_id", "clock"], set_=changes))


async def is_item(session: AsyncSession, item_id: UUID) -> bool:
    """Whether `item_id` is one of this service's items with clocks."""
    found = union_all(*(select(column).where(column == item_id) for column in (
        next_steps.c.step_id, conferences.c.conference_id, tracking.c.tracking_id, notices.c.notice_id)))
    return bool((await session.execute(select(found.exists()))).scalar_one())


async def clock_of(session: AsyncSession, item_id: UUID, clock: str) -> Row[Any] | None:
    return (await session.execute(select(item_clocks).where(item_clocks.c.item_id == item_id,
                                                            item_clocks.c.clock == clock))).first()
