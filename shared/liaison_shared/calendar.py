"""Business calendar: open hours, holidays and deadline arithmetic for escalation clocks.

Every public method takes timezone-aware datetimes and returns aware datetimes in UTC. Arithmetic
is done per business day in local wall time (each day's opening and closing are converted to UTC
through zoneinfo), so clocks that span a DST change count the hours that were really open.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["BusinessCalendar", "CalendarConfig", "HolidayRule"]

_UTC = dt.UTC
_ONE_DAY = dt.timedelta(days=1)


class HolidayRule(BaseModel):
    """A holiday that recurs every year, beside the holiday library's own.

    Either `days` after a holiday the library names (`after: Thanksgiving Day`, `days: 1` is the day
    after Thanksgiving), or a fixed `month` and `day`; `observed` moves one that falls on a Saturday to
    the Friday before and one on a Sunday to the Monday after, as federal holidays are observed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    after: str | None = None
    days: int = Field(default=0, ge=-7, le=7)
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)
    observed: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> HolidayRule:
        relative, fixed = self.after is not None, self.month is not None and self.day is not None
        if relative == fixed or (self.month is None) != (self.day is None):
            raise ValueError("give either `after` (and `days`) or both `month` and `day`")
        if fixed and self.days:
            raise ValueError("`days` applies only with `after`")
        return self

    def dates(self, year: int, library: dict[dt.date, str]) -> list[dt.date]:
        """The day(s) this rule makes a holiday in `year`."""
        if self.after is not None:
            found = [day + dt.timedelta(days=self.days) for day, name in library.items() if name == self.after]
        else:
            assert self.month is not None and self.day is not None
            try:
                found = [dt.date(year, self.month, self.day)]
            except ValueError:  # 29 February outside a leap year
                found = []
        return [_observed(day) if self.observed else day for day in found]


def _observed(day: dt.date) -> dt.date:
    return day - _ONE_DAY if day.weekday() == 5 else day + _ONE_DAY if day.weekday() == 6 else day


