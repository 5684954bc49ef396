"""The reports' SQL: each report's figures aggregated in PostgreSQL, so that what comes back is a few rows
whatever the number of cases. Never commits.

Written for a million cases in under 2 s (bench/reporting.py), from EXPLAIN ANALYZE:

- Local days and months are passed as instants computed here (the period's own zone), never derived row by
  row: a month is a `width_bucket` of the deadline among the months' first instants, and a day's median is
  taken over that day's range of an index (`LATERAL`), so that no million rows are sorted by day.
- Exact percentiles are ordered-set aggregates (`percentile_cont`), one per column with an array of fractions;
  their sorts are kept in memory (`SORT_MEMORY`), and where an index gives the values in order (durations by
  track and priority, before/after) they sort input that is already sorted.
- The indexes they read are in `liaison_reporting.tables`, each covering what its report reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ARRAY,
    Date,
    DateTime,
    Float,
    Text,
    and_,
    case,
    false,
    func,
    literal,
    or_,
    select,
    text,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_reporting.rules.comparison import EXTREME_OUTLIERS, BoxPlot, farthest, fences
from liaison_reporting.store import case_mco
from liaison_reporting.tables import cases, clock_cycles, reviews

HOUR = 3600.0
SORT_MEMORY = "64MB"
"""work_mem of a report's transaction: a year's percentiles sort up to a million values each (24 MB), which at
the server's default 4 MB go to disk and take several times as long."""


@dataclass(frozen=True)
class Scope:
    """Which cases a report covers: a period, the values chosen of what cases are (`FILTERS`: each a set of
    values, a case matching one), and for an MCO's reader only what was referred to it."""

    start: datetime
    end: datetime
    zone: str
    mco: str | None = None
    chosen: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def days(self) -> list[tuple[date, datetime, datetime]]:
        """Each local day of the period, with the instants it starts and ends."""
        zone = ZoneInfo(self.zone)
        first, last = self.start.astimezone(zone).date(), (self.end - timedelta(microseconds=1)).astimezone(zone).date()
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        return [(d, max(self.start, _midnight(d, zone)), min(self.end, _midnight(d + timedelta(days=1), zone)))
                for d in days]

    def months(self) -> list[tuple[str, datetime, datetime]]:
        """Each local month the period touches ("2026-11"), with the instants of it within the period."""
        zone = ZoneInfo(self.zone)
        month = self.start.astimezone(zone).date().replace(day=1)
        found = []
        while (start := _midnight(month, zone)) < self.end:
            following = (month + timedelta(days=32)).replace(day=1)
            found.append((f"{month:%Y-%m}", max(self.start, start), min(self.end, _midnight(following, zone))))
            month = following
        return found


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), zone)


FILTERS = ("track", "priority", "mco", "source")


def _confined(scope: Scope, on: Any = cases) -> list[Any]:
    """The scope's conditions on a case, or on a cycle (which carries its case's labels)."""
    if on is clock_cycles:
        columns = {"referred_mco": _obligated(), "track": clock_cycles.c.track,
                   "priority": clock_cycles.c.priority, "mco": clock_cycles.c.mco, "source": clock_cycles.c.source}
    else:
        columns = {"referred_mco": cases.c.referred_mco, "track": cases.c.track, "priority": cases.c.priority,
                   "mco": case_mco(), "source": cases.c.source}
    conditions = [columns["referred_mco"] == scope.mco] if scope.mco is not None else []
    return conditions + [columns[name].in_(values) for name, values in scope.chosen]


def _obligated() -> Any:
    """The MCO a cycle is an obligation of: the one its clock times when the case went to several MCOs, else
    the one the case was referred to (an MCO's reader sees those cycles, not another MCO's)."""
    return func.coalesce(func.nullif(clock_cycles.c.clock_mco, ""), clock_cycles.c.referred_mco)


def _instants(values: Sequence[datetime]) -> Any:
    return literal(list(values), ARRAY(DateTime(timezone=True)))


def _month_of(column: Any, scope: Scope) -> tuple[Any, list[str]]:
    """The month (a number from 1) of an instant within the period, and each number's name."""
    months = scope.months()
    return func.width_bucket(column, _instants([start for _, start, _ in months])), [name for name, _, _ in months]


