"""Reporting's JSON reports over a year of resolved cases, each against a hand-written SQL aggregate over the
same rows in the same run.

    python -m bench.reporting [--cases N] [--runs N]

The service (its own process) serves every report under /v1/reports/ to a signed-in program manager over the
last 12 whole months; asyncpg runs one hand-written statement answering the same question on one connection.
Both run N times, one after the other. The read model (N resolved cases over those months, about two clock
cycles each) is written straight into reporting's tables with COPY: what is measured is the reports, not the
projection that builds the tables from events (the service's tests do that through Kafka). See bench/README.md.
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
import numpy as np

from bench.intake import BOOTSTRAP, percentile, service_cpu_seconds, wait_until_ready
from bench.service_process import DSN, Created, check_alive, clean_up, service_env, spawn
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.program import program_calendar
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.system_client import BearerAuth
from liaison_shared.vocabulary import Category, Source

TARGET_MS = 2000.0
CHUNK = 100_000
SEED = 16
H = 3600.0
PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # timestamptz travels as microseconds since then (asyncpg's tuple format)
US = 1_000_000
TRACKS = ("member_mco", "member_not_enrolled", "ime_callback", "provider", "pcp_panel_removal", "pcp_attribution",
          "care_transition")
MEMBER_MCO, PROVIDER, PANEL, TRANSITION = 0, 3, 4, 6
TRACK_SHARE = (0.52, 0.08, 0.12, 0.20, 0.03, 0.03, 0.02)
PARTY = np.array(["member", "member", "member", "provider", "provider", "provider", "member"], dtype=object)
MCOS = np.array(["IA-TC", "IA-AG", None], dtype=object)
NO_MCO = 2
MCO_SHARE = np.array([(0.53, 0.47, 0), (0, 0, 1), (0.4, 0.35, 0.25), (0.45, 0.4, 0.15), (0.5, 0.5, 0),
                      (0.5, 0.5, 0), (0.45, 0.45, 0.1)])  # per track
REFERRED = np.array([0.9, 0, 0, 0.7, 0.5, 0, 0.3])  # per track, of the cases with an MCO
PRIORITIES = np.array(["standard", "escalated", "urgent"], dtype=object)
SOURCES = np.array([s.value for s in Source], dtype=object)
SOURCE_SHARE = np.array([30, 18, 12, 10, 4, 3, 1.5, 0.5, 8, 2, 6, 5]) / 100  # Source's order: the call center first
CATEGORIES = np.array([c.value for c in Category], dtype=object)
CATEGORY_SHARE = np.array([16, 14, 8, 10, 15, 12, 9, 5, 4, 1, 2, 4]) / 100
CONTACT_CLOCK = np.array(["originator_contacted", "unit_lead_callback", "callback", "acknowledged", "outreach_contact",
                          "originator_contacted", "discharge_follow_up"], dtype=object)  # per track (policy.yaml)
WEEKDAY_SHARE = (1.25, 1.1, 1.0, 1.0, 0.85)  # Monday's calls include the weekend's


@dataclass(frozen=True)
class BusinessDays:
    """The program's business days from the period's first day on, as microseconds of their opening: business
    time runs through them without gaps, so an offset in business seconds from an opening is an instant."""

    openings: np.ndarray  # int64, the period's `count` days and a margin after them
    weights: np.ndarray  # share of the period's receipts on each of its days
    count: int
    length: float  # seconds a business day is open

    @classmethod
    def of(cls, calendar: BusinessCalendar, first: date, last: date) -> BusinessDays:
        days = [d for n in range((last - first).days + 90) if calendar.is_business_day(d := first + timedelta(n))]
        opens = [(datetime.combine(d, calendar.config.opens, calendar.zone) - PG_EPOCH) // timedelta(microseconds=1)
                 for d in days]
        length = (datetime.combine(first, calendar.config.closes) - datetime.combine(first, calendar.config.opens))
        inside = [d for d in days if d <= last]
        weights = np.array([WEEKDAY_SHARE[d.weekday()] for d in inside])
        return cls(np.array(opens, dtype=np.int64), weights / weights.sum(), len(inside), length.total_seconds())

    def instant(self, day: np.ndarray, offset: np.ndarray) -> np.ndarray:
        """Microseconds of the instant `offset` business seconds after the opening of business day `day`."""
        offset = np.nan_to_num(offset)
        ahead = np.floor_divide(offset, self.length).astype(np.int64)
        found: np.ndarray = self.openings[day + ahead] + np.round((offset - ahead * self.length) * US).astype(np.int64)
        return found


def lognormal(rng: np.random.Generator, median: Any, sigma: float, n: int) -> np.ndarray:
    drawn: np.ndarray = np.asarray(median) * np.exp(sigma * rng.standard_normal(n))
    return drawn


def nullable(values: np.ndarray, present: np.ndarray) -> list[Any]:
    column: list[Any] = values.tolist()
    for index in np.flatnonzero(~present).tolist():
        column[index] = None
    return column


def chunk_rows(rng: np.random.Generator, n: int, days: BusinessDays, now: int,
               ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """`n` resolved cases and their clock cycles, as rows of `cases` and `clock_cycles`."""
    bd, every = days.length, np.ones(n, dtype=bool)
    track = rng.choice(len(TRACKS), n, p=TRACK_SHARE)
    prio = rng.choice(3, n, p=(0.5, 0.3, 0.2))
    mco = (rng.random(n)[:, None] > MCO_SHARE[track].cumsum(axis=1)).sum(axis=1).clip(max=NO_MCO)
    day = rng.choice(days.count, n, p=days.weights)
    received_off = np.round(rng.triangular(0, 2 * H, bd, n))  # seconds after opening, most in the morning
    # Business seconds after receipt: first reached contact, referral, the MCO's contact, resolution, reopening.
    contact = np.where(rng.random(n) < 0.98, lognormal(rng, np.array([6, 3, 1.2])[prio] * H, 0.9, n), np.nan)
    referred = (mco != NO_MCO) & (rng.random(n) < REFERRED[track])
    referral = np.where(referred, lognormal(rng, 1.2 * H, 0.8, n), np.nan)
    mco_contact = np.where(referred & (rng.random(n) < 0.94),
                           referral + lognormal(rng, np.array([3, 2, 1.2])[prio] * H, 0.9, n), np.nan)
    resolution = (np.nanmax([np.zeros(n), contact, referral, mco_contact], axis=0)
                  + lognormal(rng, np.array([16, 10, 5])[prio] * H, 1.0, n))
    reopened = rng.random(n) < 0.04
    reopening = np.where(reopened, resolution + lognormal(rng, 4 * bd, 0.8, n), np.nan)
    again = reopening + lognormal(rng, 1.5 * bd, 0.8, n)
    # Everything happens within the period: the last days' cases are compressed to fit before its end.
    room = (days.count - day) * bd - received_off - 60
    scale = np.minimum(1.0, room / np.nanmax([resolution, mco_contact, again], axis=0))
    contact, referral, mco_contact, resolution, reopening, again = (
        np.round(v * scale) for v in (contact, referral, mco_contact, resolution, reopening, again))
    at = days.instant
    received = at(day, received_off)
    resolved, reopened_at = at(day, received_off + resolution), at(day, received_off + reopening)
    # Half of those reopened in the period's last 30 days are still open (about 0.2% of all cases).
    still_open = reopened & (reopened_at > days.openings[days.count - 1] - 30 * 86400 * US) & (rng.random(n) < 0.5)
    resolved_again = reopened & ~still_open
    last_resolved = np.where(resolved_again, at(day, received_off + again), resolved)
    contacted, contact_at = ~np.isnan(contact), at(day, received_off + contact)
    mco_contacted, mco_contact_at = ~np.isnan(mco_contact), at(day, received_off + mco_contact)
    referred_at = at(day, received_off + referral)
    raw = rng.bytes(16 * n)
    ids = [uuid.UUID(bytes=raw[k:k + 16], version=4) for k in range(0, 16 * n, 16)]
    escalations = (rng.random(n) < 0.03) * (1 + (rng.random(n) < 0.1))
    cases = list(zip(
        ids, PARTY[track].tolist(), rng.choice(SOURCES, n, p=SOURCE_SHARE).tolist(),
        rng.choice(CATEGORIES, n, p=CATEGORY_SHARE).tolist(), MCOS[mco].tolist(), np.array(TRACKS)[track].tolist(),
        PRIORITIES[prio].tolist(), prio.tolist(), received.tolist(), every.tolist(),
        nullable(contact_at, contacted), nullable(contact, contacted),
        nullable((contact_at - received) / US, contacted), nullable(MCOS[mco], referred),
        nullable(referred_at, referred), nullable(mco_contact_at, mco_contacted),
        nullable(mco_contact - referral, mco_contacted), resolved.tolist(), resolution.tolist(),
        ((resolved - received) / US).tolist(), last_resolved.tolist(), nullable(reopened_at, reopened),
        (reopened * (1 + (rng.random(n) < 0.1))).tolist(), escalations.tolist(), strict=True))

    # Clock cycles as policy.yaml starts them: (case, clock, start, due, the instant that meets it or -1, the end
    # of the case's resolved span, still running).
    kinds: list[tuple[np.ndarray, ...]] = []

    def add(has: np.ndarray, clock: np.ndarray, start: np.ndarray, due: np.ndarray, met: np.ndarray,
            met_present: np.ndarray, end: np.ndarray, running: np.ndarray | None = None) -> None:
        kinds.append((np.flatnonzero(has), clock[has], start[has], due[has], np.where(met_present, met, -1)[has],
                      end[has], (running if running is not None else ~every)[has]))

    deadline = np.where((track == MEMBER_MCO) | (track == PROVIDER), np.array([2 * bd, bd, 4 * H])[prio], 2 * bd)
    calendar_due = received + np.where(prio == 2, 24, 48) * 3600 * US  # a care transition's clock runs in hours
    clock = np.where((track == TRANSITION) & (prio == 2), "member_callback", CONTACT_CLOCK[track]).astype(object)
    attempt = contact * rng.uniform(0.2, 1.0, n)  # the provider clock is met by the first attempt, reached or not
    first_met = np.where(track == PROVIDER, at(day, received_off + attempt), contact_at)
    due = np.where(track == TRANSITION, calendar_due, at(day, received_off + deadline))
    add(every, clock, received, due, first_met, contacted, resolved)
    second = np.select([track == PROVIDER, track == MEMBER_MCO, track == PANEL],
                       [np.array([0, 4 * bd, 2 * bd])[prio], np.where(prio == 2, 4 * H, 0), np.full(n, 5 * bd)], 0)
    add(second > 0, np.select([track == PROVIDER, track == MEMBER_MCO], ["originator_contacted", "mco_referral"],
                              "compliance_review").astype(object), received, at(day, received_off + second),
        np.select([track == PROVIDER, track == MEMBER_MCO], [contact_at, referred_at], resolved),
        np.select([track == PROVIDER, track == MEMBER_MCO], [contacted, referred], every), resolved)
    member = PARTY[track] == "member"
    end_of_day = days.openings[day + np.floor_divide(np.nan_to_num(received_off + referral), bd).astype(np.int64)]
    mco_due = np.where(member, end_of_day + round(bd * US),
                       at(day, received_off + referral + np.where(prio == 2, 2 * bd, 5 * bd)))
    add(referred, np.where(member, "mco_contacts_member", "mco_contacts_provider").astype(object), referred_at,
        mco_due, mco_contact_at, mco_contacted, resolved)
    silence = referred & (track == MEMBER_MCO) & (prio == 1)
    add(silence, np.full(n, "mco_silence", dtype=object), referred_at, at(day, received_off + referral + bd),
        mco_contact_at, mco_contacted, resolved)
    again_due = np.where(track == TRANSITION, calendar_due - received + reopened_at,
                         at(day, received_off + reopening + deadline))
    again_met = at(day, received_off + reopening + np.minimum(lognormal(rng, 0.4 * deadline, 0.9, n),
                                                              again - reopening))
    add(reopened, clock, reopened_at, again_due, again_met, resolved_again, np.where(still_open, now, last_resolved),
        still_open)
    index, names, starts, dues, mets, ends, running = (np.concatenate(parts) for parts in zip(*kinds, strict=True))
    met_present = mets >= 0
    outcome = np.select([met_present & (mets <= dues), met_present | (ends >= dues), ~running],
                        ["met", "breached", "stopped"], "open").astype(object)
    withdrawn = rng.random(len(index)) < 0.01  # stopped when the case moved to another track
    outcome[withdrawn] = "stopped"
    ended = np.where(withdrawn, starts + (np.minimum(dues, ends) - starts) // 2, np.where(outcome == "met", mets, ends))
    cycles = list(zip(
        [ids[i] for i in index.tolist()], names.tolist(), dues.tolist(), np.array(TRACKS)[track[index]].tolist(),
        PRIORITIES[prio[index]].tolist(), starts.tolist(), outcome.tolist(),
        nullable(dues, outcome == "breached"), nullable(ended, (outcome == "met") | (outcome == "stopped")),
        strict=True))
    return cases, cycles


CASE_COLUMNS = ["id", "party", "source", "category", "mco", "track", "priority", "priority_rank", "received_at",
                "worked", "first_contact_at", "first_contact_business_s", "first_contact_calendar_s", "referred_mco",
                "referred_at", "mco_contact_at", "mco_contact_business_s", "resolved_at", "resolution_business_s",
                "resolution_calendar_s", "last_resolved_at", "last_reopened_at", "reopenings", "escalations"]
CYCLE_COLUMNS = ["inquiry_id", "clock", "due_at", "track", "priority", "started_at", "outcome", "breached_at",
                 "ended_at"]


async def seed(schema: str, count: int, days: BusinessDays) -> int:
    """`count` resolved cases and their clock cycles straight into reporting's read model; the cycles' count."""
    now = (datetime.now(UTC) - PG_EPOCH) // timedelta(microseconds=1)
    conn = await asyncpg.connect(DSN, server_settings={"search_path": schema})
    cycles = 0
    gc.disable()  # millions of rows, none in a cycle: the collector's passes over them would double the time
    try:
        await conn.set_type_codec("timestamptz", schema="pg_catalog", encoder=lambda us: (us,),
                                  decoder=lambda t: t[0], format="tuple")
        for number, start in enumerate(range(0, count, CHUNK)):
            case_rows, cycle_rows = chunk_rows(np.random.default_rng([SEED, number]), min(CHUNK, count - start),
                                               days, now)
            await conn.copy_records_to_table("cases", records=case_rows, columns=CASE_COLUMNS)
            await conn.copy_records_to_table("clock_cycles", records=cycle_rows, columns=CYCLE_COLUMNS)
            cycles += len(cycle_rows)
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
COMPLIANCE_BY_MCO_MONTH = """SELECT coalesce(c.referred_mco, c.mco, 'none') AS mco,
    to_char(timezone($3, k.due_at), 'YYYY-MM') AS month, count(*) FILTER (WHERE k.outcome = 'met') AS met,
    count(*) FILTER (WHERE k.outcome = 'breached') AS breached
  FROM clock_cycles k LEFT JOIN cases c ON c.id = k.inquiry_id
  WHERE k.due_at >= $1 AND k.due_at < $2 AND k.outcome IN ('met', 'breached') GROUP BY 1, 2 ORDER BY 1, 2"""
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
    w.upper_whisker, w.outliers
  FROM (VALUES (false), (true)) AS side (after) CROSS JOIN grand g
  CROSS JOIN LATERAL (
    SELECT count(*) AS n, min(hours) AS minimum, max(hours) AS maximum,
      count(*) FILTER (WHERE hours > g.median) AS above,
      percentile_cont(ARRAY[0.25, 0.5, 0.75]) WITHIN GROUP (ORDER BY hours) AS q
    FROM v WHERE v.after = side.after) s
  CROSS JOIN LATERAL (
    SELECT min(hours) FILTER (WHERE hours >= s.q[1] - 1.5 * (s.q[3] - s.q[1])) AS lower_whisker,
      max(hours) FILTER (WHERE hours <= s.q[3] + 1.5 * (s.q[3] - s.q[1])) AS upper_whisker,
      array_agg(hours ORDER BY hours) FILTER (
        WHERE hours < s.q[1] - 1.5 * (s.q[3] - s.q[1]) OR hours > s.q[3] + 1.5 * (s.q[3] - s.q[1])) AS outliers
    FROM v WHERE v.after = side.after) w
  ORDER BY side.after"""
MCO_SCORECARD = """SELECT c.referred_mco AS mco, to_char(timezone($3, c.referred_at), 'YYYY-MM') AS month,
    count(*) AS referrals, percentile_cont(0.5) WITHIN GROUP (ORDER BY c.mco_contact_business_s) AS contact_median_s,
    coalesce(sum(k.met), 0) AS met, coalesce(sum(k.breached), 0) AS breached
  FROM cases c LEFT JOIN (
    SELECT inquiry_id, count(*) FILTER (WHERE outcome = 'met') AS met,
      count(*) FILTER (WHERE outcome = 'breached') AS breached
    FROM clock_cycles WHERE clock LIKE 'mco\\_%' GROUP BY inquiry_id) k ON k.inquiry_id = c.id
  WHERE c.referred_at >= $1 AND c.referred_at < $2 AND c.referred_mco IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"""

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
    sides = {r["after"]: r for r in rows}
    return all(sides[after]["n"] == answer[side]["count"] and close(sides[after]["q"][1], answer[side]["median"])
               and len(sides[after]["outliers"] or []) == len(answer[side]["outliers"])
               for after, side in ((False, "before"), (True, "after"))) and close(
        rows[0]["grand_median"], answer["test"]["grand_median"])


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
