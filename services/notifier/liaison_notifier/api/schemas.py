"""The notifier's response models."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

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
