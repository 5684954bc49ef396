"""The MCO Inquiry Log: one inquiry's history, and every inquiry's for a date range as a file."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Response

from liaison_intake.api.deps import Reader, ReadSession, Uses
from liaison_intake.api.schemas import InquiryLog, LogEntryRead
from liaison_intake.export import export_csv, export_xlsx
from liaison_shared.audit import PHI_READ, AuditTrail
from liaison_shared.fields import CalendarDate
from liaison_shared.problems import Problem

router = APIRouter(prefix="/v1", tags=["inquiries"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/inquiries/{inquiry_id:uuid}/log", summary="The inquiry's full history, in order",
            openapi_extra=PHI_READ)
async def inquiry_log(inquiry_id: UUID, principal: Reader, uses: Uses, session: ReadSession,
                      trail: AuditTrail) -> InquiryLog:
    rows = await uses.log(session, principal, inquiry_id)
    await trail.record([inquiry_id], records=len(rows))
    return InquiryLog(inquiry_id=inquiry_id, entries=[
        LogEntryRead.model_validate({**r._asdict(), "actor": r.details.get("actor")}) for r in rows])


@router.get("/inquiry-log/export", summary="The MCO Inquiry Log for a date range, as .xlsx or CSV",
            response_class=Response, openapi_extra=PHI_READ)
async def export_log(principal: Reader, uses: Uses, session: ReadSession, trail: AuditTrail, start: CalendarDate,
                     end: CalendarDate, format: Literal["xlsx", "csv"] = "xlsx") -> Response:
    if end < start:
        raise Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                      errors=[{"field": "end", "reason": "must not be before start"}])
    rows = await uses.log_of_dates(session, principal, start, end)
    await trail.record(sorted({str(r.inquiry_id) for r in rows}), records=len(rows))
    zone, name = uses.calendar.zone, f"mco-inquiry-log_{start}_{end}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "csv":
        return Response(export_csv(rows, zone), media_type="text/csv", headers=headers)
    return Response(export_xlsx(rows, zone), media_type=XLSX, headers=headers)
