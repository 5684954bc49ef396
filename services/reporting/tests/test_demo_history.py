"""`liaison-reporting demo-history` on a fresh schema: the period it covers, that a second run replaces the
first (and leaves the rows made from events alone), that the reports over it find the process change, and their
figures over its thousands of cases against numpy and scipy computed here from the raw rows."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from scipy.stats import median_test
from sqlalchemy import text

from liaison_reporting.demo_history import History, demo_history
from liaison_reporting.main import MIGRATIONS
from liaison_reporting.synthetic import FIRST_ID, LAST_ID
from liaison_shared.program import program_calendar

from .conftest import Reporting
from .test_reports import CHICAGO, opened, resolution

NOW = datetime(2026, 11, 20, 15, 30, tzinfo=CHICAGO)  # a Friday afternoon
SYNTHETIC = "id BETWEEN :first AND :last"
WITHIN = "{0} >= :since AND {0} < :until"  # the history's period, local days


def bounds(history: History) -> dict[str, datetime]:
    return {"since": datetime.combine(history.first, datetime.min.time(), CHICAGO),
            "until": datetime.combine(history.last + timedelta(days=1), datetime.min.time(), CHICAGO)}


async def rows(reporting: Reporting, statement: str, **params: Any) -> list[Any]:
    async with reporting.runtime.engine.begin() as conn:
        return list((await conn.execute(text(statement), {"first": FIRST_ID, "last": LAST_ID, **params})).all())


async def written(reporting: Reporting) -> History:
    return await demo_history(reporting.runtime.settings, MIGRATIONS, program_calendar(), now=NOW)


async def test_a_second_run_replaces_the_first_and_leaves_the_cases_made_of_events(reporting: Reporting) -> None:
    real, events = opened(datetime(2026, 11, 16, 9, tzinfo=CHICAGO))
    await reporting.publish(*events, resolution(real, datetime(2026, 11, 16, 11, tzinfo=CHICAGO)))  # type: ignore[arg-type]

    first = await written(reporting)
    assert (first.first, first.last, first.change_on) == (date(2026, 7, 23), date(2026, 11, 19), date(2026, 10, 9))
    assert first.replaced == 0 and first.cycles > first.cases
    calendar = program_calendar()
    business_days = sum(calendar.is_business_day(first.first + timedelta(days=n)) for n in range(120))
    assert abs(first.cases / business_days - 60) < 1  # ~60 a business day
    [(received_first, received_last, latest)] = await rows(reporting, f"""
        SELECT min(received_at), max(received_at), max(greatest(last_resolved_at, last_reopened_at))
        FROM cases WHERE {SYNTHETIC}""")
    assert first.first <= received_first.astimezone(CHICAGO).date() and \
        received_last.astimezone(CHICAGO).date() <= first.last and latest < NOW
    days = await rows(reporting, f"SELECT DISTINCT date(timezone('America/Chicago', received_at)) FROM cases "
                      f"WHERE {SYNTHETIC}")
    assert days and all(calendar.is_business_day(day) for (day,) in days)
    [(open_again,)] = await rows(reporting, f"SELECT count(*) FROM cases WHERE {SYNTHETIC} AND kind IS NULL "
                                 "AND (last_resolved_at IS NULL OR last_reopened_at > last_resolved_at)")
    assert 0 < open_again < 0.02 * first.cases  # a handful reopened and open still; every other one resolved
    assert "2026-07-23 .. 2026-11-19" in first.summary() and "2026-10-09" in first.summary()

    second = await written(reporting)
    assert (second.cases, second.cycles, second.replaced) == (first.cases, first.cycles, first.cases)
    assert second.grievances_appeals == first.grievances_appeals and 4 * 30 <= first.grievances_appeals <= 4 * 60
    assert await reporting.sql("SELECT count(*) FROM cases") == first.cases + first.grievances_appeals + 1
    assert await reporting.sql("SELECT count(*) FROM clock_cycles WHERE inquiry_id BETWEEN :first AND :last",
                               first=FIRST_ID, last=LAST_ID) == first.cycles
    assert await reporting.sql("SELECT count(*) FROM cases WHERE id = :id", id=real) == 1


async def test_the_reports_over_the_history_find_the_process_change(reporting: Reporting) -> None:
    history = await written(reporting)
    period = {"start": history.first.isoformat(), "end": history.last.isoformat()}
    cut = history.change_on
    status, compared = await reporting.get("/v1/reports/before-after", cut=cut.isoformat(), **period)
    assert status == 200
    assert compared["test"]["p_value"] < 0.01 and -30 < compared["percent_change"] < -15, compared["sentence"]
    assert compared["sentence"].startswith("resolution time fell ")
    # Against scipy and numpy, from the raw durations.
    measured = await rows(reporting, f"""
        SELECT date(timezone('America/Chicago', resolved_at)), resolution_business_s / 3600.0 FROM cases
        WHERE resolution_business_s IS NOT NULL AND {WITHIN.format('resolved_at')}""", **bounds(history))
    before = np.array([hours for day, hours in measured if day < cut])
    after = np.array([hours for day, hours in measured if day >= cut])
    expected = median_test(before, after, ties="below", correction=True)
    assert np.isclose(compared["test"]["p_value"], expected.pvalue, rtol=1e-6, atol=1e-300)
    assert np.isclose(compared["test"]["statistic"], expected.statistic)
    assert np.isclose(compared["test"]["grand_median"], expected.median)
    for side, values in (("before", before), ("after", after)):
        box = compared[side]
        q1, q2, q3 = np.percentile(values, [25, 50, 75])
        low, high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
        beyond = values[(values < low) | (values > high)]
        assert box["count"] == len(values) and box["outlier_count"] == len(beyond) > 20
        assert np.allclose([box["lower_quartile"], box["median"], box["upper_quartile"], box["minimum"],
                            box["maximum"], box["lower_whisker"], box["upper_whisker"]],
                           [q1, q2, q3, values.min(), values.max(), values[values >= low].min(),
                            values[values <= high].max()])
        farthest = sorted(beyond, key=lambda v: (-abs(v - q2), v))[:20]
        assert np.allclose(box["outliers"], sorted(farthest))

    status, chart = await reporting.get("/v1/reports/control-chart", **period)
    assert status == 200
    by_day: dict[str, list[float]] = defaultdict(list)
    for day, hours in measured:
        by_day[day.isoformat()].append(hours)
    assert [m is None for m in chart["daily_median_hours"]] == [d not in by_day for d in chart["days"]]
    assert np.allclose([m for m in chart["daily_median_hours"] if m is not None],
                       [np.median(by_day[d]) for d in chart["days"] if d in by_day])
    assert any(point["rules"] for point in chart["points"] if chart["days"][point["position"]] >= cut.isoformat())


async def test_the_other_reports_over_the_history_match_numpy(reporting: Reporting) -> None:
    history = await written(reporting)
    period = {"start": history.first.isoformat(), "end": history.last.isoformat()}
    status, durations = await reporting.get("/v1/reports/durations", measure="first_contact",
                                            group_by="source,mco", **period)
    assert status == 200 and len(durations) > 10
    contacts: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for source, mco, business, calendar in await rows(reporting, f"""
            SELECT source, coalesce(referred_mco, mco, 'none'), first_contact_business_s, first_contact_calendar_s
            FROM cases WHERE first_contact_business_s IS NOT NULL AND {WITHIN.format('first_contact_at')}""",
            **bounds(history)):
        contacts[(source, mco)].append((business / 3600, calendar / 3600))
    assert [(r["source"], r["mco"]) for r in durations] == sorted(contacts)
    for r in durations:
        business, calendar = np.array(contacts[(r["source"], r["mco"])]).T
        assert r["cases"] == len(business)
        assert np.allclose([r["business_median_hours"], r["business_p90_hours"], r["calendar_median_hours"],
                            r["calendar_p90_hours"]],
                           [*np.percentile(business, [50, 90]), *np.percentile(calendar, [50, 90])])

    status, compliance = await reporting.get("/v1/reports/sla-compliance", group_by="month,mco", **period)
    assert status == 200
    cycles = Counter((month(due), mco, outcome) for due, mco, outcome in await rows(reporting, f"""
        SELECT due_at, mco, outcome FROM clock_cycles WHERE {WITHIN.format('due_at')}""", **bounds(history)))
    assert {(r["month"], r["mco"]): (r["met"], r["breached"]) for r in compliance} == {
        (month, mco): (cycles[(month, mco, "met")], cycles[(month, mco, "breached")])
        for month, mco, outcome in cycles if outcome in ("met", "breached")}
    assert [(r["month"], r["mco"]) for r in compliance] == sorted((r["month"], r["mco"]) for r in compliance)

    status, scorecard = await reporting.get("/v1/reports/mco-scorecard", **period)
    assert status == 200
    referred: dict[tuple[str, str], list[float]] = defaultdict(list)
    for mco, at, contact in await rows(reporting, f"""
            SELECT referred_mco, referred_at, mco_contact_business_s FROM cases
            WHERE referred_mco IS NOT NULL AND {WITHIN.format('referred_at')}""", **bounds(history)):
        referred[(mco, month(at))].append(contact)
    mco_cycles = Counter((mco, month(due), outcome) for mco, due, outcome in await rows(reporting, f"""
        SELECT referred_mco, due_at, outcome FROM clock_cycles
        WHERE clock LIKE 'mco\\_%' AND referred_mco IS NOT NULL AND outcome IN ('met', 'breached')
          AND {WITHIN.format('due_at')}""", **bounds(history)))
    assert [(r["mco"], r["month"]) for r in scorecard] == sorted(
        set(referred) | {(mco, m) for mco, m, _ in mco_cycles})
    for r in scorecard:
        contacted = [c for c in referred[(r["mco"], r["month"])] if c is not None]
        assert r["referrals"] == len(referred[(r["mco"], r["month"])])
        assert np.isclose(r["contact_median_business_hours"], np.median(contacted) / 3600)
        assert (r["met"], r["breached"]) == (mco_cycles[(r["mco"], r["month"], "met")],
                                             mco_cycles[(r["mco"], r["month"], "breached")])


def month(instant: datetime) -> str:
    return instant.astimezone(CHICAGO).strftime("%Y-%m")
