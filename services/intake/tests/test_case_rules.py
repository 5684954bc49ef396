"""The inquiry lifecycle rules (rules/case.py), without I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from liaison_intake.rules import case as rules
from liaison_intake.rules.case import Case, IllegalAction, Referral
from liaison_shared.lifecycle import Status
from liaison_shared.payloads import (
    Actor,
    InquiryAssignedV1,
    InquiryResolvedV1,
    LetterRequestedV1,
    McoReportedV1,
    Person,
    PriorityAssignedV1,
)
from liaison_shared.vocabulary import ContactChannel, ContactOutcome, McoReportKind, Party, Priority, ResolvedBy

ACTOR = Actor(subject="test-user", name="Test User")  # who acted, as a token would say
LEAD = Actor(subject="lead-1", name="Una Lead", roles=("unit-lead",))
ANN, BOB = Person(subject="ann-1", name="Ann Liaison"), Person(subject="bob-1", name="Bob Liaison")

AT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def case(**changes: object) -> Case:
    base = Case(id=uuid.uuid4(), party=Party.MEMBER, status=Status.TRIAGED, mco="IA-TC")
    return Case(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def fold(start: Case, *events: object) -> Case:
    for event in events:
        start = rules.evolve(start, event)  # type: ignore[arg-type]
    return start


def test_second_failed_call_requests_a_letter_and_the_third_does_not() -> None:
    current = case()
    letters = []
    for _ in range(3):
        events = rules.decide_contact_attempt(current, channel=ContactChannel.PHONE,
                                               outcome=ContactOutcome.NOT_REACHED, actor=ACTOR, at=AT)
        letters.append(any(isinstance(e, LetterRequestedV1) for e in events))
        current = fold(current, *events)
    assert letters == [False, True, False]
    assert (current.contact_attempts, current.failed_phone_attempts, current.status) == (3, 3, Status.IN_PROGRESS)


def test_reached_call_does_not_count_as_failed() -> None:
    events = rules.decide_contact_attempt(case(failed_phone_attempts=1), channel=ContactChannel.PHONE,
                                           outcome=ContactOutcome.REACHED, actor=ACTOR, at=AT)
    assert len(events) == 1


def test_referral_uses_the_inquiry_mco_when_none_is_named() -> None:
    start = case()
    [event] = rules.decide_referral(start, mco=None, actor=ACTOR, at=AT)
    after = fold(start, event)
    assert (after.status, after.referred_mcos) == (Status.REFERRED_TO_MCO, ("IA-TC",))


def test_mco_resolution_report_resolves_the_inquiry() -> None:
    referred = case(status=Status.MCO_ENGAGED, referrals=(Referral("IA-TC", AT),))
    events = rules.decide_mco_report(referred, mco="IA-TC", report=McoReportKind.RESOLVED, resolution_code=None,
                                      summary=None, actor=ACTOR, at=AT)
    assert [type(e) for e in events] == [McoReportedV1, InquiryResolvedV1]
    assert fold(referred, *events).status is Status.RESOLVED


@pytest.mark.parametrize("decide", [
    lambda c: rules.decide_contact_attempt(c, channel=ContactChannel.PHONE, outcome=ContactOutcome.REACHED,
                                            actor=ACTOR, at=AT),
    lambda c: rules.decide_referral(c, mco="IA-TC", actor=ACTOR, at=AT),
    lambda c: rules.decide_resolution(c, resolved_by=ResolvedBy.STATE, resolution_code="x", summary=None,
                                       actor=ACTOR, at=AT),
    lambda c: rules.decide_priority_override(c, priority=Priority.URGENT, reason="r", actor=ACTOR, at=AT),
    lambda c: rules.decide_update(c, note="n", actor=ACTOR, at=AT),
])
def test_nothing_but_reopen_acts_on_a_resolved_inquiry(decide) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IllegalAction) as refused:
        decide(case(status=Status.RESOLVED))
    assert refused.value.code == "inquiry-resolved"
    assert rules.decide_reopen(case(status=Status.RESOLVED), reason="r", actor=ACTOR, at=AT)


def test_provider_inquiry_cannot_be_reported_as_member_contacted() -> None:
    provider = case(party=Party.PROVIDER, status=Status.REFERRED_TO_MCO, referrals=(Referral("IA-TC", AT),))
    with pytest.raises(IllegalAction, match="provider_contacted"):
        rules.decide_mco_report(provider, mco="IA-TC", report=McoReportKind.MEMBER_CONTACTED, resolution_code=None,
                                 summary=None, actor=ACTOR, at=AT)


def test_triage_moves_only_a_received_inquiry_to_triaged() -> None:
    assigned = PriorityAssignedV1(inquiry_id=uuid.uuid4(), track="member_mco", priority="urgent",
                                  queue="member_liaison", subject="s", ruleset_version="1", received_at=AT,
                                  decided_at=AT)
    assert rules.evolve(case(status=Status.RECEIVED), assigned).status is Status.TRIAGED
    assert rules.evolve(case(status=Status.IN_PROGRESS), assigned).status is Status.IN_PROGRESS


def test_claiming_a_case_nobody_holds_makes_it_the_claimants() -> None:
    [event] = rules.decide_claim(case(), actor=ACTOR, at=AT)
    assert isinstance(event, InquiryAssignedV1)
    assert (event.assignee, event.previous, event.actor) == (Person(subject="test-user", name="Test User"), None,
                                                             ACTOR)
    after = fold(case(), event)
    assert after.assignee == Person(subject="test-user", name="Test User") and after.status is Status.TRIAGED


@pytest.mark.parametrize(("holder", "code"), [
    (Person(subject="test-user", name="Test User"), "already-yours"),
    (ANN, "assigned-to-someone-else"),
])
def test_a_held_case_cannot_be_claimed(holder: Person, code: str) -> None:
    with pytest.raises(IllegalAction) as refused:
        rules.decide_claim(case(assignee=holder), actor=ACTOR, at=AT)
    assert refused.value.code == code


def test_a_unit_lead_assigns_reassigns_and_releases_a_case() -> None:
    current = case()
    held_by = []
    for assignee in (ANN, BOB, None):
        [event] = rules.decide_assignment(current, assignee=assignee, actor=LEAD, at=AT)
        assert isinstance(event, InquiryAssignedV1)
        assert (event.previous, event.actor) == (current.assignee, LEAD)
        current = fold(current, event)
        held_by.append(current.assignee)
    assert held_by == [ANN, BOB, None]


def test_assigning_the_holder_again_or_releasing_nobodys_case_is_refused() -> None:
    renamed = Person(subject=ANN.subject, name="Ann L.")  # one person: the subject, whatever the name shown
    for start, assignee, code in ((case(assignee=ANN), renamed, "already-assigned"),
                                  (case(), None, "not-assigned")):
        with pytest.raises(IllegalAction) as refused:
            rules.decide_assignment(start, assignee=assignee, actor=LEAD, at=AT)
        assert refused.value.code == code


@pytest.mark.parametrize("decide", [
    lambda c: rules.decide_claim(c, actor=ACTOR, at=AT),
    lambda c: rules.decide_assignment(c, assignee=BOB, actor=LEAD, at=AT),
    lambda c: rules.decide_assignment(c, assignee=None, actor=LEAD, at=AT),
])
def test_a_resolved_case_is_neither_claimed_nor_assigned(decide) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IllegalAction) as refused:
        decide(case(status=Status.RESOLVED, assignee=ANN))
    assert refused.value.code == "inquiry-resolved"


def test_other_events_keep_the_assignee() -> None:
    held = case(assignee=ANN)
    [update] = rules.decide_update(held, note="n", actor=ACTOR, at=AT)
    [resolved] = rules.decide_resolution(held, resolved_by=ResolvedBy.STATE, resolution_code="x", summary=None,
                                         actor=ACTOR, at=AT)
    assert fold(held, update, resolved).assignee == ANN
