"""Triage's decision on a track: the ruleset's priority, queue and fired rules, a liaison's override
winning over them, and a subject naming the MCO the case was referred to."""

from __future__ import annotations

from datetime import UTC, datetime

from liaison_shared.payloads import MemberIdentity
from liaison_shared.vocabulary import Priority, Queue, Track
from liaison_triage.contract import DEFAULT_RULESET, load_ruleset
from liaison_triage.rules.assignment import OVERRIDE, Override, assign
from liaison_triage.rules.priority import Ruleset
from liaison_triage.rules.tracks import ENROLLMENT_UNKNOWN, Enrollment, TrackChoice

from .conftest import RECEIVED_AT, received

RULESET = Ruleset(load_ruleset(DEFAULT_RULESET))
NOW = datetime(2026, 11, 20, 15, 5, tzinfo=UTC)
MEMBER = {"member": MemberIdentity(name="Jane Testmember", medicaid_id="7654321B")}
ON_MCO = TrackChoice(Track.MEMBER_MCO, "IA-TC")


def test_the_ruleset_decides_priority_and_queue_and_the_decision_says_why() -> None:
    inquiry = received(**MEMBER, category="pharmacy", description="Member ran out of insulin yesterday.")
    assigned = assign(inquiry, ON_MCO, Enrollment(known=True, mco="IA-TC"), RULESET, None, now=NOW)
    assert (assigned.track, assigned.priority, assigned.queue) == (Track.MEMBER_MCO, Priority.URGENT,
                                                                   Queue.MEMBER_LIAISON)
    assert assigned.rules_fired == ("without-medication-or-equipment",)
    assert assigned.subject == "[URGENT] Member · Pharmacy · MCO IA-TC · ID ***321B"
    assert (assigned.mco, assigned.ruleset_version, assigned.override_reason) == ("IA-TC", RULESET.version, None)
    assert (assigned.received_at, assigned.decided_at) == (RECEIVED_AT, NOW)


def test_the_track_choices_notes_come_first_among_the_rules_fired() -> None:
    choice = TrackChoice(Track.MEMBER_MCO, "IA-WM", (ENROLLMENT_UNKNOWN,))
    assigned = assign(received(**MEMBER, source="managed_care_ombudsman"), choice, None, RULESET, None, now=NOW)
    assert assigned.rules_fired == (ENROLLMENT_UNKNOWN, "oversight-source")


def test_the_enrollments_risk_flags_count_with_the_inquirys() -> None:
    removal_choice = TrackChoice(Track.PCP_PANEL_REMOVAL, "IA-TC")
    inquiry = received(**MEMBER, category="pcp_assignment")
    plain = assign(inquiry, removal_choice, Enrollment(known=True, mco="IA-TC"), RULESET, None, now=NOW)
    flagged = assign(inquiry, removal_choice, Enrollment(known=True, mco="IA-TC", risk_flags=frozenset({"high_risk"})),
                     RULESET, None, now=NOW)
    assert (plain.priority, plain.queue) == (Priority.STANDARD, Queue.SPECIAL_OUTREACH)
    assert (flagged.priority, flagged.queue) == (Priority.URGENT, Queue.CCM)


def test_an_override_wins_over_the_rules_with_the_routing_tables_queue() -> None:
    inquiry = received(**MEMBER, source="managed_care_ombudsman")
    assigned = assign(inquiry, ON_MCO, None, RULESET, Override(Priority.URGENT, "Member in hospital"), now=NOW)
    assert (assigned.priority, assigned.queue) == (Priority.URGENT, RULESET.route(Track.MEMBER_MCO, Priority.URGENT))
    assert (assigned.rules_fired, assigned.override_reason) == ((OVERRIDE,), "Member in hospital")
    assert assigned.subject.startswith("[URGENT] ")


def test_the_subject_names_the_mco_the_case_was_referred_to() -> None:
    assigned = assign(received(**MEMBER), ON_MCO, None, RULESET, None, now=NOW, referred_mco="IA-WM")
    assert assigned.mco == "IA-TC"
    assert assigned.subject == "[STANDARD] Member · Other · MCO IA-WM · ID ***321B"