def _spans(name: str, spans: Sequence[tuple[Any, datetime, datetime]], label: Any) -> Any:
    """Labelled spans of time (a day, a month) as a table `name` (label, since, until), to join laterally."""
    return (func.unnest(literal([s[0] for s in spans], ARRAY(label)), _instants([s[1] for s in spans]),
                        _instants([s[2] for s in spans]))
            .table_valued("label", "since", "until").render_derived(name=name))


async def _sort_in_memory(session: AsyncSession) -> None:
    """For the rest of the report's transaction (before a hash aggregate, more memory can make its plan serial)."""
    await session.execute(text(f"SET LOCAL work_mem = '{SORT_MEMORY}'"))


# -- compliance -------------------------------------------------------------------------------------


async def compliance(session: AsyncSession, scope: Scope, group_by: Sequence[str]) -> list[dict[str, Any]]:
    """Met and breached cycles whose deadline fell in the period, per group (each cycle carries its case's MCO
    and source, so no join)."""
    month, names = _month_of(clock_cycles.c.due_at, scope)
    columns = {"clock": clock_cycles.c.clock, "track": clock_cycles.c.track, "priority": clock_cycles.c.priority,
               "mco": clock_cycles.c.mco, "source": clock_cycles.c.source, "month": month}
    dims = [columns[name].label(name) for name in group_by]
    query = (select(*dims, func.count().filter(clock_cycles.c.outcome == "met").label("met"),
                    func.count().filter(clock_cycles.c.outcome == "breached").label("breached"))
             .where(clock_cycles.c.due_at >= scope.start, clock_cycles.c.due_at < scope.end,
                    clock_cycles.c.outcome.in_(("met", "breached")), *_confined(scope, clock_cycles))
             .group_by(*dims).order_by(*dims))
    rows = [dict(r._mapping) for r in await session.execute(query)]
    if "month" in group_by:
        for row in rows:
            row["month"] = names[row["month"] - 1]
    return rows


# -- durations --------------------------------------------------------------------------------------

DURATIONS = {"first_contact": (cases.c.first_contact_at, cases.c.first_contact_business_s,
                               cases.c.first_contact_calendar_s),
             "resolution": (cases.c.resolved_at, cases.c.resolution_business_s, cases.c.resolution_calendar_s)}
DURATION_GROUPS = ("track", "priority", "mco", "source")  # grouped in this order: an index's for the first two


async def durations(session: AsyncSession, scope: Scope, measure: str, group_by: Sequence[str]) -> Sequence[Any]:
    """Count, median and p90 (linear interpolation, as numpy's default) of a duration, per group, in business and
    calendar seconds, over cases whose measured moment fell in the period."""
    at, business, calendar = DURATIONS[measure]
    columns = {"track": cases.c.track, "priority": cases.c.priority, "mco": case_mco(), "source": cases.c.source}
    labelled = {name: columns[name].label(name) for name in group_by}
    grouped = [labelled[name] for name in DURATION_GROUPS if name in labelled]
    fractions = literal([0.5, 0.9], ARRAY(Float))
    await _sort_in_memory(session)
    query = (select(*grouped, func.count().label("cases"),
                    func.percentile_cont(fractions).within_group(business).label("business"),
                    func.percentile_cont(fractions).within_group(calendar).label("calendar"))
             .where(at >= scope.start, at < scope.end, business.is_not(None), *_confined(scope))
             .group_by(*grouped).order_by(*(labelled[name] for name in group_by)))
    return (await session.execute(query)).all()


# -- by day: the control chart ----------------------------------------------------------------------


async def daily_medians(session: AsyncSession, scope: Scope, measure: str) -> dict[date, float]:
    """The median (business seconds) of each local day of the period with a case measured on it."""
    at, business, _ = DURATIONS[measure]
    days = _spans("days", scope.days(), Date)
    median = (select(func.percentile_cont(0.5).within_group(business).label("median"), func.count().label("cases"))
              .where(at >= days.c.since, at < days.c.until, business.is_not(None), *_confined(scope))
              .lateral("measured"))
    query = select(days.c.label, median.c.median).select_from(days.join(median, true())).where(median.c.cases > 0)
    return {r.label: r.median for r in await session.execute(query)}


