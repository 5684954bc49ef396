"""All of intake's SQL: inquiries, their log and their clocks, and Idempotency-Key
records. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, bindparam, exists, literal, literal_column, or_, select, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_intake.rules.case import Case, Referral
from liaison_intake.tables import clocks, idempotency_keys, inquiries, inquiry_log
from liaison_shared.events import Event
from liaison_shared.lifecycle import Status
from liaison_shared.payloads import Person
from liaison_shared.vocabulary import CaseKind, ExtensionRequester, Party, Priority, Track

OPEN_CLOCK_STATES = ("open", "breached")
_NOT_LOGGED = {"inquiry_id", "at"}


async def insert_inquiry(session: AsyncSession, values: dict[str, Any], *, if_new: bool = False) -> bool:
    """Insert an inquiry; with `if_new`, only if its id is new. Whether it was inserted."""
    statement = pg_insert(inquiries).values(**values)
    if if_new:
        statement = statement.on_conflict_do_nothing(index_elements=["id"])
    inserted = await session.execute(statement.returning(inquiries.c.id))
    return inserted.first() is not None


async def get_inquiry(session: AsyncSession, inquiry_id: UUID, *, for_update: bool = False) -> Row[Any] | None:
    query = select(inquiries).where(inquiries.c.id == inquiry_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).first()


def case_of(row: Row[Any]) -> Case:
    return Case(id=row.id, party=Party(row.party), status=Status(row.status), mco=row.mco,
                referrals=referrals_of(row), contact_attempts=row.contact_attempts,
                failed_phone_attempts=row.failed_phone_attempts, assignee=assignee_of(row),
                kind=CaseKind(row.kind), track=Track(row.track) if row.track else None,
                priority=Priority(row.priority) if row.priority else None,
                expedited_requested=row.expedited_requested, expedited_denied=row.expedited_denied,
                extension=ExtensionRequester(row.extension) if row.extension else None)


def referrals_of(row: Row[Any]) -> tuple[Referral, ...]:
    """The MCOs the case was referred to, in order."""
    return tuple(Referral(r["mco"], datetime.fromisoformat(r["referred_at"]),
                          datetime.fromisoformat(r["resolved_at"]) if r.get("resolved_at") else None)
                 for r in row.referrals)


def referred_mcos(row: Row[Any]) -> tuple[str, ...]:
    return tuple(r["mco"] for r in row.referrals)


def _referrals_json(case: Case) -> list[dict[str, Any]]:
    return [{"mco": r.mco, "referred_at": r.referred_at.isoformat(),
             "resolved_at": r.resolved_at.isoformat() if r.resolved_at else None} for r in case.referrals]


def _referred_to(mco: str) -> Any:
    """The condition: the case was referred to `mco` (any of its referrals)."""
    return inquiries.c.referrals.contains([{"mco": mco}])


def assignee_of(row: Row[Any]) -> Person | None:
    """Whose case the row is, if anyone's."""
    if row.assignee_subject is None:
        return None
    return Person(subject=row.assignee_subject, name=row.assignee_name)


async def save_case(session: AsyncSession, case: Case, **projection: Any) -> None:
    """Store the folded case (and any projected fields such as track or priority)."""
    assignee = case.assignee
    await session.execute(update(inquiries).where(inquiries.c.id == case.id).values(
        status=case.status, referrals=_referrals_json(case), contact_attempts=case.contact_attempts,
        failed_phone_attempts=case.failed_phone_attempts, expedited_denied=case.expedited_denied,
        extension=case.extension,
        assignee_subject=assignee.subject if assignee else None, assignee_name=assignee.name if assignee else None,
        **projection))


@dataclass(frozen=True)
class InquiryFilter:
    """What a list asks for (every field given must hold) and what its reader may see."""

    status: Status | None = None
    kind: str | None = None
    track: str | None = None
    priority: str | None = None
    queue: str | None = None
    mco: str | None = None
    source: str | None = None
    category: str | None = None
    due_before: datetime | None = None
    assignee: str | None = None
    """A person's subject: the cases they hold."""
    unassigned: bool = False
    """Only the cases nobody holds."""
    medicaid_id: str | None = None
    npi: str | None = None
    name: str | None = None
    """Part of the member's, the caller's or the provider contact's name, in any case."""
    visible_to_mco: str | None = None
    visible_parties: frozenset[str] | None = None
    """The parties whose cases the reader works; None: every party."""


