"""Attribution runs: every eligible member without a PCP attributed by the rules."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter

from liaison_attribution.api.deps import AsOf, Uses, Work, Writer, today

router = APIRouter(prefix="/v1", tags=["attribution"])


@router.post("/attribution-runs", summary="Attribute every eligible member without a PCP")
async def run(principal: Writer, uses: Uses, work: Work, as_of: AsOf = None) -> dict[str, int]:
    """Counts by method (and network gaps). Each chunk of members commits on its own: its assignments reach
    the bus while the run goes on, and a run stopped half-way is resumed by running it again."""
    tally: Counter[str] = Counter()
    async for chunk in uses.run_batch(work.session, as_of=as_of or today(), principal=principal):
        await work.commit()
        tally.update(chunk)
    return dict(tally)
