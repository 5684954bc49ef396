"""Grievances, appeals and FWA referrals in triage: their own tracks and queues, an appeal's timeframe
(expedited exactly when requested) and subject lines that say what the case is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from liaison_shared.payloads import AppealDetails, InquiryReceivedV1, MemberIdentity
from liaison_shared.vocabulary import CaseKind, Priority, Queue, Track
from liaison_triage.contract import DEFAULT_RULESET, load_ruleset
from liaison_triage.rules.assignment import EXPEDITED_APPEAL, OVERRIDE, STANDARD_APPEAL, Override, assign
from liaison_triage.rules.priority import Ruleset
from liaison_triage.rules.tracks import Enrollment, choose_track

from .conftest import received

RULESET = Ruleset(load_ruleset(DEFAULT_RULESET))
NOW = datetime(2026, 11, 20, 15, 5, tzinfo=UTC)
MEMBER = {"member": MemberIdentity(name="Jane Testmember", medicaid_id="7654321B"), "mco": "IA-TC"}
ENROLLED = Enrollment(known=True, mco="IA-TC")


def appeal(expedited: bool, **changes: object) -> InquiryReceivedV1:
    return received(**{**MEMBER, "kind": CaseKind.APPEAL, "category": "prior_authorization",
                       "appeal": AppealDetails(determination="Denied.", expedited_requested=expedited), **changes})


@pytest.mark.parametrize(("kind", "track", "queue"), [
    (CaseKind.GRIEVANCE, Track.GRIEVANCE, Queue.GRIEVANCES_APPEALS),
    (CaseKind.FWA_REFERRAL, Track.PROGRAM_INTEGRITY, Queue.PROGRAM_INTEGRITY),
])
def test_a_grievance_and_an_fwa_referral_are_on_their_own_track_and_queue(kind: CaseKind, track: Track,
                                                                          queue: Queue) -> None:
    inquiry = received(**MEMBER, kind=kind, category="quality_of_care")
    choice = choose_track(inquiry, None, stop_waiting=False)  # no wait for enrollment: the case says its MCO
    assert choice is not None and (choice.track, choice.mco) == (track, "IA-TC")
    assigned = assign(inquiry, choice, ENROLLED, RULESET, None, now=NOW)
    assert assigned.queue is queue


def test_an_appeal_is_expedited_exactly_when_expedited_resolution_was_requested() -> None:
    for expedited, priority, note in ((True, Priority.URGENT, EXPEDITED_APPEAL),
                                      (False, Priority.STANDARD, STANDARD_APPEAL)):
        inquiry = appeal(expedited)
        choice = choose_track(inquiry, None, stop_waiting=False)
        assert choice is not None and choice.track is Track.APPEAL
        assigned = assign(inquiry, choice, ENROLLED, RULESET, None, now=NOW)
        assert (assigned.priority, assigned.queue, assigned.rules_fired[-1]) == (
            priority, Queue.GRIEVANCES_APPEALS, note)


def test_the_rules_escalate_a_standard_appeal_but_never_make_it_expedited() -> None:
    urgent_words = appeal(False, description="Member ran out of insulin yesterday.", category="pharmacy",
                          source="managed_care_ombudsman")
    choice = choose_track(urgent_words, None, stop_waiting=False)
    assert choice is not None
    assigned = assign(urgent_words, choice, ENROLLED, RULESET, None, now=NOW)
    assert assigned.priority is Priority.ESCALATED  # the same 30-day clock as standard


def test_a_denied_expedited_request_is_an_override_to_standard() -> None:
    inquiry = appeal(True)
    choice = choose_track(inquiry, None, stop_waiting=False)
    assert choice is not None
    denied = assign(inquiry, choice, ENROLLED, RULESET,
                    Override(Priority.STANDARD, "Expedited resolution denied: criteria not met"), now=NOW)
    assert (denied.priority, denied.rules_fired) == (Priority.STANDARD, (OVERRIDE,))


def test_subject_lines_say_grievance_appeal_or_fwa_referral() -> None:
    grievance = received(**MEMBER, kind=CaseKind.GRIEVANCE, category="quality_of_care")
    choice = choose_track(grievance, None, stop_waiting=False)
    assert choice is not None
    assert assign(grievance, choice, ENROLLED, RULESET, None, now=NOW).subject == \
        "[STANDARD] Grievance · Quality of care · MCO IA-TC · ID ***321B"
    inquiry = appeal(True)
    choice = choose_track(inquiry, None, stop_waiting=False)
    assert choice is not None
    assert assign(inquiry, choice, ENROLLED, RULESET, None, now=NOW).subject.startswith(
        "[URGENT] Appeal · Prior authorization")
