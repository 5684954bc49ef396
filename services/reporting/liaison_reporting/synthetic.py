"""A synthetic history of resolved cases, as rows of reporting's read model: for the benchmark (a year of a
million cases, `bench/reporting.py`) and the demo (`liaison-reporting demo-history`, a few months of a small
program). No events: the rows are what the projection would have made of them, written with COPY.

- Cases are received in business hours on the program's business days (more on Mondays); the tracks,
  priorities, sources, categories and MCOs are spread as in a busy year, member MCO the largest track.
- Durations are drawn in business seconds (lognormal) and placed on the program's calendar, so each calendar
  duration is the elapsed time to the same instant. Everything happens within the period: the durations of
  the cases received in its last days are squashed to end before its last business day closes (those under
  half the time left are kept, the longer ones brought ever closer to that close).
- A process change can make the work faster from a given day on: the part of each duration after it is
  shortened (by 20% for a factor of 0.8), whenever the case was received.
- 4% are reopened; half of those reopened in the period's last 30 days are open again now. The clocks follow
  `policy.yaml`, with every cycle carrying its case's MCO, referral and source as the handlers keep them.
- Every case's id lies in [`FIRST_ID`, `LAST_ID`]: a version 8 (custom) UUID with a fixed first half, a range
  no random (version 4) id can fall in, so synthetic rows can be found, and deleted, among real ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import numpy as np

from liaison_shared.calendar import BusinessCalendar
from liaison_shared.vocabulary import Category, Source

H = 3600.0
CHUNK = 100_000
FIRST_ID = uuid.UUID("5e7e71c0-0000-8000-8000-000000000000")
LAST_ID = uuid.UUID("5e7e71c0-0000-8000-bfff-ffffffffffff")

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
    dates: tuple[date, ...]  # the period's `count` days

    @classmethod
    def of(cls, calendar: BusinessCalendar, first: date, last: date) -> BusinessDays:
        """The business days from `first` to `last`, each day weighted as a weekday's share of calls."""
        days = [d for n in range((last - first).days + 90) if calendar.is_business_day(d := first + timedelta(n))]
        opens = [(datetime.combine(d, calendar.config.opens, calendar.zone) - PG_EPOCH) // timedelta(microseconds=1)
                 for d in days]
        length = (datetime.combine(first, calendar.config.closes) - datetime.combine(first, calendar.config.opens))
        inside = [d for d in days if d <= last]
        weights = np.array([WEEKDAY_SHARE[d.weekday()] for d in inside])
        return cls(np.array(opens, dtype=np.int64), weights / weights.sum(), len(inside), length.total_seconds(),
                   tuple(inside))

    def index(self, day: date) -> int:
        """The number of the first business day on or after `day` (`count` if none in the period)."""
        return next((n for n, d in enumerate(self.dates) if d >= day), self.count)

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


def changed(offsets: np.ndarray, until_change: np.ndarray, factor: float) -> np.ndarray:
    """Offsets from receipt with their part after the change (`until_change` seconds after receipt; negative:
    received after it) multiplied by `factor`."""
    before = np.maximum(until_change, 0.0)
    found: np.ndarray = np.minimum(offsets, before) + np.maximum(offsets - before, 0.0) * factor
    return found


def squashed(offsets: np.ndarray, room: np.ndarray) -> np.ndarray:
    """Offsets within half the room as they are; longer ones brought ever closer to its end, never past it, in
    the same order (so a case received near the period's end still ends in it, and the others are untouched)."""
    half = room / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        beyond = half * -np.expm1(-(offsets - half) / half)
    found: np.ndarray = np.where(offsets <= half, offsets, half + np.nan_to_num(beyond))
    return np.where(np.isnan(offsets), np.nan, found)


