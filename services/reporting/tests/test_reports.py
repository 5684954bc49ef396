"""The reports over a fixed history, each figure checked against an independent computation (numpy,
scipy) from the raw events the test published."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from scipy.stats import median_test

from liaison_shared.payloads import (
    Actor,
    ClockStartedV1,
    ContactAttemptedV1,
    InquiryReceivedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    McoContactedV1,
    McoReportedV1,
    MemberIdentity,
    PriorityAssignedV1,
    SlaBreachedV1,
    SlaMetV1,
)

from .conftest import Reporting

CHICAGO = ZoneInfo("America/Chicago")
ACTOR = Actor(subject="s", name="Maria Lopez", roles=("member-liaison",))


def local(day: int, hour: float, month: int = 11) -> datetime:
    """An instant of November (or `month`) 2026 in program time."""
    return datetime(2026, month, day, tzinfo=CHICAGO) + timedelta(hours=hour)


def opened(at: datetime, *, source: str = "managed_care_ombudsman", category: str = "pharmacy",
           mco: str = "IA-TC", priority: str = "urgent") -> tuple[uuid.UUID, list[object]]:
    inquiry_id = uuid.uuid4()
    return inquiry_id, [
        InquiryReceivedV1(inquiry_id=inquiry_id, party="member", source=source, category=category, mco=mco,
                          member=MemberIdentity(name="Synthetic Member"), description="Synthetic.", received_at=at),
        PriorityAssignedV1(inquiry_id=inquiry_id, track="member_mco", priority=priority, queue="member_liaison",
                           subject="[URGENT] Member", mco=mco, ruleset_version="t", received_at=at, decided_at=at)]


def contact(inquiry_id: uuid.UUID, at: datetime, reached: bool = True) -> ContactAttemptedV1:
    return ContactAttemptedV1(inquiry_id=inquiry_id, channel="phone", outcome="reached" if reached else "not_reached",
                              attempt_number=1, actor=ACTOR, at=at)


def resolution(inquiry_id: uuid.UUID, at: datetime) -> InquiryResolvedV1:
    return InquiryResolvedV1(inquiry_id=inquiry_id, resolved_by="state", resolution_code="done", actor=ACTOR, at=at)


async def test_time_to_resolution_median_and_p90_in_business_and_calendar_hours(reporting: Reporting) -> None:
    # Within one business day business time is calendar time: 1.0, 2.5, 2.5 (a tie), 4.0, 7.0 hours.
    hours = [1.0, 2.5, 2.5, 4.0, 7.0]
    events: list[object] = []
    for n, h in enumerate(hours):
        inquiry_id, opening = opened(local(16 + n, 9))  # Mon 16 .. Fri 20 November, 09:00
        events += [*opening, resolution(inquiry_id, local(16 + n, 9 + h))]
    # And one across the weekend: Friday 16:00 to Monday 09:00 is 2 business hours, 65 calendar hours.
    weekend_id, opening = opened(local(20, 16))
    events += [*opening, resolution(weekend_id, local(23, 9))]
    await reporting.publish(*events)  # type: ignore[arg-type]
    status, rows = await reporting.get("/v1/reports/durations", start="2026-11-01", end="2026-11-30",
                                       measure="resolution", group_by="track")
    assert status == 200 and len(rows) == 1
    business, calendar = np.array([*hours, 2.0]), np.array([*hours, 65.0])
    assert rows[0]["cases"] == 6
    assert np.isclose(rows[0]["business_median_hours"], np.percentile(business, 50))
    assert np.isclose(rows[0]["business_p90_hours"], np.percentile(business, 90))
    assert np.isclose(rows[0]["calendar_p90_hours"], np.percentile(calendar, 90))


def reopened_and_breached() -> tuple[list[object], datetime]:
    """A case whose first cycle was met and, reopened, whose second breached; still open."""
    inquiry_id, events = opened(local(16, 9))
    first_due, second_due = local(16, 13), local(18, 14)
    events += [
        ClockStartedV1(inquiry_id=inquiry_id, clock="originator_contacted", track="member_mco", priority="urgent",
                       warn_at=local(16, 11), due_at=first_due, started_at=local(16, 9)),
        SlaMetV1(inquiry_id=inquiry_id, clock="originator_contacted", due_at=first_due, met_at=local(16, 10),
                 took_business_seconds=3600),
        resolution(inquiry_id, local(16, 11)),
        InquiryReopenedV1(inquiry_id=inquiry_id, reason="Called again", actor=ACTOR, at=local(18, 10)),
        ClockStartedV1(inquiry_id=inquiry_id, clock="originator_contacted", track="member_mco", priority="urgent",
                       warn_at=local(18, 12), due_at=second_due, started_at=local(18, 10)),
        SlaBreachedV1(inquiry_id=inquiry_id, clock="originator_contacted", track="member_mco", priority="urgent",
                      due_at=second_due, breached_at=second_due, late_by_seconds=0)]
    return events, second_due


async def test_every_cycle_of_a_reopened_case_counts_in_compliance(reporting: Reporting) -> None:
    events, _ = reopened_and_breached()
    inquiry_id = events[0].inquiry_id  # type: ignore[attr-defined]
    await reporting.publish(*events)  # type: ignore[arg-type]
    status, rows = await reporting.get("/v1/reports/sla-compliance", start="2026-11-01", end="2026-11-30",
                                       group_by="clock,month")
    assert status == 200
    assert rows == [{"clock": "originator_contacted", "month": "2026-11", "met": 1, "breached": 1, "compliance": 0.5}]
    status, open_now = await reporting.get("/v1/reports/open-breaches")
    assert [(b["inquiry_id"], b["clock"]) for b in open_now] == [(str(inquiry_id), "originator_contacted")]
    status, escalations = await reporting.get("/v1/reports/secondary-escalations", start="2026-11-01",
                                              end="2026-11-30")
    assert (escalations["cases"], escalations["reopened"], escalations["rate"]) == (1, 1, 1.0)


async def test_pareto_and_before_after_a_process_change(reporting: Reporting) -> None:
    # Six weekdays before the change (2-9 November), six after it (16-23 November), one case a day.
    before_days, after_days = [2, 3, 4, 5, 6, 9], [16, 17, 18, 19, 20, 23]
    before_hours, after_hours = [6.0, 5.5, 7.0, 6.5, 5.0, 6.0], [3.0, 2.5, 4.0, 3.5, 2.0, 3.0]
    sources = ["managed_care_ombudsman"] * 5 + ["provider"] * 4 + ["legislative_liaison"] * 3
    events: list[object] = []
    for day, hours, source in zip(before_days + after_days, before_hours + after_hours, sources, strict=True):
        inquiry_id, opening = opened(local(day, 8.5), source=source)
        events += [*opening, contact(inquiry_id, local(day, 8.75)), resolution(inquiry_id, local(day, 8.5 + hours))]
    await reporting.publish(*events)  # type: ignore[arg-type]
    status, chart = await reporting.get("/v1/reports/pareto", start="2026-11-01", end="2026-11-30", by="source")
    assert status == 200
    counts = Counter(sources)
    assert [(b["label"], b["count"]) for b in chart["bars"]] == counts.most_common()
    assert np.allclose([b["cumulative"] for b in chart["bars"]],
                       np.cumsum([n for _, n in counts.most_common()]) / len(sources) * 100)
    status, compared = await reporting.get("/v1/reports/before-after", start="2026-11-01", end="2026-11-30",
                                           cut="2026-11-16")
    assert status == 200
    _, p_value, _, _ = median_test(before_hours, after_hours, ties="below", correction=True)
    assert np.isclose(compared["test"]["p_value"], p_value)
    change = (np.median(after_hours) - np.median(before_hours)) / np.median(before_hours) * 100
    assert np.isclose(compared["percent_change"], change)
    assert compared["sentence"].startswith(f"resolution time fell {abs(change):.0f}%")


async def one_resolution_a_day(reporting: Reporting) -> list[float]:
    """One case a day from Monday 2 to Monday 9 November but Thursday 5 (and the weekend), each resolved in the
    hours returned, in day order."""
    days, hours = [2, 3, 4, 6, 9], [4.0, 5.0, 3.0, 6.0, 4.5]
    events: list[object] = []
    for day, h in zip(days, hours, strict=True):
        inquiry_id, opening = opened(local(day, 8))
        events += [*opening, resolution(inquiry_id, local(day, 8 + h))]
    await reporting.publish(*events)  # type: ignore[arg-type]
    return hours


async def test_the_control_chart_has_every_day_of_the_period_and_limits_from_the_moving_range(
        reporting: Reporting) -> None:
    hours = await one_resolution_a_day(reporting)
    status, chart = await reporting.get("/v1/reports/control-chart", start="2026-11-02", end="2026-11-09")
    assert status == 200
    assert chart["days"][0] == "2026-11-02" and len(chart["days"]) == 8
    assert chart["daily_median_hours"][3] is None  # no case that day: not a zero
    x = np.array(hours)
    mr_bar = np.mean(np.abs(np.diff(x)))
    assert np.isclose(chart["centre"], x.mean()) and np.isclose(chart["mr_bar"], mr_bar)
    assert np.isclose(chart["upper_limit"], x.mean() + 2.66 * mr_bar)
    assert np.isclose(chart["lower_limit"], x.mean() - 2.66 * mr_bar)


async def test_bad_parameters_are_named_and_an_mco_sees_only_its_referrals(reporting: Reporting) -> None:
    for params, field in (({"start": "2026-11-30", "end": "2026-11-01"}, "end"),
                          ({"start": "2026-11-01", "end": "2026-11-30", "tz": "Mars/Olympus"}, "tz"),
                          ({"start": "2026-11-01", "end": "2026-11-30", "group_by": "colour"}, "group_by"),
                          ({"start": "2026-11-01"}, "end")):
        status, problem = await reporting.get("/v1/reports/sla-compliance", **params)
        assert status == 422 and problem["errors"][0]["field"] == field
    inquiry_id, events = opened(local(16, 9))
    await reporting.publish(*events, resolution(inquiry_id, local(16, 10)))  # type: ignore[arg-type]
    _, mine = await reporting.get("/v1/reports/durations", person="tina", start="2026-11-01", end="2026-11-30")
    _, everyone = await reporting.get("/v1/reports/durations", start="2026-11-01", end="2026-11-30")
    assert mine == [] and everyone[0]["cases"] == 1  # not referred to IA-TC: not tina's


async def test_the_read_model_is_rebuilt_by_replaying_the_topics(reporting: Reporting) -> None:
    events: list[object] = []
    for n, h in enumerate([2.0, 3.0, 5.0]):
        inquiry_id, opening = opened(local(16 + n, 9))
        events += [*opening, contact(inquiry_id, local(16 + n, 9.5)), resolution(inquiry_id, local(16 + n, 9 + h))]
    await reporting.publish(*events)  # type: ignore[arg-type]
    period = {"start": "2026-11-01", "end": "2026-11-30", "group_by": "track"}
    _, before = await reporting.get("/v1/reports/durations", **period)
    rewound = await reporting.rebuild()
    assert rewound > 0
    assert await reporting.sql("SELECT count(*) FROM cases") == 0
    await reporting.restart()
    await reporting.consumed(len(events))
    _, after = await reporting.get("/v1/reports/durations", **period)
    assert after == before and after[0]["cases"] == 3


async def test_the_mco_scorecard_counts_referrals_contact_time_and_the_mcos_clocks(reporting: Reporting) -> None:
    inquiry_id, events = opened(local(16, 9))
    due = local(16, 17)
    events += [
        McoContactedV1(inquiry_id=inquiry_id, mco="IA-TC", actor=ACTOR, at=local(16, 10)),
        McoReportedV1(inquiry_id=inquiry_id, mco="IA-TC", report="member_contacted", actor=ACTOR, at=local(16, 13)),
        ClockStartedV1(inquiry_id=inquiry_id, clock="mco_contacts_member", track="member_mco", priority="urgent",
                       warn_at=local(16, 15), due_at=due, started_at=local(16, 10)),
        SlaMetV1(inquiry_id=inquiry_id, clock="mco_contacts_member", due_at=due, met_at=local(16, 13),
                 took_business_seconds=3 * 3600)]
    await reporting.publish(*events)  # type: ignore[arg-type]
    status, rows = await reporting.get("/v1/reports/mco-scorecard", start="2026-11-01", end="2026-11-30")
    assert status == 200
    assert rows == [{"mco": "IA-TC", "month": "2026-11", "referrals": 1, "contact_median_business_hours": 3.0,
                     "met": 1, "breached": 0, "compliance": 1.0}]


async def test_a_case_referred_to_two_mcos_keeps_each_mcos_clock_and_counts_it_for_that_mco(
        reporting: Reporting) -> None:
    inquiry_id, events = opened(local(16, 9))
    due = local(16, 17)  # both MCOs' clocks fall due at the same instant: two cycles, not one
    events += [McoContactedV1(inquiry_id=inquiry_id, mco="IA-TC", actor=ACTOR, at=local(16, 10)),
               McoContactedV1(inquiry_id=inquiry_id, mco="IA-AG", actor=ACTOR, at=local(16, 10.5))]
    for mco in ("IA-TC", "IA-AG"):
        events.append(ClockStartedV1(inquiry_id=inquiry_id, clock="mco_contacts_member", track="member_mco",
                                     priority="urgent", warn_at=local(16, 15), due_at=due, started_at=local(16, 10),
                                     mco=mco))
    events += [SlaMetV1(inquiry_id=inquiry_id, clock="mco_contacts_member", due_at=due, met_at=local(16, 12),
                        took_business_seconds=7200, mco="IA-TC"),
               SlaBreachedV1(inquiry_id=inquiry_id, clock="mco_contacts_member", track="member_mco",
                             priority="urgent", due_at=due, breached_at=due, late_by_seconds=0, mco="IA-AG")]
    await reporting.publish(*events)  # type: ignore[arg-type]
    assert await reporting.sql("SELECT count(*) FROM clock_cycles WHERE clock = 'mco_contacts_member'") == 2
    status, rows = await reporting.get("/v1/reports/mco-scorecard", start="2026-11-01", end="2026-11-30")
    assert status == 200
    assert {r["mco"]: (r["met"], r["breached"]) for r in rows} == {"IA-TC": (1, 0), "IA-AG": (0, 1)}
    _, theirs = await reporting.get("/v1/reports/mco-scorecard", person="tina", start="2026-11-01",
                                    end="2026-11-30")
    assert [(r["mco"], r["met"], r["breached"]) for r in theirs] == [("IA-TC", 1, 0)]  # its own clock only
    _, open_now = await reporting.get("/v1/reports/open-breaches", person="tina")
    assert open_now == []  # IA-AG's breach is not IA-TC's


async def test_a_deadline_moved_by_an_extension_is_one_cycle_with_the_new_deadline(reporting: Reporting) -> None:
    inquiry_id, events = opened(local(16, 9))
    first, moved = local(16, 17), local(20, 17)
    events += [
        ClockStartedV1(inquiry_id=inquiry_id, clock="resolution", track="grievance", priority="standard",
                       warn_at=local(16, 15), due_at=first, started_at=local(16, 9)),
        # the same start, a later deadline: the SLA monitor moved it (an extension)
        ClockStartedV1(inquiry_id=inquiry_id, clock="resolution", track="grievance", priority="standard",
                       warn_at=local(19, 15), due_at=moved, started_at=local(16, 9)),
        SlaMetV1(inquiry_id=inquiry_id, clock="resolution", due_at=moved, met_at=local(18, 12),
                 took_business_seconds=3600)]
    await reporting.publish(*events)  # type: ignore[arg-type]
    cycles = "FROM clock_cycles WHERE inquiry_id = :id AND clock = 'resolution'"
    assert await reporting.sql(f"SELECT count(*) {cycles}", id=inquiry_id) == 1
    assert await reporting.sql(f"SELECT outcome {cycles}", id=inquiry_id) == "met"
