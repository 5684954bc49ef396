"""Attribution's SQL. Never commits."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date
from typing import IO, Any
from uuid import UUID

import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    ColumnElement,
    MetaData,
    Row,
    Table,
    Text,
    Uuid,
    any_,
    bindparam,
    func,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_attribution.records import MemberRecord, ProviderRecord
from liaison_attribution.tables import assignments, claims, members, panel_removals, providers


async def member_by_medicaid_id(session: AsyncSession, medicaid_id: str) -> Row[Any] | None:
    return (await session.execute(select(members).where(members.c.medicaid_id == medicaid_id))).first()


async def member(session: AsyncSession, member_id: UUID) -> Row[Any] | None:
    return (await session.execute(select(members).where(members.c.member_id == member_id))).first()


async def upsert_member(session: AsyncSession, member_id: UUID, record: MemberRecord) -> None:
    values = record.model_dump()
    await session.execute(insert(members).values(member_id=member_id, **values).on_conflict_do_update(
        index_elements=["medicaid_id"], set_={**values, "updated_at": func.now()}))


async def members_by_medicaid_ids(session: AsyncSession, medicaid_ids: Sequence[str]) -> dict[str, Row[Any]]:
    rows = await session.execute(select(members).where(_any(members.c.medicaid_id, medicaid_ids, Text)))
    return {r.medicaid_id: r for r in rows}


MEMBER_FILE_COLUMNS = ("member_id", *MemberRecord.model_fields, "attribution_due")
_MEMBERS_IN = ("CREATE TEMPORARY TABLE IF NOT EXISTS members_in (LIKE members INCLUDING DEFAULTS) "
               "ON COMMIT DROP")
_members_in = Table("members_in", MetaData(), *(Column(c.name, c.type) for c in members.c))  # temporary


def _upsert_members_in() -> Any:
    statement = insert(members).from_select(MEMBER_FILE_COLUMNS, select(*(_members_in.c[c] for c in
                                                                         MEMBER_FILE_COLUMNS)))
    return statement.on_conflict_do_update(index_elements=["medicaid_id"], set_={
        **{c: statement.excluded[c] for c in MemberRecord.model_fields},
        "attribution_due": members.c.attribution_due | statement.excluded.attribution_due,
        "updated_at": func.now()})


_UPSERT_MEMBERS_IN = _upsert_members_in()


async def upsert_members(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert or update members by Medicaid ID (MEMBER_FILE_COLUMNS; one row per Medicaid ID) through a
    temporary table with COPY; a member already due for attribution stays due."""
    if rows:
        await _copy_in(session, _MEMBERS_IN, "members_in", MEMBER_FILE_COLUMNS,
                       records=[tuple(row[c] for c in MEMBER_FILE_COLUMNS) for row in rows])
        await session.execute(_UPSERT_MEMBERS_IN)
        await session.execute(text("TRUNCATE members_in"))


async def _copy_in(session: AsyncSession, create: str, table: str, columns: Sequence[str], *,
                   records: Iterable[tuple[Any, ...]] | None = None, csv: IO[bytes] | None = None) -> None:
    """COPY rows (or CSV with a header) into a temporary table that `create` makes, in the session's
    transaction: `create` goes through the session first, for a statement sent straight to the driver
    before the session's first would run outside its transaction."""
    await session.execute(text(create))
    connection = (await (await session.connection()).get_raw_connection()).driver_connection
    assert connection is not None  # the asyncpg connection under the session's
    if records is not None:
        await connection.copy_records_to_table(table, records=records, columns=list(columns))
    else:
        await connection.copy_to_table(table, source=csv, columns=list(columns), format="csv", header=True)


async def clear_attribution_due(session: AsyncSession, member_ids: Sequence[UUID]) -> None:
    await session.execute(update(members).where(_any(members.c.member_id, member_ids), members.c.attribution_due)
                          .values(attribution_due=False))


async def upsert_providers(session: AsyncSession, records: Sequence[ProviderRecord]) -> None:
    if records:
        statement = insert(providers)
        await session.execute(statement.on_conflict_do_update(
            index_elements=["npi"], set_={c: statement.excluded[c] for c in ProviderRecord.model_fields
                                          if c != "npi"}), [r.model_dump() for r in records])


async def add_claims(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(claims).on_conflict_do_nothing(), list(rows))