# -- before and after a cut -------------------------------------------------------------------------


@dataclass(frozen=True)
class Side:
    """One side of the cut, summed up in SQL: its box plot, in hours, and Mood's count."""

    box: BoxPlot
    above_grand_median: int


@dataclass(frozen=True)
class Sides:
    before: Side | None  # None: no case on that side
    after: Side | None
    grand_median: float | None


async def before_after(session: AsyncSession, scope: Scope, cut: datetime, measure: str) -> Sides:
    """Each side of the instant `cut`: quartiles by the linear method, Tukey's whiskers (1.5 IQR), the outliers
    (counted, and the farthest listed) and how many values are above the median of both sides together.

    In business seconds, as stored, so that every figure after the quartiles is a range of the index in value
    order (a whisker is the first value inside its fence, the outliers lie beyond the fences); in hours at the end.
    """
    at, business, _ = DURATIONS[measure]
    measured = [at >= scope.start, at < scope.end, business.is_not(None), *_confined(scope)]
    sides = {"before": at < cut, "after": at >= cut}
    # In value order (that index), so that the three sorts below sort what is sorted already.
    ordered = select(business.label("s"), (at >= cut).label("after")).where(*measured).order_by(business).subquery()
    on_side = {"before": ~ordered.c.after, "after": ordered.c.after}
    quartiles = literal([0.25, 0.5, 0.75], ARRAY(Float))
    await _sort_in_memory(session)
    first = (await session.execute(select(
        *(func.count().filter(on_side[s]).label(f"{s}_count") for s in sides),
        *(func.min(ordered.c.s).filter(on_side[s]).label(f"{s}_minimum") for s in sides),
        *(func.max(ordered.c.s).filter(on_side[s]).label(f"{s}_maximum") for s in sides),
        *(func.percentile_cont(quartiles).within_group(ordered.c.s).filter(on_side[s]).label(f"{s}_quartiles")
          for s in sides),
        func.percentile_cont(0.5).within_group(ordered.c.s).label("grand_median")))).one()._mapping
    present = [s for s in sides if first[f"{s}_count"]]
    if not present:
        return Sides(before=None, after=None, grand_median=None)
    grand = first["grand_median"]
    limits = {s: fences(first[f"{s}_quartiles"][0], first[f"{s}_quartiles"][2]) for s in present}

    def first_value(condition: Any, order: Any) -> Any:
        return select(business).where(*measured, condition).order_by(order).limit(1).scalar_subquery()

    def count(condition: Any) -> Any:
        return select(func.count()).where(*measured, condition).scalar_subquery()

    above = (select(*(func.count().filter(sides[s]).label(f"{s}_above") for s in present))
             .where(*measured, business > grand).subquery())  # both sides in one pass over the upper half
    second = (await session.execute(select(
        *(first_value(and_(sides[s], business >= limits[s][0]), business).label(f"{s}_lower_whisker")
          for s in present),
        *(first_value(and_(sides[s], business <= limits[s][1]), business.desc()).label(f"{s}_upper_whisker")
          for s in present),
        *((count(and_(sides[s], business < limits[s][0])) + count(and_(sides[s], business > limits[s][1])))
          .label(f"{s}_outliers") for s in present),
        *above.c).select_from(above))).one()._mapping
    extremes = await _extremes(session, measured, business, sides, limits)
    found: dict[str, Side | None] = {"before": None, "after": None}
    for s in present:
        low_q, median, high_q = (value / HOUR for value in first[f"{s}_quartiles"])
        box = BoxPlot(count=first[f"{s}_count"], minimum=first[f"{s}_minimum"] / HOUR, lower_quartile=low_q,
                      median=median, upper_quartile=high_q, maximum=first[f"{s}_maximum"] / HOUR,
                      lower_whisker=second[f"{s}_lower_whisker"] / HOUR,
                      upper_whisker=second[f"{s}_upper_whisker"] / HOUR, outlier_count=second[f"{s}_outliers"],
                      outliers=farthest([value / HOUR for value in extremes[s]], median))
        found[s] = Side(box, above_grand_median=second[f"{s}_above"])
    return Sides(before=found["before"], after=found["after"], grand_median=grand / HOUR)


