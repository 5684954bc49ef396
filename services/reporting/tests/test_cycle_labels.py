"""Each clock cycle carries its case's MCO, referral and source, so that compliance groups cycles without a
join: the same figures whichever of the case's and the clock's events arrive first, after a rebuild too."""

from __future__ import annotations

import uuid

from liaison_shared.payloads import ClockStartedV1, McoContactedV1, PriorityAssignedV1, SlaBreachedV1, SlaMetV1

from .conftest import Reporting
from .test_reports import ACTOR, local, opened

NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}


def mco_clock(inquiry_id: uuid.UUID, day: int, *, met: bool = True) -> list[object]:
    """A cycle of the MCO's contact clock, due at 17:00 that day, met at 13:00 or breached."""
    due = local(day, 17)
    started = ClockStartedV1(inquiry_id=inquiry_id, clock="mco_contacts_member", track="member_mco",
                             priority="urgent", warn_at=local(day, 15), due_at=due, started_at=local(day, 10))
    ended = (SlaMetV1(inquiry_id=inquiry_id, clock="mco_contacts_member", due_at=due, met_at=local(day, 13),
                      took_business_seconds=3 * 3600) if met else
             SlaBreachedV1(inquiry_id=inquiry_id, clock="mco_contacts_member", track="member_mco",
                           priority="urgent", due_at=due, breached_at=due, late_by_seconds=0))
    return [started, ended]


def referral(inquiry_id: uuid.UUID, day: int, mco: str = "IA-TC") -> McoContactedV1:
    return McoContactedV1(inquiry_id=inquiry_id, mco=mco, actor=ACTOR, at=local(day, 10))


async def test_a_cycle_groups_under_its_cases_mco_and_source_whichever_event_arrives_first(
        reporting: Reporting) -> None:
    # Triage names IA-AG; the case is referred to IA-TC, which is then its MCO in the reports.
    case_first, case_first_opening = opened(local(16, 9), source="provider", mco="IA-AG")
    await reporting.publish(*case_first_opening, referral(case_first, 16))  # type: ignore[arg-type]
    await reporting.publish(*mco_clock(case_first, 16))  # type: ignore[arg-type]

    clock_first, clock_first_opening = opened(local(17, 9), source="provider", mco="IA-AG")
    await reporting.publish(*mco_clock(clock_first, 17, met=False))  # type: ignore[arg-type]
    await reporting.publish(referral(clock_first, 17))
    await reporting.publish(*clock_first_opening)  # type: ignore[arg-type]

    # A case whose MCO triage learns after its clock ran, and which is never referred.
    late_mco, late_opening = opened(local(18, 9), source="legislative_liaison", mco="IA-AG")
    received, _ = late_opening
    await reporting.publish(received)  # type: ignore[arg-type]
    await reporting.publish(*mco_clock(late_mco, 18))  # type: ignore[arg-type]
    await reporting.publish(PriorityAssignedV1(
        inquiry_id=late_mco, track="member_mco", priority="urgent", queue="member_liaison", subject="[URGENT] Member",
        mco="IA-TC", ruleset_version="t", received_at=local(18, 9), decided_at=local(18, 9)))

    # And a clock whose case has not arrived at all.
    orphan = uuid.uuid4()
    await reporting.publish(*mco_clock(orphan, 19))  # type: ignore[arg-type]

    expected = [{"mco": "IA-TC", "source": "legislative_liaison", "met": 1, "breached": 0, "compliance": 1.0},
                {"mco": "IA-TC", "source": "provider", "met": 1, "breached": 1, "compliance": 0.5},
                {"mco": "none", "source": None, "met": 1, "breached": 0, "compliance": 1.0}]
    status, rows = await reporting.get("/v1/reports/sla-compliance", group_by="mco,source", **NOVEMBER)
    assert status == 200 and rows == expected

    # IA-TC's reader sees the cycles of the cases referred to it, not the one it holds only through triage.
    _, mine = await reporting.get("/v1/reports/sla-compliance", person="tina", group_by="mco,source", **NOVEMBER)
    assert mine == [{"mco": "IA-TC", "source": "provider", "met": 1, "breached": 1, "compliance": 0.5}]
    _, scorecard = await reporting.get("/v1/reports/mco-scorecard", **NOVEMBER)
    assert [(r["mco"], r["referrals"], r["met"], r["breached"]) for r in scorecard] == [("IA-TC", 2, 1, 1)]

    events = await reporting.sql("SELECT count(*) FROM inbox")
    assert await reporting.rebuild() > 0
    assert await reporting.sql("SELECT count(*) FROM clock_cycles") == 0
    await reporting.restart()
    await reporting.consumed(events)  # replayed partition by partition: in another order again
    _, replayed = await reporting.get("/v1/reports/sla-compliance", group_by="mco,source", **NOVEMBER)
    assert replayed == expected
