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
    DeadlineExtendedV1,
    ExpeditedDeniedV1,
    InquiryAssignedV1,
    InquiryReceivedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    InquiryUpdatedV1,
    LetterRequestedV1,
    McoContactedV1,
    McoReportedV1,
    NoticeIssuedV1,
    Payload,
    Person,
    PriorityAssignedV1,
    PriorityOverrideRequestedV1,
    ReviewRecordedV1,
)
from liaison_shared.vocabulary import (
    AppealResolution,
    CaseKind,
    ContactChannel,
    ContactOutcome,
    ExtensionRequester,
    McoReportKind,
    NoticeKind,
    Party,
    Priority,
    ResolvedBy,
    ReviewLevel,
    Track,
)

FAILED_CALLS_BEFORE_LETTER = 2


RESOLUTION_CLOCK = "resolution"
GRIEVANCE_TRACKS = (Track.GRIEVANCE, Track.APPEAL)
# Notices a liaison writes on their own; the resolution notice is the resolution's text.
NOTICES_OF_GRIEVANCES = (NoticeKind.ACKNOWLEDGMENT, NoticeKind.EXTENSION, NoticeKind.EXPEDITED_DENIAL)


class IllegalAction(Exception):
    """The action is not allowed in the inquiry's current state. With a `field`, the request
    itself lacks what this case needs (a 422 naming the field), not the case's state (a 409)."""

    def __init__(self, code: str, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.code, self.detail, self.field = code, detail, field


@dataclass(frozen=True)
class Referral:
    """One MCO the case was referred to, when, and when that MCO reported its part resolved."""

    mco: str
    referred_at: datetime
    resolved_at: datetime | None = None

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None


@dataclass(frozen=True)
class Case:
    """What the rules need to know about one inquiry."""

    id: UUID
    party: Party
    status: Status
    mco: str | None = None
    referrals: tuple[Referral, ...] = ()  # in the order they were made
    contact_attempts: int = 0
    failed_phone_attempts: int = 0
    assignee: Person | None = None  # whose case it is; None: its queue's, nobody's yet
    kind: CaseKind = CaseKind.INQUIRY
    track: Track | None = None
    priority: Priority | None = None
    expedited_requested: bool = False
    expedited_denied: bool = False
    extension: ExtensionRequester | None = None  # who asked for the one extension; None: never extended
    resolution_due: datetime | None = None  # the resolution clock's deadline, as the SLA monitor last said

    @property
    def referred_mcos(self) -> tuple[str, ...]:
        return tuple(r.mco for r in self.referrals)

    @property
    def grievance_or_appeal(self) -> bool:
        return self.track in GRIEVANCE_TRACKS or self.kind in (CaseKind.GRIEVANCE, CaseKind.APPEAL)

    @property
    def appeal(self) -> bool:
        return self.track is Track.APPEAL or self.kind is CaseKind.APPEAL


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
    if target in case.referred_mcos:
        raise IllegalAction("already-referred", "The inquiry is already referred to this MCO.")
    return [McoContactedV1(inquiry_id=case.id, mco=target, actor=actor, at=at)]


def decide_mco_report(
    case: Case, *, mco: str, report: McoReportKind, resolution_code: str | None, summary: str | None,
    actor: Actor, at: datetime,
) -> list[Payload]:
    _ensure_open(case)
    referral = next((r for r in case.referrals if r.mco == mco), None)
    if referral is None or case.status not in (Status.REFERRED_TO_MCO, Status.MCO_ENGAGED):
        raise IllegalAction("not-referred", "The inquiry is not referred to this MCO.")
    if referral.resolved:
        raise IllegalAction("part-resolved", "This MCO reported its part of the inquiry resolved already.")
    expected = McoReportKind.MEMBER_CONTACTED if case.party is Party.MEMBER else McoReportKind.PROVIDER_CONTACTED
    if report in (McoReportKind.MEMBER_CONTACTED, McoReportKind.PROVIDER_CONTACTED) and report is not expected:
        raise IllegalAction("wrong-party", f"A {case.party} inquiry is reported as {expected}.")
    events: list[Payload] = [McoReportedV1(inquiry_id=case.id, mco=mco, report=report, actor=actor, at=at)]
    # Referred to several MCOs, the case is resolved when the last of them reports its part resolved.
    others_open = any(not r.resolved for r in case.referrals if r.mco != mco)
    if report is McoReportKind.RESOLVED and not others_open and not case.grievance_or_appeal:
        events.append(InquiryResolvedV1(inquiry_id=case.id, resolved_by=ResolvedBy.MCO,
                                        resolution_code=resolution_code or "resolved_by_mco", summary=summary,
                                        actor=actor, at=at))
    return events


def decide_resolution(
    case: Case, *, resolved_by: ResolvedBy, resolution_code: str, summary: str | None, actor: Actor, at: datetime
) -> list[Payload]:
    _ensure_open(case)
    if resolved_by is ResolvedBy.MCO and not case.referrals:
        raise IllegalAction("not-referred", "Only an inquiry referred to an MCO can be resolved by the MCO.")
    resolved = InquiryResolvedV1(inquiry_id=case.id, resolved_by=resolved_by, resolution_code=resolution_code,
                                 summary=summary, actor=actor, at=at)
    if not case.grievance_or_appeal:
        return [resolved]
    # 438.408(d): the enrollee is notified of the resolution in writing, with the resolution's own words.
    if summary is None:
        raise IllegalAction("summary-required", "A grievance or an appeal is resolved with the text of its "
                            "resolution notice.", field="summary")
    if case.appeal and resolution_code not in frozenset(AppealResolution):
        raise IllegalAction("appeal-resolution", "An appeal is resolved as one of: "
                            f"{', '.join(AppealResolution)}.", field="resolution_code")
    return [resolved,
            ReviewRecordedV1(inquiry_id=case.id, level=ReviewLevel.PLAN, summary=summary,
                             resolution=resolution_code, actor=actor, at=at),
            NoticeIssuedV1(inquiry_id=case.id, notice=NoticeKind.RESOLUTION, text=summary, actor=actor, at=at)]


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


def _ensure_grievance_or_appeal(case: Case, what: str) -> None:
    _ensure_open(case)
    if not case.grievance_or_appeal:
        raise IllegalAction("not-grievance-or-appeal", f"Only a grievance or an appeal {what}.")


def decide_expedited_denial(case: Case, *, reason: str, actor: Actor, at: datetime) -> list[Payload]:
    """The plan denies an appeal's request for expedited resolution (438.410(c)): it moves to the standard
    timeframe (a priority override that triage turns into the standard appeal's clocks)."""
    _ensure_open(case)
    if not case.appeal:
        raise IllegalAction("not-appeal", "Only an appeal has expedited resolution to deny.")
    if case.expedited_denied:
        raise IllegalAction("already-denied", "Expedited resolution of this appeal was denied already.")
    if not case.expedited_requested or case.priority is not Priority.URGENT:
        raise IllegalAction("not-expedited", "The appeal is not on the expedited timeframe.")
    # The decision to deny expedited handling comes within its 72 hours, not after it breached.
    if case.resolution_due is not None and at >= case.resolution_due:
        raise IllegalAction("deadline-passed", "The expedited timeframe has passed; it can no longer be denied.")
    return [ExpeditedDeniedV1(inquiry_id=case.id, reason=reason, actor=actor, at=at),
            PriorityOverrideRequestedV1(inquiry_id=case.id, priority=Priority.STANDARD,
                                        reason=f"Expedited resolution denied: {reason}"[:200], actor=actor, at=at)]


def decide_extension(case: Case, *, days: int, requested_by: ExtensionRequester, reason: str,
                     actor: Actor, at: datetime) -> list[Payload]:
    """The resolution deadline moves by `days` (at most 14) calendar days, once (438.408(c)); the
    deadline must not have passed."""
    _ensure_grievance_or_appeal(case, "has its resolution deadline extended")
    if case.extension is not None:
        raise IllegalAction("already-extended", "The resolution deadline was extended already; it moves once.")
    if case.resolution_due is not None and at >= case.resolution_due:
        raise IllegalAction("deadline-passed", "The resolution deadline has passed; it can no longer be extended.")
    return [DeadlineExtendedV1(inquiry_id=case.id, clock=RESOLUTION_CLOCK, days=days, requested_by=requested_by,
                               reason=reason, actor=actor, at=at)]


def decide_notice(case: Case, *, notice: NoticeKind, text: str, actor: Actor, at: datetime) -> list[Payload]:
    """A notice the liaison writes: an answer to any originator, or a grievance's or an appeal's
    acknowledgment, extension notice (after a plan-initiated extension) or expedited denial notice."""
    _ensure_open(case)
    if notice is NoticeKind.RESOLUTION:
        raise IllegalAction("resolution-notice", "The resolution notice is written with the resolution.",
                            field="notice")
    if notice in NOTICES_OF_GRIEVANCES and not case.grievance_or_appeal:
        raise IllegalAction("not-grievance-or-appeal", f"Only a grievance or an appeal gets a notice of {notice}.")
    if notice is NoticeKind.EXTENSION and case.extension is not ExtensionRequester.PLAN:
        raise IllegalAction("not-extended", "The plan has not extended this case's deadline.")
    if notice is NoticeKind.EXPEDITED_DENIAL and not case.expedited_denied:
        raise IllegalAction("not-denied", "Expedited resolution of this case was not denied.")
    return [NoticeIssuedV1(inquiry_id=case.id, notice=notice, text=text, actor=actor, at=at)]


def decide_review(case: Case, *, level: ReviewLevel, summary: str, resolution: str | None, actor: Actor,
                  at: datetime) -> list[Payload]:
    """A review of a grievance or an appeal at a level, with its decision if it made one (438.416(b)).
    Reviews beyond the plan (an external review, a State fair hearing) come after its resolution."""
    if not case.grievance_or_appeal:
        raise IllegalAction("not-grievance-or-appeal", "Only a grievance or an appeal is reviewed.")
    if level is ReviewLevel.PLAN:
        _ensure_open(case)
    return [ReviewRecordedV1(inquiry_id=case.id, level=level, summary=summary, resolution=resolution,
                             actor=actor, at=at)]


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
        case McoContactedV1(mco=mco, at=at):
            return replace(case, referrals=(*case.referrals, Referral(mco, at)))
        case McoReportedV1(mco=mco, report=McoReportKind.RESOLVED, at=at):
            return replace(case, referrals=tuple(replace(r, resolved_at=at) if r.mco == mco else r
                                                 for r in case.referrals))
        case InquiryReopenedV1():
            return replace(case, referrals=tuple(replace(r, resolved_at=None) for r in case.referrals))
        case InquiryAssignedV1(assignee=assignee):
            return replace(case, assignee=assignee)
        case PriorityAssignedV1(track=track, priority=priority):
            return replace(case, track=track, priority=priority)
        case ExpeditedDeniedV1():
            return replace(case, expedited_denied=True)
        case DeadlineExtendedV1(requested_by=requested_by):
            return replace(case, extension=requested_by)
    return case


def new_case(received: InquiryReceivedV1) -> Case:
    expedited = received.appeal is not None and received.appeal.expedited_requested
    return Case(id=received.inquiry_id, party=received.party, status=Status.RECEIVED, mco=received.mco,
                kind=received.kind, expedited_requested=expedited)
