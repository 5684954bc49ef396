"""Care coordination's pages: choosing a plan and practice, the pair's combined high-risk list (with each side's
upload, the tracking list and the measures), the next call's agenda, a conference with its decisions and next
steps, and the transitions of care. Everything is read from care coordination with the person's own token, so
it confines a plan's and a practice's people to their own and audits each read of PHI; a pair or conference
the person may not see is a not-found page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liaison_console.api.deps import Pages, Person, Services, Uses
from liaison_console.api.views import page_context
from liaison_console.backends import Answer, Backends, BackendUnavailable
from liaison_console.rules.care_forms import STEP_ROWS
from liaison_console.sessions import SignedIn
from liaison_shared import clock
from liaison_shared.access import CARE_READ, CARE_WRITE

router = APIRouter(include_in_schema=False)

PLAN = re.compile(r"^[A-Z0-9][A-Z0-9\-]{1,15}$")
NPI = re.compile(r"^\d{10}$")
MEASURE_DAYS = 90
PAIR = "/care/plans/{plan}/practices/{npi}"


UNAVAILABLE = "Care coordination did not answer, so this page cannot be shown now. Try again shortly."


async def _read(services: Backends, token: str, path: str, params: dict[str, str] | None = None) -> Answer:
    """A read of care coordination; its being down as a refusal the page explains (503)."""
    try:
        return await services.care(token, path, params)
    except BackendUnavailable:
        return Answer(503, {"detail": UNAVAILABLE})


def _pair_path(plan: str, npi: str) -> str:
    return f"/care/plans/{plan}/practices/{npi}"


def _context(person: SignedIn, uses: Uses, **extra: Any) -> dict[str, Any]:
    return page_context(person, uses.calendar, may_write_care=CARE_WRITE in person.principal.scopes,
                        step_rows=range(1, STEP_ROWS + 1), **extra)


def _missing(request: Request, person: SignedIn, uses: Uses, pages: Pages, what: str) -> Response:
    context = _context(person, uses, what=what)
    return pages.TemplateResponse(request, "care_missing.html", context, status_code=404)


def _refused(request: Request, person: SignedIn, uses: Uses, pages: Pages, answer: Answer, what: str) -> Response:
    """A read care coordination refused: not found (or not the person's) as a 404 page, else its reasons."""
    if answer.status == 404 or CARE_READ not in person.principal.scopes:
        return _missing(request, person, uses, pages, what)
    context = _context(person, uses, what=what, errors=answer.field_errors())
    return pages.TemplateResponse(request, "care_missing.html", context,
                                  status_code=answer.status if answer.status in (403, 409, 422, 503) else 422)


@router.get("/care", response_class=HTMLResponse)
async def choose(request: Request, person: Person, uses: Uses, pages: Pages,
                 plan: Annotated[str, Query(max_length=20)] = "",
                 practice: Annotated[str, Query(max_length=20)] = "",
                 then: Annotated[str, Query(pattern="^(transitions)?$")] = "") -> Response:
    """The plan and practice to work: a plan's people have their plan filled in, a practice's their practice."""
    principal = person.principal
    plan, practice = plan.strip().upper(), practice.strip()
    errors: dict[str, str] = {}
    if plan or practice:
        if not PLAN.fullmatch(plan):
            errors["plan"] = "is a plan code such as IA-TC"
        if not NPI.fullmatch(practice):
            errors["practice"] = "is the practice's 10-digit NPI"
        if not errors:
            return RedirectResponse(_pair_path(plan, practice) + (f"/{then}" if then else ""), status_code=303)
    context = _context(person, uses, plan=plan or principal.mco or "", practice=practice or principal.practice or "",
                       field_errors=errors)
    return pages.TemplateResponse(request, "care_index.html", context, status_code=422 if errors else 200)


@router.get(PAIR, response_class=HTMLResponse)
async def pair(plan: str, npi: str, request: Request, person: Person, uses: Uses, services: Services,
               pages: Pages) -> Response:
    """The combined high-risk list, each side's upload, the tracking list and the measures of the last 90 days."""
    base = f"plans/{plan}/practices/{npi}"
    listed = await _read(services, person.access_token, f"{base}/high-risk-list")
    if not listed.ok:
        return _refused(request, person, uses, pages, listed, "plan and practice")
    today = uses.calendar.local(clock.now()).date()
    start = today - timedelta(days=MEASURE_DAYS - 1)
    measures = await _read(services, person.access_token, f"{base}/measures",
                                   {"start": start.isoformat(), "end": today.isoformat()})
    tracked = await _read(services, person.access_token, f"{base}/tracking-list")
    held = await _read(services, person.access_token, f"{base}/conferences")
    principal = person.principal
    sides = [side for side, theirs in (("plan", principal.practice is None), ("practice", principal.mco is None))
             if theirs]
    context = _context(person, uses, plan=plan, npi=npi, pair_path=_pair_path(plan, npi),
                       patients=listed.body.get("patients", []), sides=sides,
                       measures=measures.body if measures.ok else None, period=(start, today),
                       tracked=tracked.body if tracked.ok else [], conferences=held.body if held.ok else [])
    return pages.TemplateResponse(request, "care_pair.html", context)


@router.get(PAIR + "/agenda", response_class=HTMLResponse)
async def agenda(plan: str, npi: str, request: Request, person: Person, uses: Uses, services: Services,
                 pages: Pages) -> Response:
    """The next call's patients with each one's pre-work, and the form that records the call held."""
    answer = await _read(services, person.access_token, f"plans/{plan}/practices/{npi}/agenda")
    if not answer.ok:
        return _refused(request, person, uses, pages, answer, "plan and practice")
    now = uses.calendar.local(clock.now()).strftime("%Y-%m-%dT%H:%M")
    context = _context(person, uses, plan=plan, npi=npi, pair_path=_pair_path(plan, npi),
                       patients=answer.body.get("patients", []), now_local=now)
    return pages.TemplateResponse(request, "care_agenda.html", context)


@router.get("/care/conferences/{conference_id:uuid}", response_class=HTMLResponse)
async def conference(conference_id: UUID, request: Request, person: Person, uses: Uses, services: Services,
                     pages: Pages) -> Response:
    """A conference: its agenda, a decision form per undecided patient, the decisions with their next steps'
    report-back clocks, and the summary's clock and button."""
    answer = await _read(services, person.access_token, f"conferences/{conference_id}")
    if not answer.ok:
        return _refused(request, person, uses, pages, answer, "conference")
    held: dict[str, Any] = answer.body
    decided = {d["medicaid_id"] for d in held.get("decisions", [])}
    context = _context(person, uses, conference=held, conference_id=conference_id,
                       pair_path=_pair_path(held["plan"], held["practice_npi"]),
                       undecided=[m for m in held.get("agenda", []) if m not in decided])
    return pages.TemplateResponse(request, "care_conference.html", context)


@router.get(PAIR + "/transitions", response_class=HTMLResponse)
async def transitions(plan: str, npi: str, request: Request, person: Person, uses: Uses, services: Services,
                      pages: Pages) -> Response:
    """Admissions, discharges and call-back requests of the last 30 days, each with its follow-up clock."""
    answer = await _read(services, person.access_token, f"plans/{plan}/practices/{npi}/transitions")
    if not answer.ok:
        return _refused(request, person, uses, pages, answer, "plan and practice")
    context = _context(person, uses, plan=plan, npi=npi, pair_path=_pair_path(plan, npi), notices=answer.body)
    return pages.TemplateResponse(request, "care_transitions.html", context)


@router.get("/care/transitions/{notice_id:uuid}", response_class=HTMLResponse)
async def transition(notice_id: UUID, request: Request, person: Person, uses: Uses, pages: Pages) -> Response:
    """Where the notifier's link to one notice lands: care coordination lists notices by plan and practice only,
    so the page asks for the pair (a plan's or practice's person has theirs filled in)."""
    principal = person.principal
    context = _context(person, uses, notice_id=notice_id, plan=principal.mco or "",
                       practice=principal.practice or "", field_errors={})
    return pages.TemplateResponse(request, "care_transition.html", context)
