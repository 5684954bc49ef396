"""How a member appears on a practice's list (the pure rules.list_entries): change types, and dropped
periods that end on the member's last attributed day (FHIR periods end inclusive)."""

from __future__ import annotations

from datetime import date

from liaison_attribution.rules.list_entries import PracticePeriod, list_entry

PCP_A, PCP_B = "1245319599", "1003000126"
MONTH, AS_OF = date(2026, 11, 1), date(2026, 11, 20)


def entry(*periods: PracticePeriod) -> tuple[str, date, date | None]:
    found = list_entry("m-1", "m-1-IA-TC", periods, month=MONTH, as_of=AS_OF)
    return found.change_type, found.period_start, found.period_end


def test_a_dropped_members_period_ends_the_day_before_the_change() -> None:
    assert entry(PracticePeriod(PCP_A, date(2026, 6, 1), date(2026, 11, 10))) == \
        ("dropped", date(2026, 6, 1), date(2026, 11, 9))


def test_a_member_dropped_on_the_lists_day_was_last_attributed_the_day_before() -> None:
    assert entry(PracticePeriod(PCP_A, date(2026, 6, 1), AS_OF)) == ("dropped", date(2026, 6, 1), date(2026, 11, 19))


def test_a_member_added_and_dropped_the_same_day_is_dropped_with_a_one_day_period_never_ending_before_it_starts(
) -> None:
    assert entry(PracticePeriod(PCP_A, date(2026, 11, 12), date(2026, 11, 12))) == \
        ("dropped", date(2026, 11, 12), date(2026, 11, 12))


def test_a_member_from_another_practice_or_from_no_pcp_is_new() -> None:
    assert entry(PracticePeriod(PCP_A, date(2026, 11, 12), None)) == ("new", date(2026, 11, 12), None)


def test_a_member_moving_between_the_practices_own_pcps_is_changed() -> None:
    assert entry(PracticePeriod(PCP_A, date(2026, 6, 1), date(2026, 11, 12)),
                 PracticePeriod(PCP_B, date(2026, 11, 12), None)) == ("changed", date(2026, 11, 12), None)


def test_a_member_back_at_the_practice_after_a_gap_is_new() -> None:
    assert entry(PracticePeriod(PCP_A, date(2026, 6, 1), date(2026, 11, 3)),
                 PracticePeriod(PCP_B, date(2026, 11, 12), None))[0] == "new"


def test_a_member_attributed_since_before_the_month_is_nochange() -> None:
    assert entry(PracticePeriod(PCP_A, date(2026, 6, 1), None)) == ("nochange", date(2026, 6, 1), None)
    assert entry(PracticePeriod(PCP_A, date(2026, 6, 1), date(2026, 12, 1)))[0] == "nochange"  # ends later