CLAIM_FILE_COLUMNS = ("row", "medicaid_id", "npi", "service_date", "procedure_code", "place_of_service")
_CLAIMS_IN = ("CREATE TEMPORARY TABLE IF NOT EXISTS claims_in (row bigint, medicaid_id text, npi text, "
              "service_date date, procedure_code text, place_of_service text) ON COMMIT DROP")
_ADD_CLAIMS_IN = ("INSERT INTO claims (member_id, npi, service_date, procedure_code, place_of_service) "
                  "SELECT m.member_id, c.npi, c.service_date, c.procedure_code, c.place_of_service "
                  "FROM claims_in c JOIN members m USING (medicaid_id) "
                  "WHERE CAST(:mco AS text) IS NULL OR m.mco = :mco ON CONFLICT DO NOTHING")
_UNKNOWN_IN = ("SELECT c.row FROM claims_in c WHERE NOT EXISTS (SELECT FROM members m WHERE "
               "m.medicaid_id = c.medicaid_id AND (CAST(:mco AS text) IS NULL OR m.mco = :mco)) ORDER BY c.row")


async def add_claim_lines(session: AsyncSession, lines: pa.Table, *, mco: str | None) -> list[int]:
    """Store claim lines (the columns CLAIM_FILE_COLUMNS, `row` their row numbers) of `mco`'s members only if
    given: COPY into a temporary table, then one INSERT joining the members; the row numbers of the lines
    whose member is unknown (not stored)."""
    as_csv = io.BytesIO()
    pa_csv.write_csv(lines.select(list(CLAIM_FILE_COLUMNS)), as_csv)
    as_csv.seek(0)
    await _copy_in(session, _CLAIMS_IN, "claims_in", CLAIM_FILE_COLUMNS, csv=as_csv)
    await session.execute(text(_ADD_CLAIMS_IN), {"mco": mco})
    unknown = list((await session.scalars(text(_UNKNOWN_IN), {"mco": mco})).all())
    await session.execute(text("TRUNCATE claims_in"))
    return unknown


def _enrolled_with(mco: str | None) -> ColumnElement[bool]:
    """Members of `mco` (every member if None)."""
    return true() if mco is None else members.c.mco == mco


async def member_ids(session: AsyncSession, medicaid_ids: Iterable[str], *, mco: str | None = None
                     ) -> dict[str, UUID]:
    """Member ids by Medicaid ID, of `mco`'s members only if given."""
    wanted = list(set(medicaid_ids))
    rows = await session.execute(select(members.c.medicaid_id, members.c.member_id)
                                 .where(members.c.medicaid_id.in_(wanted), _enrolled_with(mco)))
    return {r.medicaid_id: r.member_id for r in rows}


async def all_providers(session: AsyncSession) -> Sequence[Row[Any]]:
    return (await session.execute(select(providers))).all()


async def current_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(assignments.c.npi, func.count()).where(
        assignments.c.effective_to.is_(None), assignments.c.npi.isnot(None)).group_by(assignments.c.npi))
    return {r[0]: int(r[1]) for r in rows}


def _any(column: Any, values: Iterable[Any], element: Any = Uuid) -> ColumnElement[bool]:
    """`column = ANY(:values)` with one array parameter (uuid[] by default): asyncpg takes at most 32,767
    parameters per statement, an IN list one per value."""
    return column == any_(bindparam(None, list(values), type_=ARRAY(element)))  # type: ignore[no-any-return]


async def current_assignments(session: AsyncSession, member_ids: Sequence[UUID]) -> dict[UUID, Row[Any]]:
    """The current assignment of each of these members that has one, locked, by member id."""
    rows = await session.execute(select(assignments).where(
        _any(assignments.c.member_id, member_ids), assignments.c.effective_to.is_(None))
        .with_for_update())
    return {r.member_id: r for r in rows}


async def current_assignment(session: AsyncSession, member_id: UUID, *, for_update: bool = False
                             ) -> Row[Any] | None:
    query = select(assignments).where(assignments.c.member_id == member_id, assignments.c.effective_to.is_(None))
    return (await session.execute(query.with_for_update() if for_update else query)).first()


