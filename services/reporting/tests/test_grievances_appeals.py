"""The grievances-and-appeals report over a published history of grievances and appeals (two MCOs, standard and
expedited appeals, a denied expedited request, extensions, breaches, a withdrawn breach, reviews up to the state
fair hearing, clocks of one MCO's obligation that must not count, cases at the period's edges): every figure
checked against a fold of the published events written here in plain Python, in the program's time zone and in
UTC; the same report after a rebuild; the files."""

from __future__ import annotations

import csv
import io
import random
import statistics
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart

from liaison_reporting.demo_history import demo_history
from liaison_reporting.main import MIGRATIONS
from liaison_shared.payloads import (
    Actor,
    AppealDetails,
    BreachWithdrawnV1,
    ClockStartedV1,
    ClockStoppedV1,
    DeadlineExtendedV1,
    ExpeditedDeniedV1,
    InquiryReceivedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    MemberIdentity,
    Payload,
    PriorityAssignedV1,
    ReviewRecordedV1,
    SlaBreachedV1,
    SlaMetV1,
)
from liaison_shared.program import program_calendar

from .conftest import Reporting
from .test_exports import XLSX, download

CHICAGO = ZoneInfo("America/Chicago")
ACTOR = Actor(subject="g", name="Gail Example", roles=("grievance-coordinator",))
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}
CATEGORIES = ("access_to_care", "quality_of_care", "claims_billing", "pharmacy", "transportation", "other")
CODES = ("upheld", "overturned", "partially_overturned", "withdrawn")
DAYS = {"grievance": 90, "standard": 30}


def chicago(month: int, day: int, hour: float) -> datetime:
    return datetime(2026, month, day, tzinfo=CHICAGO) + timedelta(hours=hour)