# The names a case is searched by, in its identity (PHI): the member's, the caller's, the provider contact's.
_NAMES = (inquiries.c.identity["member"]["name"].astext, inquiries.c.identity["caller_name"].astext,
          inquiries.c.identity["provider"]["contact_name"].astext)


def _where(f: InquiryFilter) -> list[Any]:
    conditions: list[Any] = []
    for column, value in ((inquiries.c.status, f.status), (inquiries.c.kind, f.kind), (inquiries.c.track, f.track),
                          (inquiries.c.priority, f.priority), (inquiries.c.queue, f.queue),
                          (inquiries.c.source, f.source), (inquiries.c.category, f.category),
                          (inquiries.c.assignee_subject, f.assignee),
                          (inquiries.c.identity["member"]["medicaid_id"].astext, f.medicaid_id),
                          (inquiries.c.identity["provider"]["npi"].astext, f.npi)):
        if value is not None:
            conditions.append(column == value)
    if f.visible_to_mco is not None:
        conditions.append(_referred_to(f.visible_to_mco))
    if f.unassigned:
        conditions.append(inquiries.c.assignee_subject.is_(None))
    if f.name is not None:
        # autoescape: a % or _ in the name is that character, not a wildcard
        conditions.append(or_(*(name.icontains(f.name, autoescape=True) for name in _NAMES)))
    if f.visible_parties is not None:
        conditions.append(inquiries.c.party.in_(sorted(f.visible_parties)))
    if f.mco is not None:
        conditions.append(or_(inquiries.c.mco == f.mco, _referred_to(f.mco)))
    if f.due_before is not None:
        conditions.append(exists().where(clocks.c.inquiry_id == inquiries.c.id,
                                         clocks.c.state.in_(OPEN_CLOCK_STATES), clocks.c.due_at < f.due_before))
    return conditions


async def list_inquiries(
    session: AsyncSession, f: InquiryFilter, *, limit: int, after: tuple[datetime, UUID] | None
) -> Sequence[Row[Any]]:
    """Newest first, keyset-paginated on (received_at, id)."""
    conditions = _where(f)
    if after is not None:
        conditions.append(or_(inquiries.c.received_at < after[0],
                              and_(inquiries.c.received_at == after[0], inquiries.c.id < after[1])))
    query = (select(inquiries).where(*conditions)
             .order_by(inquiries.c.received_at.desc(), inquiries.c.id.desc()).limit(limit))
    return (await session.execute(query)).all()


async def open_clocks(session: AsyncSession, inquiry_ids: Sequence[UUID], *, mco: str | None = None
                      ) -> dict[UUID, list[Row[Any]]]:
    """The open clocks of these cases, soonest first; for an MCO's reader only the case's own and that MCO's."""
    query = select(clocks).where(clocks.c.inquiry_id.in_(inquiry_ids), clocks.c.state.in_(OPEN_CLOCK_STATES))
    if mco is not None:
        query = query.where(clocks.c.mco.in_(["", mco]))
    rows = (await session.execute(query.order_by(clocks.c.due_at))).all()
    found: dict[UUID, list[Row[Any]]] = {}
    for row in rows:
        found.setdefault(row.inquiry_id, []).append(row)
    return found


def log_row(event: Event, *, inquiry_id: UUID | None = None) -> dict[str, Any]:
    """The log entry of `event`, under its payload's inquiry id unless another is given."""
    data = event.payload.model_dump(mode="json")
    return {"event_id": event.id, "inquiry_id": inquiry_id or data["inquiry_id"], "event_type": event.type,
            "source": event.source, "at": event.time, "actor": (data.get("actor") or {}).get("name"),
            "details": {k: v for k, v in data.items() if k not in _NOT_LOGGED}}


async def append_log(session: AsyncSession, events: Sequence[Event], *, inquiry_id: UUID | None = None) -> None:
    """Log events (once each: a redelivered event is already there), under their payload's
    inquiry id unless another is given."""
    if not events:
        return
    rows = [log_row(event, inquiry_id=inquiry_id) for event in events]
    # executemany form: one cached statement, whatever the number of rows
    await session.execute(pg_insert(inquiry_log).on_conflict_do_nothing(index_elements=["event_id"]), rows)


