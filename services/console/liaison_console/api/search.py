"""Search by case id, Medicaid ID, NPI or name. A case id opens the case; the others ask intake,
which confines the answer to what the person may see and audits the search as a read of PHI. The
results show no PHI (the masked subject line, status, queue), only the case page does."""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from liaison_console.api.deps import Pages, Person, Services, Uses
from liaison_console.api.views import page_context

router = APIRouter(include_in_schema=False)

_NPI = re.compile(r"^\d{10}$")
_MEDICAID_ID = re.compile(r"^(?=.*\d)[A-Za-z0-9]{5,20}$")


def search_key(text: str) -> tuple[str, str] | None:
    """What a search box's text is: ("id", uuid), ("npi", ...), ("medicaid_id", ...) or ("name", ...)."""
    text = " ".join(text.split())
    try:
        return "id", str(UUID(text))
    except ValueError:
        pass
    if _NPI.fullmatch(text):
        return "npi", text
    if _MEDICAID_ID.fullmatch(text):
        return "medicaid_id", text.upper()
    if 2 <= len(text) <= 100 and not any(ch.isdigit() for ch in text):
        return "name", text
    return None


@router.get("/search", response_class=HTMLResponse)
async def search(request: Request, person: Person, uses: Uses, services: Services, pages: Pages,
                 q: Annotated[str, Query(max_length=200)] = "") -> Response:
    key = search_key(q)
    if key is not None and key[0] == "id":
        return RedirectResponse(f"/cases/{key[1]}", status_code=303)
    results: list[dict[str, object]] = []
    error = None
    if key is None:
        error = "Type a case id, a Medicaid ID, a 10-digit NPI or at least two letters of a name."
    else:
        answer = await services.search(person.access_token, **{key[0]: key[1]})
        if answer.ok and isinstance(answer.body, dict):
            results = answer.body.get("items", [])
        else:
            error = "; ".join(e["reason"] for e in answer.field_errors())
    context = page_context(person, uses.calendar, q=q, kind=key[0] if key else None, results=results, error=error)
    return pages.TemplateResponse(request, "search.html", context, status_code=422 if error and q else 200)
