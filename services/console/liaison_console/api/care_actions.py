"""What the care-coordination pages record, through care coordination with the person's own token: a side's
high-risk list (the CSV file as chosen), the conference series set up, a conference held, a decision, a next
step reported back, the summary sent, a transition's follow-up. Each answers the page's script with JSON:
where to go next, or the refusals field by field for the form to show beside its fields."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from liaison_console.api.deps import CheckedPerson, Pages, Services, Uses
from liaison_console.api.views import page_context
from liaison_console.backends import Answer
from liaison_console.rules.care_forms import FormRefused, decision_body, form_errors, instant
from liaison_shared import clock
from liaison_shared.problems import Problem

router = APIRouter(include_in_schema=False)

FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,40}$")]
FieldValue = Annotated[str, StringConstraints(max_length=5000)]
MAX_LIST_BYTES = 1 << 20
PAIR = "/care/plans/{plan}/practices/{npi}"


class CareForm(BaseModel):
    """A care-coordination form as the page sends it: its fields, as text."""

    model_config = ConfigDict(extra="forbid")
    fields: dict[FieldName, FieldValue] = Field(default_factory=dict, max_length=40)


def _relayed(answer: Answer, redirect: str | None = None, fields: dict[str, str] | None = None) -> Response:
    if answer.ok:
        return JSONResponse({"ok": True, "redirect": redirect})
    return JSONResponse({"ok": False, "status": answer.status, "errors": form_errors(answer.field_errors(), fields)},
                        status_code=answer.status if answer.status in (400, 403, 404, 409, 422) else 422)


def _refused_here(refused: FormRefused) -> Response:
    return JSONResponse({"ok": False, "status": 422, "errors": [{"field": refused.field, "reason": refused.reason}]},
                        status_code=422)


@router.post(PAIR + "/lists/{side}")
async def upload(plan: str, npi: str, side: Literal["plan", "practice"], request: Request, person: CheckedPerson,
                 uses: Uses, services: Services, pages: Pages) -> Response:
    """One side's list, the file's bytes as the page read them; the reject report rendered for the page."""
    content = await request.body()
    if len(content) > MAX_LIST_BYTES:
        raise Problem(422, "Invalid request", "The file is too large.", code="validation",
                      errors=[{"field": "file", "reason": "a high-risk list is at most 1 MB"}])
    answer = await services.care_upload(person.access_token, f"plans/{plan}/practices/{npi}/high-risk-list/{side}",
                                        content, "text/csv")
    if not answer.ok:
        errors = [{**e, "field": "file" if e["field"] in ("body", "") else e["field"]}
                  for e in form_errors(answer.field_errors())]
        return JSONResponse({"ok": False, "status": answer.status, "errors": errors},
                            status_code=answer.status if answer.status in (403, 404, 409, 422) else 422)
    context = page_context(person, uses.calendar, report=answer.body, side=side)
    html = pages.get_template("care_upload_report.html").render(context)
    return JSONResponse({"ok": True, "html": html})


@router.post(PAIR + "/series")
async def series(plan: str, npi: str, body: CareForm, person: CheckedPerson, services: Services) -> Response:
    """Set up or change the pair's conference series: patients per call, who receives the summaries."""
    size = body.fields.get("agenda_size", "").strip()
    request: dict[str, object] = {"agenda_size": int(size) if size.isdigit() else size or 10}
    for name in ("practice_contact_email", "plan_project_manager"):
        if body.fields.get(name, "").strip():
            request[name] = body.fields[name].strip()
    answer = await services.care_write(person.access_token, f"plans/{plan}/practices/{npi}/conference-series",
                                       request, method="PUT")
    return _relayed(answer)


@router.post(PAIR + "/conferences")
async def hold(plan: str, npi: str, body: CareForm, person: CheckedPerson, uses: Uses,
               services: Services) -> Response:
    try:
        held_at = instant(body.fields, "held_at", uses.calendar.zone, clock.now())
    except FormRefused as refused:
        return _refused_here(refused)
    answer = await services.care_write(person.access_token, f"plans/{plan}/practices/{npi}/conferences",
                                       {"held_at": held_at})
    where = f"/care/conferences/{answer.body['conference_id']}" if answer.ok else None
    return _relayed(answer, where)


@router.post("/care/conferences/{conference_id:uuid}/decisions")
async def decide(conference_id: UUID, body: CareForm, person: CheckedPerson, services: Services) -> Response:
    answer = await services.care_write(person.access_token, f"conferences/{conference_id}/decisions",
                                       decision_body(body.fields))
    return _relayed(answer, fields=body.fields)


@router.post("/care/conferences/{conference_id:uuid}/summary")
async def send_summary(conference_id: UUID, person: CheckedPerson, services: Services) -> Response:
    answer = await services.care_write(person.access_token, f"conferences/{conference_id}/summary",
                                       {"sent_at": clock.now().isoformat()})
    return _relayed(answer)


@router.post("/care/next-steps/{step_id:uuid}/report")
async def report_back(step_id: UUID, body: CareForm, person: CheckedPerson, services: Services) -> Response:
    answer = await services.care_write(person.access_token, f"next-steps/{step_id}/report",
                                       {"reported_at": clock.now().isoformat(),
                                        "report": body.fields.get("report", "").strip()})
    return _relayed(answer)


@router.post("/care/transitions/{notice_id:uuid}/follow-up")
async def follow_up(notice_id: UUID, body: CareForm, person: CheckedPerson, uses: Uses,
                    services: Services) -> Response:
    try:
        reached_at = instant(body.fields, "reached_at", uses.calendar.zone, clock.now())
    except FormRefused as refused:
        return _refused_here(refused)
    answer = await services.care_write(person.access_token, f"transitions/{notice_id}/follow-up",
                                       {"reached_at": reached_at, "by": body.fields.get("by", "")})
    return _relayed(answer)