async def members_needing_a_pcp(session: AsyncSession, as_of: date, *, mco: str | None = None) -> list[UUID]:
    """Eligible members (of `mco`, if given) with no current assignment, or only a flagged network gap, or
    due for attribution (stored from a file)."""
    has_pcp = select(assignments.c.member_id).where(assignments.c.effective_to.is_(None),
                                                    assignments.c.npi.isnot(None))
    rows = await session.execute(select(members.c.member_id).where(
        members.c.eligible_from <= as_of,
        (members.c.eligible_to.is_(None)) | (members.c.eligible_to >= as_of),
        members.c.member_id.not_in(has_pcp) | members.c.attribution_due, _enrolled_with(mco))
        .order_by(members.c.member_id))
    return [r[0] for r in rows]


async def members_rows(session: AsyncSession, member_ids: Sequence[UUID]) -> Sequence[Row[Any]]:
    return (await session.execute(select(members).where(_any(members.c.member_id, member_ids))
                                  .order_by(members.c.member_id))).all()


async def qualifying_visits(session: AsyncSession, member_ids: Sequence[UUID], *, since: date, until: date,
                            codes: Iterable[str], places: Iterable[str]) -> Sequence[Row[Any, Any, Any, Any]]:
    """(member_id, npi, visits, last visit) of these members' claim lines with a qualifying code and place
    of service dated in [since, until]."""
    return (await session.execute(
        select(claims.c.member_id, claims.c.npi, func.count(), func.max(claims.c.service_date))
        .where(_any(claims.c.member_id, member_ids), claims.c.service_date.between(since, until),
               _any(claims.c.procedure_code, codes, Text), _any(claims.c.place_of_service, places, Text))
        .group_by(claims.c.member_id, claims.c.npi))).all()


async def household_pcps(session: AsyncSession, household_ids: Sequence[str]) -> dict[str, list[str]]:
    rows = await session.execute(
        select(members.c.household_id, assignments.c.npi).join(assignments, assignments.c.member_id ==
                                                               members.c.member_id)
        .where(_any(members.c.household_id, household_ids, Text), assignments.c.effective_to.is_(None),
               assignments.c.npi.isnot(None)))
    found: dict[str, list[str]] = {}
    for household_id, npi in rows:
        found.setdefault(household_id, []).append(npi)
    return found


async def replace_assignment(session: AsyncSession, member_id: UUID, *, npi: str | None, method: str | None,
                             network_gap: bool, evidence: dict[str, Any], as_of: date,
                             reason_code: str | None = None, note: str | None = None,
                             recorded_by: dict[str, Any] | None = None) -> str | None:
    """End the current assignment at `as_of` (periods are half-open) and start the new one; the previous NPI."""
    previous = await current_assignment(session, member_id, for_update=True)
    if previous is not None:
        await session.execute(update(assignments).where(assignments.c.id == previous.id)
                              .values(effective_to=as_of))
    await session.execute(insert(assignments).values(
        member_id=member_id, npi=npi, method=method, network_gap=network_gap, evidence=evidence,
        effective_from=as_of, reason_code=reason_code, note=note, recorded_by=recorded_by))
    return previous.npi if previous is not None else None


async def pcp_history(session: AsyncSession, member_id: UUID) -> Sequence[Row[Any]]:
    """Every assignment of the member with its PCP's name (if the provider is stored), newest first."""
    return (await session.execute(
        select(assignments, providers.c.name.label("pcp_name"))
        .join(providers, providers.c.npi == assignments.c.npi, isouter=True)
        .where(assignments.c.member_id == member_id)
        .order_by(assignments.c.effective_from.desc(), assignments.c.id.desc()))).all()


async def replace_assignments(session: AsyncSession, ended: Sequence[int], started: Sequence[dict[str, Any]],
                              *, as_of: date) -> None:
    """End the current assignments with these ids at `as_of` and start the new ones (member_id, npi, method,
    network_gap, evidence, recorded_by): one UPDATE and one multi-row INSERT, however many members."""
    if ended:
        await session.execute(update(assignments).where(
            _any(assignments.c.id, ended, BigInteger))
            .values(effective_to=as_of))
    if started:
        await session.execute(insert(assignments), [{**row, "effective_from": as_of} for row in started])


async def removal(session: AsyncSession, removal_id: UUID, *, for_update: bool = False) -> Row[Any] | None:
    query = select(panel_removals).where(panel_removals.c.removal_id == removal_id)
    return (await session.execute(query.with_for_update() if for_update else query)).first()


