"""Bulk export of an attribution list (Da Vinci ATR `$davinci-data-export`, FHIR Bulk Data's asynchronous
request pattern): kick-off (202, `Content-Location` of the status URL), status (202 with `X-Progress`
while running, 200 with the manifest when done, DELETE to cancel) and the NDJSON files, each downloaded
with the same credential and each download a PHI read on the access audit."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from liaison_attribution.api.deps import Exports, Reader, ReadSession, Work
from liaison_attribution.api.fhir_http import FHIR_NDJSON, FhirJSON, FhirRoute, fhir_responses, outcome_response
from liaison_attribution.fhir_bulk_resources import EXPORT_TYPES
from liaison_attribution.fhir_outcome import Issue, information, invalid
from liaison_shared.audit import PHI_READ, AuditTrail

router = APIRouter(prefix="/fhir", tags=["fhir"], route_class=FhirRoute)

OUTPUT_FORMATS = frozenset({"application/fhir+ndjson", "application/ndjson", "ndjson"})
ATR_EXPORT_TYPE = "hl7.fhir.us.davinci-atr"
NOT_SUPPORTED = ("_since", "_typeFilter", "_elements", "patient", "includeAssociatedData")
_TEXT = {"schema": {"type": "string"}}
_OUTCOME = {"type": "object", "required": ["resourceType"], "additionalProperties": True}
_MANIFEST = {"type": "object", "required": ["transactionTime", "request", "requiresAccessToken", "output", "error"],
             "additionalProperties": True}
_KICK_OFF = {"parameters": [
    {"name": "_type", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "Comma-separated resource types: " + ", ".join(EXPORT_TYPES) + " (default: all)."},
    {"name": "_outputFormat", "in": "query", "required": False, "schema": {"type": "string"}},
    {"name": "exportType", "in": "query", "required": False, "schema": {"type": "string"}},
    {"name": "Prefer", "in": "header", "required": True, "schema": {"type": "string", "enum": ["respond-async"]}}]}


def export_types(pairs: Sequence[tuple[str, str]], prefer: str | None) -> list[str]:
    """The resource types a kick-off asks for, or a FhirError (400) naming the parameter that is wrong."""
    preferences = {part.split("=")[0].strip().lower() for part in (prefer or "").replace(";", ",").split(",")}
    if "respond-async" not in preferences:
        raise invalid("Prefer", "must be respond-async: the export runs asynchronously", "header")
    types: list[str] = list(EXPORT_TYPES)
    for name, value in pairs:
        if name in NOT_SUPPORTED:
            raise invalid(name, "is not supported by this server", code="not-supported")
        if name == "_outputFormat" and value not in OUTPUT_FORMATS:
            raise invalid(name, "must be application/fhir+ndjson", code="not-supported")
        if name == "exportType" and value != ATR_EXPORT_TYPE:
            raise invalid(name, f"must be {ATR_EXPORT_TYPE}", code="not-supported")
        if name == "_type":
            asked = [t.strip() for t in value.split(",")]
            if not all(t in EXPORT_TYPES for t in asked):
                raise invalid(name, "each type must be one of " + ", ".join(EXPORT_TYPES), code="not-supported")
            types = [t for t in EXPORT_TYPES if t in asked]
    return types


@router.get("/Group/{group_id}/$davinci-data-export", status_code=202,
            summary="Start a bulk export of an attribution list and what it references (NDJSON)",
            response_class=FhirJSON, openapi_extra=_KICK_OFF,
            responses=fhir_responses(202, _OUTCOME, "Started: poll the Content-Location",
                                     headers={"Content-Location": {**_TEXT, "description": "The status URL"}}))
async def kick_off(group_id: str, request: Request, principal: Reader, exports: Exports, work: Work) -> FhirJSON:
    types = export_types(request.query_params.multi_items(), request.headers.get("prefer"))
    job_id = await exports.kick_off(work.session, group_id, types, request_url=str(request.url), principal=principal)
    await work.commit()
    exports.wake()
    status_url = str(request.url_for("export_status", job_id=job_id))
    return FhirJSON(information("The export has started."), status_code=202,
                    headers={"Content-Location": status_url})


@router.get("/bulk-export/{job_id}", name="export_status", summary="A bulk export's status, and its manifest when done",
            response_class=JSONResponse,
            responses={**fhir_responses(200, _MANIFEST, "Done: the manifest", content_type="application/json"),
                       202: {"description": "Running", "headers": {"X-Progress": _TEXT, "Retry-After": _TEXT},
                             "content": {"application/fhir+json": {"schema": _OUTCOME}}},
                       410: {"description": "Failed: the Group no longer exists",
                             "content": {"application/fhir+json": {"schema": _OUTCOME}}}})
async def export_status(job_id: UUID, request: Request, principal: Reader, exports: Exports,
                        session: ReadSession) -> Response:
    status = await exports.status(session, job_id, principal=principal)
    if status.status == "running":
        return FhirJSON(information("The export is running."), status_code=202,
                        headers={"X-Progress": "in progress", "Retry-After": "1"})
    if status.status == "failed":
        return outcome_response(410, [Issue("job_id", status.error or "failed", "path", "deleted")])
    assert status.transaction_time is not None
    base = str(request.url_for("export_status", job_id=job_id))
    return JSONResponse({
        "transactionTime": status.transaction_time.isoformat().replace("+00:00", "Z"),
        "request": status.request_url, "requiresAccessToken": True,
        "output": [{"type": kind, "url": f"{base}/output/{kind}", "count": count} for kind, count in status.files],
        "error": []})


@router.delete("/bulk-export/{job_id}", status_code=202, summary="Cancel a bulk export and delete its files",
               response_class=FhirJSON, responses=fhir_responses(202, _OUTCOME, "Cancelled"))
async def cancel_export(job_id: UUID, principal: Reader, exports: Exports, work: Work) -> FhirJSON:
    await exports.cancel(work.session, job_id, principal=principal)
    await work.commit()
    return FhirJSON(information("The export was cancelled and its files deleted."), status_code=202)


@router.get("/bulk-export/{job_id}/output/{resource_type}", summary="One NDJSON file of a completed bulk export",
            response_class=Response, openapi_extra=PHI_READ,
            responses=fhir_responses(200, {"type": "string"}, "One resource a line", content_type=FHIR_NDJSON))
async def export_output(job_id: UUID, resource_type: str, principal: Reader, exports: Exports, session: ReadSession,
                        trail: AuditTrail) -> Response:
    found = await exports.output(session, job_id, resource_type, principal=principal)
    await trail.record(list(found.audited_ids))
    return Response(found.content, media_type=FHIR_NDJSON)
