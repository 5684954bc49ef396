"""What care coordination's routes are given: the use cases, the caller with the scope each route needs, and
the check that a plan's credential sees only its members and a practice's only its patients."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from liaison_care_coordination.service import CareCoordination, not_found
from liaison_shared.access import CARE_READ, CARE_WRITE, TRANSITIONS_WRITE
from liaison_shared.deps import ReadSession, Work, provided
from liaison_shared.principal import Principal, require_scope

__all__ = ["Hospital", "ReadSession", "Reader", "Uses", "Work", "Writer", "visible"]

Uses = Annotated[CareCoordination, Depends(provided(CareCoordination))]
Reader = Annotated[Principal, Depends(require_scope(CARE_READ))]
Writer = Annotated[Principal, Depends(require_scope(CARE_WRITE))]
Hospital = Annotated[Principal, Depends(require_scope(TRANSITIONS_WRITE))]


def visible(principal: Principal, plan: str, practice_npi: str) -> None:
    """Refuse (404, as for what does not exist) a plan and practice the principal may not see."""
    if not principal.may_see_patient(plan, practice_npi):
        raise not_found("plan and practice")
