"""Grievances and appeals on their 42 CFR 438 clocks, on the real broker with the monitor's clock moved by
hand: notices meet their clocks, an extension moves the resolution deadline once (kept when triage
re-decides, applied when the clock starts later, never to a closed clock), a grievance resolved on day 89
is on time and on day 91 late, and an expedited appeal denied expedited handling runs on the standard
clock with its denial notices. Instants are worked out by hand in CST (UTC-6)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from liaison_shared.payloads import (
    ContactAttemptedV1,
    DeadlineExtendedV1,
    ExpeditedDeniedV1,
    InquiryResolvedV1,
    NoticeIssuedV1,
    PriorityAssignedV1,
)
from liaison_shared.testing.identity import Tokens

from .conftest import ACTOR, MONDAY_10, Monitor, assigned


def grievance(received_at: datetime = MONDAY_10, priority: str = "standard",
              inquiry_id: uuid.UUID | None = None) -> PriorityAssignedV1:
    return assigned(track="grievance", priority=priority, received_at=received_at, inquiry_id=inquiry_id)


def appeal(priority: str, inquiry_id: uuid.UUID | None = None) -> PriorityAssignedV1:
    return assigned(track="appeal", priority=priority, inquiry_id=inquiry_id)


def notice(inquiry_id: uuid.UUID, kind: str, at: datetime) -> NoticeIssuedV1:
    return NoticeIssuedV1(inquiry_id=inquiry_id, notice=kind, text="Dear member, ...", actor=ACTOR, at=at)


def extension(inquiry_id: uuid.UUID, days: int, by: str, at: datetime) -> DeadlineExtendedV1:
    return DeadlineExtendedV1(inquiry_id=inquiry_id, clock="resolution", days=days, requested_by=by,
                              reason="records from the provider", actor=ACTOR, at=at)


def resolution(inquiry_id: uuid.UUID, at: datetime) -> InquiryResolvedV1:
    return InquiryResolvedV1(inquiry_id=inquiry_id, resolved_by="state", resolution_code="upheld",
                             summary="The plan's decision stands.", actor=ACTOR, at=at)


async def stored(monitor: Monitor, inquiry_id: uuid.UUID) -> dict[str, Any]:
    async with monitor.runtime.engine.connect() as conn:
        rows = (await conn.execute(text("SELECT name, mco, state, due_at, extended_days FROM clocks "
                                        "WHERE inquiry_id = :i"), {"i": inquiry_id})).all()
    return {r.name: r for r in rows}


def by_clock(events: list[Any], name: str) -> list[Any]:
    return [e for e in events if e.clock == name]


async def test_notices_meet_their_clocks_and_a_plan_extension_moves_the_deadline_once(monitor: Monitor) -> None:
    case = grievance()
    await monitor.publish(case)
    started = {c.clock: c for c in await monitor.events("clock-started.v1", case.inquiry_id, 2)}
    assert started["resolution"].due_at == datetime(2027, 2, 15, 6, tzinfo=UTC)  # the end of day 90 (02-14)
    assert started["acknowledged"].due_at == datetime(2026, 11, 19, 16, tzinfo=UTC)  # 3 business days
    assert all(c.mco is None for c in started.values())

    await monitor.publish(notice(case.inquiry_id, "acknowledgment", MONDAY_10 + timedelta(hours=1)))
    [acknowledged] = await monitor.events("sla.met.v1", case.inquiry_id)
    assert (acknowledged.clock, acknowledged.mco) == ("acknowledged", None)

    asked = MONDAY_10 + timedelta(days=1)  # Tuesday 10:00 CST
    await monitor.publish(extension(case.inquiry_id, 14, "plan", asked))
    later = await monitor.events("clock-started.v1", case.inquiry_id, 4)
    [_, moved] = by_clock(later, "resolution")
    assert moved.due_at == datetime(2027, 3, 1, 6, tzinfo=UTC)  # 14 local dates on: still midnight
    assert moved.started_at == MONDAY_10  # still counted from the receipt
    assert moved.warn_at == MONDAY_10 + (moved.due_at - MONDAY_10) * 0.75
    [owed] = by_clock(later, "extension_notice")  # a plan-initiated extension owes written notice
    assert (owed.started_at, owed.due_at) == (asked, datetime(2026, 11, 20, 6, tzinfo=UTC))  # the end of 11-19

    await monitor.publish(notice(case.inquiry_id, "extension", asked + timedelta(hours=3)))
    assert {m.clock for m in await monitor.events("sla.met.v1", case.inquiry_id, 2)} == {
        "acknowledged", "extension_notice"}
    # A second extension (or the same one again) is ignored: the deadline moves once.
    await monitor.processed(extension(case.inquiry_id, 7, "enrollee", asked + timedelta(days=1)))
    clocks = await stored(monitor, case.inquiry_id)
    assert (clocks["resolution"].due_at, clocks["resolution"].extended_days) == (moved.due_at, 14)
    assert len(by_clock(await monitor.events("clock-started.v1", case.inquiry_id), "resolution")) == 2


async def test_an_extension_before_the_clock_starts_is_applied_then_and_kept_when_triage_re_decides(
    monitor: Monitor, tokens: Tokens
) -> None:
    case = grievance()
    await monitor.processed(extension(case.inquiry_id, 10, "enrollee", MONDAY_10 + timedelta(minutes=5)))
    await monitor.publish(case)
    started = {c.clock: c for c in await monitor.events("clock-started.v1", case.inquiry_id, 2)}
    extended_due = datetime(2027, 2, 25, 6, tzinfo=UTC)  # the end of day 100 (02-24)
    assert started["resolution"].due_at == extended_due
    assert "extension_notice" not in started  # the enrollee asked: no notice owed

    await monitor.publish(grievance(priority="escalated", inquiry_id=case.inquiry_id))
    again = by_clock(await monitor.events("clock-started.v1", case.inquiry_id, 4), "resolution")
    assert [c.due_at for c in again] == [extended_due, extended_due]
    async with monitor.api() as http:
        clocks = (await http.get(f"/v1/inquiries/{case.inquiry_id}/clocks",
                                 headers=await tokens.headers(person="maria"))).json()
    [shown] = [c for c in clocks if c["clock"] == "resolution"]
    assert (shown["extended_days"], shown["mco"], shown["due_local"]) == (10, None, "Thu 2027-02-25 00:00 CST")


async def test_a_met_or_breached_clock_is_not_extended(monitor: Monitor) -> None:
    resolved, late = grievance(), appeal("urgent")  # the expedited appeal: 72 hours
    await monitor.publish(resolved, late)
    await monitor.events("clock-started.v1", resolved.inquiry_id, 2)
    await monitor.events("clock-started.v1", late.inquiry_id, 2)
    await monitor.publish(resolution(resolved.inquiry_id, MONDAY_10 + timedelta(days=2)))
    await monitor.events("sla.met.v1", resolved.inquiry_id)
    monitor.clock.set(MONDAY_10 + timedelta(hours=73))
    assert "resolution" in {b.clock for b in await monitor.events("sla.breached.v1", late.inquiry_id, 2)}

    await monitor.processed(extension(resolved.inquiry_id, 14, "enrollee", MONDAY_10 + timedelta(days=3)),
                            extension(late.inquiry_id, 14, "enrollee", MONDAY_10 + timedelta(hours=73)))
    assert (await stored(monitor, resolved.inquiry_id))["resolution"].state == "met"
    late_clock = (await stored(monitor, late.inquiry_id))["resolution"]
    assert (late_clock.state, late_clock.due_at, late_clock.extended_days) == (
        "breached", MONDAY_10 + timedelta(hours=72), 0)
    for case in (resolved, late):
        assert len(await monitor.events("clock-started.v1", case.inquiry_id)) == 2  # nothing re-announced


@pytest.mark.parametrize("denial_first", [True, False], ids=["denial-first", "re-decision-first"])
async def test_an_expedited_appeal_denied_expedited_handling_moves_to_the_standard_clock(
    monitor: Monitor, denial_first: bool
) -> None:
    urgent = appeal("urgent")
    await monitor.publish(urgent)
    first = {c.clock: c for c in await monitor.events("clock-started.v1", urgent.inquiry_id, 2)}
    assert first["resolution"].due_at == MONDAY_10 + timedelta(hours=72)  # 438.408(b)(3)

    denied_at = MONDAY_10 + timedelta(hours=2)  # Monday 12:00 CST
    denial = ExpeditedDeniedV1(inquiry_id=urgent.inquiry_id, reason="not time-sensitive", actor=ACTOR, at=denied_at)
    standard = appeal("standard", inquiry_id=urgent.inquiry_id)
    await monitor.processed(*([denial] if denial_first else [standard]))
    await monitor.processed(*([standard] if denial_first else [denial]))

    started = {c.clock: c for c in (await monitor.events("clock-started.v1", urgent.inquiry_id, 6))[2:]}
    # 30 calendar days from the receipt of the appeal (438.408(b)(2)): the end of 12-16.
    assert (started["resolution"].started_at, started["resolution"].due_at) == (
        MONDAY_10, datetime(2026, 12, 17, 6, tzinfo=UTC))
    assert started["acknowledged"].due_at == datetime(2026, 11, 19, 16, tzinfo=UTC)  # 3 business days now
    assert (started["denial_oral_notice"].started_at, started["denial_oral_notice"].due_at) == (
        denied_at, denied_at + timedelta(hours=24))
    assert started["denial_written_notice"].due_at == datetime(2026, 11, 19, 6, tzinfo=UTC)  # the end of 11-18

    await monitor.publish(ContactAttemptedV1(inquiry_id=urgent.inquiry_id, channel="phone", outcome="not_reached",
                                             attempt_number=1, actor=ACTOR, at=denied_at + timedelta(minutes=10)),
                          notice(urgent.inquiry_id, "expedited_denial", denied_at + timedelta(hours=20)))
    assert {m.clock for m in await monitor.events("sla.met.v1", urgent.inquiry_id, 2)} == {
        "denial_oral_notice", "denial_written_notice"}
    clocks = await stored(monitor, urgent.inquiry_id)
    assert {name: c.state for name, c in clocks.items()} == {
        "acknowledged": "open", "resolution": "open", "denial_oral_notice": "met", "denial_written_notice": "met"}
    assert clocks["resolution"].due_at == started["resolution"].due_at  # one instance, recomputed in place


RECEIVED = datetime(2026, 11, 25, 22, 59, tzinfo=UTC)  # Wednesday 2026-11-25 16:59 CST, day 0
DAY_90_ENDS = datetime(2027, 2, 24, 6, tzinfo=UTC)  # the end of Tuesday 2027-02-23, day 90


async def test_a_grievance_resolved_on_day_89_is_met_and_one_resolved_on_day_91_breached(monitor: Monitor) -> None:
    on_time, late = grievance(received_at=RECEIVED), grievance(received_at=RECEIVED)
    await monitor.publish(on_time, late)
    for case in (on_time, late):
        [resolution_clock] = by_clock(await monitor.events("clock-started.v1", case.inquiry_id, 2), "resolution")
        assert resolution_clock.due_at == DAY_90_ENDS

    day_89 = datetime(2027, 2, 22, 18, tzinfo=UTC)  # Monday 12:00 CST
    monitor.clock.set(day_89)
    await monitor.events("sla.warning.v1", on_time.inquiry_id, 2)  # timers ran up to day 89
    await monitor.publish(resolution(on_time.inquiry_id, day_89))
    [met] = by_clock(await monitor.events("sla.met.v1", on_time.inquiry_id), "resolution")
    assert (met.met_at, met.due_at) == (day_89, DAY_90_ENDS)

    day_91 = datetime(2027, 2, 24, 18, tzinfo=UTC)  # Wednesday 12:00 CST
    monitor.clock.set(day_91)
    [breach] = by_clock(await monitor.events("sla.breached.v1", late.inquiry_id, 2), "resolution")
    assert breach.due_at == DAY_90_ENDS
    await monitor.processed(resolution(late.inquiry_id, day_91))
    assert (await stored(monitor, late.inquiry_id))["resolution"].state == "breached"  # the resolution was late
    assert (await stored(monitor, on_time.inquiry_id))["resolution"].state == "met"


async def test_an_answer_sent_as_a_letter_meets_a_callback_as_a_call_that_reached(monitor: Monitor) -> None:
    case = assigned(track="member_not_enrolled", priority="standard")
    await monitor.publish(case)
    await monitor.events("clock-started.v1", case.inquiry_id)
    await monitor.publish(notice(case.inquiry_id, "answer", MONDAY_10 + timedelta(hours=1)),
                          notice(case.inquiry_id, "resolution", MONDAY_10 + timedelta(hours=2)))
    [met] = await monitor.events("sla.met.v1", case.inquiry_id)
    assert (met.clock, met.met_at) == ("unit_lead_callback", MONDAY_10 + timedelta(hours=1))