async def _extremes(session: AsyncSession, measured: list[Any], business: Any, sides: dict[str, Any],
                    limits: dict[str, tuple[float, float]]) -> dict[str, list[float]]:
    """Each side's most extreme outliers at either end (the farthest from the median are among them)."""
    tails = [select(literal(s).label("side"), business.label("value"))
             .where(*measured, sides[s], beyond).order_by(order).limit(EXTREME_OUTLIERS)
             for s, (low, high) in limits.items()
             for beyond, order in ((business < low, business), (business > high, business.desc()))]
    found: dict[str, list[float]] = {s: [] for s in limits}
    for r in await session.execute(union_all(*tails)):
        found[r.side].append(r.value)
    return found


# -- counts by what the cases are -------------------------------------------------------------------


async def counts_by(session: AsyncSession, scope: Scope, by: str) -> Sequence[Any]:
    """Cases received in the period, per source, category or MCO."""
    column = {"source": cases.c.source, "category": cases.c.category, "mco": case_mco()}[by]
    query = (select(column.label("label"), func.count().label("cases"))
             .where(cases.c.received_at >= scope.start, cases.c.received_at < scope.end, *_confined(scope))
             .group_by(column))
    return (await session.execute(query)).all()


async def secondary_escalations(session: AsyncSession, scope: Scope) -> Any:
    """Of the cases received in the period: how many, how many reopened, escalated again after being
    worked, and either."""
    query = (select(func.count().label("cases"), func.count().filter(cases.c.reopenings > 0).label("reopened"),
                    func.count().filter(cases.c.escalations > 0).label("escalated"),
                    func.count().filter(or_(cases.c.reopenings > 0, cases.c.escalations > 0)).label("either"))
             .where(cases.c.received_at >= scope.start, cases.c.received_at < scope.end, *_confined(scope)))
    return (await session.execute(query)).one()


async def open_breaches(session: AsyncSession, mco: str | None) -> Sequence[Any]:
    """Breached cycles of cases still open, oldest deadline first."""
    still_open = or_(cases.c.last_resolved_at.is_(None), cases.c.last_reopened_at > cases.c.last_resolved_at)
    query = (select(clock_cycles.c.inquiry_id, clock_cycles.c.clock, clock_cycles.c.track, clock_cycles.c.priority,
                    clock_cycles.c.due_at, case_mco().label("mco"))
             .select_from(clock_cycles.join(cases, cases.c.id == clock_cycles.c.inquiry_id))
             .where(clock_cycles.c.outcome == "breached", still_open,
                    *([_obligated() == mco] if mco is not None else []))
             .order_by(clock_cycles.c.due_at))
    return (await session.execute(query)).all()


# -- the MCO scorecard ------------------------------------------------------------------------------


async def mco_scorecard(session: AsyncSession, scope: Scope) -> list[dict[str, Any]]:
    """Per MCO and month: the referrals made to it that month and the median business time to its contact;
    the cycles of its clocks met and breached whose deadline fell that month (as compliance counts them)."""
    month, names = _month_of(clock_cycles.c.due_at, scope)
    mco = _obligated()
    cycles = (select(mco.label("mco"), month.label("month"),
                     func.count().filter(clock_cycles.c.outcome == "met").label("met"),
                     func.count().filter(clock_cycles.c.outcome == "breached").label("breached"))
              .where(clock_cycles.c.clock.like("mco\\_%"), clock_cycles.c.due_at >= scope.start,
                     clock_cycles.c.due_at < scope.end, clock_cycles.c.outcome.in_(("met", "breached")),
                     mco.is_not(None), *_confined(scope, clock_cycles))
              .group_by(mco, month))
    rows = {(r.mco, names[r.month - 1]): {"mco": r.mco, "month": names[r.month - 1], "referrals": 0,
                                          "contact_median_s": None, "met": r.met, "breached": r.breached}
            for r in await session.execute(cycles)}
    months = _spans("months", scope.months(), Text)
    referred = (select(cases.c.referred_mco.label("mco"), func.count().label("referrals"),
                       func.percentile_cont(0.5).within_group(cases.c.mco_contact_business_s).label("contact"))
                .where(cases.c.referred_at >= months.c.since, cases.c.referred_at < months.c.until,
                       cases.c.referred_at.is_not(None), cases.c.referred_mco.is_not(None), *_confined(scope))
                .group_by(cases.c.referred_mco).lateral("referred"))
    await _sort_in_memory(session)  # after the cycles' statement (see `_sort_in_memory`)
    for r in await session.execute(select(months.c.label, referred).select_from(months.join(referred, true()))):
        row = rows.setdefault((r.mco, r.label), {"mco": r.mco, "month": r.label, "met": 0, "breached": 0})
        row.update(referrals=r.referrals, contact_median_s=r.contact)
    return [rows[key] for key in sorted(rows)]


