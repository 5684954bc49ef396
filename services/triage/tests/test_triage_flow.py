"""Triage over time: waiting for enrollment, overrides, reopening, and a
ruleset that refuses to load."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from liaison_shared.db import UnitOfWork, session_factory
from liaison_shared.payloads import (
    Actor,
    InquiryReopenedV1,
    McoContactedV1,
    MemberDisenrolledV1,
    MemberIdentity,
    PriorityAssignedV1,
    PriorityOverrideRequestedV1,
)
from liaison_shared.testing.waiting import wait_until
from liaison_triage import store

from .conftest import TriageHarness, enrolled, received

ACTOR = Actor(subject="test-user", name="Test User")  # who acted, as a token would say

AT = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)


async def test_inquiry_waits_for_its_member_enrollment_then_is_decided(triage: TriageHarness) -> None:
    inquiry = received(member=MemberIdentity(name="Jane Testmember", medicaid_id="2222222D"))
    await triage.publish(inquiry)
    await triage.publish(enrolled("2222222D", "IA-AG"))
    [decision] = await triage.decided(inquiry.inquiry_id)
    assert (decision.track, decision.mco) == ("member_mco", "IA-AG")
    assert "enrollment-unknown" not in decision.rules_fired


async def test_inquiry_whose_enrollment_never_comes_is_decided_as_enrollment_unknown(
    triage: TriageHarness
) -> None:
    inquiry = received(member=MemberIdentity(name="Jane Testmember", medicaid_id="3333333E"), mco="IA-TC")
    await triage.publish(inquiry)
    [decision] = await triage.decided(inquiry.inquiry_id, timeout=30)  # the test's wait is 8 s
    assert (decision.track, decision.mco) == ("member_mco", "IA-TC")
    assert decision.rules_fired[0] == "enrollment-unknown"


async def test_override_wins_over_the_rules_and_survives_reopening(triage: TriageHarness) -> None:
    inquiry = received(source="managed_care_ombudsman")
    await triage.publish(inquiry)
    [first] = await triage.decided(inquiry.inquiry_id)
    assert first.priority == "escalated"
    await triage.publish(PriorityOverrideRequestedV1(inquiry_id=inquiry.inquiry_id, priority="urgent",
                                                     reason="Appointment moved to today", actor=ACTOR, at=AT))
    [second] = await triage.decided(inquiry.inquiry_id, count=2)
    assert (second.priority, second.queue) == ("urgent", "unit_lead")
    assert second.override_reason == "Appointment moved to today"
    assert second.rules_fired == ("liaison-override",)
    await triage.publish(InquiryReopenedV1(inquiry_id=inquiry.inquiry_id, reason="called again", actor=ACTOR, at=AT))
    [third] = await triage.decided(inquiry.inquiry_id, count=3)
    assert third.priority == "urgent"


async def test_a_case_referred_to_another_mco_is_renamed_after_it_and_keeps_the_name(triage: TriageHarness) -> None:
    inquiry = received(mco="IA-TC")
    await triage.publish(inquiry)
    [first] = await triage.decided(inquiry.inquiry_id)
    assert "MCO IA-TC" in first.subject
    await triage.publish(McoContactedV1(inquiry_id=inquiry.inquiry_id, mco="IA-AG", actor=ACTOR, at=AT))
    renamed = await triage.renamed(inquiry.inquiry_id)
    assert renamed.subject == first.subject.replace("MCO IA-TC", "MCO IA-AG") and renamed.mco == "IA-AG"
    await triage.publish(InquiryReopenedV1(inquiry_id=inquiry.inquiry_id, reason="called again", actor=ACTOR, at=AT))
    [again] = await triage.decided(inquiry.inquiry_id, count=2)
    assert "MCO IA-AG" in again.subject  # a re-decision names the MCO it was referred to


async def test_a_case_referred_before_triage_decides_it_is_named_after_that_mco(triage: TriageHarness) -> None:
    inquiry = received(mco="IA-TC", member=MemberIdentity(name="Jane Testmember", medicaid_id="4444444F"))
    await triage.publish(inquiry)  # waits for its member's enrollment
    await triage.publish(McoContactedV1(inquiry_id=inquiry.inquiry_id, mco="IA-AG", actor=ACTOR, at=AT))

    async def referral_kept() -> bool:
        async with triage.runtime.sessions() as session:
            return await store.referred_mco(session, inquiry.inquiry_id) == "IA-AG"

    await wait_until(referral_kept, what="the referral kept before any decision")
    await triage.publish(enrolled("4444444F", "IA-TC"))
    [decision] = await triage.decided(inquiry.inquiry_id)
    assert (decision.mco, "MCO IA-AG" in decision.subject) == ("IA-TC", True), decision.subject


async def test_override_that_arrives_before_its_inquiry_is_applied_when_it_is_decided(
    triage: TriageHarness
) -> None:
    inquiry = received()
    await triage.publish(PriorityOverrideRequestedV1(inquiry_id=inquiry.inquiry_id, priority="escalated",
                                                     reason="Known case", actor=ACTOR, at=AT))
    await triage.publish(inquiry)

    # The two topics are not ordered: triage sees the override first (one decision, with it) or
    # the inquiry first (a rules decision, then the override's). Either way the override ends up in force.
    async def overridden() -> PriorityAssignedV1 | None:
        await triage.collect()
        events = triage.decisions.get(inquiry.inquiry_id, [])
        latest = events[-1].payload if events else None
        return latest if isinstance(latest, PriorityAssignedV1) and latest.override_reason else None

    decision = await wait_until(overridden, what="the override in force")
    assert (decision.priority, decision.override_reason) == ("escalated", "Known case")
    assert len(triage.decisions[inquiry.inquiry_id]) <= 2


def test_service_refuses_to_start_with_a_broken_ruleset(tmp_path: Path) -> None:
    broken = tmp_path / "ruleset.yaml"
    broken.write_text("version: '1'\ndefault_priority: standard\nrules:\n  - id: bad\n    description: x\n"
                      "    when: {source_in: [nobody]}\n    then: {at_least: urgent}\nrouting: []\n")
    result = subprocess.run([str(Path(sys.executable).parent / "liaison-triage")], capture_output=True, text=True,
                            env={**os.environ, "LIAISON_TRIAGE_RULESET_PATH": str(broken),
                                 "LIAISON_TRIAGE_HTTP_PORT": "0"}, timeout=60)
    assert result.returncode != 0
    assert "ruleset.yaml: rules[0].when.source_in[0]" in result.stderr
    assert "ruleset.yaml: routing:" in result.stderr
    assert "Traceback" not in result.stderr


async def test_a_run_of_enrollments_is_kept_in_one_go_the_last_of_a_span_winning(triage: TriageHarness) -> None:
    first = enrolled("5555555G", risk_flags=["pregnant"])
    again = enrolled("5555555G", member_id=first.member_id, risk_flags=["ltss"])  # the same span, corrected
    other = enrolled("6666666H", mco="IA-AG")
    async with UnitOfWork(session_factory(triage.runtime.engine)) as uow:
        await store.record_disenrollment(uow.session, MemberDisenrolledV1(  # before its enrollment arrives
            member_id=first.member_id, medicaid_id=first.medicaid_id, mco="IA-TC", effective_to=date(2026, 6, 30)))
        await store.record_enrollments(uow.session, [first, again, other])
        await uow.commit()
    async with UnitOfWork(session_factory(triage.runtime.engine)) as uow:
        kept = await store.enrollments_of(uow.session, ["5555555G", "6666666H"])
    assert [(r.mco, r.effective_to, list(r.risk_flags)) for r in kept["5555555G"]] == [
        ("IA-TC", date(2026, 6, 30), ["ltss"])]
    assert [(r.mco, r.effective_to) for r in kept["6666666H"]] == [("IA-AG", None)]
