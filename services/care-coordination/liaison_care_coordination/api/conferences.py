"""Case conferences of a plan and practice: the series, the next call's agenda with each patient's pre-work,
the call held, the decisions recorded at it, next steps reported back, the summary sent; outreach to
unengaged patients, the tracking list, and each patient's coordination as FHIR R4."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from liaison_care_coordination import store
from liaison_care_coordination.api.deps import Reader, ReadSession, Uses, Work, Writer, visible
from liaison_care_coordination.api.schemas import (
    ConferenceRequest,
    DecisionRequest,
    OutreachRequest,
    SeriesRequest,
    StepReportRequest,
    SummaryRequest,
    TrackingUpdateRequest,
)
from liaison_care_coordination.fhir_coordination import coordination_bundle
from liaison_care_coordination.records import coordination_record
from liaison_shared.audit import PHI_READ, AuditTrail
from liaison_shared.fields import McoCode, Npi
from liaison_shared.openapi import CONFLICT
from liaison_shared.routes import SharedPathRoute

router = APIRouter(prefix="/v1", tags=["case conferences"], route_class=SharedPathRoute)
PAIR = "/plans/{plan}/practices/{practice_npi}"


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@router.put(PAIR + "/conference-series", summary="Set up (or change) the plan and practice's conference series")
async def put_series(plan: McoCode, practice_npi: Npi, request: SeriesRequest, principal: Writer, uses: Uses,
                     work: Work) -> dict[str, str]:
    visible(principal, plan, practice_npi)
    series_id = await uses.save_series(work.session, plan, practice_npi, request)
    await work.commit()
    return {"series_id": str(series_id)}


@router.get(PAIR + "/agenda", summary="The next call's agenda: the next patients with their pre-work",
            openapi_extra=PHI_READ)
async def agenda(plan: McoCode, practice_npi: Npi, principal: Reader, uses: Uses, session: ReadSession,
                 trail: AuditTrail) -> dict[str, Any]:
    visible(principal, plan, practice_npi)
    items = await uses.agenda(session, plan, practice_npi)
    await trail.record([item["patient"].member_id for item in items])
    return {"plan": plan, "practice_npi": practice_npi,
            "patients": [{**asdict(item["patient"]), "shared": dict(item["patient"].shared),
                          "pre_work": item["pre_work"]} for item in items]}


@router.post(PAIR + "/conferences", status_code=201, summary="A conference was held: its agenda is fixed, "
             "its summary due within one business day", responses=CONFLICT)
async def hold(plan: McoCode, practice_npi: Npi, request: ConferenceRequest, principal: Writer, uses: Uses,
               work: Work) -> dict[str, str]:
    visible(principal, plan, practice_npi)
    conference_id = await uses.hold_conference(work.session, plan, practice_npi, request.held_at)
    await work.commit()
    return {"conference_id": str(conference_id)}


@router.get(PAIR + "/conferences", summary="The series' conferences, latest first")
async def conferences(plan: McoCode, practice_npi: Npi, principal: Reader, session: ReadSession
                      ) -> list[dict[str, Any]]:
    visible(principal, plan, practice_npi)
    found = await store.series_of(session, plan, practice_npi)
    held = await store.conferences_of(session, found.series_id) if found else []
    return [{"conference_id": str(c.conference_id), "held_at": c.held_at.isoformat(), "patients": len(c.agenda),
             "summary_sent_at": _when(c.summary_sent_at)} for c in held]


@router.get("/conferences/{conference_id}", summary="A conference: its agenda, decisions and next steps",
            openapi_extra=PHI_READ)
async def conference(conference_id: UUID, principal: Reader, uses: Uses, session: ReadSession,
                     trail: AuditTrail) -> dict[str, Any]:
    held = await uses.conference(session, conference_id)
    visible(principal, held.plan, held.practice_npi)
    summary = await uses.summary(session, conference_id)
    clock = await store.clock_of(session, conference_id, "call_summary")
    await trail.record([conference_id])
    return {**summary, "agenda": held.agenda, "summary_sent_at": _when(held.summary_sent_at),
            "summary_clock": {"state": clock.state, "due_at": clock.due_at.isoformat()} if clock else None}


@router.post("/conferences/{conference_id}/decisions", status_code=201,
             summary="Record what the call decided for one patient: lead, goal, next steps, care managers",
             responses=CONFLICT)
async def decide(conference_id: UUID, request: DecisionRequest, principal: Writer, uses: Uses,
                 work: Work) -> dict[str, str]:
    held = await uses.conference(work.session, conference_id)
    visible(principal, held.plan, held.practice_npi)
    coordination_id = await uses.decide(work.session, conference_id, request)
    await work.commit()
    return {"coordination_id": str(coordination_id)}


@router.post("/conferences/{conference_id}/summary", summary="Send the call's summary to the practice "
             "(decisions, next steps, the next agenda)", openapi_extra=PHI_READ, responses=CONFLICT)
async def send_summary(conference_id: UUID, request: SummaryRequest, principal: Writer, uses: Uses, work: Work,
                       trail: AuditTrail) -> dict[str, Any]:
    held = await uses.conference(work.session, conference_id)
    visible(principal, held.plan, held.practice_npi)
    summary = await uses.send_summary(work.session, conference_id, request.sent_at)
    await work.commit()
    await trail.record([conference_id])
    return summary


@router.post("/next-steps/{step_id}/report", summary="The responsible party reports back on a next step",
             responses=CONFLICT)
async def report(step_id: UUID, request: StepReportRequest, principal: Writer, uses: Uses, work: Work
                 ) -> dict[str, str]:
    await uses.report_back(work.session, step_id, request.reported_at, request.report, principal.may_see_patient)
    await work.commit()
    return {"status": "reported"}


@router.post("/coordinations/{coordination_id}/outreach",
             summary="One more outreach attempt to an unengaged patient, or a trade of who makes them")
async def outreach(coordination_id: UUID, request: OutreachRequest, principal: Writer, uses: Uses,
                   work: Work) -> dict[str, str | None]:
    tracking_id = await uses.outreach(work.session, coordination_id, request, principal.may_see_patient)
    await work.commit()
    return {"tracking_id": str(tracking_id) if tracking_id else None}


@router.get(PAIR + "/tracking-list", summary="Unengaged patients on the tracking list, with their update clock",
            openapi_extra=PHI_READ)
async def tracking_list(plan: McoCode, practice_npi: Npi, principal: Reader, session: ReadSession,
                        trail: AuditTrail) -> list[dict[str, Any]]:
    visible(principal, plan, practice_npi)
    rows = await store.tracked(session, plan, practice_npi)
    await trail.record([r.tracking_id for r in rows])
    return [{"tracking_id": str(r.tracking_id), "coordination_id": str(r.coordination_id),
             "medicaid_id": r.medicaid_id, "started_at": r.started_at.isoformat(), "updated_at": _when(r.updated_at),
             "claims_activity": r.claims_activity, "clock": r.clock_state, "due_at": _when(r.due_at)} for r in rows]


@router.post("/tracking/{tracking_id}/update", summary="The plan's six-month update: its claims activity report")
async def update_tracking(tracking_id: UUID, request: TrackingUpdateRequest, principal: Writer, uses: Uses,
                          work: Work) -> dict[str, str]:
    await uses.update_tracking(work.session, tracking_id, request.updated_at, request.claims_activity,
                               principal.may_see_patient)
    await work.commit()
    return {"status": "updated"}


@router.get("/coordinations/{coordination_id}/fhir", summary="A patient's coordination as a FHIR R4 Bundle "
            "(CareTeam, CarePlan, Goal, Task)", openapi_extra=PHI_READ, responses=CONFLICT)
async def fhir(coordination_id: UUID, request: Request, principal: Reader, uses: Uses, session: ReadSession,
               trail: AuditTrail) -> dict[str, Any]:
    found = await uses.coordination(session, coordination_id, principal.may_see_patient)
    record = await coordination_record(session, found)
    await trail.record([coordination_id])
    return coordination_bundle(record, base_url=str(request.base_url).rstrip("/") + "/fhir")
