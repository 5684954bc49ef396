"""What intake's routes are given: the use cases, a read session or a unit of work,
a POST's Idempotency-Key, and the caller with the scope each route needs."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from liaison_intake.service import IntakeService
from liaison_shared.access import INQUIRY_ACT, INQUIRY_ASSIGN, INQUIRY_READ, INTAKE_WRITE
from liaison_shared.deps import ReadSession, Work, provided
from liaison_shared.fields import IdempotencyKey
from liaison_shared.principal import Principal, require_scope

__all__ = ["Actor", "Assigner", "Key", "ReadSession", "Reader", "StateActor", "Uses", "Work", "Writer"]

Uses = Annotated[IntakeService, Depends(provided(IntakeService))]
Key = Annotated[IdempotencyKey, Header(alias="Idempotency-Key")]

Writer = Annotated[Principal, Depends(require_scope(INTAKE_WRITE, mco_allowed=False))]
"""Creates inquiries; an MCO's credential never does."""
Reader = Annotated[Principal, Depends(require_scope(INQUIRY_READ))]
"""Reads inquiries, their log and the export (an MCO's, those referred to it)."""
Actor = Annotated[Principal, Depends(require_scope(INQUIRY_ACT))]
"""Acts on a case in ways an MCO may too: its reports and updates."""
StateActor = Annotated[Principal, Depends(require_scope(INQUIRY_ACT, mco_allowed=False))]
"""Acts on a case in the state's name: contact attempts, referrals, resolution, reopening, overrides,
and claims it."""
Assigner = Annotated[Principal, Depends(require_scope(INQUIRY_ASSIGN, mco_allowed=False))]
"""Gives a case to a person, takes it from one for another, or releases it (unit leads)."""