# -- grievances and appeals -------------------------------------------------------------------------

GRIEVANCE_APPEAL_TYPES = ("grievance", "appeal_standard", "appeal_expedited")
APPEAL_RESOLUTIONS = ("upheld", "overturned", "partially_overturned", "withdrawn")
REVIEW_LEVELS = ("external_medical_review", "state_fair_hearing")  # the plan's own level is the resolution
DAY = 86400.0


def _grievances_and_appeals(scope: Scope) -> Any:
    """Each grievance and appeal that matters to the period (received before its end and not resolved before its
    start): its MCO, type, when received and resolved, and how its case-level resolution and acknowledgment
    clocks ended (any cycle breached: late; else a cycle met: on time; the cycles a denied expedited request or an
    extension superseded were stopped, and count for neither)."""
    cycle = clock_cycles.c
    clocks = (select(cycle.inquiry_id,
                     *(func.bool_or(and_(cycle.clock == name, cycle.outcome == outcome)).label(f"{name}_{outcome}")
                       for name in ("resolution", "acknowledged") for outcome in ("met", "breached")))
              .where(cycle.clock.in_(("resolution", "acknowledged")), cycle.clock_mco == "")
              .group_by(cycle.inquiry_id).subquery("clocks"))
    denied = cases.c.expedited_denied_at.is_not(None)
    expedited = and_(~denied, or_(cases.c.priority == "urgent",
                                  and_(cases.c.priority.is_(None), cases.c.expedited_requested.is_(True))))
    kind = case((cases.c.kind == "grievance", "grievance"), (expedited, "appeal_expedited"),
                else_="appeal_standard")
    return (select(case_mco().label("mco"), kind.label("type"), cases.c.category, cases.c.received_at,
                   cases.c.resolved_at, cases.c.resolution_calendar_s, cases.c.extended_by, cases.c.resolution_code,
                   or_(cases.c.expedited_requested.is_(True), denied).label("expedited_requested"),
                   denied.label("expedited_denied"),
                   *(func.coalesce(clocks.c[name], false()).label(name)
                     for name in ("resolution_met", "resolution_breached", "acknowledged_met",
                                  "acknowledged_breached")))
            .select_from(cases.outerjoin(clocks, clocks.c.inquiry_id == cases.c.id))
            .where(cases.c.kind.in_(("grievance", "appeal")), cases.c.received_at < scope.end,
                   or_(cases.c.resolved_at.is_(None), cases.c.resolved_at >= scope.start), *_confined(scope))
            .subquery("ga"))


def _figures(ga: Any, scope: Scope) -> list[Any]:
    """The counts of a group of grievances and appeals, as the report names them."""
    received = and_(ga.c.received_at >= scope.start, ga.c.received_at < scope.end)
    resolved = and_(ga.c.resolved_at >= scope.start, ga.c.resolved_at < scope.end)
    timely = and_(resolved, ga.c.resolution_met, ~ga.c.resolution_breached)
    counted = {
        "received": received,
        "expedited_requested": and_(received, ga.c.expedited_requested),
        "expedited_denied": and_(received, ga.c.expedited_denied),
        "acknowledged_on_time": and_(received, ga.c.acknowledged_met, ~ga.c.acknowledged_breached),
        "acknowledged_late": and_(received, ga.c.acknowledged_breached),
        "resolved": resolved,
        "resolved_timely": timely,
        "resolved_late": and_(resolved, ga.c.resolution_breached),
        "extended": and_(resolved, ga.c.extended_by.is_not(None)),
        "extended_by_enrollee": and_(resolved, ga.c.extended_by == "enrollee"),
        "extended_by_plan": and_(resolved, ga.c.extended_by == "plan"),
        **{code: and_(resolved, ga.c.type != "grievance", ga.c.resolution_code == code)
           for code in APPEAL_RESOLUTIONS},
        "active": or_(ga.c.resolved_at.is_(None), ga.c.resolved_at >= scope.end),  # open when the period ended
    }
    return [*(func.count().filter(condition).label(name) for name, condition in counted.items()),
            (func.percentile_cont(0.5).within_group(ga.c.resolution_calendar_s).filter(resolved) / DAY)
            .label("median_days_to_resolve")]


