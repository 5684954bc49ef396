"""Attribution runs: every eligible member without a PCP attributed by the rules."""

from __future__ import annotations

from fastapi import APIRouter

from liaison_attribution.api.deps import AsOf, Uses, Work, Writer, today

router = APIRouter(prefix="/v1", tags=["attribution"])


@router.post("/attribution-runs", summary="Attribute every eligible member without a PCP")
async def run(principal: Writer, uses: Uses, work: Work, as_of: AsOf = None) -> dict[str, int]:
    tally = await uses.run_batch(work.session, as_of=as_of or today(), principal=principal)
    await work.commit()
    return tally
