"""The access audit: every read or export of PHI on record (45 CFR 164.312(b)).

A service that serves PHI keeps `access_audit` in its own schema (migration
step `create_access_audit`) and its routes record each read through the
`AuditTrail` dependency, in a transaction of its own committed before the
answer is sent: when, who (the token's subject, roles, client), from where,
which operation, which resource ids and how many records. It holds ids, never
names or descriptions.

The table is append-only for the application: triggers refuse UPDATE and
TRUNCATE, stamp each row with the database's clock (no back-dating), and let
DELETE remove only rows older than `RETENTION_FLOOR_DAYS` (six years,
45 CFR 164.316(b)(2)), which is what the retention purge does for rows older
than the configured retention. The compliance role (`audit:read`) reads and
exports it with `audit_router`.
"""

from __future__ import annotations

import asyncio
import csv
import functools
import io
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Annotated

from alembic.operations import Operations
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    any_,
    delete,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared.access import AUDIT_READ
from liaison_shared.deps import CurrentRuntime, ReadSession
from liaison_shared.fields import QueryInstant
from liaison_shared.logging import CORRELATION_ID
from liaison_shared.principal import CurrentPrincipal, Principal, require_scope
from liaison_shared.retry import wait_or_stop
from liaison_shared.runtime import Runtime

PHI_READ = {"x-liaison-phi-read": True}
"""`openapi_extra` of a route that returns PHI: it records each read through `AuditTrail`
(tests/test_access_audit.py walks every route so marked)."""
PURGE_EVERY_SECONDS = 24 * 3600
RETENTION_FLOOR_DAYS = 6 * 366  # no row younger than six years can be deleted, whatever is configured

metadata = MetaData()
access_audit = Table(
    "access_audit",
    metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.clock_timestamp()),
    Column("subject", Text, nullable=False),
    Column("roles", ARRAY(Text), nullable=False),
    Column("client", Text),
    Column("source_address", Text),
    Column("operation", Text, nullable=False),
    Column("resource_ids", ARRAY(Text), nullable=False),
    Column("records", Integer, nullable=False),
    Column("correlation_id", Text),
)
Index("access_audit_at", access_audit.c.at)


def create_access_audit(op: Operations) -> None:
    """Alembic step: the table and the triggers that keep it append-only."""
    metadata.create_all(op.get_bind(), tables=[access_audit])
    op.execute(text(f"""
        CREATE OR REPLACE FUNCTION access_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF TG_OP = 'INSERT' THEN
            NEW.at := clock_timestamp();
            RETURN NEW;
          END IF;
          IF TG_OP = 'DELETE' AND OLD.at < clock_timestamp() - interval '{RETENTION_FLOOR_DAYS} days' THEN
            RETURN OLD;
          END IF;
          RAISE EXCEPTION 'access_audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END $$
    """))
    op.execute(text("CREATE TRIGGER access_audit_rows BEFORE INSERT OR UPDATE OR DELETE ON access_audit "
                    "FOR EACH ROW EXECUTE FUNCTION access_audit_guard()"))
    op.execute(text("CREATE TRIGGER access_audit_truncate BEFORE TRUNCATE ON access_audit "
                    "FOR EACH STATEMENT EXECUTE FUNCTION access_audit_guard()"))


def drop_access_audit(op: Operations) -> None:
    op.execute(text("DROP TABLE IF EXISTS access_audit"))
    op.execute(text("DROP FUNCTION IF EXISTS access_audit_guard()"))


