"""An action counts when it happened, not when it was recorded: recorded after
the deadline but taken before it, it meets the clock, the breach already
announced is withdrawn (an event), and the follow-up that breach started
stops. Every stop of a clock is an event too, so readers need no rules of
their own."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from liaison_shared.payloads import Actor, InquiryResolvedV1, McoContactedV1, McoReportedV1

from .conftest import MONDAY_10, Monitor, assigned
from .test_clocks import MONDAY_14

ACTOR = Actor(subject="test-user", name="Test User")  # who acted, as a token would say


async def test_a_referral_recorded_after_the_breach_but_made_before_the_deadline_withdraws_it(
    monitor: Monitor,
) -> None:
    case = assigned()  # urgent member: mco_referral due Monday 14:00 CST (4 business hours)
    await monitor.publish(case)
    await monitor.events("clock-started.v1", case.inquiry_id, 2)
    monitor.clock.set(MONDAY_14 + timedelta(minutes=5))  # 14:05: breached, and announced
    breaches = await monitor.events("sla.breached.v1", case.inquiry_id, 2)
    assert {b.clock for b in breaches} == {"originator_contacted", "mco_referral"}

    made_at = MONDAY_10 + timedelta(hours=3)  # 13:00, before the deadline; recorded at 14:05
    await monitor.publish(McoContactedV1(inquiry_id=case.inquiry_id, mco="IA-TC", actor=ACTOR, at=made_at))
    [withdrawn] = await monitor.events("breach-withdrawn.v1", case.inquiry_id)
    assert (withdrawn.clock, withdrawn.met_at, withdrawn.due_at) == ("mco_referral", made_at, MONDAY_14)
    assert withdrawn.withdrawn_at == MONDAY_14 + timedelta(minutes=5)
    [met] = await monitor.events("sla.met.v1", case.inquiry_id)
    assert met.clock == "mco_referral" and met.met_at == made_at
    states = await clock_states(monitor, case.inquiry_id)
    assert states["mco_referral"] == "met"
    assert states["originator_contacted"] == "breached"  # nothing met that one


async def test_an_action_taken_after_the_deadline_leaves_the_breach_standing(monitor: Monitor) -> None:
    case = assigned()
    await monitor.publish(case)
    await monitor.events("clock-started.v1", case.inquiry_id, 2)
    monitor.clock.set(MONDAY_14 + timedelta(minutes=5))
    await monitor.events("sla.breached.v1", case.inquiry_id, 2)
    await monitor.publish(McoContactedV1(inquiry_id=case.inquiry_id, mco="IA-TC", actor=ACTOR,
                                         at=MONDAY_14 + timedelta(minutes=1)))
    # The referral starts the MCO's clock in the same transaction that would have withdrawn the breach.
    await monitor.events("clock-started.v1", case.inquiry_id, 3)
    assert (await clock_states(monitor, case.inquiry_id))["mco_referral"] == "breached"
    async with monitor.runtime.engine.connect() as conn:
        withdrawals = await conn.scalar(text("SELECT count(*) FROM outbox WHERE headers::text LIKE :t"),
                                        {"t": "%sla.breach-withdrawn%"})
        breaches = await conn.scalar(text("SELECT count(*) FROM outbox WHERE headers::text LIKE :t"),
                                     {"t": "%sla.breached.v1%"})
    assert (withdrawals, breaches) == (0, 2)  # the query would see them: the breaches are there


async def test_a_withdrawn_breach_stops_the_follow_up_it_started(monitor: Monitor) -> None:
    case = assigned()
    await monitor.publish(case)
    referral_at = MONDAY_10 + timedelta(hours=1)
    await monitor.publish(McoContactedV1(inquiry_id=case.inquiry_id, mco="IA-TC", actor=ACTOR, at=referral_at))
    await monitor.events("clock-started.v1", case.inquiry_id, 3)
    end_of_day = MONDAY_10.replace(hour=23)  # Monday 17:00 CST: mco_contacts_member is due
    monitor.clock.set(end_of_day + timedelta(hours=1))
    [follow_up] = await monitor.events("follow-up-due.v1", case.inquiry_id)
    assert follow_up.clock == "liaison_follow_up"

    await monitor.publish(McoReportedV1(inquiry_id=case.inquiry_id, mco="IA-TC", report="member_contacted",
                                        actor=ACTOR, at=end_of_day - timedelta(minutes=30)))  # before its deadline
    withdrawn = await monitor.events("breach-withdrawn.v1", case.inquiry_id)
    assert [w.clock for w in withdrawn] == ["mco_contacts_member"]
    [stopped] = await monitor.events("clock-stopped.v1", case.inquiry_id)
    assert (stopped.clock, stopped.reason) == ("liaison_follow_up", "breach_withdrawn")


async def test_resolution_publishes_each_clock_it_stops(monitor: Monitor) -> None:
    case = assigned(track="member_not_enrolled", priority="standard")
    await monitor.publish(case)
    [started] = await monitor.events("clock-started.v1", case.inquiry_id)
    resolved_at = MONDAY_10 + timedelta(hours=2)
    await monitor.publish(InquiryResolvedV1(inquiry_id=case.inquiry_id, resolved_by="state",
                                            resolution_code="answered", actor=ACTOR, at=resolved_at))
    [stopped] = await monitor.events("clock-stopped.v1", case.inquiry_id)
    assert (stopped.clock, stopped.reason, stopped.stopped_at, stopped.due_at) == (
        started.clock, "resolved", resolved_at, started.due_at)


async def clock_states(monitor: Monitor, inquiry_id: object) -> dict[str, str]:
    async with monitor.runtime.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT name, state FROM clocks WHERE inquiry_id = :i"),
                                   {"i": inquiry_id})).all()
    return {r.name: r.state for r in rows}
