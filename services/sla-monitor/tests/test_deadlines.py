"""Deadlines of every clock of the shipped policy from four anchors, against values worked out by hand.

Nothing here asks the calendar for an expected value: each (warn_at, due_at) below was counted on
paper in Central time (CST = UTC-6 throughout these weeks) and written out in UTC. Business hours
are Monday-Friday 08:00-17:00; Thursday 2026-11-26 (Thanksgiving) and Friday 2026-11-27 (added)
are holidays. One business day is 9 business hours; a 75% warning of it is 6 h 45 min.
"""

from __future__ import annotations

import datetime as dt

import pytest

from liaison_shared.vocabulary import Priority, Track
from liaison_sla_monitor.contract import load_policy
from liaison_sla_monitor.rules.deadlines import due

POLICY = load_policy()
CST = dt.timezone(dt.timedelta(hours=-6))

ANCHORS = {
    "a": dt.datetime(2026, 11, 16, 10, 0, tzinfo=CST),  # Monday, open
    "b": dt.datetime(2026, 11, 16, 19, 30, tzinfo=CST),  # Monday evening: counts from Tuesday 08:00
    "c": dt.datetime(2026, 11, 20, 15, 30, tzinfo=CST),  # Friday, 1 h 30 min before closing
    "d": dt.datetime(2026, 11, 25, 14, 0, tzinfo=CST),  # Wednesday before Thanksgiving, 3 h before closing
}

Expected = dict[str, tuple[str, str]]  # anchor -> (warn_at, due_at), UTC "YYYY-MM-DD HH:MM[:SS]"