async def grievances_appeals(session: AsyncSession, scope: Scope) -> list[dict[str, Any]]:
    """Per MCO and type (grievance, standard appeal, expedited appeal): the grievances and appeals received in
    the period, resolved in it, on time or late, extended, by resolution, open at its end."""
    ga = _grievances_and_appeals(scope)
    query = select(ga.c.mco, ga.c.type, *_figures(ga, scope)).group_by(ga.c.mco, ga.c.type)
    return [dict(r._mapping) for r in await session.execute(query)]


async def grievances_by_reason(session: AsyncSession, scope: Scope) -> list[dict[str, Any]]:
    """Per MCO and category (the grievance's reason): received, resolved, resolved on time and late."""
    ga = _grievances_and_appeals(scope)
    figures = {f.name: f for f in _figures(ga, scope)}
    query = (select(ga.c.mco, ga.c.category,
                    *(figures[name] for name in ("received", "resolved", "resolved_timely", "resolved_late")))
             .where(ga.c.type == "grievance").group_by(ga.c.mco, ga.c.category))
    return [dict(r._mapping) for r in await session.execute(query)]


async def reviews_by_level(session: AsyncSession, scope: Scope) -> list[dict[str, Any]]:
    """Per MCO and level beyond the plan (external medical review, state fair hearing): the grievances and
    appeals first recorded at that level in the period (requested), those whose latest decision there fell in the
    period (decided), by that decision, and those undecided at its end."""
    r = reviews.c
    first = (select(r.inquiry_id, r.level, func.min(r.at).label("first_at")).where(r.level.in_(REVIEW_LEVELS))
             .group_by(r.inquiry_id, r.level).subquery("first"))
    last = (select(r.inquiry_id, r.level, r.at.label("decided_at"), r.resolution)
            .where(r.level.in_(REVIEW_LEVELS), r.resolution.is_not(None))
            .ext(distinct_on(r.inquiry_id, r.level)).order_by(r.inquiry_id, r.level, r.at.desc()).subquery("last"))
    per_case = (select(first.c.inquiry_id, first.c.level, first.c.first_at, last.c.decided_at, last.c.resolution)
                .select_from(first.outerjoin(last, and_(last.c.inquiry_id == first.c.inquiry_id,
                                                        last.c.level == first.c.level)))
                .subquery("per_case"))
    decided = and_(per_case.c.decided_at >= scope.start, per_case.c.decided_at < scope.end)
    counted = {
        "requested": and_(per_case.c.first_at >= scope.start, per_case.c.first_at < scope.end),
        "decided": decided,
        **{code: and_(decided, per_case.c.resolution == code) for code in APPEAL_RESOLUTIONS},
        "other": and_(decided, per_case.c.resolution.not_in(APPEAL_RESOLUTIONS)),
        "pending": and_(per_case.c.first_at < scope.end,
                        or_(per_case.c.decided_at.is_(None), per_case.c.decided_at >= scope.end)),
    }
    mco = case_mco().label("mco")
    query = (select(mco, per_case.c.level, *(func.count().filter(c).label(n) for n, c in counted.items()))
             .select_from(per_case.join(cases, cases.c.id == per_case.c.inquiry_id))
             .where(cases.c.kind.in_(("grievance", "appeal")), per_case.c.first_at < scope.end,
                    or_(per_case.c.decided_at.is_(None), per_case.c.decided_at >= scope.start), *_confined(scope))
             .group_by(mco, per_case.c.level))
    return [dict(row._mapping) for row in await session.execute(query)]