def chunk_rows(rng: np.random.Generator, n: int, days: BusinessDays, now: int,
               change: tuple[int, float] | None = None) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """`n` resolved cases and their clock cycles, as rows of `cases` and `clock_cycles` (`CASE_COLUMNS`,
    `CYCLE_COLUMNS`; instants in microseconds since `PG_EPOCH`). `now`: the instant still-open cases reach.
    `change`: from the opening of that business day (a number of `days`) on, the work goes faster: what of each
    duration (to first contact, referral, the MCO's contact, resolution) lies after it is multiplied by the
    factor."""
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
    if change is not None:
        contact, referral, mco_contact, resolution = (
            changed(v, change[0] * bd - (day * bd + received_off), change[1])
            for v in (contact, referral, mco_contact, resolution))
    reopened = rng.random(n) < 0.04
    reopening = np.where(reopened, resolution + lognormal(rng, 4 * bd, 0.8, n), np.nan)
    again = reopening + lognormal(rng, 1.5 * bd, 0.8, n)
    # Everything happens within the period: what would end after it is squashed into the time the case has left.
    room = np.maximum(0.0, (days.count - day) * bd - received_off - 60)
    contact, referral, mco_contact, resolution, reopening, again = (
        np.round(squashed(v, room)) for v in (contact, referral, mco_contact, resolution, reopening, again))
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
    ids = synthetic_ids(rng, n)
    escalations = (rng.random(n) < 0.03) * (1 + (rng.random(n) < 0.1))
    source = rng.choice(SOURCES, n, p=SOURCE_SHARE)
    cases = list(zip(
        ids, PARTY[track].tolist(), source.tolist(),
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
    referred_mco = np.where(referred, MCOS[mco], None)
    case_mco = np.where(mco == NO_MCO, "none", MCOS[mco])  # the referral, else the member's: the same MCO here
    cycles = list(zip(
        [ids[i] for i in index.tolist()], names.tolist(), dues.tolist(), np.array(TRACKS)[track[index]].tolist(),
        PRIORITIES[prio[index]].tolist(), starts.tolist(), outcome.tolist(),
        nullable(dues, outcome == "breached"), nullable(ended, (outcome == "met") | (outcome == "stopped")),
        case_mco[index].tolist(), referred_mco[index].tolist(), source[index].tolist(), strict=True))
    return cases, cycles


def synthetic_ids(rng: np.random.Generator, n: int) -> list[uuid.UUID]:
    """`n` random ids within [`FIRST_ID`, `LAST_ID`]: the fixed first half, then the variant and 62 random bits."""
    raw = rng.bytes(16 * n)
    head = FIRST_ID.bytes[:8]
    return [uuid.UUID(bytes=head + bytes([0x80 | raw[k + 8] & 0x3F]) + raw[k + 9:k + 16]) for k in range(0, 16 * n, 16)]


CASE_COLUMNS = ["id", "party", "source", "category", "mco", "track", "priority", "priority_rank", "received_at",
                "worked", "first_contact_at", "first_contact_business_s", "first_contact_calendar_s", "referred_mco",
                "referred_at", "mco_contact_at", "mco_contact_business_s", "resolved_at", "resolution_business_s",
                "resolution_calendar_s", "last_resolved_at", "last_reopened_at", "reopenings", "escalations"]
CYCLE_COLUMNS = ["inquiry_id", "clock", "due_at", "track", "priority", "started_at", "outcome", "breached_at",
                 "ended_at", "mco", "referred_mco", "source"]


def microseconds(instant: datetime) -> int:
    """An instant as `chunk_rows` has them."""
    return (instant - PG_EPOCH) // timedelta(microseconds=1)


def history(seed: int, count: int, days: BusinessDays, now: datetime, change: tuple[int, float] | None = None,
            ) -> Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]]:
    """`count` cases and their cycles in chunks of at most `CHUNK` cases, the same for the same seed."""
    for number, start in enumerate(range(0, count, CHUNK)):
        yield chunk_rows(np.random.default_rng([seed, number]), min(CHUNK, count - start), days, microseconds(now),
                         change)


