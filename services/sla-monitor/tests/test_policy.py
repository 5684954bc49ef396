"""The clock policy: the shipped file's contents, refusal of bad files, and laws of `due`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from liaison_shared.program import program_calendar
from liaison_shared.vocabulary import Priority, Queue, Track
from liaison_sla_monitor.contract import DEFAULT_POLICY, ClockSpec, PolicyError, Signal, Target, load_policy
from liaison_sla_monitor.rules.deadlines import due

POLICY = load_policy(DEFAULT_POLICY)
CALENDAR = POLICY.calendar
CST = dt.timezone(dt.timedelta(hours=-6))

T, P = Track, Priority
CLOCKS: dict[tuple[Track, Priority], list[str]] = {
    (T.MEMBER_MCO, P.URGENT): ["originator_contacted", "mco_referral", "mco_contacts_member", "liaison_follow_up"],
    (T.MEMBER_MCO, P.ESCALATED): ["originator_contacted", "mco_contacts_member", "mco_silence", "mco_follow_up"],
    (T.MEMBER_MCO, P.STANDARD): ["originator_contacted"],
    **{(T.MEMBER_NOT_ENROLLED, p): ["unit_lead_callback"] for p in Priority},
    **{(T.IME_CALLBACK, p): ["callback"] for p in Priority},
    (T.PROVIDER, P.URGENT): ["acknowledged", "originator_contacted", "mco_contacts_provider", "provider_follow_up"],
    (T.PROVIDER, P.ESCALATED): ["acknowledged", "originator_contacted", "mco_contacts_provider"],
    (T.PROVIDER, P.STANDARD): ["acknowledged"],
    (T.PCP_PANEL_REMOVAL, P.STANDARD): ["compliance_review", "outreach_contact", "member_reassigned"],
    (T.PCP_PANEL_REMOVAL, P.ESCALATED): ["compliance_review", "outreach_contact", "member_reassigned"],
    (T.PCP_PANEL_REMOVAL, P.URGENT): ["compliance_review", "ccm_acknowledged", "member_reassigned"],
    **{(T.PCP_ATTRIBUTION, p): ["originator_contacted"] for p in Priority},
    (T.CARE_TRANSITION, P.STANDARD): ["discharge_follow_up"],
    (T.CARE_TRANSITION, P.ESCALATED): ["discharge_follow_up"],
    (T.CARE_TRANSITION, P.URGENT): ["member_callback"],
    **{(T.CARE_COORDINATION, p): ["report_back", "call_summary", "tracking_update", "discharge_follow_up",
                                  "discharge_call_window", "member_callback"] for p in Priority},
    **{(T.GRIEVANCE, p): ["acknowledged", "resolution", "extension_notice"] for p in Priority},
    (T.APPEAL, P.STANDARD): ["acknowledged", "resolution", "extension_notice", "denial_oral_notice",
                             "denial_written_notice"],
    (T.APPEAL, P.ESCALATED): ["acknowledged", "resolution", "extension_notice", "denial_oral_notice",
                              "denial_written_notice"],
    (T.APPEAL, P.URGENT): ["acknowledged", "resolution", "extension_notice"],
    **{(T.PROGRAM_INTEGRITY, p): ["referral_reviewed"] for p in Priority},
}


def clock(track: Track, priority: Priority, name: str) -> ClockSpec:
    (spec,) = [c for c in POLICY.clocks_for(track, priority) if c.name == name]
    return spec


# -- the shipped policy ----------------------------------------------------------------------


def test_the_shipped_policy_loads_with_its_version_on_the_programs_calendar() -> None:
    assert POLICY.version == "2026.12-4"
    assert POLICY.calendar is program_calendar()  # the one every service reads
    assert CALENDAR.holiday_name(dt.date(2026, 11, 27)) == "Day after Thanksgiving"


def test_every_track_and_priority_has_its_clocks() -> None:
    assert set(CLOCKS) == {(track, priority) for track in Track for priority in Priority}
    for (track, priority), names in CLOCKS.items():
        assert [c.name for c in POLICY.clocks_for(track, priority)] == names, (track, priority)


def test_follow_up_clocks_start_on_a_breach_and_name_who_acts() -> None:
    assert clock(T.MEMBER_MCO, P.URGENT, "liaison_follow_up").breach_of == "mco_contacts_member"
    assert clock(T.MEMBER_MCO, P.URGENT, "liaison_follow_up").queue is Queue.MEMBER_LIAISON
    assert clock(T.MEMBER_MCO, P.ESCALATED, "mco_follow_up").starts_on == "breach:mco_silence"
    assert clock(T.MEMBER_MCO, P.ESCALATED, "mco_follow_up").queue is Queue.MSA_ESR
    assert clock(T.PROVIDER, P.URGENT, "provider_follow_up").queue is Queue.PROVIDER_LIAISON
    assert clock(T.MEMBER_MCO, P.URGENT, "mco_contacts_member").starts_on is Signal.MCO_CONTACTED
    assert clock(T.MEMBER_MCO, P.URGENT, "mco_referral").breach_of is None
    for track in Track:
        for priority in Priority:
            for spec in POLICY.clocks_for(track, priority):
                assert (spec.breach_of is not None) == (spec.queue is not None), spec.name


def test_the_reassignment_clock_is_thirty_calendar_days_from_the_release() -> None:
    for priority in Priority:
        spec = clock(T.PCP_PANEL_REMOVAL, priority, "member_reassigned")
        assert spec.deadline == Target(calendar_days=30)
        assert spec.met_by == (Signal.PCP_ASSIGNED,)
        assert spec.starts_on == Signal.OUTREACH_OPENED  # from the release of a held removal, not its request
        assert clock(T.PCP_PANEL_REMOVAL, priority, "compliance_review").starts_on == Signal.HELD_FOR_REVIEW


def test_a_warning_in_another_unit_is_capped_at_the_deadline() -> None:
    spec = ClockSpec(name="x", starts_on="triaged", deadline=Target(end_of_business_day=0),
                     warning=Target(business_days=1), met_by=[Signal.RESOLVED])
    monday_10 = dt.datetime(2026, 11, 16, 10, tzinfo=CST)
    assert due(spec, monday_10, CALENDAR) == (dt.datetime(2026, 11, 16, 23, tzinfo=dt.UTC),) * 2


def test_the_warning_fraction_is_configurable() -> None:
    spec = ClockSpec(name="x", starts_on="triaged", deadline=Target(business_hours=4), warning_fraction=0.5,
                     met_by=[Signal.RESOLVED])
    friday_1530 = dt.datetime(2026, 11, 20, 15, 30, tzinfo=CST)
    # Friday 15:30 + 2 business hours = Monday 08:30 CST; + 4 = Monday 10:30 CST.
    assert due(spec, friday_1530, CALENDAR) == (dt.datetime(2026, 11, 23, 14, 30, tzinfo=dt.UTC),
                                                dt.datetime(2026, 11, 23, 16, 30, tzinfo=dt.UTC))


def test_a_row_may_have_no_clocks(tmp_path: Path) -> None:
    document = default_document()
    document["rows"][2]["clocks"] = []
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    assert load_policy(path).clocks_for(T.MEMBER_MCO, P.STANDARD) == ()


# -- refusal of bad files --------------------------------------------------------------------


def default_document() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(DEFAULT_POLICY.read_text(encoding="utf-8"))
    return document


def refusal(tmp_path: Path, text: str) -> str:
    path = tmp_path / "bad-policy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    message = str(caught.value)
    assert all(line.startswith(f"{path}: ") for line in message.splitlines())
    return message


def edited(change: Any) -> str:
    document = default_document()
    change(document)
    return yaml.safe_dump(document)


def test_an_unknown_signal_is_refused_at_its_location(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["rows"][0]["clocks"][1]["met_by"] = ["mco_called"]
        d["rows"][1]["clocks"][2]["starts_on"] = "mco_calls"

    message = refusal(tmp_path, edited(change))
    assert "rows[0].clocks[1].met_by[0]: Input should be 'triaged', " in message
    assert "(got 'mco_called')" in message
    assert "rows[1].clocks[2].starts_on: expected a signal (triaged, contact_reached, " in message
    assert "or 'breach:<snake_case clock name>' (got 'mco_calls')" in message


def test_an_uncovered_track_and_priority_is_refused(tmp_path: Path) -> None:
    message = refusal(tmp_path, edited(lambda d: d["rows"][4].update(priorities=["standard", "escalated"])))
    assert message.endswith(": rows: no row covers track 'ime_callback' with priority 'urgent'")
    assert len(message.splitlines()) == 1


def test_a_track_and_priority_covered_twice_is_refused(tmp_path: Path) -> None:
    message = refusal(tmp_path, edited(lambda d: d["rows"][2].update(priorities=["standard", "urgent"])))
    assert "rows[2].priorities[1]: track 'member_mco' with priority 'urgent' is already covered by rows[0]" in message


def test_a_breach_of_an_unknown_clock_is_refused(tmp_path: Path) -> None:
    text = edited(lambda d: d["rows"][5]["clocks"][3].update(starts_on="breach:mco_contacts_member"))
    assert "rows[5].clocks[3].starts_on: no clock named 'mco_contacts_member' in this row" in refusal(tmp_path, text)


def test_a_clock_starting_on_its_own_breach_or_in_a_cycle_is_refused(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["rows"][0]["clocks"][3]["starts_on"] = "breach:liaison_follow_up"
        d["rows"][1]["clocks"][2]["starts_on"] = "breach:mco_follow_up"  # mco_follow_up follows mco_silence

    message = refusal(tmp_path, edited(change))
    assert "rows[0].clocks[3].starts_on: a clock cannot start on its own breach" in message
    assert "rows[1].clocks[2].starts_on: never starts: breach cycle mco_silence -> mco_follow_up -> mco_silence" in (
        message)
    assert "rows[1].clocks[3].starts_on: never starts" in message


def test_a_duplicate_clock_name_is_refused(tmp_path: Path) -> None:
    text = edited(lambda d: d["rows"][6]["clocks"][2].update(name="originator_contacted"))
    assert ("rows[6].clocks[2].name: duplicate clock name 'originator_contacted' in this row (also clocks[1])"
            in refusal(tmp_path, text))


def test_a_clock_name_that_is_not_snake_case_is_refused(tmp_path: Path) -> None:
    text = edited(lambda d: d["rows"][7]["clocks"][0].update(name="Acknowledged"))
    assert "rows[7].clocks[0].name: String should match pattern" in refusal(tmp_path, text)


@pytest.mark.parametrize(("target", "got"), [
    ({"business_hours": 4, "business_days": 1}, "['business_days', 'business_hours']"),
    ({}, "none"),
])
def test_a_target_needs_exactly_one_key(tmp_path: Path, target: dict[str, Any], got: str) -> None:
    text = edited(lambda d: d["rows"][0]["clocks"][0].update(deadline=target))
    assert (f"rows[0].clocks[0].deadline: give exactly one of business_hours, business_days, end_of_business_day, "
            f"calendar_hours, calendar_days, scheduled_date (got {got})") in refusal(tmp_path, text)


@pytest.mark.parametrize(("target", "problem"), [
    ({"business_hours": 0}, "business_hours: Input should be greater than 0"),
    ({"business_days": "2"}, "business_days: Input should be a valid number"),
    ({"end_of_business_day": 1.5}, "end_of_business_day: Input should be a valid integer"),
    ({"end_of_business_day": -1}, "end_of_business_day: Input should be greater than or equal to 0"),
    ({"calendar_hours": float("inf")}, "calendar_hours: Input should be a finite number"),
    ({"calendar_days": 0}, "calendar_days: Input should be greater than or equal to 1"),
    ({"calendar_days": 1.5}, "calendar_days: Input should be a valid integer"),
])
def test_a_target_amount_must_be_a_positive_number(tmp_path: Path, target: dict[str, Any], problem: str) -> None:
    text = edited(lambda d: d["rows"][3]["clocks"][0].update(deadline=target))
    assert f"rows[3].clocks[0].deadline.{problem}" in refusal(tmp_path, text)


def test_a_warning_later_than_its_deadline_is_refused(tmp_path: Path) -> None:
    text = edited(lambda d: d["rows"][0]["clocks"][0].update(warning={"business_hours": 5}))
    assert "rows[0].clocks[0]: the warning (business_hours 5.0) is later than the deadline (4.0)" in refusal(
        tmp_path, text)


def test_a_warning_and_a_warning_fraction_together_are_refused(tmp_path: Path) -> None:
    text = edited(lambda d: d["rows"][0]["clocks"][0].update(warning_fraction=0.5))
    assert "rows[0].clocks[0]: give warning or warning_fraction, not both" in refusal(tmp_path, text)


def test_an_unknown_key_is_refused_at_its_location(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["rows"][3]["clocks"][0]["deadlines"] = {"business_days": 2}
        d["rows"][8]["prio"] = "urgent"
        d["calendar"] = {"timezone": "America/Chicago"}  # the calendar is the program's, not the policy's

    message = refusal(tmp_path, edited(change))
    assert "rows[3].clocks[0].deadlines: Extra inputs are not permitted" in message
    assert "rows[8].prio: Extra inputs are not permitted" in message
    assert "calendar: Extra inputs are not permitted" in message


def test_a_yaml_syntax_error_is_refused_with_its_line(tmp_path: Path) -> None:
    text = DEFAULT_POLICY.read_text(encoding="utf-8").replace(
        "met_by: [mco_contacted]\n", "met_by: [mco_contacted]]\n", 1)
    line = text.splitlines().index("        met_by: [mco_contacted]]") + 1
    assert f"line {line}, column 32: invalid YAML" in refusal(tmp_path, text)


def test_a_duplicate_yaml_key_is_refused_with_its_line(tmp_path: Path) -> None:
    text = DEFAULT_POLICY.read_text(encoding="utf-8").replace(
        f'version: "{POLICY.version}"\n', f'version: "{POLICY.version}"\nversion: "0"\n')
    line = text.splitlines().index('version: "0"') + 1
    assert f"line {line}, column 1: invalid YAML: duplicate key 'version'" in refusal(tmp_path, text)


@pytest.mark.parametrize("text", ["", "- a list\n", "version: '1'\n"])
def test_a_file_that_is_not_a_policy_is_refused(tmp_path: Path, text: str) -> None:
    refusal(tmp_path, text)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"nowhere\.yaml: cannot read the file"):
        load_policy(tmp_path / "nowhere.yaml")


# -- laws of due -----------------------------------------------------------------------------

BUSINESS_UNITS = ("business_hours", "business_days", "end_of_business_day")
AMOUNTS: dict[str, st.SearchStrategy[float] | st.SearchStrategy[int]] = {
    "business_hours": st.floats(min_value=0.001, max_value=120),
    "business_days": st.floats(min_value=0.001, max_value=15),
    "end_of_business_day": st.integers(min_value=0, max_value=15),
    "calendar_hours": st.floats(min_value=0.001, max_value=1500),
    "calendar_days": st.integers(min_value=1, max_value=120),
}
anchors = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 12, 31),
                       timezones=st.just(dt.UTC))
units = st.sampled_from(list(AMOUNTS))


@st.composite
def targets(draw: st.DrawFn, unit: str | None = None) -> Target:
    chosen = draw(units) if unit is None else unit
    return Target.model_validate({chosen: draw(AMOUNTS[chosen])})


@st.composite
def specs(draw: st.DrawFn) -> ClockSpec:
    deadline, warning = draw(targets()), draw(st.none() | targets())
    if warning is not None and warning.unit == deadline.unit and getattr(warning, warning.unit) > getattr(
            deadline, deadline.unit):
        deadline, warning = warning, deadline
    fraction = draw(st.floats(min_value=0.01, max_value=1))
    extra: dict[str, Any] = {"warning": warning} if warning is not None else {"warning_fraction": fraction}
    return ClockSpec(name="clock", starts_on=Signal.TRIAGED, deadline=deadline, met_by=[Signal.RESOLVED], **extra)


def open_or_closing(instant: dt.datetime) -> bool:
    local = CALENDAR.local(instant)
    at_closing = local.time() == CALENDAR.config.closes and CALENDAR.is_business_day(local.date())
    return CALENDAR.is_open(instant) or at_closing


@given(specs(), anchors)
def test_the_warning_comes_after_the_anchor_and_not_after_the_deadline(spec: ClockSpec, anchor: dt.datetime) -> None:
    warn_at, due_at = due(spec, anchor, CALENDAR)
    assert anchor <= warn_at <= due_at
    assert warn_at.tzinfo is dt.UTC and due_at.tzinfo is dt.UTC


@given(units.flatmap(lambda unit: st.tuples(targets(unit), targets(unit))), anchors)
def test_a_longer_target_never_gives_an_earlier_deadline(pair: tuple[Target, Target], anchor: dt.datetime) -> None:
    shorter, longer = sorted(pair, key=lambda target: getattr(target, target.unit))
    spec = ClockSpec(name="clock", starts_on=Signal.TRIAGED, deadline=shorter, met_by=[Signal.RESOLVED])
    assert due(spec, anchor, CALENDAR)[1] <= due(spec.model_copy(update={"deadline": longer}), anchor, CALENDAR)[1]


@given(st.sampled_from(BUSINESS_UNITS).flatmap(targets), anchors)
def test_a_business_deadline_and_its_warning_fall_in_open_hours_or_at_a_closing(
    target: Target, anchor: dt.datetime
) -> None:
    spec = ClockSpec(name="clock", starts_on=Signal.TRIAGED, deadline=target, met_by=[Signal.RESOLVED])
    for instant in due(spec, anchor, CALENDAR):
        assert open_or_closing(instant), CALENDAR.local(instant)


@given(st.sampled_from(BUSINESS_UNITS).flatmap(targets), anchors)
def test_a_business_deadline_counts_from_the_next_opening(target: Target, anchor: dt.datetime) -> None:
    spec = ClockSpec(name="clock", starts_on=Signal.TRIAGED, deadline=target, met_by=[Signal.RESOLVED])
    assert due(spec, anchor, CALENDAR) == due(spec, CALENDAR.next_opening(anchor), CALENDAR)