# warning 2 business hours, deadline 4 business hours
HOURS_2_4: Expected = {
    "a": ("2026-11-16 18:00", "2026-11-16 20:00"),  # Mon 12:00, Mon 14:00 CST
    "b": ("2026-11-17 16:00", "2026-11-17 18:00"),  # Tue 10:00, Tue 12:00
    "c": ("2026-11-23 14:30", "2026-11-23 16:30"),  # Fri 1.5 h + Mon 0.5 h = Mon 08:30; + Mon 2.5 h = Mon 10:30
    "d": ("2026-11-25 22:00", "2026-11-30 15:00"),  # Wed 16:00; Wed 3 h + Mon 1 h = Mon 09:00
}
# deadline 4 business hours, warning at 75% = 3 business hours
HOURS_4: Expected = {
    "a": ("2026-11-16 19:00", "2026-11-16 20:00"),  # Mon 13:00, Mon 14:00
    "b": ("2026-11-17 17:00", "2026-11-17 18:00"),  # Tue 11:00, Tue 12:00
    "c": ("2026-11-23 15:30", "2026-11-23 16:30"),  # Mon 09:30, Mon 10:30
    "d": ("2026-11-25 23:00", "2026-11-30 15:00"),  # warning lands on Wed 17:00 exactly and stays; Mon 09:00
}
# end of the business day the clock starts in; warning at 75% of the business time until then
END_OF_DAY_0: Expected = {
    "a": ("2026-11-16 21:15", "2026-11-16 23:00"),  # 7 h open: Mon 10:00 + 5 h 15 = 15:15; Mon 17:00
    "b": ("2026-11-17 20:45", "2026-11-17 23:00"),  # 9 h open: Tue 08:00 + 6 h 45 = 14:45; Tue 17:00
    "c": ("2026-11-20 22:37:30", "2026-11-20 23:00"),  # 1.5 h open: + 1 h 7 min 30 s = Fri 16:37:30; Fri 17:00
    "d": ("2026-11-25 22:15", "2026-11-25 23:00"),  # 3 h open: + 2 h 15 = Wed 16:15; Wed 17:00
}
# deadline 1 business day (9 h), warning at 75% = 6 h 45 min
DAYS_1: Expected = {
    "a": ("2026-11-16 22:45", "2026-11-17 16:00"),  # Mon 16:45; Mon 7 h + Tue 2 h = Tue 10:00
    "b": ("2026-11-17 20:45", "2026-11-17 23:00"),  # Tue 14:45; Tue 17:00 (lands on closing, stays)
    "c": ("2026-11-23 19:15", "2026-11-23 21:30"),  # Fri 1.5 h + Mon 5.25 h = Mon 13:15; + Mon 7.5 h = Mon 15:30
    "d": ("2026-11-30 17:45", "2026-11-30 20:00"),  # Wed 3 h + Mon 3.75 h = Mon 11:45; + Mon 6 h = Mon 14:00
}
# deadline 5 business days (45 h), warning at 75% = 33 h 45 min
DAYS_5: Expected = {
    "a": ("2026-11-19 22:45", "2026-11-23 16:00"),  # Mon 7 + Tue 9 + Wed 9 + Thu 8.75 = Thu 16:45; + Fri 9 + Mon 2
    "b": ("2026-11-20 20:45", "2026-11-23 23:00"),  # from Tue 08:00: Fri 14:45; Mon 17:00 (lands on closing)
    "c": ("2026-11-30 19:15", "2026-12-01 21:30"),  # Fri 1.5 + Mon-Wed 27, Thanksgiving and Friday closed: Mon 13:15
    "d": ("2026-12-03 17:45", "2026-12-04 20:00"),  # Wed 3 + Mon-Wed 27 + Thu 3.75 = Thu 11:45; Fri 14:00
}
# deadline 2 business days (18 h), warning at 75% = 13 h 30 min
DAYS_2: Expected = {
    "a": ("2026-11-17 20:30", "2026-11-18 16:00"),  # Mon 7 + Tue 6.5 = Tue 14:30; Mon 7 + Tue 9 + Wed 2 = Wed 10:00
    "b": ("2026-11-18 18:30", "2026-11-18 23:00"),  # Tue 9 + Wed 4.5 = Wed 12:30; Tue 9 + Wed 9 = Wed 17:00
    "c": ("2026-11-24 17:00", "2026-11-24 21:30"),  # Fri 1.5 + Mon 9 + Tue 3 = Tue 11:00; + Tue 7.5 = Tue 15:30
    "d": ("2026-12-01 15:30", "2026-12-01 20:00"),  # Wed 3 + Mon 9 + Tue 1.5 = Tue 09:30; + Tue 6 = Tue 14:00
}
# warning 1 business day, deadline 2 business days
DAYS_1_2: Expected = {
    "a": ("2026-11-17 16:00", "2026-11-18 16:00"),  # Tue 10:00, Wed 10:00
    "b": ("2026-11-17 23:00", "2026-11-18 23:00"),  # Tue 17:00, Wed 17:00
    "c": ("2026-11-23 21:30", "2026-11-24 21:30"),  # Mon 15:30, Tue 15:30
    "d": ("2026-11-30 20:00", "2026-12-01 20:00"),  # Mon 14:00, Tue 14:00
}
# warning 3 business days, deadline 4 business days
DAYS_3_4: Expected = {
    "a": ("2026-11-19 16:00", "2026-11-20 16:00"),  # Thu 10:00, Fri 10:00
    "b": ("2026-11-19 23:00", "2026-11-20 23:00"),  # Thu 17:00, Fri 17:00
    "c": ("2026-11-25 21:30", "2026-11-30 21:30"),  # Wed 15:30; Wed 1.5 h, Thu/Fri holidays, Mon 7.5 h = Mon 15:30
    "d": ("2026-12-02 20:00", "2026-12-03 20:00"),  # Wed 12-02 14:00, Thu 12-03 14:00
}
# warning 3 business days, deadline 5 business days
DAYS_3_5: Expected = {
    "a": ("2026-11-19 16:00", "2026-11-23 16:00"),  # Thu 10:00, Mon 10:00
    "b": ("2026-11-19 23:00", "2026-11-23 23:00"),  # Thu 17:00, Mon 17:00
    "c": ("2026-11-25 21:30", "2026-12-01 21:30"),  # Wed 15:30, Tue 12-01 15:30
    "d": ("2026-12-02 20:00", "2026-12-04 20:00"),  # Wed 12-02 14:00, Fri 12-04 14:00
}
# deadline 3 business days (27 h), warning at 75% = 20 h 15 min
DAYS_3: Expected = {
    "a": ("2026-11-18 18:15", "2026-11-19 16:00"),  # Mon 7 + Tue 9 + Wed 4.25 = Wed 12:15; + Wed 9 + Thu 2 = Thu 10:00
    "b": ("2026-11-19 16:15", "2026-11-19 23:00"),  # Tue 9 + Wed 9 + Thu 2.25 = Thu 10:15; Thu 17:00 (closing)
    "c": ("2026-11-25 14:45", "2026-11-25 21:30"),  # Fri 1.5 + Mon 9 + Tue 9 + Wed 0.75 = Wed 08:45; Wed 15:30
    "d": ("2026-12-01 22:15", "2026-12-02 20:00"),  # Wed 3 + Mon 9 + Tue 8.25 = Tue 16:15; + Wed 6 = Wed 14:00
}
# Calendar days end at local midnight after the N-th day following the anchor's local date; the warning at
# 75% of the elapsed time to it. Every date below is in CST (UTC-6): midnight is 06:00 UTC.
# 30 calendar days: a and b (both Monday 11-16 locally) end with 12-16, c with 12-20, d with 12-25.
CALENDAR_DAYS_30: Expected = {
    "a": ("2026-12-09 14:30", "2026-12-17 06:00"),  # 30 d 14 h to go, 75% = 22 d 22 h 30 min
    "b": ("2026-12-09 16:52:30", "2026-12-17 06:00"),  # 30 d 4 h 30 min, 75% = 22 d 15 h 22 min 30 s
    "c": ("2026-12-13 15:52:30", "2026-12-21 06:00"),  # 30 d 8 h 30 min, 75% = 22 d 18 h 22 min 30 s
    "d": ("2026-12-18 15:30", "2026-12-26 06:00"),  # 30 d 10 h, 75% = 22 d 19 h 30 min
}
# 90 calendar days: 11-16 + 90 = 2027-02-14 (a, b), 11-20 + 90 = 02-18, 11-25 + 90 = 02-23; still CST.
CALENDAR_DAYS_90: Expected = {
    "a": ("2027-01-23 14:30", "2027-02-15 06:00"),  # 90 d 14 h, 75% = 67 d 22 h 30 min
    "b": ("2027-01-23 16:52:30", "2027-02-15 06:00"),  # 90 d 4 h 30 min, 75% = 67 d 15 h 22 min 30 s
    "c": ("2027-01-27 15:52:30", "2027-02-19 06:00"),  # 90 d 8 h 30 min, 75% = 67 d 18 h 22 min 30 s
    "d": ("2027-02-01 15:30", "2027-02-24 06:00"),  # 90 d 10 h, 75% = 67 d 19 h 30 min
}
# 2 calendar days: the end of 11-18 (a, b), of Sunday 11-22 (c), of Friday 11-27 (d; holidays count)
CALENDAR_DAYS_2: Expected = {
    "a": ("2026-11-18 14:30", "2026-11-19 06:00"),  # 62 h, 75% = 46 h 30 min
    "b": ("2026-11-18 16:52:30", "2026-11-19 06:00"),  # 52 h 30 min, 75% = 39 h 22 min 30 s
    "c": ("2026-11-22 15:52:30", "2026-11-23 06:00"),  # 56 h 30 min, 75% = 42 h 22 min 30 s
    "d": ("2026-11-27 15:30", "2026-11-28 06:00"),  # 58 h, 75% = 43 h 30 min
}
# 72 calendar hours, warning at 54 hours
CALENDAR_72: Expected = {
    "a": ("2026-11-18 22:00", "2026-11-19 16:00"),
    "b": ("2026-11-19 07:30", "2026-11-20 01:30"),
    "c": ("2026-11-23 03:30", "2026-11-23 21:30"),
    "d": ("2026-11-28 02:00", "2026-11-28 20:00"),
}
# 48 calendar hours, warning at 36 hours
CALENDAR_48: Expected = {
    "a": ("2026-11-18 04:00", "2026-11-18 16:00"),
    "b": ("2026-11-18 13:30", "2026-11-19 01:30"),
    "c": ("2026-11-22 09:30", "2026-11-22 21:30"),
    "d": ("2026-11-27 08:00", "2026-11-27 20:00"),
}
# 24 calendar hours, warning at 18 hours
CALENDAR_24: Expected = {
    "a": ("2026-11-17 10:00", "2026-11-17 16:00"),
    "b": ("2026-11-17 19:30", "2026-11-18 01:30"),
    "c": ("2026-11-21 15:30", "2026-11-21 21:30"),
    "d": ("2026-11-26 14:00", "2026-11-26 20:00"),
}

