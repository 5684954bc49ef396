"""Per-MCO clocks on plain data: which clocks are an MCO's, the instances each referral starts (a further
MCO's from its own referral), and which instances an MCO's report meets, breaches and withdraws."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from liaison_shared.vocabulary import Priority, Track
from liaison_sla_monitor.contract import Signal, load_policy
from liaison_sla_monitor.rules import mcos, meeting, starts, stops
from liaison_sla_monitor.rules.deadlines import due

from .test_rules import Seen, StoredClock

POLICY = load_policy()
CALENDAR = POLICY.calendar
MEMBER_URGENT = POLICY.clocks_for(Track.MEMBER_MCO, Priority.URGENT)
MEMBER_ESCALATED = POLICY.clocks_for(Track.MEMBER_MCO, Priority.ESCALATED)
PROVIDER_URGENT = POLICY.clocks_for(Track.PROVIDER, Priority.URGENT)
MONDAY_10 = datetime(2026, 11, 16, 16, 0, tzinfo=UTC)  # Monday 10:00 CST
X_AT, Y_AT = MONDAY_10 + timedelta(hours=1), MONDAY_10 + timedelta(hours=3)


def referral(mco: str, at: datetime) -> Seen:
    return Seen("mco_contacted", at, mco)


def keyed(plan: list[starts.ClockStart]) -> dict[tuple[str, str], starts.ClockStart]:
    return {(start.spec.name, start.mco): start for start in plan}


def test_an_mco_clock_starts_on_a_referral_or_is_met_only_by_the_mcos_reports() -> None:
    named = {spec.name: mcos.is_mco_clock(spec) for spec in (*MEMBER_URGENT, *MEMBER_ESCALATED, *PROVIDER_URGENT)}
    assert {name for name, is_mco in named.items() if is_mco} == {
        "mco_contacts_member", "mco_silence", "mco_contacts_provider"}
    # Met by the referral (mco_referral) or by the case's own work as well (follow-ups): the case's clocks.
    assert not named["mco_referral"] and not named["liaison_follow_up"] and not named["acknowledged"]


def test_the_mcos_referred_to_come_once_each_the_first_referral_first() -> None:
    recorded = [referral("IA-AG", X_AT), Seen("contact_reached", X_AT), referral("IA-TC", Y_AT),
                referral("IA-AG", Y_AT + timedelta(hours=1))]
    assert mcos.referred(recorded) == ["IA-AG", "IA-TC"]
    assert mcos.referred_at(recorded, "IA-AG") == X_AT  # a re-referral does not move it


def test_a_referral_to_a_further_mco_starts_its_own_instance_from_its_referral_and_a_re_referral_nothing() -> None:
    first = [StoredClock("mco_contacts_member", starts_on="mco_contacted", anchor_at=X_AT, mco="IA-AG")]
    plan = keyed(starts.on_signal(MEMBER_URGENT, first, Signal.MCO_CONTACTED, Y_AT, [], CALENDAR, "IA-TC"))
    assert set(plan) == {("mco_contacts_member", "IA-TC")}
    assert plan["mco_contacts_member", "IA-TC"].anchor == Y_AT
    assert starts.on_signal(MEMBER_URGENT, first, Signal.MCO_CONTACTED, Y_AT, [], CALENDAR, "IA-AG") == []
    # The first referral starts the first MCO's instance: MCO clocks always name their MCO once referred.
    first_referral = starts.on_signal(MEMBER_URGENT, [], Signal.MCO_CONTACTED, X_AT, [], CALENDAR, "IA-AG")
    assert {(start.spec.name, start.mco) for start in first_referral} == {("mco_contacts_member", "IA-AG")}


def test_a_further_mco_gets_its_own_triaged_mco_clocks_anchored_at_its_referral() -> None:
    clocks = [StoredClock("mco_contacts_provider", met_by=("mco_reported_contact",), mco="IA-AG"),
              StoredClock("acknowledged", met_by=("contact_attempted", "mco_contacted"))]
    [start] = starts.on_further_referral(PROVIDER_URGENT, clocks, "IA-TC", Y_AT, [], CALENDAR)
    assert (start.spec.name, start.mco, start.anchor) == ("mco_contacts_provider", "IA-TC", Y_AT)
    (spec,) = [s for s in PROVIDER_URGENT if s.name == "mco_contacts_provider"]
    assert (start.warn_at, start.due_at) == due(spec, Y_AT, CALENDAR)
    again = [*clocks, StoredClock("mco_contacts_provider", mco="IA-TC")]
    assert starts.on_further_referral(PROVIDER_URGENT, again, "IA-TC", Y_AT, [], CALENDAR) == []


def test_referrals_recorded_before_triage_start_every_mcos_instances() -> None:
    recorded = [referral("IA-AG", X_AT), referral("IA-TC", Y_AT)]
    provider = keyed(starts.on_triage(PROVIDER_URGENT, [], recorded, MONDAY_10, CALENDAR))
    assert provider["mco_contacts_provider", "IA-AG"].anchor == MONDAY_10  # the first MCO: from the receipt
    assert provider["mco_contacts_provider", "IA-TC"].anchor == Y_AT  # a further one: from its referral
    assert ("acknowledged", "") in provider and ("acknowledged", "IA-AG") not in provider
    member = keyed(starts.on_triage(MEMBER_URGENT, [], recorded, MONDAY_10, CALENDAR))
    assert member["mco_contacts_member", "IA-AG"].anchor == X_AT
    assert member["mco_contacts_member", "IA-TC"].anchor == Y_AT
    assert member["mco_referral", ""].met_at == X_AT  # any MCO's referral meets the case's referral clock


def test_a_new_priority_recomputes_each_mcos_instance_from_its_own_anchor() -> None:
    clocks = [StoredClock("mco_contacts_provider", anchor_at=MONDAY_10, mco="IA-AG"),
              StoredClock("mco_contacts_provider", anchor_at=Y_AT, mco="IA-TC")]
    recorded = [referral("IA-AG", X_AT), referral("IA-TC", Y_AT)]
    escalated = POLICY.clocks_for(Track.PROVIDER, Priority.ESCALATED)
    plan = keyed(starts.on_triage(escalated, clocks, recorded, MONDAY_10, CALENDAR))
    assert plan["mco_contacts_provider", "IA-AG"].anchor == MONDAY_10
    assert plan["mco_contacts_provider", "IA-TC"].anchor == Y_AT


def test_an_mcos_report_meets_its_own_instances_and_the_case_level_clocks_only() -> None:
    ours = StoredClock("mco_contacts_member", met_by=("mco_reported_contact",), mco="IA-AG")
    theirs = StoredClock("mco_contacts_member", met_by=("mco_reported_contact",), mco="IA-TC")
    case_level = StoredClock("liaison_follow_up", met_by=("update_recorded", "mco_reported_contact"))
    at = MONDAY_10 + timedelta(hours=2)
    met = meeting.met_by_signal(Signal.MCO_REPORTED_CONTACT, at, [ours, theirs, case_level], "IA-TC")
    assert met == [theirs, case_level]
    # The case's own signals (no MCO) meet every instance.
    assert len(meeting.met_by_signal(Signal.MCO_REPORTED_CONTACT, at, [ours, theirs])) == 2
    # A report recorded before an instance started meets only that MCO's instance as it starts.
    recorded = [Seen("mco_reported_contact", at, "IA-TC")]
    assert meeting.met_at_start((Signal.MCO_REPORTED_CONTACT,), recorded, MONDAY_10, "IA-AG") is None
    assert meeting.met_at_start((Signal.MCO_REPORTED_CONTACT,), recorded, MONDAY_10, "IA-TC") == at


def test_an_mcos_breach_starts_and_its_withdrawal_stops_that_mcos_follow_up_only() -> None:
    end_of_day = datetime(2026, 11, 16, 23, 0, tzinfo=UTC)
    [start] = starts.on_breach(MEMBER_URGENT, "mco_contacts_member", end_of_day, [], CALENDAR, "IA-TC")
    assert (start.spec.name, start.mco) == ("liaison_follow_up", "IA-TC")
    follow_ups = [StoredClock("liaison_follow_up", starts_on="breach:mco_contacts_member", mco=mco)
                  for mco in ("IA-AG", "IA-TC")]
    assert [c.mco for c in stops.on_withdrawal(follow_ups, "mco_contacts_member", "IA-TC")] == ["IA-TC"]


def test_the_first_referral_takes_over_the_open_case_level_instances_of_mco_clocks() -> None:
    clocks = [StoredClock("mco_contacts_provider"), StoredClock("acknowledged"),
              StoredClock("mco_contacts_provider", mco="IA-AG"),
              StoredClock("originator_contacted", state="met")]
    assert mcos.to_stamp(clocks, PROVIDER_URGENT) == [clocks[0]]
    assert mcos.to_stamp([StoredClock("mco_contacts_provider", state="breached")], PROVIDER_URGENT) == []


def test_a_reopening_restarts_every_instance_a_triaged_clock_had() -> None:
    clocks = [StoredClock("mco_contacts_provider", mco="IA-AG", state="stopped"),
              StoredClock("mco_contacts_provider", mco="IA-TC", state="stopped")]
    reopened_at = MONDAY_10 + timedelta(days=1)
    plan = keyed(starts.on_reopening(PROVIDER_URGENT, clocks, reopened_at, [], CALENDAR))
    assert {key for key in plan if key[0] == "mco_contacts_provider"} == {
        ("mco_contacts_provider", "IA-AG"), ("mco_contacts_provider", "IA-TC")}
    assert ("acknowledged", "") in plan and all(start.new_cycle for start in plan.values())
