"""The program file every service reads (liaison_shared.program): its calendar,
recurring holiday rules, and a clear refusal of a bad file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from liaison_shared.calendar import BusinessCalendar, CalendarConfig, HolidayRule
from liaison_shared.program import DEFAULT_FILE, ProgramError, load_program, program_calendar

THANKSGIVING_FRIDAYS = [dt.date(2026, 11, 27), dt.date(2027, 11, 26), dt.date(2028, 11, 24), dt.date(2030, 11, 29)]


def refusal(tmp_path: Path, text: str) -> str:
    path = tmp_path / "program.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProgramError) as caught:
        load_program(path)
    return str(caught.value)


def test_the_shipped_program_is_iowa_business_hours_in_central_time() -> None:
    config = load_program().calendar
    assert (config.timezone, config.opens, config.closes) == ("America/Chicago", dt.time(8), dt.time(17))
    assert program_calendar() is program_calendar()  # read once per process


@pytest.mark.parametrize("friday", THANKSGIVING_FRIDAYS)
def test_the_day_after_thanksgiving_is_closed_every_year_not_only_2026(friday: dt.date) -> None:
    calendar = program_calendar()
    assert calendar.holiday_name(friday) == "Day after Thanksgiving"
    assert not calendar.is_business_day(friday)
    assert calendar.is_business_day(friday + dt.timedelta(days=3))  # the Monday after


def test_a_holiday_on_a_sunday_is_observed_the_monday_after() -> None:
    calendar = program_calendar()
    assert calendar.holiday_name(dt.date(2027, 7, 5)) == "Independence Day (observed)"  # 4 July 2027 is a Sunday
    rule = HolidayRule(name="Founders Day", month=3, day=7, observed=True)  # Sunday in 2027, Saturday in 2026
    own = BusinessCalendar(CalendarConfig(holiday_rules=(rule,)))
    assert own.holiday_name(dt.date(2027, 3, 8)) == "Founders Day"
    assert own.holiday_name(dt.date(2026, 3, 6)) == "Founders Day"
    assert own.is_business_day(dt.date(2027, 3, 9))


def test_a_rule_after_a_holiday_the_calendar_lacks_is_refused(tmp_path: Path) -> None:
    text = DEFAULT_FILE.read_text(encoding="utf-8").replace("after: Thanksgiving Day", "after: Thanksgiving")
    assert "holiday_rules name holidays the calendar does not have: ['Thanksgiving']" in refusal(tmp_path, text)


def test_a_rule_is_relative_or_fixed_not_both() -> None:
    with pytest.raises(ValueError, match="either `after`"):
        HolidayRule(name="x", after="Thanksgiving Day", month=11, day=27)


def test_an_unquoted_closing_time_is_refused_rather_than_read_as_seconds(tmp_path: Path) -> None:
    text = DEFAULT_FILE.read_text(encoding="utf-8").replace('closes: "17:00"', "closes: 17:00")
    assert "calendar: write closes as a quoted 'HH:MM' string" in refusal(tmp_path, text)


def test_an_unknown_calendar_key_and_a_bad_zone_are_refused_at_their_location(tmp_path: Path) -> None:
    text = DEFAULT_FILE.read_text(encoding="utf-8").replace("timezone: America/Chicago", "time_zone: America/Chicago")
    assert "calendar: unknown keys ['time_zone'] (expected timezone, opens, closes, " in refusal(tmp_path, text)
    text = DEFAULT_FILE.read_text(encoding="utf-8").replace("America/Chicago", "America/Des_Moines")
    assert "calendar.timezone: unknown IANA time zone 'America/Des_Moines'" in refusal(tmp_path, text)
