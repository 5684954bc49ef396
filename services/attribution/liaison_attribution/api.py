"""Attribution's HTTP API: records in (one at a time or as CSV/Parquet files),
attribution runs, PCP changes, panel removals and the reassignment campaign."""

import tempfile
import uuid
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from liaison_attribution import store
from liaison_attribution.attribution import Attribution
from liaison_attribution.bulk import Report, UnreadableFile, validated
from liaison_attribution.lists import practice_list
from liaison_attribution.records import ClaimRecord, Kind, MemberRecord, ProviderRecord
from liaison_attribution.survey import Survey, SurveyAnswerError
from liaison_shared import clock
from liaison_shared.events import Event
from liaison_shared.fields import CalendarDate, McoCode, Npi, SafeText
from liaison_shared.openapi import CONFLICT, NOT_FOUND
from liaison_shared.payloads import SurveyOutcomeV1
from liaison_shared.pipeline import BULK_BODY
from liaison_shared.principal import Principal, require_scope
from liaison_shared.problems import Problem
from liaison_shared.program import program_calendar
from liaison_shared.runtime import Runtime
from liaison_shared.static_keys import READ, WRITE
from liaison_shared.vocabulary import PanelRemovalReason


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PcpChange(Body):
    npi: Npi
    reason_code: str = Field(pattern=r"^[a-z][a-z_]{1,39}$")
    reason_text: SafeText | None = Field(default=None, max_length=1000)


class PanelRemovalCreate(Body):
    member_id: UUID
    npi: Npi
    reason: PanelRemovalReason
    documentation: SafeText = Field(min_length=1, max_length=4000)


class Choice(Body):
    npi: Npi


SPOOL_IN_MEMORY = 8 << 20  # an upload larger than this is spooled to a temporary file


def today() -> date:
    """The program's local date (after 18:00 in Iowa it is already tomorrow in UTC)."""
    return program_calendar().local(clock.now()).date()


SurveyNode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
SurveyAnswer = Annotated[SafeText, StringConstraints(min_length=1, max_length=200)]


class SurveyAnswers(Body):
    inquiry_id: UUID | None = None
    member_id: UUID | None = None
    answers: dict[SurveyNode, SurveyAnswer] = Field(max_length=100)


