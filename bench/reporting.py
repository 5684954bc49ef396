"""Reporting's JSON reports over a year of resolved cases, each against a hand-written SQL aggregate over the
same rows in the same run.

    python -m bench.reporting [--cases N] [--runs N]

The service (its own process) serves every report under /v1/reports/ to a signed-in program manager over the
last 12 whole months; asyncpg runs one hand-written statement answering the same question on one connection.
Both run N times, one after the other. The read model (N resolved cases over those months, about two clock
cycles each, drawn by `liaison_reporting.synthetic`) is written straight into reporting's tables with COPY: what
is measured is the reports, not the projection that builds the tables from events (the service's tests do that
through Kafka). See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from scipy.stats import chi2_contingency

from bench.intake import BOOTSTRAP, percentile, service_cpu_seconds, wait_until_ready
from bench.service_process import DSN, Created, check_alive, clean_up, service_env, spawn
from liaison_reporting.synthetic import BusinessDays, copy, history
from liaison_shared.program import program_calendar
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.system_client import BearerAuth

TARGET_MS = 2000.0
SEED = 16
H = 3600.0


async def seed(schema: str, count: int, days: BusinessDays) -> int:
    """`count` resolved cases and their clock cycles straight into reporting's read model (the generator of
    `liaison_reporting.synthetic`); the cycles' count."""
    conn = await asyncpg.connect(DSN, server_settings={"search_path": schema})
    gc.disable()  # millions of rows, none in a cycle: the collector's passes over them would double the time
    try:
        _, cycles = await copy(conn, history(SEED, count, days, datetime.now(UTC)))
        # Vacuumed as well as analysed, as autovacuum would leave a read model this size (and so that it does not
        # start on these tables in the middle of the measurement).
        await conn.execute("VACUUM (ANALYZE) cases")
        await conn.execute("VACUUM (ANALYZE) clock_cycles")
    finally:
        gc.enable()
        await conn.close()
    return cycles


# -- the reports and their raw baselines -----------------------------------------------------------------------
# $1, $2: the period's bounds (local midnights); $3: the program's time zone; $4: the before/after cut.

COMPLIANCE = """SELECT clock, track, priority, count(*) FILTER (WHERE outcome = 'met') AS met,
    count(*) FILTER (WHERE outcome = 'breached') AS breached
  FROM clock_cycles WHERE due_at >= $1 AND due_at < $2 AND outcome IN ('met', 'breached')
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"""
COMPLIANCE_BY_MCO_MONTH = """SELECT mco, to_char(date_trunc('month', timezone($3, due_at)), 'YYYY-MM') AS month,
    count(*) FILTER (WHERE outcome = 'met') AS met, count(*) FILTER (WHERE outcome = 'breached') AS breached
  FROM clock_cycles WHERE due_at >= $1 AND due_at < $2 AND outcome IN ('met', 'breached')
  GROUP BY mco, date_trunc('month', timezone($3, due_at)) ORDER BY 1, 2"""
OPEN_BREACHES = """SELECT k.inquiry_id, k.clock, k.track, k.priority, k.due_at,
    coalesce(c.referred_mco, c.mco, 'none') AS mco, extract(epoch FROM now() - k.due_at) / 3600 AS age_hours
  FROM clock_cycles k JOIN cases c ON c.id = k.inquiry_id
  WHERE k.outcome = 'breached' AND (c.last_resolved_at IS NULL OR c.last_reopened_at > c.last_resolved_at)
  ORDER BY k.due_at"""
RESOLUTION = """SELECT track, priority, count(*) AS cases,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY resolution_business_s) AS business_median_s,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY resolution_business_s) AS business_p90_s,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY resolution_calendar_s) AS calendar_median_s,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY resolution_calendar_s) AS calendar_p90_s
  FROM cases WHERE resolved_at >= $1 AND resolved_at < $2 AND resolution_business_s IS NOT NULL
  GROUP BY 1, 2 ORDER BY 1, 2"""
