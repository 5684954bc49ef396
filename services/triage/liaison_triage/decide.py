"""Triage's decision for one inquiry: track, then priority, queue and subject.

Pure: the enrollment facts come from triage's own copy (fed by attribution's
events) and the rules from the configured ruleset.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from liaison_shared.payloads import InquiryReceivedV1, PriorityAssignedV1
from liaison_shared.vocabulary import Category, Party, Priority, Track
from liaison_triage.rules import Facts, Ruleset
from liaison_triage.subject import subject_line

ENROLLMENT_UNKNOWN = "enrollment-unknown"
OVERRIDE = "liaison-override"


@dataclass(frozen=True)
class Enrollment:
    """What triage's copy says of a member on the day the inquiry was received."""

    known: bool  # the copy has any record of this Medicaid ID
    mco: str | None = None  # the MCO covering that day, if any
    risk_flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TrackChoice:
    track: Track
    mco: str | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Override:
    priority: Priority
    reason: str


def choose_track(received: InquiryReceivedV1, enrollment: Enrollment | None, *, stop_waiting: bool
                 ) -> TrackChoice | None:
    """The inquiry's track, or None while a member's enrollment may still arrive."""
    if received.panel_removal is not None:
        return TrackChoice(Track.PCP_PANEL_REMOVAL, received.mco)
    if received.party is Party.PROVIDER:
        return TrackChoice(Track.PROVIDER, received.mco)
    if received.ime_callback_request:
        return TrackChoice(Track.IME_CALLBACK, received.mco)
    known = enrollment is not None and enrollment.known
    can_look_up = received.member is not None and received.member.medicaid_id is not None
    if not known and can_look_up and not stop_waiting:
        return None
    notes = () if known else (ENROLLMENT_UNKNOWN,)
    enrolled_with = enrollment.mco if enrollment is not None else None
    if received.category is Category.CARE_TRANSITION:
        return TrackChoice(Track.CARE_TRANSITION, enrolled_with or received.mco, notes)
    if received.category is Category.PCP_ASSIGNMENT:
        return TrackChoice(Track.PCP_ATTRIBUTION, enrolled_with or received.mco, notes)
    if enrolled_with is not None:
        return TrackChoice(Track.MEMBER_MCO, enrolled_with)
    if known:
        return TrackChoice(Track.MEMBER_NOT_ENROLLED, None)
    # Nothing says whether the member is enrolled: go by what the caller said.
    if received.mco is not None:
        return TrackChoice(Track.MEMBER_MCO, received.mco, notes)
    return TrackChoice(Track.MEMBER_NOT_ENROLLED, None, notes)


def identifier(received: InquiryReceivedV1) -> str | None:
    if received.member is not None:
        return str(received.member.medicaid_id) if received.member.medicaid_id else None
    if received.provider is not None:
        found = received.provider.npi or received.provider.provider_number
        return str(found) if found else None
    return None


def assign(received: InquiryReceivedV1, choice: TrackChoice, enrollment: Enrollment | None, ruleset: Ruleset,
           override: Override | None, *, now: datetime, referred_mco: str | None = None) -> PriorityAssignedV1:
    """Priority, queue and subject for an inquiry on its track; an override wins over the rules.
    The subject names the MCO the case was referred to, if any, else the one its track was chosen with."""
    risk = frozenset(received.risk_flags) | (enrollment.risk_flags if enrollment else frozenset())
    facts = Facts(party=received.party, track=choice.track, source=received.source, category=received.category,
                  description=received.description, requested_priority=received.requested_priority,
                  risk_flags=risk, ime_callback_request=received.ime_callback_request, mco=choice.mco)
    decision = ruleset.decide(facts)
    priority, queue, fired = decision.priority, decision.queue, choice.notes + decision.rules_fired
    if override is not None:
        priority, queue, fired = override.priority, ruleset.route(choice.track, override.priority), (OVERRIDE,)
    return PriorityAssignedV1(
        inquiry_id=received.inquiry_id, track=choice.track, priority=priority, queue=queue,
        subject=subject_line(priority, received.party, received.category, referred_mco or choice.mco,
                             identifier(received)),
        mco=choice.mco, rules_fired=fired, ruleset_version=ruleset.version,
        override_reason=override.reason if override else None, received_at=received.received_at, decided_at=now)
