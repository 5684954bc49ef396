"""The reassignment campaign: members whose choice window passed re-attributed, and its progress."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from liaison_attribution.api.deps import AsOf, Reader, ReadSession, Uses, Work, Writer, today

router = APIRouter(prefix="/v1", tags=["attribution"])


@router.post("/reassignment-campaign/runs", summary="Re-assign members whose choice window has passed")
async def campaign(principal: Writer, uses: Uses, work: Work, as_of: AsOf = None) -> dict[str, int]:
    result = await uses.run_campaign(work.session, as_of=as_of or today(), principal=principal)
    await work.commit()
    return result


@router.get("/reassignment-campaign", summary="The campaign's progress: removals by status")
async def progress(principal: Reader, uses: Uses, session: ReadSession) -> dict[str, Any]:
    return await uses.progress(session, principal=principal)
