"""A member's PCP: the current one with how and why it was chosen, and the member's own change."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from liaison_attribution.api.deps import Reader, ReadSession, Uses, Work, Writer, today
from liaison_attribution.api.schemas import PcpChange
from liaison_shared.audit import PHI_READ, AuditTrail
from liaison_shared.openapi import CONFLICT

router = APIRouter(prefix="/v1", tags=["attribution"])


@router.get("/members/{member_id:uuid}/pcp", summary="The member's current PCP, how it was chosen, and why",
            openapi_extra=PHI_READ)
async def current_pcp(member_id: UUID, principal: Reader, uses: Uses, session: ReadSession,
                      trail: AuditTrail) -> dict[str, Any]:
    row = await uses.current_pcp(session, member_id, principal=principal)
    await trail.record([member_id])
    return {"member_id": str(member_id), "npi": row.npi, "method": row.method, "network_gap": row.network_gap,
            "effective_from": row.effective_from.isoformat(), "evidence": row.evidence}


@router.post("/members/{member_id:uuid}/pcp-change", summary="The member chooses a PCP", responses=CONFLICT)
async def change(member_id: UUID, body: PcpChange, principal: Writer, uses: Uses, work: Work) -> dict[str, str]:
    await uses.change_pcp(work.session, member_id, body.npi, reason_code=body.reason_code,
                          reason_text=body.reason_text, as_of=today(), principal=principal)
    await work.commit()
    return {"member_id": str(member_id), "npi": body.npi}