FIRST_CONTACT = """SELECT track, priority, count(*) AS cases,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY first_contact_business_s) AS business_median_s,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY first_contact_business_s) AS business_p90_s,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY first_contact_calendar_s) AS calendar_median_s,
    percentile_cont(0.9) WITHIN GROUP (ORDER BY first_contact_calendar_s) AS calendar_p90_s
  FROM cases WHERE first_contact_at >= $1 AND first_contact_at < $2 AND first_contact_business_s IS NOT NULL
  GROUP BY 1, 2 ORDER BY 1, 2"""
SECONDARY = """SELECT count(*) AS cases, count(*) FILTER (WHERE reopenings > 0) AS reopened,
    count(*) FILTER (WHERE escalations > 0) AS escalated,
    count(*) FILTER (WHERE reopenings > 0 OR escalations > 0) AS either
  FROM cases WHERE received_at >= $1 AND received_at < $2"""
PARETO = """SELECT source, count(*) AS cases FROM cases WHERE received_at >= $1 AND received_at < $2
  GROUP BY source ORDER BY cases DESC, source"""
CONTROL_CHART = """WITH daily AS (
    SELECT date(timezone($3, resolved_at)) AS day,
      percentile_cont(0.5) WITHIN GROUP (ORDER BY resolution_business_s / 3600) AS median
    FROM cases WHERE resolved_at >= $1 AND resolved_at < $2 AND resolution_business_s IS NOT NULL GROUP BY 1),
  ranged AS (SELECT day, median, abs(median - lag(median) OVER (ORDER BY day)) AS moving_range FROM daily)
  SELECT day, median, moving_range, avg(median) OVER () AS centre, avg(moving_range) OVER () AS mr_bar
  FROM ranged ORDER BY day"""
BEFORE_AFTER = """WITH v AS MATERIALIZED (
    SELECT resolution_business_s / 3600 AS hours, date(timezone($3, resolved_at)) >= $4 AS after
    FROM cases WHERE resolved_at >= $1 AND resolved_at < $2 AND resolution_business_s IS NOT NULL),
  grand AS (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS median FROM v)
  SELECT side.after, s.n, s.minimum, s.maximum, s.q, s.above, g.median AS grand_median, w.lower_whisker,
    w.upper_whisker, w.outliers, w.extremes
  FROM (VALUES (false), (true)) AS side (after) CROSS JOIN grand g
  CROSS JOIN LATERAL (
    SELECT count(*) AS n, min(hours) AS minimum, max(hours) AS maximum,
      count(*) FILTER (WHERE hours > g.median) AS above,
      percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY hours) AS q
    FROM v WHERE v.after = side.after) s
  CROSS JOIN LATERAL (
    SELECT min(hours) FILTER (WHERE hours >= s.q[1] - 1.5 * (s.q[3] - s.q[1])) AS lower_whisker,
      max(hours) FILTER (WHERE hours <= s.q[3] + 1.5 * (s.q[3] - s.q[1])) AS upper_whisker,
      count(*) FILTER (WHERE hours < s.q[1] - 1.5 * (s.q[3] - s.q[1]) OR hours > s.q[3] + 1.5 * (s.q[3] - s.q[1]))
        AS outliers,
      (array_agg(hours ORDER BY abs(hours - s.q[2]) DESC, hours) FILTER (
        WHERE hours < s.q[1] - 1.5 * (s.q[3] - s.q[1]) OR hours > s.q[3] + 1.5 * (s.q[3] - s.q[1])))[1:20] AS extremes
    FROM v WHERE v.after = side.after) w
  ORDER BY side.after"""
