"""The delivery log, over HTTP: what was sent to whom, with status, attempts and last error."""

import hashlib
import hmac
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.security import APIKeyHeader
from pydantic import BaseModel
from sqlalchemy import select

from liaison_notifier.settings import Settings
from liaison_notifier.tables import deliveries
from liaison_shared.problems import Problem
from liaison_shared.runtime import Runtime


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
    settings = runtime.settings
    assert isinstance(settings, Settings)
    allowed = [bytes.fromhex(h) for h in settings.read_key_sha256]
    api_key = APIKeyHeader(name="X-API-Key", auto_error=False)

    async def reader(key: Annotated[str | None, Depends(api_key)]) -> None:
        digest = hashlib.sha256((key or "").encode()).digest()
        if not key or not any(hmac.compare_digest(digest, h) for h in allowed):
            raise Problem(401, "Unauthenticated", "Send a valid API key in X-API-Key.", code="unauthenticated")

    @router.get("/deliveries", summary="The delivery log, newest first; filter by inquiry or status")
    async def delivery_log(_: Annotated[None, Depends(reader)], inquiry_id: UUID | None = None,
                           status: str | None = None,
                           limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeliveryRead]:
        query = select(deliveries).order_by(deliveries.c.created_at.desc()).limit(limit)
        if inquiry_id is not None:
            query = query.where(deliveries.c.inquiry_id == inquiry_id)
        if status is not None:
            query = query.where(deliveries.c.status == status)
        async with runtime.sessions() as session:
            rows = (await session.execute(query)).all()
        return [DeliveryRead.model_validate(r._asdict()) for r in rows]

    return router
