"""The inquiry's lifecycle: which case actions are legal, and what they cause.

Pure rules, no I/O, no clock (the time of an action is given). `decide_*`
functions look at a `Case` and a command and return the events the command
causes (or raise `IllegalAction`); `evolve` folds an event into the case.
Intake stores the folded case and the events.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from liaison_shared.lifecycle import Status, status_after
from liaison_shared.payloads import (
    Actor,
    ContactAttemptedV1,
    InquiryAssignedV1,
    InquiryReceivedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    InquiryUpdatedV1,
    LetterRequestedV1,
    McoContactedV1,
    McoReportedV1,
    Payload,
    Person,
    PriorityOverrideRequestedV1,
)
from liaison_shared.vocabulary import (
    ContactChannel,
    ContactOutcome,
    McoReportKind,
    Party,
    Priority,
    ResolvedBy,
)

FAILED_CALLS_BEFORE_LETTER = 2


class IllegalAction(Exception):
    """The action is not allowed in the inquiry's current state."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class Case:
    """What the rules need to know about one inquiry."""

    id: UUID
    party: Party
    status: Status
    mco: str | None = None
    referred_mco: str | None = None
    contact_attempts: int = 0
    failed_phone_attempts: int = 0
    assignee: Person | None = None  # whose case it is; None: its queue's, nobody's yet


def _ensure_open(case: Case) -> None:
    if case.status is Status.RESOLVED:
        raise IllegalAction("inquiry-resolved", "The inquiry is resolved; reopen it first.")


def decide_contact_attempt(
    case: Case, *, channel: ContactChannel, outcome: ContactOutcome, actor: Actor, at: datetime
) -> list[Payload]:
    _ensure_open(case)
    events: list[Payload] = [ContactAttemptedV1(inquiry_id=case.id, channel=channel, outcome=outcome,
                                                attempt_number=case.contact_attempts + 1, actor=actor, at=at)]
    failed_call = channel is ContactChannel.PHONE and outcome is ContactOutcome.NOT_REACHED
    if failed_call and case.failed_phone_attempts + 1 == FAILED_CALLS_BEFORE_LETTER:
        events.append(LetterRequestedV1(inquiry_id=case.id, party=case.party,
                                        failed_attempts=FAILED_CALLS_BEFORE_LETTER, at=at))
    return events


def decide_referral(case: Case, *, mco: str | None, actor: Actor, at: datetime) -> list[Payload]:
    _ensure_open(case)
    target = mco or case.mco
    if target is None:
        raise IllegalAction("mco-unknown", "The inquiry has no MCO; name the MCO to refer it to.")
    if case.referred_mco == target and case.status in (Status.REFERRED_TO_MCO, Status.MCO_ENGAGED):
        raise IllegalAction("already-referred", "The inquiry is already referred to this MCO.")
    return [McoContactedV1(inquiry_id=case.id, mco=target, actor=actor, at=at)]


def decide_mco_report(
    case: Case, *, mco: str, report: McoReportKind, resolution_code: str | None, summary: str | None,
    actor: Actor, at: datetime,
) -> list[Payload]:
    _ensure_open(case)
    if case.referred_mco != mco or case.status not in (Status.REFERRED_TO_MCO, Status.MCO_ENGAGED):
        raise IllegalAction("not-referred", "The inquiry is not referred to this MCO.")
    expected = McoReportKind.MEMBER_CONTACTED if case.party is Party.MEMBER else McoReportKind.PROVIDER_CONTACTED
    if report in (McoReportKind.MEMBER_CONTACTED, McoReportKind.PROVIDER_CONTACTED) and report is not expected:
        raise IllegalAction("wrong-party", f"A {case.party} inquiry is reported as {expected}.")
    events: list[Payload] = [McoReportedV1(inquiry_id=case.id, mco=mco, report=report, actor=actor, at=at)]
    if report is McoReportKind.RESOLVED:
        events.append(InquiryResolvedV1(inquiry_id=case.id, resolved_by=ResolvedBy.MCO,
                                        resolution_code=resolution_code or "resolved_by_mco", summary=summary,
                                        actor=actor, at=at))
    return events


