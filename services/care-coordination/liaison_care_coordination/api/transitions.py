"""Transitions of care: hospitals' admission and discharge notifications (HL7 v2 ADT A01/A03, or Da Vinci
Unsolicited Notifications FHIR Bundles), patients' call-back requests, and the follow-up calls that meet
their clocks. A message is acknowledged only once it is stored with its event (AA, or 200 with an
informational OperationOutcome); a malformed one is refused with an acknowledgement that says why (AE/AR,
or an OperationOutcome) and changes nothing."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from liaison_care_coordination import store
from liaison_care_coordination.api.deps import Hospital, Reader, ReadSession, Uses, Work, Writer, visible
from liaison_care_coordination.api.schemas import CallbackRequest, FollowUpRequest
from liaison_care_coordination.rules.adt import AdtRejected, ack, ack_rejection, parse_adt
from liaison_care_coordination.rules.da_vinci import (
    NotificationRejected,
    accepted_outcome,
    operation_outcome,
    parse_notification_bundle,
)
from liaison_shared import clock
from liaison_shared.audit import PHI_READ, AuditTrail
from liaison_shared.fields import McoCode, Npi
from liaison_shared.openapi import CONFLICT
from liaison_shared.routes import SharedPathRoute

router = APIRouter(prefix="/v1", tags=["transitions of care"], route_class=SharedPathRoute)
HL7 = "x-application/hl7-v2+er7"
FHIR_JSON = "application/fhir+json"
MAX_MESSAGE = 256 << 10
RECENT_DAYS = 30


@router.post("/transitions/adt", summary="An HL7 v2 ADT A01 (admission) or A03 (discharge) message",
             openapi_extra={"requestBody": {"required": True, "content": {
                 HL7: {"schema": {"type": "string"}}, "text/plain": {"schema": {"type": "string"}}}},
                            "responses": {"200": {"description": "AA: stored", "content": {HL7: {}}},
                                          "400": {"description": "AR: not an ADT message we take",
                                                  "content": {HL7: {}}},
                                          "422": {"description": "AE: its content is wrong", "content": {HL7: {}}}}})
async def adt(request: Request, _: Hospital, uses: Uses, work: Work) -> Response:
    """The answer is the HL7 ACK: AA once the notice is stored (a message sent again is acknowledged again and
    counted once), AE (HTTP 422) or AR (HTTP 400) with an ERR segment naming the segment and field."""
    body = await request.body()
    text = body[:MAX_MESSAGE].decode("utf-8", errors="replace")
    try:
        notice = parse_adt(text)
    except AdtRejected as rejected:
        return Response(ack_rejection(text, rejected), status_code=422 if rejected.code == "AE" else 400,
                        media_type=HL7)
    await uses.receive_notice(work.session, notice)
    await work.commit()
    return Response(ack(text, "AA"), media_type=HL7)


@router.post("/transitions/notifications", summary="A Da Vinci Unsolicited Notification (FHIR message Bundle)",
             openapi_extra={"requestBody": {"required": True, "content": {FHIR_JSON: {"schema": {"type": "object"}}}}})
async def notification(request: Request, _: Hospital, uses: Uses, work: Work) -> JSONResponse:
    """200 with an informational OperationOutcome once stored; 400 with an OperationOutcome saying where the
    Bundle is wrong."""
    try:
        body = json.loads(await request.body())
        notice = parse_notification_bundle(body)
    except ValueError:
        return JSONResponse(operation_outcome([("error", "structure", "", "the body is not JSON")]),
                            status_code=400, media_type=FHIR_JSON)
    except NotificationRejected as rejected:
        return JSONResponse(operation_outcome(rejected.issues), status_code=400, media_type=FHIR_JSON)
    await uses.receive_notice(work.session, notice)
    await work.commit()
    return JSONResponse(accepted_outcome(), media_type=FHIR_JSON)


@router.post("/transitions/callback-requests", status_code=202, summary="A patient asked to be called back "
             "(24 hours)")
async def callback(request: CallbackRequest, principal: Writer, uses: Uses, work: Work) -> dict[str, str]:
    await uses.callback_requested(work.session, request.medicaid_id, request.request_id, request.requested_at,
                                  principal.client or principal.id)
    await work.commit()
    return {"status": "accepted"}


@router.post("/transitions/{notice_id}/follow-up", summary="The patient was reached after a discharge, an "
             "admission or a call-back request", responses=CONFLICT)
async def follow_up(notice_id: UUID, request: FollowUpRequest, principal: Writer, uses: Uses, work: Work
                    ) -> dict[str, str]:
    await uses.follow_up(work.session, notice_id, request.reached_at, request.by, principal.may_see_patient)
    await work.commit()
    return {"status": "recorded"}


@router.get("/plans/{plan}/practices/{practice_npi}/transitions", openapi_extra=PHI_READ,
            summary=f"The practice's admissions, discharges and call-back requests of the last {RECENT_DAYS} days")
async def transitions(plan: McoCode, practice_npi: Npi, principal: Reader, session: ReadSession,
                      trail: AuditTrail) -> list[dict[str, Any]]:
    visible(principal, plan, practice_npi)
    rows = await store.notices_of(session, plan, practice_npi, clock.now() - timedelta(days=RECENT_DAYS))
    await trail.record(sorted({r.notice_id for r in rows}, key=str))
    return [{"notice_id": str(r.notice_id), "kind": r.kind, "medicaid_id": r.medicaid_id, "facility": r.facility,
             "occurred_at": r.occurred_at.isoformat(), "received_at": r.received_at.isoformat(),
             "emergency": r.emergency, "reached_at": _when(r.reached_at), "reached_by": r.reached_by,
             "clock": r.clock, "clock_state": r.clock_state, "due_at": _when(r.due_at)} for r in rows]


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
