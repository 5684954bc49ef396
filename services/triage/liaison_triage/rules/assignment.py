"""Triage's decision for an inquiry on its track: priority, queue and subject,
by the ruleset unless a liaison's override is in force."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from liaison_shared.payloads import InquiryReceivedV1, PriorityAssignedV1
from liaison_shared.vocabulary import Priority, Track
from liaison_triage.rules.priority import Facts, Ruleset
from liaison_triage.rules.subject import inquiry_subject
from liaison_triage.rules.tracks import Enrollment, TrackChoice

OVERRIDE = "liaison-override"
EXPEDITED_APPEAL = "expedited-appeal-requested"
STANDARD_APPEAL = "appeal-standard-timeframe"


@dataclass(frozen=True)
class Override:
    """A liaison's priority for an inquiry, and why."""

    priority: Priority
    reason: str


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
    if choice.track is Track.APPEAL:
        priority, note = appeal_timeframe(received, priority)
        queue, fired = ruleset.route(choice.track, priority), (*fired, note)
    if override is not None:
        priority, queue, fired = override.priority, ruleset.route(choice.track, override.priority), (OVERRIDE,)
    return PriorityAssignedV1(
        inquiry_id=received.inquiry_id, track=choice.track, priority=priority, queue=queue,
        subject=inquiry_subject(received, priority, referred_mco or choice.mco),
        mco=choice.mco, rules_fired=fired, ruleset_version=ruleset.version,
        override_reason=override.reason if override else None, received_at=received.received_at, decided_at=now)


def appeal_timeframe(received: InquiryReceivedV1, priority: Priority) -> tuple[Priority, str]:
    """An appeal is expedited (urgent, 72 hours) exactly when expedited resolution was requested
    (42 CFR 438.410(a)); the rules may escalate a standard one, never make it expedited."""
    if received.appeal is not None and received.appeal.expedited_requested:
        return Priority.URGENT, EXPEDITED_APPEAL
    return min(priority, Priority.ESCALATED, key=lambda p: p.rank), STANDARD_APPEAL