class History:
    """The events of a history of grievances and appeals, built case by case."""

    def __init__(self) -> None:
        self.events: list[Payload] = []

    def case(self, *, kind: str, mco: str, received: datetime, category: str = "access_to_care",
             expedited: bool = False, denied: bool = False, resolved_after: float | None = None,
             timely: bool = True, code: str = "resolved", acknowledged: bool | None = True,
             extended_by: str | None = None, withdrawn_breach: bool = False, hearing: tuple[float, float | None,
             str] | None = None, reopened_code: str | None = None, other_mco_clock: bool = False) -> uuid.UUID:
        """One case; `resolved_after` hours after receipt (None: open); `hearing`: days after the resolution that
        a state fair hearing was requested and decided (None: not yet), and its decision."""
        inquiry_id, events = uuid.uuid4(), self.events
        track, urgent = kind, kind == "appeal" and expedited
        events += [
            InquiryReceivedV1(inquiry_id=inquiry_id, party="member", source="managed_care_ombudsman", category=category,
                              mco=mco, member=MemberIdentity(name="Synthetic Member"), description="Synthetic.",
                              received_at=received, kind=kind,
                              appeal=AppealDetails(determination="Denied.", expedited_requested=expedited)
                              if kind == "appeal" else None),
            self.assigned(inquiry_id, track, "urgent" if urgent else "standard", mco, received)]
        due = received + (timedelta(hours=72) if urgent else timedelta(days=DAYS["grievance" if kind == "grievance"
                                                                                else "standard"]))
        priority = "urgent" if urgent else "standard"
        events.append(self.started(inquiry_id, "resolution", track, priority, due, received))
        if acknowledged is not None:
            ack_due = received + timedelta(days=3)
            events.append(self.started(inquiry_id, "acknowledged", track, priority, ack_due, received))
            events.append(self.met(inquiry_id, "acknowledged", ack_due, received + timedelta(days=1)) if acknowledged
                          else self.breached(inquiry_id, "acknowledged", track, priority, ack_due))
        if urgent and denied:
            at = received + timedelta(hours=6)
            superseded, due, priority = due, received + timedelta(days=30), "standard"
            events += [ExpeditedDeniedV1(inquiry_id=inquiry_id, reason="Not urgent.", actor=ACTOR, at=at),
                       self.assigned(inquiry_id, track, "standard", mco, received),
                       ClockStoppedV1(inquiry_id=inquiry_id, clock="resolution", reason="superseded",
                                      due_at=superseded, stopped_at=at),
                       self.started(inquiry_id, "resolution", track, priority, due, received)]
        if extended_by is not None:
            at = received + timedelta(days=2)
            superseded, due = due, due + timedelta(days=14)
            events += [DeadlineExtendedV1(inquiry_id=inquiry_id, clock="resolution", days=14,
                                          requested_by=extended_by, reason="Records.", actor=ACTOR, at=at),
                       ClockStoppedV1(inquiry_id=inquiry_id, clock="resolution", reason="superseded",
                                      due_at=superseded, stopped_at=at),
                       self.started(inquiry_id, "resolution", track, priority, due, received)]
        if other_mco_clock:  # a clock of another MCO's obligation, breached: not the case's own resolution clock
            other_due = received + timedelta(days=5)
            events += [self.started(inquiry_id, "resolution", track, priority, other_due, received, mco="IA-XX"),
                       self.breached(inquiry_id, "resolution", track, priority, other_due, mco="IA-XX")]
        if resolved_after is None:
            return inquiry_id
        resolved = received + timedelta(hours=resolved_after)
        if withdrawn_breach:
            events += [self.breached(inquiry_id, "resolution", track, priority, due),
                       BreachWithdrawnV1(inquiry_id=inquiry_id, clock="resolution", track=track, priority=priority,
                                         due_at=due, met_at=resolved, withdrawn_at=due + timedelta(hours=1))]
        elif timely:
            events.append(self.met(inquiry_id, "resolution", due, resolved))
        else:
            events.append(self.breached(inquiry_id, "resolution", track, priority, due))
        events += [InquiryResolvedV1(inquiry_id=inquiry_id, resolved_by="state", resolution_code=code,
                                     summary="Resolved.", actor=ACTOR, at=resolved),
                   ReviewRecordedV1(inquiry_id=inquiry_id, level="plan", summary="Plan.", resolution=code,
                                    actor=ACTOR, at=resolved)]
        if reopened_code is not None:  # the first resolution's code stays the case's
            again = resolved + timedelta(days=3)
            events += [InquiryReopenedV1(inquiry_id=inquiry_id, reason="Again.", actor=ACTOR, at=again),
                       InquiryResolvedV1(inquiry_id=inquiry_id, resolved_by="state", resolution_code=reopened_code,
                                         summary="Again.", actor=ACTOR, at=again + timedelta(days=1))]
        if hearing is not None:
            asked, decided, decision = hearing
            events.append(ReviewRecordedV1(inquiry_id=inquiry_id, level="state_fair_hearing", summary="Asked.",
                                           resolution=None, actor=ACTOR, at=resolved + timedelta(days=asked)))
            if decided is not None:
                events.append(ReviewRecordedV1(inquiry_id=inquiry_id, level="state_fair_hearing", summary="Heard.",
                                               resolution=decision, actor=ACTOR,
                                               at=resolved + timedelta(days=decided)))
        return inquiry_id

    @staticmethod
    def assigned(inquiry_id: uuid.UUID, track: str, priority: str, mco: str, at: datetime) -> PriorityAssignedV1:
        return PriorityAssignedV1(inquiry_id=inquiry_id, track=track, priority=priority, queue="grievances_appeals",
                                  subject=track.capitalize(), mco=mco, ruleset_version="t", received_at=at,
                                  decided_at=at)

    @staticmethod
    def started(inquiry_id: uuid.UUID, clock: str, track: str, priority: str, due: datetime, at: datetime,
                mco: str | None = None) -> ClockStartedV1:
        return ClockStartedV1(inquiry_id=inquiry_id, clock=clock, track=track, priority=priority,
                              warn_at=due - timedelta(hours=1), due_at=due, started_at=at, mco=mco)

    @staticmethod
    def met(inquiry_id: uuid.UUID, clock: str, due: datetime, at: datetime) -> SlaMetV1:
        return SlaMetV1(inquiry_id=inquiry_id, clock=clock, due_at=due, met_at=at, took_business_seconds=60)

    @staticmethod
    def breached(inquiry_id: uuid.UUID, clock: str, track: str, priority: str, due: datetime,
                 mco: str | None = None) -> SlaBreachedV1:
        return SlaBreachedV1(inquiry_id=inquiry_id, clock=clock, track=track, priority=priority, due_at=due,
                             breached_at=due, late_by_seconds=0, mco=mco)


