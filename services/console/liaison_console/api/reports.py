"""The reports as pages: an index, and one page per report with the form of its parameters (all in the
URL), its charts drawn as inline SVG with the same numbers as a table, and its downloads (.xlsx and
.csv), which the console fetches from reporting with the person's token and streams on, so the token
never reaches the browser. Reporting confines an MCO's people to their MCO's referrals."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from liaison_console.api.deps import Pages, Person, Services, Uses
from liaison_console.api.views import page_context
from liaison_console.backends import Answer, BackendUnavailable, ReportFile
from liaison_console.rules import numbers
from liaison_console.rules.report_query import REPORTS, ReportKind, ReportQuery, parse_report_query
from liaison_console.rules.report_views import report_view
from liaison_console.sessions import SignedIn
from liaison_shared import clock

router = APIRouter(include_in_schema=False)
FORMATS = ("xlsx", "csv")
UNAVAILABLE = "Reporting did not answer, so this report cannot be shown now. Try again shortly."


@router.get("/reports", response_class=HTMLResponse)
async def index(request: Request, person: Person, uses: Uses, pages: Pages) -> Response:
    context = page_context(person, uses.calendar, reports=list(REPORTS.values()), missing=False)
    return pages.TemplateResponse(request, "reports.html", context)


@router.get("/reports/{report}.{format}")
async def download(report: str, format: str, request: Request, person: Person, uses: Uses, services: Services,
                   pages: Pages) -> Response:
    """The report's file, as reporting makes it, streamed on; a refusal shows the page with its reasons."""
    kind = REPORTS.get(report)
    if kind is None or format not in FORMATS:
        return missing(request, person, uses, pages)
    query = query_of(kind, request, uses)
    try:
        found = await services.report_file(person.access_token, kind.slug, query.reporting_params(), format)
    except BackendUnavailable:
        return page(request, person, uses, pages, query, unavailable=UNAVAILABLE)
    if isinstance(found, ReportFile):
        return StreamingResponse(found.chunks, media_type=found.media_type,
                                 headers={"Content-Disposition": found.disposition},
                                 background=BackgroundTask(found.close))
    return page(request, person, uses, pages, query, answer=found)


@router.get("/reports/{report}", response_class=HTMLResponse)
async def report_page(report: str, request: Request, person: Person, uses: Uses, services: Services,
                      pages: Pages) -> Response:
    kind = REPORTS.get(report)
    if kind is None:
        return missing(request, person, uses, pages)
    query = query_of(kind, request, uses)
    try:
        answer = await services.report(person.access_token, kind.slug, query.reporting_params())
    except BackendUnavailable:
        return page(request, person, uses, pages, query, unavailable=UNAVAILABLE)
    return page(request, person, uses, pages, query, answer=answer)


def query_of(kind: ReportKind, request: Request, uses: Uses) -> ReportQuery:
    params = {name: request.query_params.getlist(name) for name in request.query_params}
    today = uses.calendar.local(clock.now()).date()
    return parse_report_query(kind, params, today=today, zone=str(uses.calendar.zone))


def page(request: Request, person: SignedIn, uses: Uses, pages: Pages, query: ReportQuery, *,
         answer: Answer | None = None, unavailable: str = "") -> Response:
    """The report's page: its view when reporting answered, else the form with reporting's reasons."""
    errors: list[dict[str, str]] = []
    view = None
    if answer is not None and answer.ok:
        view = report_view(query, answer.body, uses.calendar.zone)
    elif answer is not None:
        errors = answer.field_errors()
    status = 503 if unavailable else 200 if answer is None or answer.ok else \
        answer.status if answer.status in (401, 403, 404) else 422
    context = page_context(person, uses.calendar, query=query, kind=query.kind, view=view, errors=errors,
                           field_errors=by_field(errors), unavailable=unavailable, period=period_words(query),
                           reports=list(REPORTS.values()))
    return pages.TemplateResponse(request, "report.html", context, status_code=status)


def by_field(errors: list[dict[str, str]]) -> dict[str, str]:
    """Each refused field's reasons, to show beside it."""
    found: dict[str, list[str]] = {}
    for error in errors:
        found.setdefault(error.get("field", ""), []).append(error.get("reason", ""))
    return {field: "; ".join(reasons) for field, reasons in found.items()}


def period_words(query: ReportQuery) -> str:
    """What the heading says of the period: `1 Sep 2026 to 30 Nov 2026, America/Chicago`, or `now`."""
    if not query.kind.dated:
        return "now"
    days = query.days()
    return f"{numbers.period(*days)}, {query.tz}" if days else ""


def missing(request: Request, person: SignedIn, uses: Uses, pages: Pages) -> Response:
    context: dict[str, Any] = page_context(person, uses.calendar, reports=list(REPORTS.values()), missing=True)
    return pages.TemplateResponse(request, "reports.html", context, status_code=404)