MCO_SCORECARD = """WITH referred AS (
    SELECT referred_mco AS mco, to_char(date_trunc('month', timezone($3, referred_at)), 'YYYY-MM') AS month,
      count(*) AS referrals, percentile_cont(0.5) WITHIN GROUP (ORDER BY mco_contact_business_s) AS contact_median_s
    FROM cases WHERE referred_at >= $1 AND referred_at < $2 AND referred_mco IS NOT NULL GROUP BY 1, 2),
  cycles AS (
    SELECT referred_mco AS mco, to_char(date_trunc('month', timezone($3, due_at)), 'YYYY-MM') AS month,
      count(*) FILTER (WHERE outcome = 'met') AS met, count(*) FILTER (WHERE outcome = 'breached') AS breached
    FROM clock_cycles WHERE clock LIKE 'mco\\_%' AND due_at >= $1 AND due_at < $2 AND outcome IN ('met', 'breached')
      AND referred_mco IS NOT NULL GROUP BY 1, 2)
  SELECT mco, month, coalesce(r.referrals, 0) AS referrals, r.contact_median_s, coalesce(k.met, 0) AS met,
    coalesce(k.breached, 0) AS breached
  FROM referred r FULL JOIN cycles k USING (mco, month) ORDER BY 1, 2"""

Rows = list[asyncpg.Record]


def close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def same_counts(labels: tuple[str, ...], counts: tuple[str, ...]) -> Callable[[Rows, Any], bool]:
    """The rows' group labels and counts are the answer's, in any order (a count may come as a JSON string:
    the scorecard's sums are numeric in SQL, Decimal in Python)."""
    def key(row: Any) -> tuple[Any, ...]:
        return (*(row[k] for k in labels), *(int(row[k]) for k in counts))

    def agree(rows: Rows, answer: Any) -> bool:
        return sorted(map(key, rows)) == sorted(map(key, answer))
    return agree


def same_durations(rows: Rows, answer: Any) -> bool:
    def hours(a: dict[str, Any], name: str) -> Any:  # named `..._hours` since the .xlsx/.csv exports
        return a[f"{name}_hours"] if f"{name}_hours" in a else a[f"{name}_s"]
    return len(rows) == len(answer) and all(
        (r["track"], r["priority"], r["cases"]) == (a["track"], a["priority"], a["cases"])
        and close(r["business_median_s"] / H, hours(a, "business_median"))
        and close(r["calendar_p90_s"] / H, hours(a, "calendar_p90"))
        for r, a in zip(rows, answer, strict=True))


def same_breaches(rows: Rows, answer: Any) -> bool:
    return sorted((str(r["inquiry_id"]), r["clock"]) for r in rows) == sorted(
        (a["inquiry_id"], a["clock"]) for a in answer)


def same_secondary(rows: Rows, answer: Any) -> bool:
    r = rows[0]
    return (r["cases"], r["reopened"], r["escalated"], r["either"]) == (
        answer["cases"], answer["reopened"], answer["escalated_again"], answer["either"])


def same_pareto(rows: Rows, answer: Any) -> bool:
    return [(r["source"], r["cases"]) for r in rows] == [(b["label"], b["count"]) for b in answer["bars"]]


def same_chart(rows: Rows, answer: Any) -> bool:
    shown = [(d, v) for d, v in zip(answer["days"], answer["daily_median_hours"], strict=True) if v is not None]
    if len(shown) != len(rows) or not rows:
        return False
    return all(r["day"].isoformat() == d and close(r["median"], v) for r, (d, v) in zip(rows, shown, strict=True)) \
        and close(rows[0]["centre"], answer["centre"]) and close(rows[0]["mr_bar"], answer["mr_bar"])


def same_comparison(rows: Rows, answer: Any) -> bool:
    """The sides' counts, medians, whiskers, outliers (counted, and the farthest listed) and Mood's test."""
    sides = {r["after"]: r for r in rows}
    table = [[sides[False]["above"], sides[True]["above"]],
             [sides[False]["n"] - sides[False]["above"], sides[True]["n"] - sides[True]["above"]]]
    return all(
        sides[after]["n"] == answer[side]["count"] and close(sides[after]["q"][1], answer[side]["median"])
        and close(sides[after]["upper_whisker"], answer[side]["upper_whisker"])
        and sides[after]["outliers"] == answer[side]["outlier_count"]
        and len(sides[after]["extremes"] or []) == len(answer[side]["outliers"])
        and all(map(close, sorted(sides[after]["extremes"] or []), answer[side]["outliers"]))
        for after, side in ((False, "before"), (True, "after"))) and close(
        rows[0]["grand_median"], answer["test"]["grand_median"]) and close(
        float(chi2_contingency(table, correction=True).pvalue), answer["test"]["p_value"])


