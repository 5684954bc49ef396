"""Clocks follow the inquiry's events and fire on time, on the real broker,
with the monitor's clock moved by hand."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from liaison_shared.payloads import (
    Actor,
    ContactAttemptedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    McoContactedV1,
    McoReportedV1,
)
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.waiting import wait_until

from .conftest import MONDAY_10, Monitor, assigned

ACTOR = Actor(subject="test-user", name="Test User")  # who acted, as a token would say

Z = UTC
MONDAY_14 = datetime(2026, 11, 16, 20, 0, tzinfo=Z)  # 4 business hours after Monday 10:00 CST


def contact(inquiry_id: uuid.UUID, at: datetime, outcome: str = "reached") -> ContactAttemptedV1:
    return ContactAttemptedV1(inquiry_id=inquiry_id, channel="phone", outcome=outcome, attempt_number=1,
                              actor=ACTOR, at=at)


async def test_urgent_member_clocks_warn_get_met_or_breach(monitor: Monitor) -> None:
    case = assigned()
    await monitor.publish(case)
    started = {c.clock: c for c in await monitor.events("clock-started.v1", case.inquiry_id, 2)}
    assert started["originator_contacted"].due_at == MONDAY_14
    assert started["originator_contacted"].warn_at == MONDAY_14 - timedelta(hours=2)
    assert started["mco_referral"].due_at == MONDAY_14

    monitor.clock.set(MONDAY_14 - timedelta(hours=2))  # the warning point
    warnings = await monitor.events("sla.warning.v1", case.inquiry_id, 2)
    assert {w.clock for w in warnings} == {"originator_contacted", "mco_referral"}

    # Met one second before the deadline: no breach for this clock.
    await monitor.publish(contact(case.inquiry_id, MONDAY_14 - timedelta(seconds=1)))
    [met] = await monitor.events("sla.met.v1", case.inquiry_id)
    assert met.clock == "originator_contacted"
    assert met.took_business_seconds == 4 * 3600 - 1

    monitor.clock.set(MONDAY_14 + timedelta(seconds=3))
    [breach] = await monitor.events("sla.breached.v1", case.inquiry_id)
    assert breach.clock == "mco_referral" and breach.due_at == MONDAY_14
    assert 0 <= breach.late_by_seconds < 60


async def test_meeting_event_before_the_clock_starts_still_meets_it(monitor: Monitor) -> None:
    case = assigned()
    await monitor.publish(contact(case.inquiry_id, MONDAY_10 + timedelta(minutes=30)))
    async def recorded() -> bool:  # the contact is consumed before the clock exists
        async with monitor.runtime.engine.connect() as conn:
            return bool(await conn.scalar(text("SELECT count(*) FROM signals WHERE inquiry_id = :i"),
                                          {"i": case.inquiry_id}))
    await wait_until(recorded, what="the contact recorded")
    await monitor.publish(case)
    [met] = await monitor.events("sla.met.v1", case.inquiry_id)
    assert met.clock == "originator_contacted" and met.met_at == MONDAY_10 + timedelta(minutes=30)
    monitor.clock.set(MONDAY_14 + timedelta(seconds=1))
    [breach] = await monitor.events("sla.breached.v1", case.inquiry_id)
    assert breach.clock == "mco_referral"


async def test_silent_mco_past_end_of_day_brings_a_follow_up(monitor: Monitor) -> None:
    case = assigned()
    await monitor.publish(case)
    referral_at = MONDAY_10 + timedelta(hours=1)
    await monitor.publish(McoContactedV1(inquiry_id=case.inquiry_id, mco="IA-TC", actor=ACTOR, at=referral_at))
    started = {c.clock: c for c in await monitor.events("clock-started.v1", case.inquiry_id, 3)}
    end_of_day = datetime(2026, 11, 16, 23, 0, tzinfo=Z)  # Monday 17:00 CST
    assert started["mco_contacts_member"].due_at == end_of_day

    monitor.clock.set(end_of_day + timedelta(seconds=2))
    [follow_up] = await monitor.events("follow-up-due.v1", case.inquiry_id)
    assert follow_up.clock == "liaison_follow_up" and follow_up.queue == "member_liaison"
    assert follow_up.due_at == datetime(2026, 11, 17, 18, 0, tzinfo=Z)  # Tuesday 12:00 CST: 4 business hours
    breached = {b.clock for b in await monitor.events("sla.breached.v1", case.inquiry_id, 2)}
    assert breached == {"originator_contacted", "mco_contacts_member"}  # the referral itself was on time

    await monitor.publish(McoReportedV1(inquiry_id=case.inquiry_id, mco="IA-TC", report="member_contacted",
                                        actor=ACTOR, at=end_of_day + timedelta(hours=1)))
    mets = {m.clock for m in await monitor.events("sla.met.v1", case.inquiry_id, 2)}
    assert "liaison_follow_up" in mets


async def test_resolution_stops_clocks_and_reopening_restarts_them(monitor: Monitor, tokens: Tokens) -> None:
    case = assigned(track="member_not_enrolled", priority="standard")
    await monitor.publish(case)
    [first] = await monitor.events("clock-started.v1", case.inquiry_id)
    assert first.clock == "unit_lead_callback"
    assert first.due_at == datetime(2026, 11, 18, 16, 0, tzinfo=Z)  # 2 business days: Wednesday 10:00 CST
    resolved_at = MONDAY_10 + timedelta(hours=2)
    await monitor.publish(InquiryResolvedV1(inquiry_id=case.inquiry_id, resolved_by="state",
                                            resolution_code="answered", actor=ACTOR, at=resolved_at))
    reopened_at = datetime(2026, 11, 17, 15, 0, tzinfo=Z)  # Tuesday 09:00 CST
    await monitor.publish(InquiryReopenedV1(inquiry_id=case.inquiry_id, reason="called back", actor=ACTOR,
                                            at=reopened_at))
    [_, restarted] = await monitor.events("clock-started.v1", case.inquiry_id, 2)
    assert restarted.due_at == datetime(2026, 11, 19, 15, 0, tzinfo=Z)  # Thursday 09:00 CST
    monitor.clock.set(datetime(2026, 11, 18, 16, 0, 5, tzinfo=Z))  # past the first cycle's deadline
    async with monitor.api() as http:
        clocks = (await http.get(f"/v1/inquiries/{case.inquiry_id}/clocks",
                                 headers=await tokens.headers(person="maria"))).json()
        assert [(c["clock"], c["state"]) for c in clocks] == [("unit_lead_callback", "open")]
        assert clocks[0]["due_local"] == "Thu 2026-11-19 09:00 CST"
        assert (await http.get(f"/v1/inquiries/{case.inquiry_id}/clocks")).status_code == 401


async def test_compliance_counts_met_and_breached_clocks(monitor: Monitor, tokens: Tokens) -> None:
    on_time, late = assigned(track="ime_callback", priority="escalated"), \
        assigned(track="ime_callback", priority="escalated")
    await monitor.publish(on_time, late)
    await monitor.publish(contact(on_time.inquiry_id, MONDAY_10 + timedelta(hours=1)))
    await monitor.events("sla.met.v1", on_time.inquiry_id)
    monitor.clock.set(datetime(2026, 11, 18, 16, 0, 1, tzinfo=Z))
    await monitor.events("sla.breached.v1", late.inquiry_id)
    async with monitor.api() as http:
        rows = (await http.get("/v1/compliance", params={"start": "2026-11-01T00:00:00Z",
                                                         "end": "2026-12-01T00:00:00Z"},
                               headers=await tokens.headers(person="pat"))).json()
    assert rows == [{"track": "ime_callback", "priority": "escalated", "clock": "callback", "mco": None, "met": 1,
                     "breached": 1, "open": 0, "compliance": 0.5}]


async def test_care_transitions_run_on_calendar_hours_beside_business_clocks(monitor: Monitor) -> None:
    friday_night = datetime(2026, 11, 21, 4, 30, tzinfo=Z)  # Friday 22:30 CST: outside business hours
    discharge = assigned(track="care_transition", priority="escalated", received_at=friday_night)
    callback = assigned(track="care_transition", priority="urgent", received_at=friday_night)
    await monitor.publish(discharge, callback)
    [follow_up] = await monitor.events("clock-started.v1", discharge.inquiry_id)
    [call] = await monitor.events("clock-started.v1", callback.inquiry_id)
    assert (follow_up.clock, follow_up.due_at) == ("discharge_follow_up", friday_night + timedelta(hours=48))
    assert (call.clock, call.due_at) == ("member_callback", friday_night + timedelta(hours=24))


async def test_new_priority_recomputes_open_clocks_and_stops_the_ones_it_drops(monitor: Monitor,
                                                                               tokens: Tokens) -> None:
    urgent = assigned(priority="urgent")
    await monitor.publish(urgent)
    first = {c.clock: c for c in await monitor.events("clock-started.v1", urgent.inquiry_id, 2)}
    assert first["originator_contacted"].due_at == MONDAY_14
    await monitor.publish(assigned(priority="escalated", inquiry_id=urgent.inquiry_id))
    [recomputed] = (await monitor.events("clock-started.v1", urgent.inquiry_id, 3))[2:]
    # Same start (receipt), the escalated target: 1 business day, Tuesday 10:00 CST.
    assert (recomputed.clock, recomputed.due_at) == ("originator_contacted", datetime(2026, 11, 17, 16, 0, tzinfo=Z))
    maria = await tokens.headers(person="maria")
    async with monitor.api() as http:
        clocks = (await http.get(f"/v1/inquiries/{urgent.inquiry_id}/clocks", headers=maria)).json()
        window = (await http.get("/v1/clocks", params={"due_from": "2026-11-17T00:00:00Z",
                                                       "due_to": "2026-11-18T00:00:00Z"}, headers=maria)).json()
    assert {(c["clock"], c["state"]) for c in clocks} == {("originator_contacted", "open"), ("mco_referral", "stopped")}
    assert [c["clock"] for c in window if c["inquiry_id"] == str(urgent.inquiry_id)] == ["originator_contacted"]
