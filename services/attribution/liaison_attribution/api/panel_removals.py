"""Panel removals: a PCP removes a member, compliance review releases a held removal,
the removed member chooses a new PCP."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from liaison_attribution.api.deps import Uses, Work, Writer, today
from liaison_attribution.api.schemas import Choice, PanelRemovalCreate
from liaison_shared.openapi import CONFLICT, NOT_FOUND

router = APIRouter(prefix="/v1", tags=["attribution"])


@router.post("/panel-removals", status_code=202, summary="A PCP removes a member from its panel",
             responses={**CONFLICT, **NOT_FOUND})
async def remove(body: PanelRemovalCreate, principal: Writer, uses: Uses, work: Work) -> dict[str, str]:
    removal_id = await uses.remove_from_panel(work.session, body.member_id, body.npi, reason=body.reason,
                                              documentation=body.documentation, principal=principal)
    await work.commit()
    return {"removal_id": str(removal_id)}


@router.post("/panel-removals/{removal_id:uuid}/release", summary="Compliance review releases a held removal",
             responses=CONFLICT)
async def release(removal_id: UUID, principal: Writer, uses: Uses, work: Work) -> dict[str, str]:
    await uses.release_hold(work.session, removal_id, principal=principal)
    await work.commit()
    return {"removal_id": str(removal_id), "status": "open"}


@router.post("/panel-removals/{removal_id:uuid}/choice", summary="The removed member chose a new PCP",
             responses=CONFLICT)
async def chose(removal_id: UUID, body: Choice, principal: Writer, uses: Uses, work: Work) -> dict[str, str]:
    await uses.member_chose(work.session, removal_id, body.npi, as_of=today(), principal=principal)
    await work.commit()
    return {"removal_id": str(removal_id), "status": "member_chose"}
