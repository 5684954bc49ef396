"""The bulk exports' tables and SQL (`bulk_export.py`): a job per `$davinci-data-export` kick-off, and
its NDJSON files, kept in attribution's schema so a restart loses neither. Never commits.

A file holds PHI (Patients, Coverages, the Group's members): it is served only to the principal who
asked for the export and the job, with its files, is deleted when that principal cancels it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ARRAY,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Row,
    Table,
    Text,
    Uuid,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

metadata = MetaData()

export_jobs = Table(
    "export_jobs", metadata,
    Column("job_id", Uuid, primary_key=True),
    Column("group_id", Text, nullable=False),
    Column("types", ARRAY(Text), nullable=False),
    Column("request_url", Text, nullable=False),
    Column("requested_by", Text, nullable=False),  # the principal's subject: only it polls and downloads
    Column("requested_mco", Text),  # the MCO its credential was confined to, if any
    Column("status", Text, nullable=False),  # running, completed, failed
    Column("error", Text),  # why it failed (a reason, never PHI)
    Column("transaction_time", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("completed_at", DateTime(timezone=True)),
)

export_files = Table(
    "export_files", metadata,
    Column("job_id", Uuid, ForeignKey("export_jobs.job_id", ondelete="CASCADE"), primary_key=True),
    Column("resource_type", Text, primary_key=True),
    Column("content", Text, nullable=False),  # NDJSON
    Column("count", Integer, nullable=False),
    Column("audited_ids", ARRAY(Text), nullable=False),  # what a download puts on the access audit
)


async def add_job(session: AsyncSession, **values: Any) -> None:
    await session.execute(insert(export_jobs).values(status="running", **values))


async def job(session: AsyncSession, job_id: UUID) -> Row[Any] | None:
    return (await session.execute(select(export_jobs).where(export_jobs.c.job_id == job_id))).first()


async def claim_running_job(session: AsyncSession) -> Row[Any] | None:
    """The oldest running job no other worker holds, locked for the caller's transaction."""
    return (await session.execute(select(export_jobs).where(export_jobs.c.status == "running")
                                  .order_by(export_jobs.c.created_at).limit(1)
                                  .with_for_update(skip_locked=True))).first()


async def add_file(session: AsyncSession, job_id: UUID, resource_type: str, content: str, count: int,
                   audited_ids: Sequence[str]) -> None:
    await session.execute(insert(export_files).values(job_id=job_id, resource_type=resource_type, content=content,
                                                      count=count, audited_ids=list(audited_ids)))


async def finish_job(session: AsyncSession, job_id: UUID, *, transaction_time: datetime, error: str | None = None
                     ) -> None:
    await session.execute(update(export_jobs).where(export_jobs.c.job_id == job_id).values(
        status="failed" if error else "completed", error=error, transaction_time=transaction_time,
        completed_at=func.now()))


async def files(session: AsyncSession, job_id: UUID) -> Sequence[Row[Any, Any]]:
    """The job's files without their content: type and count, in the order written."""
    return (await session.execute(select(export_files.c.resource_type, export_files.c.count)
                                  .where(export_files.c.job_id == job_id))).all()


async def file(session: AsyncSession, job_id: UUID, resource_type: str) -> Row[Any] | None:
    return (await session.execute(select(export_files).where(
        export_files.c.job_id == job_id, export_files.c.resource_type == resource_type))).first()


async def delete_job(session: AsyncSession, job_id: UUID) -> None:
    await session.execute(delete(export_jobs).where(export_jobs.c.job_id == job_id))