# 183 calendar days (six months on the tracking list): due at local midnight after the 183rd day, which
# falls in CDT (UTC-5); warned after 75% of the elapsed span
CALENDAR_DAYS_183: Expected = {
    "a": ("2027-04-03 07:45", "2027-05-19 05:00"),  # 183 d 13 h, 75% = 137 d 15 h 45 min
    "b": ("2027-04-03 10:07:30", "2027-05-19 05:00"),  # 183 d 3 h 30 min
    "c": ("2027-04-07 09:07:30", "2027-05-23 05:00"),  # 183 d 7 h 30 min
    "d": ("2027-04-12 08:45", "2027-05-28 05:00"),  # 183 d 9 h
}

T, P = Track, Priority
# One entry per distinct clock: a row covering several priorities is named by one of them.
# Follow-up clocks take the anchors as the instants the clocks they follow breached.
EXPECTED: dict[tuple[Track, Priority, str], Expected] = {
    (T.MEMBER_MCO, P.URGENT, "originator_contacted"): HOURS_2_4,
    (T.MEMBER_MCO, P.URGENT, "mco_referral"): HOURS_2_4,
    (T.MEMBER_MCO, P.URGENT, "mco_contacts_member"): END_OF_DAY_0,
    (T.MEMBER_MCO, P.URGENT, "liaison_follow_up"): HOURS_4,
    (T.MEMBER_MCO, P.ESCALATED, "originator_contacted"): DAYS_1,
    (T.MEMBER_MCO, P.ESCALATED, "mco_contacts_member"): END_OF_DAY_0,
    (T.MEMBER_MCO, P.ESCALATED, "mco_silence"): DAYS_1,
    (T.MEMBER_MCO, P.ESCALATED, "mco_follow_up"): DAYS_1,
    (T.MEMBER_MCO, P.STANDARD, "originator_contacted"): DAYS_2,
    (T.MEMBER_NOT_ENROLLED, P.STANDARD, "unit_lead_callback"): DAYS_2,
    (T.IME_CALLBACK, P.STANDARD, "callback"): DAYS_2,
    (T.PROVIDER, P.URGENT, "acknowledged"): HOURS_2_4,
    (T.PROVIDER, P.URGENT, "originator_contacted"): DAYS_1_2,
    (T.PROVIDER, P.URGENT, "mco_contacts_provider"): DAYS_1_2,
    (T.PROVIDER, P.URGENT, "provider_follow_up"): END_OF_DAY_0,
    (T.PROVIDER, P.ESCALATED, "acknowledged"): DAYS_1,
    (T.PROVIDER, P.ESCALATED, "originator_contacted"): DAYS_3_4,
    (T.PROVIDER, P.ESCALATED, "mco_contacts_provider"): DAYS_3_5,
    (T.PROVIDER, P.STANDARD, "acknowledged"): DAYS_2,
    (T.PCP_PANEL_REMOVAL, P.STANDARD, "compliance_review"): DAYS_5,
    (T.PCP_PANEL_REMOVAL, P.URGENT, "compliance_review"): DAYS_5,
    (T.PCP_PANEL_REMOVAL, P.STANDARD, "outreach_contact"): DAYS_2,
    (T.PCP_PANEL_REMOVAL, P.STANDARD, "member_reassigned"): CALENDAR_DAYS_30,
    (T.PCP_PANEL_REMOVAL, P.URGENT, "ccm_acknowledged"): HOURS_4,
    (T.PCP_PANEL_REMOVAL, P.URGENT, "member_reassigned"): CALENDAR_DAYS_30,
    (T.PCP_ATTRIBUTION, P.STANDARD, "originator_contacted"): DAYS_2,
    (T.CARE_TRANSITION, P.STANDARD, "discharge_follow_up"): CALENDAR_48,
    (T.CARE_TRANSITION, P.URGENT, "member_callback"): CALENDAR_24,
    (T.GRIEVANCE, P.STANDARD, "acknowledged"): DAYS_3,
    (T.GRIEVANCE, P.STANDARD, "resolution"): CALENDAR_DAYS_90,
    (T.GRIEVANCE, P.STANDARD, "extension_notice"): CALENDAR_DAYS_2,
    (T.APPEAL, P.STANDARD, "acknowledged"): DAYS_3,
    (T.APPEAL, P.STANDARD, "resolution"): CALENDAR_DAYS_30,
    (T.APPEAL, P.STANDARD, "extension_notice"): CALENDAR_DAYS_2,
    (T.APPEAL, P.STANDARD, "denial_oral_notice"): CALENDAR_24,
    (T.APPEAL, P.STANDARD, "denial_written_notice"): CALENDAR_DAYS_2,
    (T.APPEAL, P.URGENT, "acknowledged"): DAYS_1,
    (T.APPEAL, P.URGENT, "resolution"): CALENDAR_72,
    (T.APPEAL, P.URGENT, "extension_notice"): CALENDAR_DAYS_2,
    (T.PROGRAM_INTEGRITY, P.STANDARD, "referral_reviewed"): DAYS_2,
    (T.CARE_COORDINATION, P.STANDARD, "call_summary"): DAYS_1,
    (T.CARE_COORDINATION, P.STANDARD, "tracking_update"): CALENDAR_DAYS_183,
    (T.CARE_COORDINATION, P.STANDARD, "discharge_follow_up"): CALENDAR_48,
    (T.CARE_COORDINATION, P.STANDARD, "discharge_call_window"): CALENDAR_24,
    (T.CARE_COORDINATION, P.STANDARD, "member_callback"): CALENDAR_24,
}
# Clocks due on the date a case was scheduled for: anchor -> (scheduled date, warn_at, due_at). The report-back
# date's close of business (17:00 CST = 23:00 UTC), or the next business day's; warned after 75% of the
# business time to it.
SCHEDULED: dict[tuple[Track, Priority, str], dict[str, tuple[dt.date, str, str]]] = {
    (T.CARE_COORDINATION, P.STANDARD, "report_back"): {
        # Mon 10:00 to Fri 17:00: 43 business hours, 75% = 32 h 15 min, Thursday 15:15 CST
        "a": (dt.date(2026, 11, 20), "2026-11-19 21:15", "2026-11-20 23:00"),
        # a Saturday: Monday's close; 1 h 30 min + 9 h, 75% = 7 h 52 min 30 s, Monday 14:22:30 CST
        "c": (dt.date(2026, 11, 21), "2026-11-23 20:22:30", "2026-11-23 23:00"),
        "d": (dt.date(2026, 11, 24), "2026-11-25 20:00", "2026-11-25 20:00"),  # a date already past: due at once
    },
}


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_the_table_has_one_entry_for_every_distinct_clock_of_the_policy() -> None:
    distinct = {(row.track, row.priorities, clock.name) for row in POLICY.config.rows for clock in row.clocks}
    named = {(row.track, row.priorities, name) for row in POLICY.config.rows
             for track, priority, name in [*EXPECTED, *SCHEDULED] if track is row.track and priority in row.priorities}
    assert named == distinct
    assert len(EXPECTED) + len(SCHEDULED) == len(distinct)  # no clock twice under two priorities of its row