async def log_of(session: AsyncSession, inquiry_id: UUID) -> Sequence[Row[Any]]:
    return (await session.execute(select(inquiry_log).where(inquiry_log.c.inquiry_id == inquiry_id)
                                  .order_by(inquiry_log.c.at, inquiry_log.c.id))).all()


async def log_between(
    session: AsyncSession, start: datetime, end: datetime, *, mco: str | None, parties: frozenset[str] | None
) -> Sequence[Row[Any]]:
    """Log entries in [start, end) with their inquiry's headline fields, in order; only of cases
    referred to `mco` and of `parties`, when given."""
    # An MCO's reader sees its own name in the MCO column, never the other MCOs' a case went to.
    mcos = literal(mco) if mco is not None else literal_column(
        "(SELECT string_agg(r ->> 'mco', ', ') FROM jsonb_array_elements(inquiries.referrals) AS r)")
    query = (select(inquiry_log, inquiries.c.party, inquiries.c.source.label("inquiry_source"),
                    inquiries.c.category, inquiries.c.track, inquiries.c.priority, mcos.label("referred_mco"))
             .join(inquiries, inquiries.c.id == inquiry_log.c.inquiry_id)
             .where(inquiry_log.c.at >= start, inquiry_log.c.at < end)
             .order_by(inquiry_log.c.inquiry_id, inquiry_log.c.at, inquiry_log.c.id))
    if mco is not None:
        query = query.where(_referred_to(mco))
    if parties is not None:
        query = query.where(inquiries.c.party.in_(sorted(parties)))
    return (await session.execute(query)).all()


async def rename(session: AsyncSession, inquiry_id: UUID, subject: str) -> None:
    await session.execute(update(inquiries).where(inquiries.c.id == inquiry_id).values(subject=subject))


async def start_clock(session: AsyncSession, *, inquiry_id: UUID, clock: str, mco: str | None, warn_at: datetime,
                      due_at: datetime, started_at: datetime) -> None:
    """Open (or restart) a clock (of `mco`, on a case referred to several; None: the case's own); an older
    start never overwrites a newer one. The same start again moves the deadline of a clock still open
    (an extension), never reopens a closed one."""
    statement = pg_insert(clocks).values(inquiry_id=inquiry_id, clock=clock, mco=mco or "", state="open",
                                         warn_at=warn_at, due_at=due_at, started_at=started_at)
    await session.execute(statement.on_conflict_do_update(
        index_elements=["inquiry_id", "clock", "mco"],
        set_={"state": "open", "warn_at": warn_at, "due_at": due_at, "started_at": started_at},
        where=or_(clocks.c.started_at < started_at,
                  and_(clocks.c.started_at == started_at, clocks.c.state == "open"))))


async def mark_clock(session: AsyncSession, *, inquiry_id: UUID, clock: str, mco: str | None, state: str,
                     due_at: datetime, at: datetime) -> None:
    """Record that a clock was met, breached or stopped at `at`. Arriving before its start
    (topics are not ordered among themselves), it leaves a row that the older
    start cannot reopen; a later restart (after a reopen) can."""
    statement = pg_insert(clocks).values(inquiry_id=inquiry_id, clock=clock, mco=mco or "", state=state,
                                         warn_at=due_at, due_at=due_at, started_at=at)
    await session.execute(statement.on_conflict_do_update(
        index_elements=["inquiry_id", "clock", "mco"], set_={"state": state}, where=clocks.c.started_at <= at))


async def withdraw_breach(session: AsyncSession, *, inquiry_id: UUID, clock: str, mco: str | None,
                          due_at: datetime) -> None:
    """The breach of this cycle of the clock (its `due_at`) did not happen: the clock was met. The
    withdrawal follows the breach on one topic, so the breach is there, however its start arrived."""
    await session.execute(update(clocks).where(clocks.c.inquiry_id == inquiry_id, clocks.c.clock == clock,
                                               clocks.c.mco == (mco or ""), clocks.c.state == "breached",
                                               clocks.c.due_at == due_at)
                          .values(state="met"))


async def deadline_of(session: AsyncSession, inquiry_id: UUID, clock: str) -> Row[Any] | None:
    """The case's own clock named `clock` (its state and deadline), if it started."""
    return (await session.execute(select(clocks).where(
        clocks.c.inquiry_id == inquiry_id, clocks.c.clock == clock, clocks.c.mco == ""))).first()