def november_history() -> list[Payload]:
    """About forty cases a random draw makes (the same every run), and those the edges of the period need."""
    history, draw = History(), random.Random(18)
    for n in range(40):
        kind = "grievance" if n % 2 else "appeal"
        expedited = kind == "appeal" and n % 3 == 0
        resolved = draw.random() < 0.85
        code = draw.choice(CODES) if kind == "appeal" else "resolved"
        hearing = None
        if kind == "appeal" and code == "upheld" and resolved:
            hearing = (draw.uniform(1, 5), draw.choice([None, draw.uniform(6, 40)]), draw.choice(CODES[:3]))
        history.case(kind=kind, mco=("IA-TC", "IA-AG")[n % 4 // 2], category=draw.choice(CATEGORIES),
                     received=chicago(11, 2 + n % 26, 9 + draw.uniform(0, 8)), expedited=expedited,
                     denied=expedited and n % 24 == 0,
                     resolved_after=draw.uniform(2, 60 if expedited else 600) if resolved else None,
                     timely=draw.random() < 0.8, code=code, acknowledged=draw.choice([True, True, True, False, None]),
                     extended_by=draw.choice([None, None, None, "enrollee", "plan"]), hearing=hearing,
                     other_mco_clock=n % 7 == 0)
    # The edges: received 31 Oct 23:30 in Chicago (1 Nov in UTC), 30 Nov 19:00 (1 Dec in UTC); resolved late
    # on 30 Nov (in December in UTC) and early on 1 Nov (October in UTC); received in October, resolved after.
    history.case(kind="grievance", mco="IA-TC", received=chicago(10, 31, 23.5), category="quality_of_care",
                 resolved_after=48)
    history.case(kind="appeal", mco="IA-AG", received=chicago(11, 30, 19), resolved_after=None)
    history.case(kind="appeal", mco="IA-TC", received=chicago(11, 20, 9), resolved_after=10 * 24 + 12,
                 code="overturned", withdrawn_breach=True, reopened_code="upheld")  # 30 Nov 21:00
    history.case(kind="grievance", mco="IA-AG", received=chicago(10, 20, 9), resolved_after=11 * 24 + 13.5,
                 timely=False)  # 31 Oct 22:30 in Chicago, 1 Nov in UTC
    history.case(kind="appeal", mco="IA-AG", received=chicago(10, 5, 9), resolved_after=None, expedited=True,
                 hearing=None)  # open since October
    history.case(kind="appeal", mco="IA-TC", received=chicago(11, 3, 9), expedited=True, denied=True,
                 resolved_after=400, code="upheld", hearing=(2, 10, "overturned"))
    # Not a grievance or an appeal: counts nowhere.
    inquiry = uuid.uuid4()
    history.events += [
        InquiryReceivedV1(inquiry_id=inquiry, party="member", source="managed_care_ombudsman", category="pharmacy",
                          mco="IA-TC", member=MemberIdentity(name="Synthetic Member"), description="Synthetic.",
                          received_at=chicago(11, 10, 9)),
        History.assigned(inquiry, "member_mco", "standard", "IA-TC", chicago(11, 10, 9))]
    return history.events


# -- the fold, in plain Python ---------------------------------------------------------------------


def expected(events: list[Payload], zone: ZoneInfo) -> dict[str, Any]:
    """The report of November in `zone`, folded from the events."""
    start, end = datetime(2026, 11, 1, tzinfo=zone), datetime(2026, 12, 1, tzinfo=zone)
    cases: dict[uuid.UUID, dict[str, Any]] = defaultdict(lambda: {"cycles": {}, "resolutions": [], "reviews": []})
    for e in events:
        c = cases[e.inquiry_id]  # type: ignore[attr-defined]
        match e:
            case InquiryReceivedV1():
                c.update(kind=str(e.kind), mco=e.mco, category=str(e.category), received=e.received_at,
                         asked=bool(e.appeal and e.appeal.expedited_requested))
            case PriorityAssignedV1():
                c["priority"] = str(e.priority)
            case ExpeditedDeniedV1():
                c["denied"] = True
            case DeadlineExtendedV1():
                c["extended_by"] = str(e.requested_by)
            case InquiryResolvedV1():
                c["resolutions"].append((e.at, e.resolution_code))
            case ReviewRecordedV1():
                c["reviews"].append((str(e.level), e.at, e.resolution))
            case ClockStartedV1() | SlaMetV1() | SlaBreachedV1() | BreachWithdrawnV1() | ClockStoppedV1():
                if e.mco is None and e.clock in ("resolution", "acknowledged"):
                    key = (e.clock, e.due_at)
                    if isinstance(e, SlaMetV1 | BreachWithdrawnV1):
                        c["cycles"][key] = "met"
                    elif isinstance(e, SlaBreachedV1):
                        c["cycles"][key] = c["cycles"].get(key) if c["cycles"].get(key) == "met" else "breached"
                    elif isinstance(e, ClockStoppedV1):
                        c["cycles"][key] = "stopped"
                    else:
                        c["cycles"].setdefault(key, "open")

    def within(at: datetime | None) -> bool:
        return at is not None and start <= at < end

    rows: dict[tuple[str, str], dict[str, Any]] = {}
    reasons: dict[tuple[str, str], dict[str, int]] = {}
    hearings: dict[str, dict[str, int]] = {}
    durations: dict[tuple[str, str], list[float]] = defaultdict(list)
    for c in cases.values():
        if c.get("kind") not in ("grievance", "appeal"):
            continue
        first = min(c["resolutions"], default=None)
        resolved_at, code = first if first else (None, None)
        if not (c["received"] < end and (resolved_at is None or resolved_at >= start)):
            continue
        mco = c["mco"] or "none"
        expedited = c["kind"] == "appeal" and c.get("priority") == "urgent" and not c.get("denied")
        kind = "grievance" if c["kind"] == "grievance" else "appeal_expedited" if expedited else "appeal_standard"

        def outcome(clock: str, cycles: dict[tuple[str, datetime], str] = c["cycles"]) -> str | None:
            ended = {o for (name, _), o in cycles.items() if name == clock}
            return "breached" if "breached" in ended else "met" if "met" in ended else None

        for each in ("grievance", "appeal_standard", "appeal_expedited"):
            rows.setdefault((mco, each), defaultdict(int))
        row = rows[(mco, kind)]
        if within(c["received"]):
            row["received"] += 1
            row["expedited_requested"] += c["asked"] or bool(c.get("denied"))
            row["expedited_denied"] += bool(c.get("denied"))
            row["acknowledged_on_time"] += outcome("acknowledged") == "met"
            row["acknowledged_late"] += outcome("acknowledged") == "breached"
        if within(resolved_at):
            row["resolved"] += 1
            row["resolved_timely"] += outcome("resolution") == "met"
            row["resolved_late"] += outcome("resolution") == "breached"
            row["extended"] += "extended_by" in c
            row["extended_by_enrollee"] += c.get("extended_by") == "enrollee"
            row["extended_by_plan"] += c.get("extended_by") == "plan"
            if kind != "grievance":
                row[code] += 1
            durations[(mco, kind)].append((resolved_at - c["received"]).total_seconds() / 86400)
        row["active"] += resolved_at is None or resolved_at >= end
        if kind == "grievance":
            reason = reasons.setdefault((mco, c["category"]), defaultdict(int))
            reason["received"] += within(c["received"])
            reason["resolved"] += within(resolved_at)
            reason["resolved_timely"] += within(resolved_at) and outcome("resolution") == "met"
            reason["resolved_late"] += within(resolved_at) and outcome("resolution") == "breached"
        heard = [(at, resolution) for level, at, resolution in c["reviews"] if level == "state_fair_hearing"]
        if heard:
            asked = min(at for at, _ in heard)
            decisions = sorted((at, resolution) for at, resolution in heard if resolution is not None)
            decided_at, decision = decisions[-1] if decisions else (None, None)
            if asked < end and (decided_at is None or decided_at >= start):
                hearing = hearings.setdefault(mco, defaultdict(int))
                hearing["requested"] += within(asked)
                hearing["decided"] += within(decided_at)
                if within(decided_at):
                    hearing[decision] += 1
                hearing["pending"] += decided_at is None or decided_at >= end
    counts = ("received", "expedited_requested", "expedited_denied", "acknowledged_on_time", "acknowledged_late",
              "resolved", "resolved_timely", "resolved_late", "extended", "extended_by_enrollee", "extended_by_plan",
              "upheld", "overturned", "partially_overturned", "withdrawn", "active")
    order = ("grievance", "appeal_standard", "appeal_expedited")
    listed = []
    for (mco, kind), row in sorted(rows.items(), key=lambda item: (item[0][0], order.index(item[0][1]))):
        timely, late = row["resolved_timely"], row["resolved_late"]
        listed.append({"mco": mco, "type": kind, **{n: row[n] for n in counts},
                       "share_timely": timely / (timely + late) if timely + late else None,
                       "median_days_to_resolve": statistics.median(durations[(mco, kind)])
                       if durations[(mco, kind)] else None})
    return {"rows": listed,
            "reasons": {key: dict(value) for key, value in reasons.items()},
            "hearings": {mco: dict(value) for mco, value in hearings.items()}}


def same_rows(found: list[dict[str, Any]], wanted: list[dict[str, Any]]) -> None:
    assert [(r["mco"], r["type"]) for r in found] == [(r["mco"], r["type"]) for r in wanted]
    for got, want in zip(found, wanted, strict=True):
        assert {k: v for k, v in got.items() if k != "median_days_to_resolve"} == {
            k: v for k, v in want.items() if k != "median_days_to_resolve"}, (got["mco"], got["type"])
        assert got["median_days_to_resolve"] == pytest.approx(want["median_days_to_resolve"]), got["type"]


def check(report: dict[str, Any], wanted: dict[str, Any]) -> None:
    same_rows(report["rows"], wanted["rows"])
    assert {(r["mco"], r["category"]): {k: r[k] for k in ("received", "resolved", "resolved_timely",
                                                            "resolved_late")} for r in report["reasons"]} == {
        key: {k: value.get(k, 0) for k in ("received", "resolved", "resolved_timely", "resolved_late")}
        for key, value in wanted["reasons"].items()}
    hearings = {r["mco"]: r for r in report["reviews"] if r["level"] == "state_fair_hearing"}
    assert set(hearings) == set(wanted["hearings"])
    for mco, want in wanted["hearings"].items():
        assert {k: hearings[mco][k] for k in ("requested", "decided", "upheld", "overturned", "partially_overturned",
                                              "withdrawn", "pending")} == {
            k: want.get(k, 0) for k in ("requested", "decided", "upheld", "overturned", "partially_overturned",
                                        "withdrawn", "pending")}
    items = {(i["mco"], i["item"]): i["value"] for i in report["mcpar"]}
    for mco in {r["mco"] for r in wanted["rows"]}:
        of = {r["type"]: r for r in wanted["rows"] if r["mco"] == mco}
        appeals = (of["appeal_standard"], of["appeal_expedited"])
        assert items[(mco, "D1.IV.1")] == sum(r["resolved"] for r in appeals)
        assert items[(mco, "D1.IV.1a")] == sum(r["upheld"] for r in appeals)
        assert items[(mco, "D1.IV.1c")] == sum(r["overturned"] for r in appeals)
        assert items[(mco, "D1.IV.2")] == sum(r["active"] for r in appeals)
        assert items[(mco, "D1.IV.5a")] == of["appeal_standard"]["resolved_timely"]
        assert items[(mco, "D1.IV.5b")] == of["appeal_expedited"]["resolved_timely"]
        assert items[(mco, "D1.IV.10")] == of["grievance"]["resolved"]
        assert items[(mco, "D1.IV.14")] == of["grievance"]["resolved_timely"]
        assert items[(mco, "D1.IV.16d")] == wanted["reasons"].get((mco, "quality_of_care"), {}).get("resolved", 0)
        hearing = wanted["hearings"].get(mco, {})
        assert items[(mco, "D1.IV.8a")] == hearing.get("requested", 0)
        assert items[(mco, "D1.IV.8b")] == hearing.get("overturned", 0) + hearing.get("partially_overturned", 0)


async def test_the_report_matches_a_fold_of_the_events_in_either_time_zone_and_after_a_rebuild(
        reporting: Reporting) -> None:
    events = november_history()
    await reporting.publish(*events)
    reports = {}
    for zone in (CHICAGO, ZoneInfo("UTC")):
        status, report = await reporting.get("/v1/reports/grievances-appeals", tz=str(zone), **NOVEMBER)
        assert status == 200
        wanted = expected(events, zone)
        check(report, wanted)
        reports[str(zone)] = report
    chicago_rows, utc_rows = reports["America/Chicago"]["rows"], reports["UTC"]["rows"]
    assert chicago_rows != utc_rows  # the edges fall on different sides of the period in the two zones
    # What the history was made to hold, so that the fold checks something.
    every = {key: sum(r[key] for r in chicago_rows) for key, value in chicago_rows[0].items()
             if isinstance(value, int) and key != "share_timely"}
    assert every["expedited_denied"] >= 2 and every["resolved_late"] >= 3 and every["extended_by_plan"] >= 1
    assert every["extended_by_enrollee"] >= 1 and every["active"] >= 3 and every["acknowledged_late"] >= 1
    assert all(every[code] for code in CODES)
    assert any(r["requested"] and r["decided"] for r in reports["America/Chicago"]["reviews"])
    # Another MCO's clocks are kept apart: two cycles of one case due at once for two MCOs are two cycles.
    assert await reporting.sql("SELECT count(*) FROM clock_cycles WHERE clock_mco = 'IA-XX'") >= 3

    await reporting.rebuild()
    await reporting.restart()
    await reporting.consumed(len(events))
    status, again = await reporting.get("/v1/reports/grievances-appeals", tz="America/Chicago", **NOVEMBER)
    assert status == 200 and again == reports["America/Chicago"]


async def test_the_report_as_csv_and_xlsx_has_the_rows_a_timeliness_chart_and_a_sheet_per_other_table(
        reporting: Reporting) -> None:
    events = november_history()
    await reporting.publish(*events)
    status, report = await reporting.get("/v1/reports/grievances-appeals", **NOVEMBER)
    assert status == 200
    text = await download(reporting, "/v1/reports/grievances-appeals", format="csv", **NOVEMBER)
    assert text.status_code == 200 and text.headers["content-disposition"] == \
        'attachment; filename="grievances-appeals_2026-11-01_2026-11-30.csv"'
    rows = list(csv.DictReader(io.StringIO(text.content.decode("utf-8"))))
    assert rows == [{k: "" if v is None else str(v) for k, v in row.items()} for row in report["rows"]]
    workbook = await download(reporting, "/v1/reports/grievances-appeals", format="xlsx", **NOVEMBER)
    assert workbook.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames == ["Report", "Grievances by reason", "Reviews", "MCPAR"]
    sheet = book["Report"]
    header, *cells = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert header[:3] == ["MCO", "Type", "Received"] and len(cells) == len(report["rows"])
    timely = header.index("Share resolved on time")
    assert [line[timely] for line in cells] == pytest.approx([r["share_timely"] for r in report["rows"]])
    [chart] = sheet._charts
    assert isinstance(chart, BarChart) and len(chart.series) == 1
    mcpar = [list(r) for r in book["MCPAR"].iter_rows(min_row=3, values_only=True)]
    assert mcpar == [[i["mco"], i["item"], i["name"], i["value"]] for i in report["mcpar"]]
    assert "time zone America/Chicago" in book["Reviews"]["A1"].value


async def test_nothing_in_the_period_is_an_empty_report(reporting: Reporting) -> None:
    status, report = await reporting.get("/v1/reports/grievances-appeals", start="2020-01-01", end="2020-01-31")
    assert status == 200 and report == {"rows": [], "reasons": [], "reviews": [], "mcpar": []}
    status, problem = await reporting.get("/v1/reports/grievances-appeals", start="2026-11-30", end="2026-11-01")
    assert status == 422 and problem["errors"][0]["field"] == "end"



async def test_the_demo_history_has_grievances_and_appeals_for_each_mco(reporting: Reporting) -> None:
    now = datetime(2026, 11, 20, 15, 30, tzinfo=CHICAGO)
    history = await demo_history(reporting.runtime.settings, MIGRATIONS, program_calendar(), now=now)
    status, report = await reporting.get("/v1/reports/grievances-appeals", start=history.first.isoformat(),
                                         end=history.last.isoformat())
    assert status == 200
    rows = report["rows"]
    assert {r["mco"] for r in rows} == {"IA-TC", "IA-AG"}
    for mco in ("IA-TC", "IA-AG"):
        mine = [r for r in rows if r["mco"] == mco]
        grievances = next(r for r in mine if r["type"] == "grievance")
        appeals = sum(r["received"] for r in mine if r["type"] != "grievance")
        assert 30 <= grievances["received"] <= 60 and 30 <= appeals <= 60
        assert sum(r["expedited_denied"] for r in mine) == 1
        assert sum(r["resolved_late"] for r in mine) >= 1 and sum(r["extended"] for r in mine) >= 1
        assert sum(r["active"] for r in mine) >= 1
    assert sum(r["requested"] for r in report["reviews"] if r["level"] == "state_fair_hearing") >= 1
    assert history.grievances_appeals == sum(r["received"] for r in rows)