@dataclass(frozen=True)
class Report:
    name: str
    path: str
    params: dict[str, str]
    sql: str
    args: tuple[Any, ...]
    agree: Callable[[Rows, Any], bool]


def reports(first: date, last: date, zone: Any) -> list[Report]:
    """Each report over the period [first, last] (local days), with the statement answering the same question."""
    period = {"start": first.isoformat(), "end": last.isoformat()}
    bounds = (datetime.combine(first, datetime.min.time(), zone),
              datetime.combine(last + timedelta(days=1), datetime.min.time(), zone))
    local = (*bounds, str(zone))
    cut = first + (last - first) / 2
    return [
        Report("sla-compliance", "sla-compliance", period, COMPLIANCE, bounds,
               same_counts(("clock", "track", "priority"), ("met", "breached"))),
        Report("sla-compliance mco,month", "sla-compliance", {**period, "group_by": "mco,month"},
               COMPLIANCE_BY_MCO_MONTH, local, same_counts(("mco", "month"), ("met", "breached"))),
        Report("open-breaches", "open-breaches", {}, OPEN_BREACHES, (), same_breaches),
        Report("durations resolution", "durations", {**period, "measure": "resolution"}, RESOLUTION, bounds,
               same_durations),
        Report("durations first_contact", "durations", {**period, "measure": "first_contact"}, FIRST_CONTACT,
               bounds, same_durations),
        Report("secondary-escalations", "secondary-escalations", period, SECONDARY, bounds, same_secondary),
        Report("pareto source", "pareto", {**period, "by": "source"}, PARETO, bounds, same_pareto),
        Report("control-chart", "control-chart", period, CONTROL_CHART, local, same_chart),
        Report(f"before-after {cut.isoformat()}", "before-after", {**period, "cut": cut.isoformat()}, BEFORE_AFTER,
               (*local, cut), same_comparison),
        Report("mco-scorecard", "mco-scorecard", period, MCO_SCORECARD, local,
               same_counts(("mco", "month"), ("referrals", "met", "breached"))),
    ]


@dataclass
class Timings:
    raw: list[float]
    served: list[float]
    cpu_ms: float  # the service process's CPU per request
    size: int  # bytes of the service's answer
    rows: int  # rows of the raw statement


async def measure(report: Report, conn: asyncpg.Connection, http: httpx.AsyncClient, auth: BearerAuth, runs: int,
                  pid: int) -> Timings:
    """Warm once, then the statement and the request in turn, `runs` times each; the answers must agree."""
    path = f"/v1/reports/{report.path}"

    async def served() -> httpx.Response:
        answer = await http.get(path, params=report.params, headers={"Accept": "application/json"})
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}: {answer.text[:300]}")
        return answer
    rows, answer = await conn.fetch(report.sql, *report.args), await served()
    if not rows or not report.agree(rows, answer.json()):
        shown = answer.json()
        raise RuntimeError(f"{report.name}: the raw statement and the service disagree (or found nothing): "
                           f"{len(rows)} rows, first {dict(rows[0]) if rows else None}; "
                           f"answer {str(shown[0] if isinstance(shown, list) and shown else shown)[:500]}")
    raw_ms, served_ms, cpu = [], [], 0.0
    for _ in range(runs):
        started = time.perf_counter()
        await conn.fetch(report.sql, *report.args)
        raw_ms.append((time.perf_counter() - started) * 1000)
        await auth.token()  # renewed (if it is due) before the clock starts
        before, started = service_cpu_seconds(pid), time.perf_counter()
        await served()
        served_ms.append((time.perf_counter() - started) * 1000)
        cpu += service_cpu_seconds(pid) - before
    return Timings(raw_ms, served_ms, cpu * 1000 / runs, len(answer.content), len(rows))


