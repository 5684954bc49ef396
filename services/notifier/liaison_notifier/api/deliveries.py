"""The delivery log: what was sent to whom, with status, attempts and last error."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from liaison_notifier import store
from liaison_notifier.api.deps import Reader, ReadSession
from liaison_notifier.api.schemas import DeliveryRead, DeliveryStatus

router = APIRouter(prefix="/v1", tags=["deliveries"])


@router.get("/deliveries", summary="The delivery log, newest first; filter by inquiry or status",
            description="An MCO's credential sees only the deliveries of inquiries referred to that MCO.")
async def delivery_log(reader: Reader, session: ReadSession, inquiry_id: UUID | None = None,
                       status: DeliveryStatus | None = None,
                       limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeliveryRead]:
    rows = await store.delivery_log(session, inquiry_id=inquiry_id, status=status, limit=limit,
                                    visible_to_mco=reader.mco)
    return [DeliveryRead.model_validate(r._asdict()) for r in rows]