@pytest.mark.parametrize(("track", "priority", "name", "anchor", "scheduled_on", "warn_at", "due_at"), [
    pytest.param(track, priority, name, anchor, *values, id=f"{track}-{priority}-{name}-{anchor}")
    for (track, priority, name), table in SCHEDULED.items() for anchor, values in table.items()
])
def test_scheduled_deadline_worked_out_by_hand(track: Track, priority: Priority, name: str, anchor: str,
                                               scheduled_on: dt.date, warn_at: str, due_at: str) -> None:
    (spec,) = [clock for clock in POLICY.clocks_for(track, priority) if clock.name == name]
    assert due(spec, ANCHORS[anchor], POLICY.calendar, scheduled_on=scheduled_on) == (utc(warn_at), utc(due_at))
    with pytest.raises(ValueError, match="no scheduled date"):
        due(spec, ANCHORS[anchor], POLICY.calendar)


@pytest.mark.parametrize(("track", "priority", "name", "anchor", "warn_at", "due_at"), [
    pytest.param(track, priority, name, anchor, warn_at, due_at, id=f"{track}-{priority}-{name}-{anchor}")
    for (track, priority, name), table in EXPECTED.items() for anchor, (warn_at, due_at) in table.items()
])
def test_deadline_worked_out_by_hand(
    track: Track, priority: Priority, name: str, anchor: str, warn_at: str, due_at: str
) -> None:
    (spec,) = [clock for clock in POLICY.clocks_for(track, priority) if clock.name == name]
    assert due(spec, ANCHORS[anchor], POLICY.calendar) == (utc(warn_at), utc(due_at))


def test_deadlines_are_utc_instants() -> None:
    (spec, *_) = POLICY.clocks_for(Track.MEMBER_MCO, Priority.URGENT)
    for instant in due(spec, ANCHORS["b"], POLICY.calendar):
        assert instant.utcoffset() == dt.timedelta(0)