def decide_resolution(
    case: Case, *, resolved_by: ResolvedBy, resolution_code: str, summary: str | None, actor: Actor, at: datetime
) -> list[Payload]:
    _ensure_open(case)
    if resolved_by is ResolvedBy.MCO and case.referred_mco is None:
        raise IllegalAction("not-referred", "Only an inquiry referred to an MCO can be resolved by the MCO.")
    return [InquiryResolvedV1(inquiry_id=case.id, resolved_by=resolved_by, resolution_code=resolution_code,
                              summary=summary, actor=actor, at=at)]


def decide_reopen(case: Case, *, reason: str, actor: Actor, at: datetime) -> list[Payload]:
    if case.status is not Status.RESOLVED:
        raise IllegalAction("not-resolved", "Only a resolved inquiry can be reopened.")
    return [InquiryReopenedV1(inquiry_id=case.id, reason=reason, actor=actor, at=at)]


def decide_priority_override(
    case: Case, *, priority: Priority, reason: str, actor: Actor, at: datetime
) -> list[Payload]:
    _ensure_open(case)
    return [PriorityOverrideRequestedV1(inquiry_id=case.id, priority=priority, reason=reason, actor=actor, at=at)]


def decide_update(case: Case, *, note: str, actor: Actor, at: datetime) -> list[Payload]:
    _ensure_open(case)
    return [InquiryUpdatedV1(inquiry_id=case.id, note=note, actor=actor, at=at)]


def decide_claim(case: Case, *, actor: Actor, at: datetime) -> list[Payload]:
    """The actor takes a case nobody holds. Taking one from someone else is a unit lead's
    reassignment, never a claim, so two people cannot end up working one case unknowingly."""
    _ensure_open(case)
    if case.assignee is not None:
        if case.assignee.subject == actor.subject:
            raise IllegalAction("already-yours", "The case is already yours.")
        raise IllegalAction("assigned-to-someone-else",
                            "The case belongs to someone else; a unit lead can reassign it.")
    claimant = Person(subject=actor.subject, name=actor.name)
    return [InquiryAssignedV1(inquiry_id=case.id, assignee=claimant, previous=None, actor=actor, at=at)]


def decide_assignment(case: Case, *, assignee: Person | None, actor: Actor, at: datetime) -> list[Payload]:
    """A unit lead gives the case to `assignee`, takes it from its holder for another, or
    (`assignee` None) releases it to its queue. A person is known by their subject."""
    _ensure_open(case)
    if assignee is None and case.assignee is None:
        raise IllegalAction("not-assigned", "The case belongs to nobody; there is nothing to release.")
    if assignee is not None and case.assignee is not None and assignee.subject == case.assignee.subject:
        raise IllegalAction("already-assigned", "The case already belongs to this person.")
    return [InquiryAssignedV1(inquiry_id=case.id, assignee=assignee, previous=case.assignee, actor=actor, at=at)]


def evolve(case: Case, event: Payload) -> Case:
    """The case after `event`: its status (`liaison_shared.lifecycle`), referral, contact counts
    and assignee."""
    case = replace(case, status=status_after(case.status, event))
    match event:
        case ContactAttemptedV1(channel=channel, outcome=outcome):
            failed = channel is ContactChannel.PHONE and outcome is ContactOutcome.NOT_REACHED
            return replace(case, contact_attempts=case.contact_attempts + 1,
                           failed_phone_attempts=case.failed_phone_attempts + failed)
        case McoContactedV1(mco=mco):
            return replace(case, referred_mco=mco)
        case InquiryAssignedV1(assignee=assignee):
            return replace(case, assignee=assignee)
    return case


def new_case(received: InquiryReceivedV1) -> Case:
    return Case(id=received.inquiry_id, party=received.party, status=Status.RECEIVED, mco=received.mco)
