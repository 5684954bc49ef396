"""The synthetic history's generator: ids that no real case can have, cases received in business hours and
ended before the period does, and a process change that shortens only what comes after it."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

import numpy as np

from liaison_reporting.synthetic import (
    CASE_COLUMNS,
    CYCLE_COLUMNS,
    FIRST_ID,
    LAST_ID,
    PG_EPOCH,
    BusinessDays,
    changed,
    chunk_rows,
    microseconds,
    squashed,
    synthetic_ids,
)
from liaison_shared.program import program_calendar

CALENDAR = program_calendar()


def instant(us: int) -> datetime:
    return (PG_EPOCH + timedelta(microseconds=us)).astimezone(CALENDAR.zone)


def test_synthetic_ids_lie_in_a_range_no_random_id_can_fall_in() -> None:
    ids = synthetic_ids(np.random.default_rng(1), 5000)
    assert len(set(ids)) == 5000 and all(FIRST_ID <= i <= LAST_ID for i in ids)
    assert {i.version for i in ids} == {8} and {i.variant for i in ids} == {uuid.RFC_4122}
    # A random (version 4) id has a 4 where every synthetic id has its 8.
    assert all(not FIRST_ID <= uuid.uuid4() <= LAST_ID for _ in range(1000))


def test_the_part_of_a_duration_after_the_change_is_shortened() -> None:
    offsets = np.array([3600.0, 7200.0, 7200.0, np.nan])
    until_change = np.array([5000.0, 5000.0, -100.0, 0.0])  # the last two received after the change
    assert np.allclose(changed(offsets, until_change, 0.75), [3600, 5000 + 2200 * 0.75, 5400, np.nan],
                       equal_nan=True)


def test_a_duration_that_would_end_after_the_period_is_squashed_into_it_in_order() -> None:
    offsets = np.array([10.0, 49.0, 60.0, 100.0, 1e9, np.nan])
    found = squashed(offsets, np.full(6, 100.0))
    assert list(found[:2]) == [10.0, 49.0] and np.isnan(found[5])  # within half the room: as they were
    assert np.all(np.diff(found[:5]) >= 0) and np.all(found[:5] <= 100.0)


def test_cases_are_received_in_business_hours_and_end_before_the_period_does() -> None:
    first, last = date(2026, 8, 3), date(2026, 11, 30)
    days = BusinessDays.of(CALENDAR, first, last)
    now = datetime(2026, 12, 1, 9, tzinfo=CALENDAR.zone)
    change = (days.index(date(2026, 10, 20)), 0.75)
    cases, cycles = chunk_rows(np.random.default_rng(7), 3000, days, microseconds(now), change)
    column = {name: n for n, name in enumerate(CASE_COLUMNS)}
    close = datetime.combine(last, CALENDAR.config.closes, CALENDAR.zone)
    for row in cases:
        received = instant(row[column["received_at"]])
        assert CALENDAR.is_business_day(received.date()) and first <= received.date() <= last
        assert CALENDAR.config.opens <= received.time() < CALENDAR.config.closes
        assert received <= instant(row[column["resolved_at"]]) <= instant(row[column["last_resolved_at"]]) <= close
    assert {row[CYCLE_COLUMNS.index("inquiry_id")] for row in cycles} <= {row[0] for row in cases}
