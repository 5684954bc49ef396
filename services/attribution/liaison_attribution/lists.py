"""Attribution lists for practices and partners: which members are (or, this
month, stopped being) attributed to a practice's PCPs, as FHIR ATR Groups."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_attribution.fhir_lists import AttributedMember, ChangeType, attribution_group
from liaison_attribution.tables import assignments, members, providers


async def practice_list(session: AsyncSession, *, practice_npi: str, mco: str, as_of: date) -> dict[str, Any] | None:
    """The ATR Group of one practice and MCO on `as_of`; change types count from the start of that month."""
    practice = (await session.execute(select(providers.c.practice_name).where(
        providers.c.practice_npi == practice_npi).limit(1))).first()
    if practice is None:
        return None
    month = as_of.replace(day=1)
    npis = select(providers.c.npi).where(providers.c.practice_npi == practice_npi)
    rows = (await session.execute(
        select(assignments.c.member_id, assignments.c.npi, assignments.c.effective_from, assignments.c.effective_to)
        .join(members, members.c.member_id == assignments.c.member_id)
        .where(members.c.mco == mco, assignments.c.npi.in_(npis), assignments.c.effective_from <= as_of,
               or_(assignments.c.effective_to.is_(None), assignments.c.effective_to >= month))
        .order_by(assignments.c.member_id, assignments.c.effective_from))).all()
    latest: dict[Any, Any] = {}
    for row in rows:  # a member's latest period with this practice decides its entry
        latest[row.member_id] = row
    earlier = {r.member_id for r in rows if latest[r.member_id] is not r}
    entries = []
    for member_id, row in latest.items():
        current = row.effective_to is None or row.effective_to > as_of
        if not current:
            change: ChangeType = "dropped"
        elif row.effective_from < month:
            change = "nochange"
        else:
            change = "changed" if member_id in earlier or await _had_other_pcp(session, member_id, row) else "new"
        entries.append(AttributedMember(
            member_id=str(member_id), coverage_id=f"{member_id}-{mco}", pcp_npi=row.npi,
            period_start=row.effective_from, period_end=None if current else row.effective_to, change_type=change))
    return attribution_group(practice_npi=practice_npi, practice_name=practice.practice_name, payer=mco,
                             contract_id=f"{mco}-{practice_npi}", entries=entries, as_of=as_of)


async def _had_other_pcp(session: AsyncSession, member_id: Any, row: Any) -> bool:
    """Whether the member came to this practice from another PCP (a change) rather than newly."""
    previous = await session.scalar(select(assignments.c.id).where(and_(
        assignments.c.member_id == member_id, assignments.c.effective_to == row.effective_from,
        assignments.c.npi.isnot(None))).limit(1))
    return previous is not None
