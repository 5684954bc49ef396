"""Bulk export of an attribution list (Da Vinci ATR `$davinci-data-export`, FHIR Bulk Data's
asynchronous pattern): a kick-off stores a job, the service's export worker writes its NDJSON files,
each in one transaction with the job's completion, and the requester polls the job and downloads them.

Jobs and files live in attribution's schema (`export_store`), so a restart loses nothing: a job a
stopped worker was writing is still `running`, its half-written files rolled back, and the next worker
writes it again. Only the principal who asked (the same subject) reaches a job; the list is read with
that principal's MCO confinement, as the Group itself would be.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_attribution import export_store, store
from liaison_attribution.fhir_bulk_resources import (
    coverage,
    mco_organization,
    ndjson,
    patient,
    practice_organization,
    practitioner,
)
from liaison_attribution.fhir_groups import AttributionGroups
from liaison_attribution.fhir_lists import EXT_ATTRIBUTED_PROVIDER, EXT_COVERAGE_REFERENCE, listed_members
from liaison_attribution.fhir_outcome import FhirError, not_found
from liaison_attribution.fhir_search import Contract
from liaison_shared import clock
from liaison_shared.principal import MCO_SCOPE_PREFIX, Principal
from liaison_shared.retry import wait_any
from liaison_shared.runtime import Runtime

log = logging.getLogger(__name__)
POLL_SECONDS = 5.0  # a job left by a stopped process is found at the latest this long after a start


@dataclass(frozen=True)
class ExportStatus:
    """Where a job is: running, or done with its files (type, count) or its error."""

    status: str
    request_url: str
    transaction_time: datetime | None
    files: Sequence[tuple[str, int]]
    error: str | None


class BulkExports:
    """Attribution lists' bulk exports: jobs in, files out, and the worker between."""

    def __init__(self, groups: AttributionGroups, today: Callable[[], date]) -> None:
        self._groups, self._today = groups, today
        self._wake = asyncio.Event()

    async def kick_off(self, session: AsyncSession, group_id: str, types: Sequence[str], *, request_url: str,
                       principal: Principal) -> UUID:
        """Store a job for the Group's export (404 for a Group the principal may not see); its id."""
        await self._groups.contract(session, group_id, principal=principal)
        job_id = uuid.uuid4()
        await export_store.add_job(session, job_id=job_id, group_id=group_id, types=list(types),
                                   request_url=request_url, requested_by=principal.id, requested_mco=principal.mco)
        return job_id

    def wake(self) -> None:
        """A job was committed: the worker looks now rather than at its next poll."""
        self._wake.set()

    async def status(self, session: AsyncSession, job_id: UUID, *, principal: Principal) -> ExportStatus:
        job = await self._job(session, job_id, principal)
        found: dict[str, int] = {row[0]: int(row[1]) for row in await export_store.files(session, job_id)}
        return ExportStatus(status=job.status, request_url=job.request_url, transaction_time=job.transaction_time,
                            files=[(t, found[t]) for t in job.types if t in found], error=job.error)

    async def output(self, session: AsyncSession, job_id: UUID, resource_type: str, *, principal: Principal
                     ) -> Row[Any]:
        """One file of a completed job (content, count, audited_ids)."""
        job = await self._job(session, job_id, principal)
        found = await export_store.file(session, job_id, resource_type) if job.status == "completed" else None
        if found is None:
            raise not_found("export file")
        return found

    async def cancel(self, session: AsyncSession, job_id: UUID, *, principal: Principal) -> None:
        """Delete the job and its files (waits for a worker writing it to finish)."""
        await self._job(session, job_id, principal)
        await export_store.delete_job(session, job_id)

    async def _job(self, session: AsyncSession, job_id: UUID, principal: Principal) -> Row[Any]:
        job = await export_store.job(session, job_id)
        if job is None or job.requested_by != principal.id:
            raise not_found("export job")
        return job

    # -- the worker -------------------------------------------------------------------------------

    async def work(self, runtime: Runtime, stop: asyncio.Event) -> None:
        """Write running jobs' files until `stop`: at a kick-off's wake-up, or every POLL_SECONDS."""
        while not stop.is_set():
            self._wake.clear()
            while not stop.is_set() and await self._write_next(runtime):
                pass
            await wait_any(stop, self._wake, timeout=POLL_SECONDS)

    async def _write_next(self, runtime: Runtime) -> bool:
        """Write the oldest running job's files and complete it, in one transaction; whether there was one."""
        async with runtime.unit_of_work() as uow:
            job = await export_store.claim_running_job(uow.session)
            if job is None:
                return False
            moment = clock.now()
            scopes = frozenset() if job.requested_mco is None else frozenset({MCO_SCOPE_PREFIX + job.requested_mco})
            principal = Principal(id=job.requested_by, name=job.requested_by, scopes=scopes)
            try:
                contract = await self._groups.contract(uow.session, job.group_id, principal=principal)
            except FhirError:  # the practice left the MCO's network since the kick-off
                await export_store.finish_job(uow.session, job.job_id, transaction_time=moment,
                                              error="The Group no longer exists.")
            else:
                await self._write(uow.session, job, contract, principal, as_of=self._today())
                await export_store.finish_job(uow.session, job.job_id, transaction_time=moment)
            await uow.commit()
        log.info("bulk export written", extra={"job_id": str(job.job_id)})
        return True

    async def _write(self, session: AsyncSession, job: Row[Any], contract: Contract, principal: Principal, *,
                     as_of: date) -> None:
        group = await self._groups.read(session, job.group_id, as_of=as_of, principal=principal)
        listed = listed_members(group)
        for resource_type in job.types:
            resources, audited = await _resources(session, resource_type, group, contract, listed, as_of)
            await export_store.add_file(session, job.job_id, resource_type, ndjson(resources), len(resources),
                                        audited)


async def _resources(session: AsyncSession, resource_type: str, group: dict[str, Any], contract: Contract,
                     listed: list[str], as_of: date) -> tuple[list[dict[str, Any]], list[str]]:
    """The resources of one type for the Group's export, and the ids a download of them audits (the
    members' for the types that hold PHI)."""
    if resource_type == "Group":
        return [group], listed
    if resource_type in ("Patient", "Coverage"):
        rows = await store.members_rows(session, [UUID(m) for m in listed])
        if resource_type == "Patient":
            return [patient(row) for row in rows], [str(row.member_id) for row in rows]
        coverage_ids = {m["entity"]["reference"].removeprefix("Patient/"): _extension(
            m, EXT_COVERAGE_REFERENCE)["valueReference"]["reference"].removeprefix("Coverage/")
            for m in group.get("member", [])}
        return ([coverage(row, mco=contract.mco, coverage_id=coverage_ids[str(row.member_id)], as_of=as_of)
                 for row in rows], [str(row.member_id) for row in rows])
    if resource_type == "Practitioner":
        npis = sorted({_extension(m, EXT_ATTRIBUTED_PROVIDER)["valueReference"]["identifier"]["value"]
                       for m in group.get("member", [])})
        providers = [p for p in await store.all_providers(session) if p.npi in npis]
        return [practitioner(p) for p in providers], [p.npi for p in providers]
    organizations = [practice_organization(contract.practice_npi, contract.practice_name),
                     mco_organization(contract.mco)]
    return organizations, [contract.practice_npi, contract.mco]


def _extension(element: dict[str, Any], url: str) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in element.get("extension", []) if e["url"] == url)
    return found
