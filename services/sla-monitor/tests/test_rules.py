"""The SLA monitor's rules on plain data, no database: which clocks start (from which anchor, met
already or not), which stop, what meets them, what a due timer fires, and the compliance share."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from liaison_shared.vocabulary import Priority, Track
from liaison_sla_monitor.contract import ClockSpec, Signal, load_policy
from liaison_sla_monitor.rules import meeting, starts, stops, timers
from liaison_sla_monitor.rules.compliance import met_share
from liaison_sla_monitor.rules.deadlines import due

POLICY = load_policy()
CALENDAR = POLICY.calendar
URGENT = POLICY.clocks_for(Track.MEMBER_MCO, Priority.URGENT)
ESCALATED = POLICY.clocks_for(Track.MEMBER_MCO, Priority.ESCALATED)
MONDAY_10 = datetime(2026, 11, 16, 16, 0, tzinfo=UTC)  # Monday 10:00 in Iowa (CST)
MONDAY_14 = MONDAY_10 + timedelta(hours=4)


@dataclass(frozen=True)
class StoredClock:
    name: str
    state: str = "open"
    starts_on: str = "triaged"
    met_by: tuple[str, ...] = ("contact_reached",)
    anchor_at: datetime = MONDAY_10
    warn_at: datetime = MONDAY_10 + timedelta(hours=2)
    due_at: datetime = MONDAY_14
    warned: bool = False
    mco: str = ""


@dataclass(frozen=True)
class Seen:
    signal: str
    at: datetime
    mco: str | None = None


def spec(specs: tuple[ClockSpec, ...], name: str) -> ClockSpec:
    (found,) = [s for s in specs if s.name == name]
    return found


def started(plan: list[starts.ClockStart]) -> dict[str, starts.ClockStart]:
    return {start.spec.name: start for start in plan}


# -- starting at triage ------------------------------------------------------------------------


def test_triage_starts_the_triaged_clocks_from_the_receipt_and_nothing_that_waits_for_a_signal() -> None:
    plan = started(starts.on_triage(URGENT, [], [], MONDAY_10, CALENDAR))
    assert set(plan) == {"originator_contacted", "mco_referral"}
    for name, start in plan.items():
        assert start.anchor == MONDAY_10 and not start.new_cycle and start.met_at is None
        assert (start.warn_at, start.due_at) == due(spec(URGENT, name), MONDAY_10, CALENDAR)


def test_a_signal_recorded_before_triage_starts_its_clock_from_its_last_time() -> None:
    first, last = MONDAY_10 + timedelta(minutes=20), MONDAY_10 + timedelta(hours=1)
    recorded = [Seen("mco_contacted", last), Seen("mco_contacted", first)]
    plan = started(starts.on_triage(URGENT, [], recorded, MONDAY_10, CALENDAR))
    assert plan["mco_contacts_member"].anchor == last
    assert plan["mco_referral"].met_at == first  # the first referral met the referral clock


def test_a_meeting_signal_recorded_before_triage_meets_the_clock_as_it_starts() -> None:
    reached = MONDAY_10 + timedelta(minutes=30)
    recorded = [Seen("contact_attempted", MONDAY_10 + timedelta(minutes=10)), Seen("contact_reached", reached),
                Seen("contact_reached", reached + timedelta(minutes=5))]
    plan = started(starts.on_triage(URGENT, [], recorded, MONDAY_10, CALENDAR))
    assert plan["originator_contacted"].met_at == reached  # the first meeting signal
    assert plan["mco_referral"].met_at is None


def test_a_new_priority_recomputes_open_triaged_clocks_from_their_anchor_and_leaves_closed_ones() -> None:
    clocks = [StoredClock("originator_contacted", anchor_at=MONDAY_10),
              StoredClock("mco_contacts_member", starts_on="mco_contacted", anchor_at=MONDAY_10)]
    later = MONDAY_10 + timedelta(hours=3)  # a decision on another receipt time does not move the anchor
    plan = started(starts.on_triage(ESCALATED, clocks, [Seen("mco_contacted", MONDAY_10)], later, CALENDAR))
    assert set(plan) == {"originator_contacted", "mco_silence"}  # mco_contacts_member exists: not restarted
    assert plan["originator_contacted"].anchor == MONDAY_10
    assert plan["originator_contacted"].due_at == MONDAY_10 + timedelta(days=1)  # 1 business day
    met = [StoredClock("originator_contacted", state="met")]
    assert "originator_contacted" not in started(starts.on_triage(ESCALATED, met, [], MONDAY_10, CALENDAR))


# -- starting on a signal, a reopening, a breach -----------------------------------------------


def test_a_signal_starts_the_clocks_it_starts_from_its_own_time_once() -> None:
    at = MONDAY_10 + timedelta(hours=1)
    plan = started(starts.on_signal(URGENT, [StoredClock("originator_contacted")], Signal.MCO_CONTACTED, at, [],
                                    CALENDAR))
    assert set(plan) == {"mco_contacts_member"} and plan["mco_contacts_member"].anchor == at
    again = [StoredClock("mco_contacts_member", state="met", starts_on="mco_contacted")]
    assert starts.on_signal(URGENT, again, Signal.MCO_CONTACTED, at, [], CALENDAR) == []


def test_a_meeting_signal_before_the_anchor_does_not_meet_a_clock_started_later() -> None:
    at = MONDAY_10 + timedelta(hours=1)
    early, late = Seen("mco_reported_contact", at - timedelta(minutes=1)), Seen("mco_reported_contact", at)
    [start] = starts.on_signal(URGENT, [], Signal.MCO_CONTACTED, at, [early], CALENDAR)
    assert start.met_at is None
    [start] = starts.on_signal(URGENT, [], Signal.MCO_CONTACTED, at, [early, late], CALENDAR)
    assert start.met_at == at  # at the anchor counts


def test_a_reopening_restarts_the_triaged_clocks_that_restart_from_the_reopening_as_a_new_cycle() -> None:
    reopened_at = MONDAY_10 + timedelta(days=1)
    no_restart = spec(URGENT, "mco_referral").model_copy(update={"restart_on_reopen": False})
    specs = (spec(URGENT, "originator_contacted"), no_restart, spec(URGENT, "mco_contacts_member"))
    [start] = starts.on_reopening(specs, [], reopened_at, [], CALENDAR)
    assert (start.spec.name, start.anchor, start.new_cycle) == ("originator_contacted", reopened_at, True)


def test_a_breach_starts_its_follow_ups_from_the_deadline_as_a_new_cycle() -> None:
    end_of_day = datetime(2026, 11, 16, 23, 0, tzinfo=UTC)
    assert starts.follow_ups(URGENT, "originator_contacted") == []
    [start] = starts.on_breach(URGENT, "mco_contacts_member", end_of_day, [], CALENDAR)
    assert (start.spec.name, start.anchor, start.new_cycle) == ("liaison_follow_up", end_of_day, True)
    assert start.due_at == datetime(2026, 11, 17, 18, 0, tzinfo=UTC)  # Tuesday 12:00 CST: 4 business hours
    update = Seen("update_recorded", end_of_day + timedelta(minutes=1))
    [start] = starts.on_breach(URGENT, "mco_contacts_member", end_of_day, [update], CALENDAR)
    assert start.met_at == update.at


# -- stopping ----------------------------------------------------------------------------------


def test_a_new_track_or_priority_stops_only_the_open_clocks_its_row_does_not_carry() -> None:
    clocks = [StoredClock("originator_contacted"), StoredClock("mco_referral"),
              StoredClock("mco_contacts_member", state="met")]
    assert [c.name for c in stops.off_track(clocks, ESCALATED)] == ["mco_referral"]


def test_resolution_stops_every_clock_left_open() -> None:
    clocks = [StoredClock("a"), StoredClock("b", state="met"), StoredClock("c", state="breached"), StoredClock("d")]
    assert [c.name for c in stops.on_resolution(clocks)] == ["a", "d"]


def test_a_withdrawn_breach_stops_the_open_follow_ups_it_started_and_no_others() -> None:
    clocks = [StoredClock("mco_contacts_member", state="met"),
              StoredClock("liaison_follow_up", starts_on="breach:mco_contacts_member"),
              StoredClock("mco_follow_up", starts_on="breach:mco_silence"),
              StoredClock("old_follow_up", state="met", starts_on="breach:mco_contacts_member")]
    assert [c.name for c in stops.on_withdrawal(clocks, "mco_contacts_member")] == ["liaison_follow_up"]


# -- meeting -----------------------------------------------------------------------------------


def test_a_signal_meets_an_open_clock_it_names_once_started() -> None:
    clock = StoredClock("originator_contacted")
    assert meeting.meets(Signal.CONTACT_REACHED, MONDAY_10, clock)
    assert not meeting.meets(Signal.CONTACT_REACHED, MONDAY_10 - timedelta(seconds=1), clock)
    assert not meeting.meets(Signal.CONTACT_ATTEMPTED, MONDAY_10 + timedelta(hours=1), clock)
    for state in ("met", "stopped"):
        assert not meeting.meets(Signal.CONTACT_REACHED, MONDAY_10 + timedelta(hours=1), replace(clock, state=state))


def test_a_breached_clock_is_met_only_by_an_action_taken_before_its_deadline() -> None:
    breached = StoredClock("mco_referral", state="breached", met_by=("mco_contacted",))
    assert meeting.meets(Signal.MCO_CONTACTED, MONDAY_14 - timedelta(seconds=1), breached)
    assert not meeting.meets(Signal.MCO_CONTACTED, MONDAY_14, breached)


def test_the_clocks_a_signal_meets_come_in_the_order_given() -> None:
    clocks = [StoredClock("b", met_by=("update_recorded",)), StoredClock("a", met_by=("contact_reached",)),
              StoredClock("c", met_by=("update_recorded", "mco_reported"))]
    at = MONDAY_10 + timedelta(hours=1)
    assert [c.name for c in meeting.met_by_signal(Signal.UPDATE_RECORDED, at, clocks)] == ["b", "c"]


def test_a_clock_starts_met_by_the_first_meeting_signal_at_or_after_its_anchor() -> None:
    recorded = [Seen("contact_reached", MONDAY_10 - timedelta(minutes=1)), Seen("update_recorded", MONDAY_10),
                Seen("contact_reached", MONDAY_10 + timedelta(minutes=2)),
                Seen("contact_reached", MONDAY_10 + timedelta(minutes=1))]
    assert meeting.met_at_start((Signal.CONTACT_REACHED,), recorded, MONDAY_10) == MONDAY_10 + timedelta(minutes=1)
    assert meeting.met_at_start((Signal.RESOLVED,), recorded, MONDAY_10) is None


# -- timers ------------------------------------------------------------------------------------


def test_a_timer_at_its_warning_warns_and_at_its_deadline_breaches() -> None:
    clock = StoredClock("originator_contacted")
    assert timers.firing(clock, clock.warn_at) == timers.Firing(warns=True, breaches=False)
    assert timers.firing(replace(clock, warned=True), MONDAY_14) == timers.Firing(warns=False, breaches=True)


def test_a_clock_never_warned_warns_before_it_breaches_unless_its_warning_is_its_deadline() -> None:
    clock = StoredClock("originator_contacted")
    assert timers.firing(clock, MONDAY_14 + timedelta(hours=1)) == timers.Firing(warns=True, breaches=True)
    at_deadline = replace(clock, warn_at=MONDAY_14)
    assert timers.firing(at_deadline, MONDAY_14) == timers.Firing(warns=False, breaches=True)


def test_the_timer_loop_sleeps_until_the_next_timer_within_its_bounds() -> None:
    assert timers.pause(None, MONDAY_10, 0.2) == 0.2
    assert timers.pause(MONDAY_10 + timedelta(seconds=0.1), MONDAY_10, 0.2) == 0.1
    assert timers.pause(MONDAY_10 + timedelta(hours=1), MONDAY_10, 0.2) == 0.2
    assert timers.pause(MONDAY_10 - timedelta(hours=1), MONDAY_10, 0.2) == timers.SHORTEST_PAUSE_SECONDS


@given(st.floats(min_value=-3600, max_value=3600), st.floats(min_value=0.05, max_value=1))
def test_the_pause_never_exceeds_the_longest_nor_falls_below_the_floor(ahead: float, longest: float) -> None:
    assert timers.SHORTEST_PAUSE_SECONDS <= timers.pause(MONDAY_10 + timedelta(seconds=ahead), MONDAY_10,
                                                         longest) <= longest


# -- compliance --------------------------------------------------------------------------------


def test_compliance_is_the_met_share_of_the_clocks_met_or_breached() -> None:
    assert met_share(1, 1) == 0.5
    assert met_share(3, 0) == 1.0
    assert met_share(0, 0) is None
