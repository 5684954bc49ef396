"""Tests of the business calendar. Expected instants are written out in UTC, worked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from liaison_shared.calendar import BusinessCalendar, CalendarConfig

CHICAGO = ZoneInfo("America/Chicago")
# The holidays package does not list Iowa's Friday after Thanksgiving, so it is configured here.
DAY_AFTER_THANKSGIVING = date(2026, 11, 27)
CAL = BusinessCalendar(CalendarConfig(added_holidays={DAY_AFTER_THANKSGIVING: "Day after Thanksgiving"}))
DEFAULT = BusinessCalendar()


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHICAGO)  # type: ignore[misc]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


# -- the product examples ------------------------------------------------------------------


def test_one_business_day_from_monday_morning_ends_tuesday_same_time() -> None:
    assert CAL.add_business_days(local(2026, 1, 12, 10), 1) == utc(2026, 1, 13, 16)


def test_one_business_day_from_saturday_ends_monday_at_closing() -> None:
    assert CAL.add_business_days(local(2026, 1, 10, 11), 1) == utc(2026, 1, 12, 23)


def test_deadline_landing_on_closing_time_stays_at_closing() -> None:
    assert CAL.add_business_hours(local(2026, 1, 12, 8), 9) == utc(2026, 1, 12, 23)


def test_hours_left_at_closing_carry_over_to_next_opening() -> None:
    assert CAL.add_business_hours(local(2026, 1, 12, 16), 2) == utc(2026, 1, 13, 15)


def test_fractional_hours_and_timedeltas_count_the_same() -> None:
    start = local(2026, 1, 12, 16)
    assert CAL.add_business_hours(start, 1.5) == CAL.add_business_hours(start, timedelta(minutes=90))
    assert CAL.add_business_hours(start, 1.5) == utc(2026, 1, 13, 14, 30)


def test_zero_duration_inside_hours_returns_start_in_utc() -> None:
    assert CAL.add_business_hours(local(2026, 1, 12, 10, 15), 0) == utc(2026, 1, 12, 16, 15)


def test_zero_duration_outside_hours_returns_next_opening() -> None:
    assert CAL.add_business_hours(local(2026, 1, 12, 17), 0) == utc(2026, 1, 13, 14)
    assert CAL.add_business_days(local(2026, 1, 10, 9), 0) == utc(2026, 1, 12, 14)


def test_half_business_day_is_half_the_open_hours() -> None:
    assert CAL.add_business_days(local(2026, 1, 12, 8), 0.5) == utc(2026, 1, 12, 18, 30)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (local(2026, 1, 12, 7), utc(2026, 1, 12, 23)),  # before opening: same day
        (local(2026, 1, 12, 10), utc(2026, 1, 12, 23)),
        (local(2026, 1, 12, 17, 30), utc(2026, 1, 13, 23)),  # after closing: next day
        (local(2026, 1, 12, 17), utc(2026, 1, 13, 23)),  # closing instant is already closed
        (local(2026, 1, 16, 17, 30), utc(2026, 1, 20, 23)),  # Monday the 19th is MLK Day
        (local(2026, 1, 9, 17, 30), utc(2026, 1, 12, 23)),  # Friday evening: Monday
    ],
)
def test_end_of_business_day_closes_the_day_the_clock_starts(start: datetime, expected: datetime) -> None:
    assert CAL.end_of_business_day(start) == expected


def test_end_of_business_day_n_following_receipt_skips_closed_days() -> None:
    assert CAL.end_of_business_day(local(2026, 1, 12, 10), days_after=2) == utc(2026, 1, 14, 23)
    # Receipt Wednesday before Thanksgiving; Thursday, Friday and the weekend are closed.
    assert CAL.end_of_business_day(local(2026, 11, 25, 10), days_after=1) == utc(2026, 11, 30, 23)
    # Receipt on Saturday counts Monday as the receipt day.
    assert CAL.end_of_business_day(local(2026, 1, 10, 10), days_after=1) == utc(2026, 1, 13, 23)


def test_calendar_time_is_elapsed_time_even_across_dst() -> None:
    # 12:00 CST + 48 h is 13:00 CDT: the wall clock skipped an hour.
    assert CAL.add_calendar_time(local(2026, 3, 7, 12), timedelta(hours=48)) == utc(2026, 3, 9, 18)


# -- holidays, weekends, DST ---------------------------------------------------------------


def test_thanksgiving_week_skips_thursday_friday_and_weekend() -> None:
    # Wed 15:00-17:00 is 2 h; Thu 26 (federal) and Fri 27 (configured) are closed; Mon 08:00 + 2 h.
    assert CAL.add_business_hours(local(2026, 11, 25, 15), 4) == utc(2026, 11, 30, 16)
    assert CAL.holiday_name(date(2026, 11, 26)) == "Thanksgiving Day"
    assert not CAL.is_business_day(DAY_AFTER_THANKSGIVING)


def test_weekend_is_skipped() -> None:
    assert CAL.add_business_hours(local(2026, 1, 9, 16), 2) == utc(2026, 1, 12, 15)
    assert not CAL.is_business_day(date(2026, 1, 10))
    assert not CAL.is_open(local(2026, 1, 11, 12))


def test_christmas_is_skipped() -> None:
    # Christmas 2026 is a Friday: Thursday 16:00 + 2 h runs into Monday the 28th.
    assert CAL.add_business_hours(local(2026, 12, 24, 16), 2) == utc(2026, 12, 28, 15)


def test_new_year_is_skipped() -> None:
    # 1 h on New Year's Eve, then 8 h on Monday 2027-01-04 after the Friday holiday.
    assert CAL.add_business_days(local(2026, 12, 31, 16), 1) == utc(2027, 1, 4, 22)


def test_observed_holiday_on_friday_before_saturday_new_year_is_closed() -> None:
    assert CAL.holiday_name(date(2027, 12, 31)) == "New Year's Day (observed)"
    assert CAL.end_of_business_day(local(2027, 12, 30, 18)) == utc(2028, 1, 3, 23)


def test_spring_dst_weekend_counts_only_open_hours() -> None:
    # Friday 16:00 CST (22:00 UTC) + 2 h: 1 h Friday, then Monday 08:00-09:00 CDT (UTC-5).
    assert CAL.add_business_hours(local(2026, 3, 6, 16), 2) == utc(2026, 3, 9, 14)


def test_autumn_dst_weekend_counts_only_open_hours() -> None:
    # Friday 16:00 CDT + 2 h ends Monday 09:00 CST (UTC-6).
    assert CAL.add_business_hours(local(2026, 10, 30, 16), 2) == utc(2026, 11, 2, 15)
    assert CAL.business_time_between(local(2026, 10, 30, 16), local(2026, 11, 2, 9)) == timedelta(hours=2)


def test_thirty_business_days_skip_mlk_lincoln_and_washington() -> None:
    # Business day 30 counting Mon 2026-01-05 as day 1 is Wed 2026-02-18 (Jan 19, Feb 12, Feb 16 closed).
    assert CAL.add_business_days(local(2026, 1, 5, 8), 30) == utc(2026, 2, 18, 23)


def test_long_clock_is_computed_day_by_day_not_minute_by_minute() -> None:
    assert CAL.add_business_days(local(2026, 1, 5, 8), 2000) > utc(2033, 1, 1)


# -- configuration -------------------------------------------------------------------------


def test_added_holiday_closes_the_day() -> None:
    assert CAL.holiday_name(DAY_AFTER_THANKSGIVING) == "Day after Thanksgiving"
    assert CAL.next_opening(local(2026, 11, 26, 9)) == utc(2026, 11, 30, 14)


def test_removed_holiday_opens_the_day() -> None:
    lincoln = date(2026, 2, 12)
    assert DEFAULT.holiday_name(lincoln) == "Lincoln's Birthday"
    cal = BusinessCalendar(CalendarConfig(removed_holidays=frozenset({lincoln})))
    assert cal.holiday_name(lincoln) is None
    assert cal.is_open(local(2026, 2, 12, 9))
    assert not DEFAULT.is_open(local(2026, 2, 12, 9))


def test_custom_hours_zone_and_weekdays_are_honoured() -> None:
    cfg = CalendarConfig(
        timezone="America/New_York", opens=time(9), closes=time(13), weekdays=frozenset({5}), subdivision=None
    )
    cal = BusinessCalendar(cfg)
    # Monday -> first Saturday 2026-01-17 09:00 EST (14:00 UTC) + 4 h = 13:00 EST.
    assert cal.add_business_days(datetime(2026, 1, 12, 10, tzinfo=UTC), 1) == utc(2026, 1, 17, 18)


def test_business_time_between_counts_open_hours_only() -> None:
    assert CAL.business_time_between(local(2026, 1, 9, 16), local(2026, 1, 12, 9)) == timedelta(hours=2)
    assert CAL.business_time_between(local(2026, 1, 12, 9), local(2026, 1, 12, 9)) == timedelta(0)
    assert CAL.business_time_between(local(2026, 1, 12, 12), local(2026, 1, 12, 9)) == timedelta(0)


@pytest.mark.parametrize(
    "call",
    [
        lambda naive: CAL.is_open(naive),
        lambda naive: CAL.next_opening(naive),
        lambda naive: CAL.add_business_hours(naive, 1),
        lambda naive: CAL.add_business_days(naive, 1),
        lambda naive: CAL.end_of_business_day(naive),
        lambda naive: CAL.add_calendar_time(naive, timedelta(hours=1)),
        lambda naive: CAL.business_time_between(naive, utc(2026, 1, 1)),
        lambda naive: CAL.business_time_between(utc(2026, 1, 1), naive),
    ],
)
def test_naive_datetime_is_rejected(call: object) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        call(datetime(2026, 1, 12, 10))  # type: ignore[operator]


def test_negative_durations_are_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        CAL.add_business_hours(local(2026, 1, 12, 10), -1)
    with pytest.raises(ValueError, match="negative"):
        CAL.add_business_days(local(2026, 1, 12, 10), -1)
    with pytest.raises(ValueError, match="negative"):
        CAL.end_of_business_day(local(2026, 1, 12, 10), days_after=-1)


def test_datetime_passed_as_day_is_rejected() -> None:
    with pytest.raises(TypeError):
        CAL.is_business_day(datetime(2026, 1, 12, 10, tzinfo=UTC))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"opens": time(17), "closes": time(8)}, "must be before closes"),
        ({"opens": time(9), "closes": time(9)}, "must be before closes"),
        ({"timezone": "America/Des_Moines"}, "unknown IANA time zone"),
        ({"weekdays": frozenset()}, "at least one weekday"),
        ({"weekdays": frozenset({7})}, "within 0..6"),
        ({"country": "XX"}, "unsupported holiday calendar"),
        ({"subdivision": "ZZ"}, "unsupported holiday calendar"),
    ],
)
def test_bad_config_is_rejected_with_validation_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CalendarConfig(**kwargs)  # type: ignore[arg-type]


def test_config_is_frozen() -> None:
    with pytest.raises(ValidationError):
        CAL.config.opens = time(7)  # type: ignore[misc]


# -- properties ----------------------------------------------------------------------------

starts = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2028, 12, 31),
    timezones=st.sampled_from([UTC, CHICAGO]),
)
durations = st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(hours=300))
day_counts = st.floats(min_value=0.01, max_value=30, allow_nan=False, allow_infinity=False)
extras = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=50))
bounded = settings(max_examples=200, deadline=None)


def _is_open_or_closing(instant: datetime) -> bool:
    wall = instant.astimezone(CHICAGO)
    return CAL.is_open(instant) or (wall.time() == time(17) and CAL.is_business_day(wall.date()))


@bounded
@given(start=starts, duration=durations)
def test_business_hour_deadline_is_open_or_at_closing_on_a_business_day(
    start: datetime, duration: timedelta
) -> None:
    deadline = CAL.add_business_hours(start, duration)
    assert deadline.tzinfo is UTC
    assert deadline > start
    assert _is_open_or_closing(deadline)
    assert CAL.is_business_day(deadline.astimezone(CHICAGO).date())


@bounded
@given(start=starts, days=day_counts)
def test_business_day_deadline_is_open_or_at_closing_on_a_business_day(start: datetime, days: float) -> None:
    deadline = CAL.add_business_days(start, days)
    assert deadline.tzinfo is UTC
    assert _is_open_or_closing(deadline)
    assert CAL.is_business_day(deadline.astimezone(CHICAGO).date())


@bounded
@given(start=starts, first=durations, extra=extras)
def test_more_business_time_never_gives_an_earlier_deadline(
    start: datetime, first: timedelta, extra: timedelta
) -> None:
    assert CAL.add_business_hours(start, first) <= CAL.add_business_hours(start, first + extra)


@bounded
@given(start=starts, duration=durations)
def test_business_time_between_inverts_add_business_hours(start: datetime, duration: timedelta) -> None:
    start = CAL.next_opening(start)
    duration = timedelta(seconds=duration // timedelta(seconds=1))
    assert CAL.business_time_between(start, CAL.add_business_hours(start, duration)) == duration


@bounded
@given(start=starts, days_after=st.integers(min_value=0, max_value=30))
def test_end_of_business_day_is_a_closing_time_after_start(start: datetime, days_after: int) -> None:
    end = CAL.end_of_business_day(start, days_after=days_after)
    wall = end.astimezone(CHICAGO)
    assert end.tzinfo is UTC
    assert end > start
    assert wall.time() == time(17) and CAL.is_business_day(wall.date())


@bounded
@given(start=starts, duration=st.timedeltas(min_value=timedelta(hours=-100), max_value=timedelta(hours=100)))
def test_calendar_time_is_plain_elapsed_addition(start: datetime, duration: timedelta) -> None:
    result = CAL.add_calendar_time(start, duration)
    assert result.tzinfo is UTC
    assert result - start == duration