def _removal_of_member_with(mco: str | None) -> ColumnElement[bool]:
    """Panel removals of `mco`'s members (every removal if None)."""
    return true() if mco is None else panel_removals.c.member_id.in_(
        select(members.c.member_id).where(_enrolled_with(mco)))


async def due_removals(session: AsyncSession, as_of: date, *, mco: str | None = None) -> Sequence[Row[Any]]:
    """Open removals (of `mco`'s members, if given) whose choice window ended by `as_of`, locked."""
    return (await session.execute(select(panel_removals).where(
        panel_removals.c.status == "open", panel_removals.c.window_ends <= as_of, _removal_of_member_with(mco))
        .order_by(panel_removals.c.window_ends).with_for_update(skip_locked=True))).all()


async def campaign_progress(session: AsyncSession, *, mco: str | None = None) -> dict[str, int]:
    """Panel removals (of `mco`'s members, if given) by status."""
    rows = await session.execute(select(panel_removals.c.status, func.count())
                                 .where(_removal_of_member_with(mco)).group_by(panel_removals.c.status))
    return {status: int(n) for status, n in rows}


async def set_chosen_pcp(session: AsyncSession, member_id: UUID, npi: str) -> None:
    await session.execute(update(members).where(members.c.member_id == member_id).values(chosen_npi=npi))


async def insert_removal(session: AsyncSession, **values: Any) -> None:
    await session.execute(panel_removals.insert().values(**values))


async def update_removal(session: AsyncSession, removal_id: UUID, **values: Any) -> None:
    await session.execute(update(panel_removals).where(panel_removals.c.removal_id == removal_id).values(**values))


async def practice_name(session: AsyncSession, practice_npi: str) -> str | None:
    """The name of the practice with this NPI, if any of its providers is known."""
    name: str | None = await session.scalar(select(providers.c.practice_name).where(
        providers.c.practice_npi == practice_npi).limit(1))
    return name


async def practice_periods(session: AsyncSession, *, practice_npi: str, mco: str, as_of: date, since: date
                           ) -> Sequence[Row[Any, Any, Any, Any]]:
    """The assignment periods of `mco`'s members to the practice's PCPs that started by `as_of` and had
    not ended before `since`, by member and then start."""
    npis = select(providers.c.npi).where(providers.c.practice_npi == practice_npi)
    return (await session.execute(
        select(assignments.c.member_id, assignments.c.npi, assignments.c.effective_from, assignments.c.effective_to)
        .join(members, members.c.member_id == assignments.c.member_id)
        .where(members.c.mco == mco, assignments.c.npi.in_(npis), assignments.c.effective_from <= as_of,
               or_(assignments.c.effective_to.is_(None), assignments.c.effective_to >= since))
        .order_by(assignments.c.member_id, assignments.c.effective_from, assignments.c.id))).all()


async def practice_contracts(session: AsyncSession, *, mco: str | None = None, practice_npi: str | None = None
                             ) -> Sequence[Row[Any, Any, Any]]:
    """(practice_npi, practice_name, mco) of each practice and MCO in whose network one of the practice's
    providers is: the payer-practice contracts attribution keeps a list for (of `mco` and of the practice
    `practice_npi` only, if given), by practice and MCO."""
    inner = select(providers.c.practice_npi, providers.c.practice_name,
                   func.unnest(providers.c.networks).label("mco")).subquery()
    query = (select(inner.c.practice_npi, func.min(inner.c.practice_name).label("practice_name"), inner.c.mco)
             .group_by(inner.c.practice_npi, inner.c.mco).order_by(inner.c.practice_npi, inner.c.mco))
    if mco is not None:
        query = query.where(inner.c.mco == mco)
    if practice_npi is not None:
        query = query.where(inner.c.practice_npi == practice_npi)
    return (await session.execute(query)).all()


async def practice_npis(session: AsyncSession, practice_npi: str) -> frozenset[str]:
    """The NPIs of the practice's providers."""
    return frozenset((await session.scalars(select(providers.c.npi).where(
        providers.c.practice_npi == practice_npi))).all())


async def forget_chosen_pcp(session: AsyncSession, member_id: UUID, npis: Iterable[str]) -> None:
    """Forget the member's choice of PCP if it is one of `npis` (the rules would otherwise honour it again)."""
    await session.execute(update(members).where(members.c.member_id == member_id,
                                                _any(members.c.chosen_npi, npis, Text)).values(chosen_npi=None))