def build_router(runtime: Runtime, attribution: Attribution, survey: Survey) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["attribution"])
    Writer = Annotated[Principal, Depends(require_scope(WRITE))]
    Reader = Annotated[Principal, Depends(require_scope(READ))]
    AsOf = Annotated[CalendarDate | None, Query(description="The day the rules apply as of; default: today.")]

    @router.post("/members", summary="Add or update one member (re-attributed if what the rules use changed)")
    async def put_member(record: MemberRecord, _: Writer) -> dict[str, str]:
        async with runtime.unit_of_work() as uow:
            member_id = await attribution.put_member(uow.session, record, as_of=today())
            await uow.commit()
        return {"member_id": str(member_id)}

    @router.post("/providers", summary="Add or update one provider")
    async def put_provider(record: ProviderRecord, _: Writer) -> dict[str, str]:
        async with runtime.unit_of_work() as uow:
            await attribution.put_providers(uow.session, [record])
            await uow.commit()
        return {"npi": record.npi}

    @router.post("/claims", summary="Add one claim line (the same line twice is stored once)")
    async def put_claim(record: ClaimRecord, _: Writer) -> dict[str, str]:
        async with runtime.unit_of_work() as uow:
            if await attribution.put_claims(uow.session, [record]):
                raise Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                              errors=[{"field": "medicaid_id", "reason": "no member with this Medicaid ID"}])
            await uow.commit()
        return {"status": "stored"}

    @router.post("/imports/{kind}", summary="Load a CSV or Parquet file of members, providers or claims",
                 openapi_extra={**BULK_BODY, "requestBody": {"required": True, "content": {
                     "text/csv": {"schema": {"type": "string"}},
                     "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}}}}})
    async def import_file(kind: Kind, request: Request, _: Writer) -> dict[str, Any]:
        report = Report()
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as upload:
            async for chunk in request.stream():  # the pipeline counts it against the bulk limit
                upload.write(chunk)
            upload.seek(0)
            try:
                records = list(validated(kind, upload, report))
            except UnreadableFile as unreadable:
                raise Problem(422, "Unreadable file", str(unreadable), code="unreadable-file",
                              errors=[{"field": "body", "reason": str(unreadable)}]) from None
        async with runtime.unit_of_work() as uow:
            if kind == "members":
                for record in records:
                    assert isinstance(record, MemberRecord)
                    await attribution.put_member(uow.session, record, as_of=today())
            elif kind == "providers":
                await attribution.put_providers(uow.session, [r for r in records if isinstance(r, ProviderRecord)])
            else:
                claims = [r for r in records if isinstance(r, ClaimRecord)]
                for position in await attribution.put_claims(uow.session, claims):
                    report.accepted -= 1
                    report.refuse(position + 1, [{"field": "medicaid_id", "reason": "no member with this ID"}])
            await uow.commit()
        return {"read": report.read, "accepted": report.accepted, "rejected_count": report.rejected_count,
                "rejected": report.rejected}

    @router.post("/attribution-runs", summary="Attribute every eligible member without a PCP")
    async def run(_: Writer, as_of: AsOf = None) -> dict[str, int]:
        async with runtime.unit_of_work() as uow:
            tally = await attribution.run_batch(uow.session, as_of=as_of or today())
            await uow.commit()
        return tally

    @router.get("/members/{member_id:uuid}/pcp", summary="The member's current PCP, how it was chosen, and why")
    async def current_pcp(member_id: UUID, _: Reader) -> dict[str, Any]:
        async with runtime.sessions() as session:
            row = await store.current_assignment(session, member_id)
        if row is None:
            raise Problem(404, "No attribution", "This member has no attribution.", code="no-attribution")
        return {"member_id": str(member_id), "npi": row.npi, "method": row.method, "network_gap": row.network_gap,
                "effective_from": row.effective_from.isoformat(), "evidence": row.evidence}

    @router.post("/members/{member_id:uuid}/pcp-change", summary="The member chooses a PCP", responses=CONFLICT)
    async def change(member_id: UUID, body: PcpChange, _: Writer) -> dict[str, str]:
        async with runtime.unit_of_work() as uow:
            await attribution.change_pcp(uow.session, member_id, body.npi, reason_code=body.reason_code,
                                         reason_text=body.reason_text, as_of=today())
            await uow.commit()
        return {"member_id": str(member_id), "npi": body.npi}

    @router.post("/panel-removals", status_code=202, summary="A PCP removes a member from its panel",
                 responses={**CONFLICT, **NOT_FOUND})
    async def remove(body: PanelRemovalCreate, _: Writer) -> dict[str, str]:
        async with runtime.unit_of_work() as uow:
            removal_id = await attribution.remove_from_panel(uow.session, body.member_id, body.npi,
                                                             reason=body.reason, documentation=body.documentation)
            await uow.commit()
        return {"removal_id": str(removal_id)}

    @router.post("/panel-removals/{removal_id:uuid}/release", summary="Compliance review releases a held removal",
                 responses=CONFLICT)
    async def release(removal_id: UUID, _: Writer) -> dict[str, str]:
        async with runtime.unit_of_work() as uow:
            await attribution.release_hold(uow.session, removal_id)
            await uow.commit()
        return {"removal_id": str(removal_id), "status": "open"}

    @router.post("/panel-removals/{removal_id:uuid}/choice", summary="The removed member chose a new PCP",
                 responses=CONFLICT)
    async def chose(removal_id: UUID, body: Choice, _: Writer) -> dict[str, str]:
        async with runtime.unit_of_work() as uow:
            await attribution.member_chose(uow.session, removal_id, body.npi, as_of=today())
            await uow.commit()
        return {"removal_id": str(removal_id), "status": "member_chose"}

    @router.post("/reassignment-campaign/runs", summary="Re-assign members whose choice window has passed")
    async def campaign(_: Writer, as_of: AsOf = None) -> dict[str, int]:
        async with runtime.unit_of_work() as uow:
            result = await attribution.run_campaign(uow.session, as_of=as_of or today())
            await uow.commit()
        return result

    @router.get("/reassignment-campaign", summary="The campaign's progress: removals by status")
    async def progress(_: Reader) -> dict[str, Any]:
        async with runtime.sessions() as session:
            return await attribution.progress(session)

    @router.get("/practices/{practice_npi}/attribution-list",
                summary="A practice's attribution list for one MCO as an HL7 FHIR R4 Da Vinci ATR Group")
    async def attribution_list(practice_npi: Npi, mco: McoCode, _: Reader, as_of: AsOf = None) -> dict[str, Any]:
        async with runtime.sessions() as session:
            group = await practice_list(session, practice_npi=practice_npi, mco=mco, as_of=as_of or today())
        if group is None:
            raise Problem(404, "Practice not found", "No practice with this NPI.", code="practice-not-found")
        return group

    @router.get("/survey", summary="The PCP-attribution escalation survey's questions")
    async def survey_questions(_: Reader) -> dict[str, Any]:
        return {"version": survey.version, "root": survey.root,
                "questions": [q.model_dump(mode="json") for q in survey.questions()]}

    @router.post("/survey-responses", summary="Answers to the survey: one outcome, and the event that starts it")
    async def answer_survey(body: SurveyAnswers, _: Writer) -> dict[str, Any]:
        try:
            result = survey.walk(body.answers)
        except SurveyAnswerError as refused:
            raise Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                          errors=[{"field": f"answers.{refused.node_id}", "reason": refused.reason}]) from None
        response_id = uuid.uuid4()
        async with runtime.unit_of_work() as uow:
            await runtime.outbox.add(uow.session, Event(SurveyOutcomeV1(
                response_id=response_id, inquiry_id=body.inquiry_id, member_id=body.member_id,
                outcome=result.outcome, survey_version=result.survey_version, at=clock.now()),
                source="/liaison/attribution"))
            await uow.commit()
        return {"response_id": str(response_id), "outcome": result.outcome,
                "path": [{"question": q, "answer": a} for q, a in result.path]}

    return router
