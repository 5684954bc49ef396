"""A panel removal held for compliance review is not worked while held: only
its compliance-review clock runs; outreach and the 30-day reassignment clock
start when the hold is released, as attribution's choice window does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from liaison_shared.payloads import HoldReleasedV1, InquiryReceivedV1, PanelRemovalCase

from .conftest import MONDAY_10, Monitor, assigned

NPI = "1245319599"


def removal(removal_id: uuid.UUID, member_id: uuid.UUID, at: datetime, *, held: bool) -> InquiryReceivedV1:
    """The case intake opens for a panel removal (its id: the removal's)."""
    return InquiryReceivedV1(
        inquiry_id=removal_id, party="member", source="provider", category="pcp_assignment", mco="IA-TC",
        risk_flags=("compliance_review_hold",) * held, received_at=at, description="PCP panel removal",
        panel_removal=PanelRemovalCase(removal_id=removal_id, member_id=member_id, pcp_npi=NPI,
                                       reason="disruptive_behavior", high_risk=False,
                                       held_for_compliance_review=held))


async def clocks_of(monitor: Monitor, inquiry_id: uuid.UUID) -> dict[str, tuple[str, datetime]]:
    async with monitor.runtime.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT name, state, anchor_at FROM clocks WHERE inquiry_id = :i"),
                                   {"i": inquiry_id})).all()
    return {r.name: (r.state, r.anchor_at) for r in rows}


async def test_a_held_removal_runs_only_its_review_clock_and_outreach_starts_at_release(monitor: Monitor) -> None:
    removal_id, member_id = uuid.uuid4(), uuid.uuid4()
    case = assigned(track="pcp_panel_removal", priority="standard", inquiry_id=removal_id)
    await monitor.publish(removal(removal_id, member_id, MONDAY_10, held=True), case)
    [review] = await monitor.events("clock-started.v1", removal_id)
    assert review.clock == "compliance_review"
    assert review.due_at == MONDAY_10 + timedelta(days=7)  # 5 business days: the next Monday 10:00

    # Four days on hold, past any outreach deadline: the review clock warns (the timers have run up to
    # now), and nothing else exists that could breach and e-mail Special Outreach.
    released_at = MONDAY_10 + timedelta(days=4, hours=2)  # Friday 12:00 CST
    monitor.clock.set(released_at)
    [warning] = await monitor.events("sla.warning.v1", removal_id)
    assert warning.clock == "compliance_review"
    assert await clocks_of(monitor, removal_id) == {"compliance_review": ("open", MONDAY_10)}
    await monitor.publish(HoldReleasedV1(inquiry_id=removal_id, released_at=released_at))
    started = {c.clock: c for c in await monitor.events("clock-started.v1", removal_id, 3)}
    assert started["outreach_contact"].started_at == released_at
    assert started["member_reassigned"].started_at == released_at
    # 30 calendar days from the release (Friday 11-20): the end of Sunday 12-20, midnight CST.
    assert started["member_reassigned"].due_at == datetime(2026, 12, 21, 6, 0, tzinfo=UTC)
    [met] = await monitor.events("sla.met.v1", removal_id)
    assert met.clock == "compliance_review" and met.met_at == released_at
    states = await clocks_of(monitor, removal_id)
    assert {name: state for name, (state, _) in states.items()} == {
        "compliance_review": "met", "outreach_contact": "open", "member_reassigned": "open"}


async def test_a_removal_not_held_is_worked_at_once_and_has_no_review_clock(monitor: Monitor) -> None:
    removal_id, member_id = uuid.uuid4(), uuid.uuid4()
    await monitor.publish(assigned(track="pcp_panel_removal", priority="urgent", inquiry_id=removal_id),
                          removal(removal_id, member_id, MONDAY_10, held=False))
    started = {c.clock: c for c in await monitor.events("clock-started.v1", removal_id, 2)}
    assert set(started) == {"ccm_acknowledged", "member_reassigned"}
    assert started["ccm_acknowledged"].started_at == MONDAY_10
    assert set(await clocks_of(monitor, removal_id)) == {"ccm_acknowledged", "member_reassigned"}