def period_of(today: date) -> tuple[date, date]:
    """The last 12 whole months before `today`'s."""
    this_month = today.replace(day=1)
    return this_month.replace(year=this_month.year - 1), this_month - timedelta(days=1)


async def run(args: argparse.Namespace) -> None:
    run_id = f"bench_{uuid.uuid4().hex[:10]}"
    created = Created(prefix=f"{run_id}.", schemas=[run_id])
    workdir = tempfile.TemporaryDirectory(prefix="bench-reporting-")  # the service's log, for error messages
    log = Path(workdir.name) / "reporting.log"
    calendar = program_calendar()
    first, last = period_of(datetime.now(calendar.zone).date())
    try:
        env = service_env("reporting", run_id, created.prefix, args.bootstrap)
        base = f"http://127.0.0.1:{env['LIAISON_REPORTING_HTTP_PORT']}"
        created.service = spawn("reporting", env, log)
        await wait_until_ready(base, created.service, log)
        started = time.perf_counter()
        cycles = await seed(run_id, args.cases, BusinessDays.of(calendar, first, last))
        seeded_s = time.perf_counter() - started
        print(f"{args.cases:,} resolved cases received {first} .. {last}, {cycles:,} clock cycles "
              f"(seeded and vacuumed in {seeded_s:.0f} s); {args.runs} runs of each")
        print(f"{'report':<28} {'raw p50':>9} {'service p50':>12} {'max':>8} {'ratio':>7} {'svc CPU':>8} "
              f"{'answer':>9}   target < {TARGET_MS / 1000:.0f} s", flush=True)
        auth = BearerAuth(Tokens(), person="pat")  # the program manager: clocks:read, every MCO
        figures: dict[str, dict[str, Any]] = {}
        conn = await asyncpg.connect(DSN, server_settings={"search_path": run_id})
        try:
            async with httpx.AsyncClient(base_url=base, timeout=300, auth=auth) as http:
                for report in reports(first, last, calendar.zone):
                    timings = await measure(report, conn, http, auth, args.runs, created.service.pid)
                    figures[report.name] = show(report.name, timings)
                    check_alive("reporting", created.service, log)
        finally:
            await conn.close()
        print(json.dumps({"cases": args.cases, "cycles": cycles, "runs": args.runs,
                          "period": [str(first), str(last)], "seed_s": round(seeded_s, 1),
                          "reports": figures}))
    finally:
        await clean_up(args.bootstrap, created)
        workdir.cleanup()


def show(name: str, t: Timings) -> dict[str, Any]:
    """Print the report's line of the table; its figures for the JSON line."""
    raw, served, worst = percentile(t.raw, 50), percentile(t.served, 50), max(t.served)
    met = worst < TARGET_MS
    print(f"{name:<28} {raw:>6,.0f} ms {served:>9,.0f} ms {worst:>5,.0f} ms {served / raw:>6.1f}x "
          f"{t.cpu_ms:>5,.0f} ms {t.size / 1000:>6,.0f} kB   {'met' if met else 'MISSED'}", flush=True)
    return {"raw_p50_ms": round(raw, 1), "raw_max_ms": round(max(t.raw), 1), "service_p50_ms": round(served, 1),
            "service_max_ms": round(worst, 1), "ratio_p50": round(served / raw, 2),
            "service_cpu_ms": round(t.cpu_ms, 1), "answer_bytes": t.size, "raw_rows": t.rows, "target_met": met}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="resolved cases in the read model")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each report (and of its raw statement)")
    parser.add_argument("--bootstrap", default=BOOTSTRAP)
    try:
        asyncio.run(run(parser.parse_args()))
    except RuntimeError as exc:
        sys.exit(f"FAILED: {exc}")


if __name__ == "__main__":
    main()