class CalendarConfig(BaseModel):
    """Business hours, working weekdays, time zone and holiday source of a calendar."""

    model_config = ConfigDict(frozen=True)

    timezone: str = "America/Chicago"
    opens: dt.time = dt.time(8, 0)
    closes: dt.time = dt.time(17, 0)
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})  # Monday=0
    country: str = "US"
    subdivision: str | None = "IA"
    added_holidays: dict[dt.date, str] = Field(default_factory=dict)
    removed_holidays: frozenset[dt.date] = frozenset()
    holiday_rules: tuple[HolidayRule, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("opens", "closes")
    @classmethod
    def _wall_clock_time(cls, value: dt.time) -> dt.time:
        # The calendar's own time zone applies; a second zone on the time would be ambiguous.
        if value.tzinfo is not None:
            raise ValueError("opening and closing times must be naive wall-clock times")
        return value

    @field_validator("weekdays")
    @classmethod
    def _valid_weekdays(cls, value: frozenset[int]) -> frozenset[int]:
        if not value:
            raise ValueError("at least one weekday must be a business day")
        if not value <= set(range(7)):
            raise ValueError(f"weekdays must be within 0..6 (Monday=0), got {sorted(value)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> CalendarConfig:
        if self.opens >= self.closes:
            raise ValueError(f"opens ({self.opens}) must be before closes ({self.closes})")
        try:
            sample = holidays.country_holidays(self.country, subdiv=self.subdivision, years=[2026, 2027])
        except NotImplementedError as exc:
            raise ValueError(f"unsupported holiday calendar: {exc}") from exc
        known = {str(name) for name in sample.values()}
        if unknown := sorted({r.after for r in self.holiday_rules if r.after is not None} - known):
            raise ValueError(f"holiday_rules name holidays the calendar does not have: {unknown} "
                             f"(it has {', '.join(sorted(known))})")
        return self


def _require_aware(name: str, value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value.isoformat()}")


def _as_timedelta(hours: float | dt.timedelta) -> dt.timedelta:
    duration = hours if isinstance(hours, dt.timedelta) else dt.timedelta(hours=hours)
    if duration < dt.timedelta(0):
        raise ValueError(f"business durations must not be negative, got {duration}")
    return duration


class BusinessCalendar:
    """Deadline arithmetic over business hours [opens, closes) on non-holiday business weekdays."""

    def __init__(self, config: CalendarConfig | None = None) -> None:
        self.config = config or CalendarConfig()
        self._zone = ZoneInfo(self.config.timezone)
        wall = dt.date(2000, 1, 1)
        # Nominal length of a business day, used to turn business days into business hours.
        self._day_length = dt.datetime.combine(wall, self.config.closes) - dt.datetime.combine(
            wall, self.config.opens
        )
        self._holidays_by_year: dict[int, dict[dt.date, str]] = {}

    @property
    def zone(self) -> ZoneInfo:
        """The program's time zone."""
        return self._zone

    def local(self, instant: dt.datetime) -> dt.datetime:
        """``instant`` in the program's local time, for display (deadlines are stored in UTC)."""
        _require_aware("instant", instant)
        return instant.astimezone(self._zone)

    # -- days -------------------------------------------------------------------------------

    def holiday_name(self, day: dt.date) -> str | None:
        """Return the holiday's name if ``day`` is a holiday after configured additions/removals."""
        day = _plain_date(day)
        year = self._holidays_by_year.get(day.year)
        if year is None:
            year = self._load_year(day.year)
        return year.get(day)

    def is_business_day(self, day: dt.date) -> bool:
        """Return whether ``day`` (a local date) is a configured weekday and not a holiday."""
        day = _plain_date(day)
        return day.weekday() in self.config.weekdays and self.holiday_name(day) is None

    def _load_year(self, year: int) -> dict[dt.date, str]:
        source = holidays.country_holidays(self.config.country, subdiv=self.config.subdivision,
                                           years=[year - 1, year, year + 1])  # a rule may cross New Year
        library = {day: str(name) for day, name in source.items()}
        days = {day: name for day, name in library.items() if day.year == year}
        for rule in self.config.holiday_rules:
            days.update({day: rule.name for source_year in (year - 1, year, year + 1)
                         for day in rule.dates(source_year, library) if day.year == year})
        for day in self.config.removed_holidays:
            days.pop(day, None)
        days.update({day: name for day, name in self.config.added_holidays.items() if day.year == year})
        self._holidays_by_year[year] = days
        return days

    # -- instants ---------------------------------------------------------------------------

    def _bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        opening = dt.datetime.combine(day, self.config.opens, tzinfo=self._zone).astimezone(_UTC)
        closing = dt.datetime.combine(day, self.config.closes, tzinfo=self._zone).astimezone(_UTC)
        return opening, closing

    def _period_at_or_after(self, instant: dt.datetime) -> tuple[dt.date, dt.datetime, dt.datetime]:
        """The business day whose open period contains ``instant`` or is the first one after it."""
        day = instant.astimezone(self._zone).date()
        while True:
            if self.is_business_day(day):
                opening, closing = self._bounds(day)
                if instant < closing:
                    return day, opening, closing
            day += _ONE_DAY

    def _next_business_day(self, day: dt.date) -> dt.date:
        day += _ONE_DAY
        while not self.is_business_day(day):
            day += _ONE_DAY
        return day

    def is_open(self, instant: dt.datetime) -> bool:
        """Return whether ``instant`` lies within business hours (closing time itself is closed)."""
        _require_aware("instant", instant)
        day = instant.astimezone(self._zone).date()
        if not self.is_business_day(day):
            return False
        opening, closing = self._bounds(day)
        return opening <= instant < closing

    def next_opening(self, instant: dt.datetime) -> dt.datetime:
        """Return ``instant`` (in UTC) if open, else the next opening time."""
        _require_aware("instant", instant)
        _, opening, _ = self._period_at_or_after(instant)
        return max(instant.astimezone(_UTC), opening)

    # -- clocks -----------------------------------------------------------------------------

    def add_business_hours(self, start: dt.datetime, hours: float | dt.timedelta) -> dt.datetime:
        """Return the instant after ``hours`` of open time from ``start``.

        A start outside business hours begins at the next opening. A deadline that lands exactly
        on a closing time stays there. Fractional hours and timedeltas are accepted.
        """
        _require_aware("start", start)
        remaining = _as_timedelta(hours)
        current = start.astimezone(_UTC)
        while True:
            _, opening, closing = self._period_at_or_after(current)
            current = max(current, opening)
            if current + remaining <= closing:
                return current + remaining
            remaining -= closing - current
            current = closing

    def add_business_days(self, start: dt.datetime, days: float) -> dt.datetime:
        """Return the deadline ``days`` business days after ``start``.

        One business day is one nominal day's open hours (closes - opens) of business time, so
        Monday 10:00 + 1 is Tuesday 10:00 and Saturday + 1 is Monday at closing.
        """
        if days < 0:
            raise ValueError(f"business days must not be negative, got {days}")
        return self.add_business_hours(start, self._day_length * days)

    def end_of_business_day(self, start: dt.datetime, days_after: int = 0) -> dt.datetime:
        """Return the closing time of the ``days_after``-th business day after the receipt day.

        The receipt day is the business day whose open period contains ``start``, or the next one
        if ``start`` is outside business hours; ``days_after=0`` is the receipt day's closing.
        """
        _require_aware("start", start)
        if days_after < 0:
            raise ValueError(f"days_after must not be negative, got {days_after}")
        day, _, _ = self._period_at_or_after(start)
        for _ in range(days_after):
            day = self._next_business_day(day)
        return self._bounds(day)[1]

    def add_calendar_time(self, start: dt.datetime, duration: dt.timedelta) -> dt.datetime:
        """Return ``start + duration`` in elapsed (not wall-clock) time, as UTC."""
        _require_aware("start", start)
        # Adding to a zoneinfo datetime is wall-clock arithmetic; UTC makes it elapsed time.
        return start.astimezone(_UTC) + duration

    def add_calendar_days(self, instant: dt.datetime, days: int) -> dt.datetime:
        """`instant` moved `days` local dates on, at the same local wall time: a midnight stays a
        midnight across a DST change, where adding 24-hour days would not (an extension of N days)."""
        _require_aware("instant", instant)
        local = instant.astimezone(self._zone)
        moved = dt.datetime.combine(local.date() + dt.timedelta(days=days), local.time(), tzinfo=self._zone)
        return moved.astimezone(_UTC)

    def end_of_calendar_day(self, start: dt.datetime, days: int) -> dt.datetime:
        """The end of the `days`-th calendar day after the local day of `start`: local midnight that
        begins the day after it ("within 90 calendar days of receipt"; a receipt on 1 March is due
        by the end of 30 May). Counted in local dates, so a DST change in between moves no deadline
        off midnight; weekends and holidays count."""
        _require_aware("start", start)
        if days < 0:
            raise ValueError(f"days must be >= 0, got {days}")
        last_day = start.astimezone(self._zone).date() + dt.timedelta(days=days)
        midnight = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=self._zone)
        return midnight.astimezone(_UTC)

    def business_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Return the open time within [start, end); zero if ``end`` is not after ``start``."""
        _require_aware("start", start)
        _require_aware("end", end)
        total = dt.timedelta(0)
        current = start.astimezone(_UTC)
        end = end.astimezone(_UTC)
        while current < end:
            _, opening, closing = self._period_at_or_after(current)
            if opening >= end:
                break
            total += min(end, closing) - max(current, opening)
            current = closing
        return total


def _plain_date(day: dt.date) -> dt.date:
    # A datetime is a date subclass; accepting one would silently ignore its time zone.
    if isinstance(day, dt.datetime):
        raise TypeError("pass a local date; use is_open() for an instant")
    return day
