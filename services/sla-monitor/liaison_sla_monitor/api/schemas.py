"""The SLA monitor's response models."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel


class ClockRead(BaseModel):
    inquiry_id: UUID
    clock: str
    track: str
    priority: str
    state: str
    started_at: datetime
    warn_at: datetime
    due_at: datetime
    due_local: str
    closed_at: datetime | None


class ComplianceRow(BaseModel):
    track: str
    priority: str
    clock: str
    met: int
    breached: int
    open: int
    compliance: float | None
