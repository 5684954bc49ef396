"""A member's PCP: the current one with how and why it was chosen, every assignment it had, and the
member's own change."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from liaison_attribution.api.deps import Reader, ReadSession, Uses, Work, Writer, today
from liaison_attribution.api.schemas import NewAssignment, PcpChange, PcpHistory, new_assignment
from liaison_shared.audit import PHI_READ, AuditTrail
from liaison_shared.openapi import CONFLICT, NOT_FOUND

router = APIRouter(prefix="/v1", tags=["attribution"])


@router.get("/members/{member_id:uuid}/pcp", summary="The member's current PCP, how it was chosen, and why",
            openapi_extra=PHI_READ)
async def current_pcp(member_id: UUID, principal: Reader, uses: Uses, session: ReadSession,
                      trail: AuditTrail) -> dict[str, Any]:
    row = await uses.current_pcp(session, member_id, principal=principal)
    await trail.record([member_id])
    return {"member_id": str(member_id), "npi": row.npi, "method": row.method, "network_gap": row.network_gap,
            "effective_from": row.effective_from.isoformat(), "evidence": row.evidence}


@router.get("/members/{member_id:uuid}/pcp-history", response_model=PcpHistory, responses=NOT_FOUND,
            summary="Every PCP assignment of the member, newest first, with the reasons of its own changes",
            openapi_extra=PHI_READ)
async def pcp_history(member_id: UUID, principal: Reader, uses: Uses, session: ReadSession,
                      trail: AuditTrail) -> dict[str, Any]:
    assignments = await uses.pcp_history(session, member_id, principal=principal)
    await trail.record([member_id])
    return {"member_id": member_id, "assignments": assignments}


@router.post("/members/{member_id:uuid}/pcp-change", summary="The member chooses a PCP, for a configured reason",
             responses={**CONFLICT, **NOT_FOUND})
async def change(member_id: UUID, body: PcpChange, principal: Writer, uses: Uses, work: Work) -> NewAssignment:
    """Effective today; `reason_code` is one of attribution.yaml's `pcp_change_reasons` (otherwise a 422
    naming it, and nothing changes)."""
    changed = await uses.change_pcp(work.session, member_id, body.choice(), as_of=today(), principal=principal)
    await work.commit()
    return new_assignment(changed)
