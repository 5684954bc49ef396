"""The letters to print and mail."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from liaison_notifier import store
from liaison_notifier.api.deps import Reader, ReadSession
from liaison_shared.audit import PHI_READ, AuditTrail
from liaison_shared.problems import Problem

router = APIRouter(prefix="/v1", tags=["letters"])


@router.get("/letters/{letter_id:uuid}", response_class=HTMLResponse,
            summary="A letter to print and mail (its id is in the inquiry's log, notification.letter-ready)",
            description="An MCO's credential finds only the letters of inquiries referred to that MCO.",
            openapi_extra=PHI_READ)
async def letter(letter_id: UUID, reader: Reader, session: ReadSession, trail: AuditTrail) -> HTMLResponse:
    found = await store.letter(session, letter_id, visible_to_mco=reader.mco)
    if found is None:
        raise Problem(404, "Letter not found", "No letter with this id.", code="letter-not-found")
    await trail.record([letter_id, found.inquiry_id], records=1)  # one letter, named by its id and its case's
    return HTMLResponse(found.html, headers={"Cache-Control": "no-store"})
