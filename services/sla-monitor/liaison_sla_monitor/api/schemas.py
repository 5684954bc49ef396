"""The SLA monitor's response models."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field


class ClockRead(BaseModel):
    inquiry_id: UUID
    clock: str
    mco: str | None = Field(description="The MCO whose obligation this instance times; null for a case-level clock.")
    track: str
    priority: str
    state: str
    started_at: datetime
    warn_at: datetime
    due_at: datetime
    due_local: str
    extended_days: int = Field(description="Calendar days an extension moved the deadline by (0: none).")
    closed_at: datetime | None


class ComplianceRow(BaseModel):
    track: str
    priority: str
    clock: str
    mco: str | None = Field(description="The MCO of these instances of an MCO clock; null for a case-level clock.")
    met: int
    breached: int
    open: int
    compliance: float | None
