"""The delivery log, over HTTP: what was sent to whom, with status, attempts and last error;
and the letters to print and mail."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from liaison_notifier import store
from liaison_shared.principal import Principal, require_scope
from liaison_shared.problems import Problem
from liaison_shared.runtime import Runtime
from liaison_shared.static_keys import READ

DeliveryStatus = Literal["pending", "sent", "failed"]


class DeliveryRead(BaseModel):
    notification_id: UUID
    cause_event_id: UUID
    inquiry_id: UUID | None
    recipient: str
    channel: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


def build_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["deliveries"])
    Reader = Annotated[Principal, Depends(require_scope(READ))]

    @router.get("/deliveries", summary="The delivery log, newest first; filter by inquiry or status")
    async def delivery_log(_: Reader, inquiry_id: UUID | None = None,
                           status: DeliveryStatus | None = None,
                           limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeliveryRead]:
        async with runtime.sessions() as session:
            rows = await store.delivery_log(session, inquiry_id=inquiry_id, status=status, limit=limit)
        return [DeliveryRead.model_validate(r._asdict()) for r in rows]

    @router.get("/letters/{letter_id:uuid}", response_class=HTMLResponse, tags=["letters"],
                summary="A letter to print and mail (its id is in the inquiry's log, notification.letter-ready)")
    async def letter(letter_id: UUID, _: Reader) -> HTMLResponse:
        async with runtime.sessions() as session:
            html = await store.letter_html(session, letter_id)
        if html is None:
            raise Problem(404, "Letter not found", "No letter with this id.", code="letter-not-found")
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    return router
