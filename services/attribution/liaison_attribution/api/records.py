"""Records in: members, providers and claim lines, one at a time or as a CSV or Parquet file."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import AsyncIterator, Iterator
from typing import IO, Any, TypeVar

from fastapi import APIRouter, Request

from liaison_attribution.api.deps import Uses, Work, Writer, today
from liaison_attribution.bulk import Report, in_chunks, read_through, validated
from liaison_attribution.claims_file import claim_batches
from liaison_attribution.records import ClaimRecord, Kind, MemberRecord, ProviderRecord
from liaison_attribution.service import Attribution
from liaison_shared.db import UnitOfWork
from liaison_shared.openapi import NOT_FOUND
from liaison_shared.pipeline import BULK_BODY
from liaison_shared.principal import Principal
from liaison_shared.problems import Problem
from liaison_shared.tabular import UnreadableFile

SPOOL_IN_MEMORY = 8 << 20  # an upload larger than this is spooled to a temporary file
FILE_CHUNK = 5000  # records validated and stored at a time
NOT_ENROLLED = "not a member of this credential's MCO"
UNKNOWN_MEMBER = "no member with this ID"
T = TypeVar("T")

router = APIRouter(prefix="/v1", tags=["attribution"])


@router.post("/members", summary="Add or update one member (re-attributed if what the rules use changed)",
             responses=NOT_FOUND)
async def put_member(record: MemberRecord, principal: Writer, uses: Uses, work: Work) -> dict[str, str]:
    member_id = await uses.put_member(work.session, record, as_of=today(), principal=principal)
    await work.commit()
    return {"member_id": str(member_id)}


@router.post("/providers", summary="Add or update one provider")
async def put_provider(record: ProviderRecord, _: Writer, uses: Uses, work: Work) -> dict[str, str]:
    await uses.put_providers(work.session, [record])
    await work.commit()
    return {"npi": record.npi}


@router.post("/claims", summary="Add one claim line (the same line twice is stored once)")
async def put_claim(record: ClaimRecord, principal: Writer, uses: Uses, work: Work) -> dict[str, str]:
    if await uses.put_claims(work.session, [record], principal=principal):
        raise Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                      errors=[{"field": "medicaid_id", "reason": "no member with this Medicaid ID"}])
    await work.commit()
    return {"status": "stored"}


@router.post("/imports/{kind}", summary="Load a CSV or Parquet file of members, providers or claims",
             openapi_extra={**BULK_BODY, "requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}},
                 "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}}}}})
async def import_file(kind: Kind, request: Request, principal: Writer, uses: Uses, work: Work
                      ) -> dict[str, Any]:
    """A file found unreadable half-way stores nothing. Providers and claims are one transaction per
    file. A members file is read through first, then stored and committed a batch at a time: its
    enrollments reach the bus while it loads (a transaction holding a million outbox rows would keep the
    relay scanning past them), and a load cut short is finished by loading the file again."""
    report = Report()
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as upload:
        async for chunk in request.stream():  # the pipeline counts it against the bulk limit
            upload.write(chunk)
        upload.seek(0)
        try:
            if kind == "members":
                await asyncio.to_thread(read_through, kind, upload)
            await _load(kind, upload, report, principal, uses, work)
        except UnreadableFile as unreadable:
            raise Problem(422, "Unreadable file", str(unreadable), code="unreadable-file",
                          errors=[{"field": "body", "reason": str(unreadable)}]) from None
    await work.commit()
    return {"read": report.read, "accepted": report.accepted, "rejected_count": report.rejected_count,
            "rejected": sorted(report.rejected, key=lambda refusal: int(refusal["row"]))}


async def _load(kind: Kind, upload: IO[bytes], report: Report, principal: Principal, uses: Attribution,
                work: UnitOfWork) -> None:
    """Validate the file a batch at a time (in a worker thread: the event loop goes on serving) and store
    each batch; a valid row that is not stored is refused in `report`."""
    session = work.session
    if kind == "claims":
        with contextlib.closing(claim_batches(upload, report)) as batches:  # closed while the file is open
            async for batch in _in_thread(batches):
                for row in await uses.put_claim_lines(session, batch, principal=principal):
                    report.unstored(row, "medicaid_id", UNKNOWN_MEMBER)
        return
    with contextlib.closing(validated(kind, upload, report)) as rows:
        async for numbered in _in_thread(in_chunks(rows, FILE_CHUNK)):
            records = [record for _, record in numbered]
            if kind == "providers":
                await uses.put_providers(session, [r for r in records if isinstance(r, ProviderRecord)])
                continue
            members = [r for r in records if isinstance(r, MemberRecord)]
            for position in await uses.put_member_file(session, members, principal=principal):
                report.unstored(numbered[position][0], "medicaid_id", NOT_ENROLLED)
            await work.commit()


async def _in_thread(items: Iterator[T]) -> AsyncIterator[T]:
    while (item := await asyncio.to_thread(next, items, None)) is not None:
        yield item
