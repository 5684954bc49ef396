"""The case page: who called, about whom and why (PHI, read from intake with the person's token, so
intake audits the viewing), the decision and the rules behind it, the cases it is linked to, every
clock, the full log as a timeline, a form for every action intake offers (a grievance's and an
appeal's own among them, with their 42 CFR 438.416 record), and the letter's print view."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from liaison_console import store
from liaison_console.api.deps import CheckedPerson, Pages, Person, ReadSession, Services, Uses
from liaison_console.api.views import page_context
from liaison_console.backends import Answer
from liaison_console.rules import case_view
from liaison_shared.problems import Problem

router = APIRouter(include_in_schema=False)

ACTIONS = {
    # form name: intake's path under /v1/inquiries/{id}/
    "contact-attempt": "contact-attempts", "mco-referral": "mco-referrals", "mco-report": "mco-reports",
    "resolution": "resolution", "reopen": "reopen", "priority-override": "priority-override",
    "update": "updates", "claim": "claim", "assignment": "assignment",
    "notice": "notices", "answer-letter": "notices", "extension": "extension", "review": "reviews",
    "expedited-denial": "expedited-denial",
}
WHOLE_NUMBERS = frozenset({"days"})
"""Fields intake takes as numbers (a form sends text): sent as numbers when they are whole numbers,
as typed otherwise (intake names the field it refuses)."""
FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]
FieldValue = Annotated[str, StringConstraints(max_length=5000)]
LETTER_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


class ActionForm(BaseModel):
    """A case form as the page sends it: its fields (named as intake names them) and the key that
    makes a resubmission of the same form a replay, not a second action."""

    model_config = ConfigDict(extra="forbid")
    fields: dict[FieldName, FieldValue] = Field(max_length=20)
    key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{8,100}$")]


@router.get("/cases/{inquiry_id:uuid}", response_class=HTMLResponse)
async def case_page(inquiry_id: UUID, request: Request, person: Person, uses: Uses, services: Services,
                    session: ReadSession, pages: Pages) -> Response:
    return await _case(inquiry_id, request, person, uses, services, session, pages, "case.html")


@router.get("/cases/{inquiry_id:uuid}/live", response_class=HTMLResponse)
async def case_live(inquiry_id: UUID, request: Request, person: Person, uses: Uses, services: Services,
                    session: ReadSession, pages: Pages) -> Response:
    """The parts of the case page that change (status, owner, clocks, log): what a live page swaps in."""
    return await _case(inquiry_id, request, person, uses, services, session, pages, "case_live.html")


async def _case(inquiry_id: UUID, request: Request, person: Person, uses: Uses, services: Services,
                session: ReadSession, pages: Pages, template: str) -> Response:
    case = await uses.case(session, person.principal, inquiry_id)
    inquiry = await services.inquiry(person.access_token, inquiry_id) if case is not None else None
    if case is None or inquiry is None or not inquiry.ok or not isinstance(inquiry.body, dict):
        context = page_context(person, uses.calendar, inquiry_id=inquiry_id)
        return pages.TemplateResponse(request, "not_found.html", context, status_code=404)
    log = await services.log(person.access_token, inquiry_id)
    entries: list[dict[str, Any]] = log.body.get("entries", []) if log.ok and isinstance(log.body, dict) else []
    letters = [e["details"].get("letter_id") for e in entries
               if e.get("event_type") == "liaison.notification.letter-ready.v1"]
    staff = await store.state_staff(session)
    kind = case.row.kind if case.row.kind != "inquiry" else inquiry.body.get("kind") or case.row.kind
    context = page_context(person, uses.calendar, case=case.row, clocks=case.clocks, inquiry=inquiry.body,
                           entries=entries, letter_id=letters[-1] if letters else None, staff=staff,
                           as_of_change=await store.last_change(session), kind=kind, origin=case.origin,
                           opened=case.opened, letter_due=case_view.letter_due(entries),
                           subpart_f=case_view.subpart_f_forms(kind, case.row.priority, inquiry.body, entries),
                           referrals=case_view.referrals_seen(inquiry.body, case.row.referred_mcos,
                                                              person.principal.mco))
    if case_view.is_subpart_f(kind):
        context["record"] = await _record(services, person.access_token, inquiry_id, context["local"])
    return pages.TemplateResponse(request, template, context)


async def _record(services: Services, token: str, inquiry_id: UUID, local: Any) -> case_view.RecordView | None:
    """The case's 438.416 record (None: intake did not give it; the page says so)."""
    answer = await services.record(token, inquiry_id)
    return case_view.record_view(answer.body, local) if answer.ok and isinstance(answer.body, dict) else None


@router.post("/cases/{inquiry_id:uuid}/actions/{action}")
async def act(inquiry_id: UUID, action: str, body: ActionForm, person: CheckedPerson, services: Services,
              session: ReadSession) -> Response:
    """Record one action through intake; its refusals come back field by field, for the form to show."""
    path = ACTIONS.get(action)
    if path is None:
        raise Problem(404, "Not found", "No such case action.", code="unknown-action")
    fields: dict[str, Any] = {name: int(value.strip()) if name in WHOLE_NUMBERS and value.strip().isdigit()
                              else value.strip() for name, value in body.fields.items() if value.strip()}
    if action == "assignment":
        fields = {"assignee": await _person(session, fields.get("assignee"))}
    answer = await services.act(person.access_token, inquiry_id, path, fields, idempotency_key=body.key)
    return _relayed(answer)


@router.get("/letters/{letter_id:uuid}", response_class=HTMLResponse)
async def letter(letter_id: UUID, person: Person, services: Services) -> Response:
    """The letter as the notifier rendered it, to print: nothing but the letter (no script may run in it)."""
    answer = await services.letter(person.access_token, letter_id)
    if not answer.ok or not isinstance(answer.body, str):
        raise Problem(404, "Not found", "No letter with this id is visible to you.", code="letter-not-found")
    return HTMLResponse(answer.body, headers={"Content-Security-Policy": LETTER_POLICY})


async def _person(session: ReadSession, subject: str | None) -> dict[str, str] | None:
    if subject is None:
        return None
    found = await store.person(session, subject)
    if found is None or found.mco is not None:
        raise Problem(422, "Invalid request", "One or more fields are invalid.", code="validation",
                      errors=[{"field": "assignee", "reason": "is not one of the state's people"}])
    return {"subject": found.subject, "name": found.name}


def _relayed(answer: Answer) -> Response:
    if answer.ok:
        return JSONResponse({"ok": True, **(answer.body if isinstance(answer.body, dict) else {})}, status_code=200)
    return JSONResponse({"ok": False, "status": answer.status, "errors": answer.field_errors()},
                        status_code=answer.status if answer.status in (400, 403, 404, 409, 422) else 422)