class AccessRecorder:
    """What a route uses to put one read of PHI on record."""

    def __init__(self, runtime: CurrentRuntime, principal: CurrentPrincipal, request: Request) -> None:
        self._runtime, self._principal, self._request = runtime, principal, request

    async def record(self, resource_ids: Sequence[object], *, records: int | None = None) -> None:
        """Record this request's read of these resources (committed before the answer is sent)."""
        route = self._request.scope.get("route")
        template = re.sub(r":\w+}", "}", getattr(route, "path", self._request.url.path))  # {id:uuid} -> {id}
        operation = f"{self._request.method} {template}"
        client = self._request.client
        async with self._runtime.unit_of_work() as uow:
            await uow.session.execute(insert(access_audit).values(
                subject=self._principal.id, roles=sorted(self._principal.roles), client=self._principal.client,
                source_address=client.host if client else None, operation=operation,
                resource_ids=[str(r) for r in resource_ids],
                records=len(resource_ids) if records is None else records, correlation_id=CORRELATION_ID.get()))
            await uow.commit()


AuditTrail = Annotated[AccessRecorder, Depends(AccessRecorder)]


def keep_access_audit(runtime: Runtime) -> None:
    """This service serves PHI: serve its access audit to compliance, and purge it past retention."""
    runtime.add_routers(audit_router)
    runtime.add_worker(functools.partial(_purge_past_retention, runtime))


async def _purge_past_retention(runtime: Runtime, stop: asyncio.Event) -> None:
    retention = timedelta(days=runtime.settings.audit_retention_days)
    while True:
        async with runtime.unit_of_work() as uow:
            await purge(uow.session, retention)
            await uow.commit()
        if await wait_or_stop(stop, PURGE_EVERY_SECONDS):
            return


async def purge(session: AsyncSession, retention: timedelta) -> int:
    """Delete the rows older than `retention` (never less than the floor); how many went."""
    keep = max(retention, timedelta(days=RETENTION_FLOOR_DAYS))
    gone = await session.execute(delete(access_audit).where(access_audit.c.at < func.clock_timestamp() - keep))
    return int(gone.rowcount)  # type: ignore[attr-defined]


class AccessRecord(BaseModel):
    id: int
    at: datetime
    subject: str
    roles: list[str]
    client: str | None
    source_address: str | None
    operation: str
    resource_ids: list[str]
    records: int
    correlation_id: str | None


async def _rows(session: AsyncSession, start: datetime | None, end: datetime | None, subject: str | None,
                resource_id: str | None, limit: int) -> list[AccessRecord]:
    query = select(access_audit).order_by(access_audit.c.id.desc()).limit(limit)
    if start is not None:
        query = query.where(access_audit.c.at >= start)
    if end is not None:
        query = query.where(access_audit.c.at < end)
    if subject is not None:
        query = query.where(access_audit.c.subject == subject)
    if resource_id is not None:
        query = query.where(literal(resource_id) == any_(access_audit.c.resource_ids))
    return [AccessRecord.model_validate(row._asdict()) for row in (await session.execute(query)).all()]


Auditor = Annotated[Principal, Depends(require_scope(AUDIT_READ, mco_allowed=False))]

audit_router = APIRouter(prefix="/v1", tags=["access audit"])


@audit_router.get("/access-audit", summary="Who read which PHI, newest first (compliance)")
async def access_audit_log(_: Auditor, session: ReadSession, start: QueryInstant | None = None,
                           end: QueryInstant | None = None,
                           subject: Annotated[str | None, Query(max_length=200)] = None,
                           resource_id: Annotated[str | None, Query(max_length=200)] = None,
                           limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AccessRecord]:
    return await _rows(session, start, end, subject, resource_id, limit)


@audit_router.get("/access-audit/export", summary="The access audit as CSV (compliance)",
                  response_class=Response, responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}})
async def export_access_audit(_: Auditor, session: ReadSession, start: QueryInstant | None = None,
                              end: QueryInstant | None = None,
                              limit: Annotated[int, Query(ge=1, le=100_000)] = 100_000) -> Response:
    rows = await _rows(session, start, end, None, None, limit)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(AccessRecord.model_fields))
    for row in rows:
        writer.writerow([row.id, row.at.isoformat(), row.subject, " ".join(row.roles), row.client or "",
                         row.source_address or "", row.operation, " ".join(row.resource_ids), row.records,
                         row.correlation_id or ""])
    return Response(out.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="access-audit.csv"'})