async def copy(conn: asyncpg.Connection, chunks: Iterator[tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]],
               ) -> tuple[int, int]:
    """COPY the chunks into `cases` and `clock_cycles` (of the connection's search path); how many of each.
    The connection's timestamptz codec takes microseconds from then on (asyncpg's tuple format): the fastest."""
    await conn.set_type_codec("timestamptz", schema="pg_catalog", encoder=lambda us: (us,), decoder=lambda t: t[0],
                              format="tuple")
    written = [0, 0]
    for case_rows, cycle_rows in chunks:
        await conn.copy_records_to_table("cases", records=case_rows, columns=CASE_COLUMNS)
        await conn.copy_records_to_table("clock_cycles", records=cycle_rows, columns=CYCLE_COLUMNS)
        written[0] += len(case_rows)
        written[1] += len(cycle_rows)
    return written[0], written[1]




# -- grievances and appeals -------------------------------------------------------------------------

GA_PER_MCO = (30, 60)  # grievances, and appeals, per MCO over the history: drawn within this range
GA_MCOS = ("IA-TC", "IA-AG")
GA_CASE_COLUMNS = ["id", "party", "source", "category", "mco", "track", "priority", "priority_rank", "received_at",
                   "worked", "resolved_at", "resolution_calendar_s", "last_resolved_at", "kind", "expedited_requested",
                   "expedited_denied_at", "extended_by", "extended_days", "resolution_code"]
REVIEW_COLUMNS = ["inquiry_id", "level", "at", "resolution"]
GA_CATEGORIES = ("access_to_care", "quality_of_care", "claims_billing", "pharmacy", "transportation",
                 "durable_medical_equipment", "prior_authorization", "other")
GA_CATEGORY_WEIGHTS = (22, 18, 14, 12, 10, 8, 8, 8)
APPEAL_CODES, APPEAL_CODE_WEIGHTS = ("upheld", "overturned", "partially_overturned", "withdrawn"), (50, 25, 15, 10)
GA_SOURCES = ("managed_care_ombudsman", "ime_call_center_csr", "member_services_account_manager")
DAY_S = 86400.0


@dataclass(frozen=True)
class GrievanceRows:
    cases: list[tuple[Any, ...]]  # GA_CASE_COLUMNS, instants in microseconds since PG_EPOCH
    cycles: list[tuple[Any, ...]]  # CYCLE_COLUMNS
    reviews: list[tuple[Any, ...]]  # REVIEW_COLUMNS