async def cases_opened_from(session: AsyncSession, inquiry_id: UUID) -> Sequence[Row[Any, Any, Any, Any]]:
    """The cases a survey outcome opened from this one, oldest first."""
    return (await session.execute(
        select(inquiries.c.id, inquiries.c.kind, inquiries.c.origin, inquiries.c.received_at)
        .where(inquiries.c.origin_inquiry_id == inquiry_id).order_by(inquiries.c.received_at))).all()


# -- Idempotency-Key records ----------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A principal's Idempotency-Key, claimed for a request (its fingerprint) with the answer it gets."""

    principal_id: str
    key: str
    fingerprint: bytes
    status_code: int
    response: dict[str, Any]


# One round trip for what a new inquiry writes besides its event: the key's claim with its answer,
# and only if the claim is new, the inquiry and its log entry.
_OPEN_INQUIRY = text("""
WITH claim AS (
    INSERT INTO idempotency_keys (principal_id, key, request_hash, status_code, response)
    VALUES (:principal_id, :key, :fingerprint, :status_code, CAST(:response AS jsonb))
    ON CONFLICT DO NOTHING RETURNING key
), opened AS (
    INSERT INTO inquiries (id, party, source, category, ime_callback_request, status, mco, requested_priority,
                           received_at, created_by, identity, description, kind, expedited_requested, appeal)
    SELECT CAST(:id AS uuid), CAST(:party AS text), CAST(:source AS text), CAST(:category AS text),
           CAST(:ime_callback_request AS boolean), CAST(:status AS text), CAST(:mco AS text),
           CAST(:requested_priority AS text), CAST(:received_at AS timestamptz), CAST(:created_by AS text),
           CAST(:identity AS jsonb), CAST(:description AS text), CAST(:kind AS text),
           CAST(:expedited_requested AS boolean), CAST(:appeal AS jsonb)
    WHERE EXISTS (SELECT FROM claim)
    RETURNING id
)
INSERT INTO inquiry_log (event_id, inquiry_id, event_type, source, at, actor, details)
SELECT CAST(:event_id AS uuid), opened.id, CAST(:event_type AS text), CAST(:event_source AS text),
       CAST(:at AS timestamptz), CAST(:actor AS text), CAST(:details AS jsonb)
FROM opened
RETURNING event_id
""").bindparams(*(bindparam(name, type_=JSONB) for name in ("response", "identity", "details", "appeal")))


async def open_inquiry(session: AsyncSession, claim: Claim, values: dict[str, Any], log: dict[str, Any]) -> bool:
    """Claim the key and, if that claim is new, insert the inquiry (`values`, every column of a new one)
    and its log entry (`log_row`); False, with nothing written, if the key was claimed before. A
    concurrent claim waits here, on the key's unique index, until the first commits or rolls back."""
    entry = {"event_source" if k == "source" else k: v for k, v in log.items() if k != "inquiry_id"}
    written = await session.execute(_OPEN_INQUIRY, {
        "principal_id": claim.principal_id, "key": claim.key, "fingerprint": claim.fingerprint,
        "status_code": claim.status_code, "response": claim.response, **values, **entry})
    return written.first() is not None



async def claim_idempotency_key(session: AsyncSession, *, principal_id: str, key: str, fingerprint: bytes) -> bool:
    """Claim the principal's key for this request; False if it was claimed before. A concurrent claim
    waits here, on the key's unique index, until the first commits or rolls back."""
    claimed = await session.execute(
        pg_insert(idempotency_keys).values(principal_id=principal_id, key=key, request_hash=fingerprint)
        .on_conflict_do_nothing().returning(idempotency_keys.c.key))
    return claimed.first() is not None


async def first_answer(session: AsyncSession, *, principal_id: str, key: str) -> Row[Any, Any, Any]:
    """The request hash and the answer kept for a claimed key."""
    return (await session.execute(
        select(idempotency_keys.c.request_hash, idempotency_keys.c.status_code, idempotency_keys.c.response)
        .where(idempotency_keys.c.principal_id == principal_id, idempotency_keys.c.key == key))).one()


async def keep_answer(session: AsyncSession, *, principal_id: str, key: str, status_code: int,
                      response: dict[str, Any]) -> None:
    await session.execute(update(idempotency_keys).values(status_code=status_code, response=response)
                          .where(idempotency_keys.c.principal_id == principal_id, idempotency_keys.c.key == key))
