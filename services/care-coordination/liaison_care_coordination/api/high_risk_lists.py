"""The combined high-risk list of a plan and practice: each side uploads its top 30 (CSV, Parquet or a JSON
array), with a reject report; the combined list in its order, each patient's coverage confirmed from
attribution's events (a patient no longer covered is handed off with the new insurer, if known)."""

from __future__ import annotations

import io
import json
from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter, Request

from liaison_care_coordination.api.deps import Reader, ReadSession, Uses, Work, Writer, visible
from liaison_care_coordination.rules.high_risk_list import TOP
from liaison_shared.audit import PHI_READ, AuditTrail
from liaison_shared.fields import McoCode, Npi
from liaison_shared.pipeline import BULK_BODY
from liaison_shared.problems import Problem
from liaison_shared.routes import SharedPathRoute
from liaison_shared.tabular import UnreadableFile, rows_of

router = APIRouter(prefix="/v1/plans/{plan}/practices/{practice_npi}", tags=["high-risk lists"],
                   route_class=SharedPathRoute)
MAX_UPLOAD = 1 << 20  # a top-30 list is a few kilobytes


def unreadable(reason: str) -> Problem:
    return Problem(422, "Unreadable file", reason, code="unreadable-file", errors=[{"field": "body", "reason": reason}])


async def _rows(request: Request) -> list[dict[str, Any]]:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_UPLOAD:
            raise unreadable(f"a high-risk list is at most {MAX_UPLOAD} bytes (its top {TOP})")
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            rows = json.loads(body)
        except ValueError:
            raise unreadable("not valid JSON") from None
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise unreadable("a JSON list is an array of objects, one per patient")
        return rows
    try:
        return list(rows_of(io.BytesIO(bytes(body)), ("medicaid_id", "rank")))
    except UnreadableFile as exc:
        raise unreadable(str(exc)) from None


@router.post("/high-risk-list/{side}", summary="Send one side's high-risk list (its top 30), replacing the last",
             openapi_extra={**BULK_BODY, "requestBody": {"required": True, "content": {
                 "text/csv": {"schema": {"type": "string"}},
                 "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
                 "application/json": {"schema": {"type": "array", "items": {"type": "object"}}}}}})
async def upload(plan: McoCode, practice_npi: Npi, side: Literal["plan", "practice"], request: Request,
                 principal: Writer, uses: Uses, work: Work) -> dict[str, Any]:
    """Columns: medicaid_id, rank (1-30), and optionally flagged (the practice's), risk_level (very_high, high,
    rising), risk_drivers, and what the plan shares: recent_admissions, ed_visits, diagnoses, prescriptions,
    providers (lists as `a; b`). A row with a bad field is refused in the report (row, field, reason) and the
    others are kept; a file with more rows than its top 30 is refused whole."""
    visible(principal, plan, practice_npi)
    if (side == "practice" and principal.mco is not None) or (side == "plan" and principal.practice is not None):
        raise Problem(403, "Forbidden", "Each side sends its own list.", code="forbidden",
                      errors=[{"field": "side", "reason": "not this credential's side"}])
    rows = await _rows(request)
    if len(rows) > TOP:
        raise Problem(422, "Invalid request", f"Each side sends its top {TOP}.", code="validation",
                      errors=[{"field": "body", "reason": f"{len(rows)} rows; at most {TOP}"}])
    upload_id, accepted, rejects = await uses.upload_list(work.session, plan, practice_npi, side, rows,
                                                          principal.id)
    await work.commit()
    return {"upload_id": str(upload_id), "read": len(rows), "accepted": accepted,
            "rejected": [asdict(reject) for reject in rejects]}


@router.get("/high-risk-list", summary="The combined high-risk list of a plan and practice, in order",
            openapi_extra=PHI_READ)
async def combined(plan: McoCode, practice_npi: Npi, principal: Reader, uses: Uses, session: ReadSession,
                   trail: AuditTrail) -> dict[str, Any]:
    visible(principal, plan, practice_npi)
    patients = await uses.combined_list(session, plan, practice_npi)
    await trail.record([p.member_id or p.medicaid_id for p in patients])
    return {"plan": plan, "practice_npi": practice_npi,
            "patients": [{**asdict(p), "shared": dict(p.shared)} for p in patients]}
