"""Practices' attribution lists, as HL7 FHIR R4 Da Vinci ATR Groups (another MCO's list has no members
for a principal of one MCO)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from liaison_attribution.api.deps import AsOf, Reader, ReadSession, Uses, today
from liaison_attribution.fhir_lists import listed_members
from liaison_shared.audit import PHI_READ, AuditTrail
from liaison_shared.fields import McoCode, Npi

router = APIRouter(prefix="/v1", tags=["attribution"])


@router.get("/practices/{practice_npi}/attribution-list",
            summary="A practice's attribution list for one MCO as an HL7 FHIR R4 Da Vinci ATR Group",
            openapi_extra=PHI_READ)
async def attribution_list(practice_npi: Npi, mco: McoCode, principal: Reader, uses: Uses, session: ReadSession,
                           trail: AuditTrail, as_of: AsOf = None) -> dict[str, Any]:
    group = await uses.practice_list(session, practice_npi=practice_npi, mco=mco, as_of=as_of or today(),
                                     principal=principal)
    await trail.record(listed_members(group))  # one record of each member listed, active or dropped
    return group