def grievances_and_appeals(seed: int, days: BusinessDays, now: datetime) -> GrievanceRows:
    """Per MCO, 30 to 60 grievances and as many appeals received on the history's business days: resolved in
    calendar days (grievances' median 20 of 90 allowed, standard appeals' 12 of 30, expedited ones' 40 hours of 72),
    7% past the deadline; about one in ten extended 14 days (by the enrollee or the plan); one expedited request per
    MCO denied (a standard appeal then, timed from receipt); acknowledged within 3 days, but for a few; a fifth of the
    upheld appeals taken to a state fair hearing, decided a month or two later (or not yet). Those whose resolution
    would come after `now` are open. Calendar time only: the inquiries' durations, control chart and before/after
    (the demo's process change) are theirs."""
    rng = np.random.default_rng([seed, 18])
    end = microseconds(now)
    cases: list[tuple[Any, ...]] = []
    cycles: list[tuple[Any, ...]] = []
    reviews: list[tuple[Any, ...]] = []
    for mco in GA_MCOS:
        denied_one = False
        for kind in ("grievance", "appeal"):
            count = int(rng.integers(GA_PER_MCO[0], GA_PER_MCO[1] + 1))
            ids = synthetic_ids(rng, count)
            for inquiry_id in ids:
                received = int(days.instant(np.array([rng.choice(days.count, p=days.weights)]),
                                            np.array([rng.triangular(0, 2 * H, days.length)]))[0])
                asked = kind == "appeal" and rng.random() < 0.15
                denied = asked and not denied_one
                denied_one = denied_one or denied
                expedited = asked and not denied
                allowed = 72 * H if expedited else (90 if kind == "grievance" else 30) * DAY_S
                median = 40 * H if expedited else (20 if kind == "grievance" else 12) * DAY_S
                extended = (str(rng.choice(("enrollee", "plan"))) if not expedited and rng.random() < 0.1 else None)
                due = received + round((allowed + (14 * DAY_S if extended else 0)) * US)
                took = float(lognormal(rng, median, 0.55, 1)[0])
                if rng.random() < 0.07:  # late: past the deadline, extension and all
                    took = (due - received) / US * float(rng.uniform(1.02, 1.3))
                ends = received + round(took * US)
                resolved = ends if ends < end else None  # else open now
                code = (str(rng.choice(APPEAL_CODES, p=np.array(APPEAL_CODE_WEIGHTS) / 100)) if kind == "appeal"
                        else "resolved")
                priority = "urgent" if expedited else "standard"
                category = str(rng.choice(GA_CATEGORIES, p=np.array(GA_CATEGORY_WEIGHTS) / 100))
                cases.append((inquiry_id, "member", str(rng.choice(GA_SOURCES)), category, mco, kind, priority,
                              2 if expedited else 0, received, True, resolved,
                              (resolved - received) / US if resolved else None, resolved, kind,
                              asked if kind == "appeal" else None,
                              received + round(6 * H * US) if denied else None, extended, 14 if extended else None,
                              code if resolved else None))
                outcome = ("open" if resolved is None and end < due else "breached" if (resolved or end) > due
                           else "met")
                cycles.append((inquiry_id, "resolution", due, kind, priority, received, outcome,
                               due if outcome == "breached" else None, resolved if outcome == "met" else None,
                               mco, None, cases[-1][2]))
                if denied:  # the expedited clock the denial superseded
                    cycles.append((inquiry_id, "resolution", received + round(72 * H * US), kind, "urgent", received,
                                   "stopped", None, received + round(6 * H * US), mco, None, cases[-1][2]))
                ack_due = received + round(3 * DAY_S * US)
                late = rng.random() < 0.05
                cycles.append((inquiry_id, "acknowledged", ack_due, kind, priority, received,
                               "breached" if late else "met", ack_due if late else None,
                               None if late else received + round(float(rng.uniform(0.1, 2)) * DAY_S * US), mco,
                               None, cases[-1][2]))
                if resolved is not None:
                    reviews.append((inquiry_id, "plan", resolved, code))
                    if code == "upheld" and rng.random() < 0.2:
                        asked_at = resolved + round(float(rng.uniform(3, 20)) * DAY_S * US)
                        decided_at = asked_at + round(float(rng.uniform(30, 60)) * DAY_S * US)
                        if asked_at < end:
                            reviews.append((inquiry_id, "state_fair_hearing", asked_at, None))
                        if decided_at < end:
                            reviews.append((inquiry_id, "state_fair_hearing", decided_at,
                                            str(rng.choice(("upheld", "overturned", "withdrawn"), p=(0.6, 0.3, 0.1)))))
    return GrievanceRows(cases, cycles, reviews)


async def copy_grievances(conn: asyncpg.Connection, rows: GrievanceRows) -> None:
    """COPY the grievances and appeals in (after `copy`, whose timestamptz codec they use)."""
    await conn.copy_records_to_table("cases", records=rows.cases, columns=GA_CASE_COLUMNS)
    await conn.copy_records_to_table("clock_cycles", records=rows.cycles, columns=CYCLE_COLUMNS)
    await conn.copy_records_to_table("reviews", records=rows.reviews, columns=REVIEW_COLUMNS)
