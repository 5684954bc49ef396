"""Records in: members, providers and claim lines, one at a time or as a CSV or Parquet file."""

from __future__ import annotations

import tempfile
from typing import Any

from fastapi import APIRouter, Request

from liaison_attribution.api.deps import Uses, Work, Writer, today
from liaison_attribution.bulk import Report, UnreadableFile, validated
from liaison_attribution.records import ClaimRecord, Kind, MemberRecord, ProviderRecord
from liaison_shared.openapi import NOT_FOUND
from liaison_shared.pipeline import BULK_BODY
from liaison_shared.problems import Problem

SPOOL_IN_MEMORY = 8 << 20  # an upload larger than this is spooled to a temporary file
NOT_ENROLLED = "not a member of this credential's MCO"

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
    report = Report()
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as upload:
        async for chunk in request.stream():  # the pipeline counts it against the bulk limit
            upload.write(chunk)
        upload.seek(0)
        try:
            numbered = list(validated(kind, upload, report))
        except UnreadableFile as unreadable:
            raise Problem(422, "Unreadable file", str(unreadable), code="unreadable-file",
                          errors=[{"field": "body", "reason": str(unreadable)}]) from None
    reason = NOT_ENROLLED if kind == "members" else "no member with this ID"
    records = [record for _, record in numbered]
    for position in await uses.put_file(work.session, kind, records, as_of=today(), principal=principal):
        report.accepted -= 1
        report.refuse(numbered[position][0], [{"field": "medicaid_id", "reason": reason}])
    await work.commit()
    return {"read": report.read, "accepted": report.accepted, "rejected_count": report.rejected_count,
            "rejected": report.rejected}
