"""Reports of some of the cases: the period's cases of the chosen tracks, priorities, MCOs and sources, each
figure checked against the same selection made here from the raw events."""

from __future__ import annotations

from collections import Counter

import numpy as np

from liaison_shared.payloads import ClockStartedV1, SlaBreachedV1, SlaMetV1

from .conftest import Reporting
from .test_reports import local, opened, resolution

# (day of November, hours to resolution, priority, MCO, source, clock met)
CASES = [(16, 2.0, "urgent", "IA-TC", "provider", True), (16, 3.0, "urgent", "IA-AG", "provider", False),
         (17, 5.0, "standard", "IA-TC", "managed_care_ombudsman", True),
         (17, 1.5, "urgent", "IA-TC", "managed_care_ombudsman", False),
         (18, 4.0, "standard", "IA-AG", "legislative_liaison", True),
         (18, 6.0, "urgent", "IA-TC", "provider", True)]


async def published(reporting: Reporting) -> None:
    events: list[object] = []
    for day, hours, priority, mco, source, met in CASES:
        inquiry_id, opening = opened(local(day, 9), priority=priority, mco=mco, source=source)
        due = local(day, 11)
        events += [*opening, resolution(inquiry_id, local(day, 9 + hours)),
                   ClockStartedV1(inquiry_id=inquiry_id, clock="originator_contacted", track="member_mco",
                                  priority=priority, warn_at=local(day, 10), due_at=due, started_at=local(day, 9))]
        events.append(SlaMetV1(inquiry_id=inquiry_id, clock="originator_contacted", due_at=due, met_at=local(day, 10),
                               took_business_seconds=3600) if met else
                      SlaBreachedV1(inquiry_id=inquiry_id, clock="originator_contacted", track="member_mco",
                                    priority=priority, due_at=due, breached_at=due, late_by_seconds=0))
    await reporting.publish(*events)  # type: ignore[arg-type]


NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}


async def test_each_report_covers_only_the_chosen_cases(reporting: Reporting) -> None:
    await published(reporting)
    chosen = {"priority": "urgent", "source": "provider,managed_care_ombudsman"}
    picked = [c for c in CASES if c[2] == "urgent" and c[4] in ("provider", "managed_care_ombudsman")]

    _, durations = await reporting.get("/v1/reports/durations", **NOVEMBER, **chosen, group_by="")
    hours = np.array([c[1] for c in picked])
    assert durations[0]["cases"] == len(picked)
    assert np.isclose(durations[0]["business_median_hours"], np.percentile(hours, 50))
    assert np.isclose(durations[0]["business_p90_hours"], np.percentile(hours, 90))

    _, compliance = await reporting.get("/v1/reports/sla-compliance", **NOVEMBER, **chosen, group_by="clock")
    met = sum(c[5] for c in picked)
    assert compliance == [{"clock": "originator_contacted", "met": met, "breached": len(picked) - met,
                           "compliance": met / len(picked)}]

    _, pareto = await reporting.get("/v1/reports/pareto", **NOVEMBER, **chosen, by="mco")
    assert sorted((b["label"], b["count"]) for b in pareto["bars"]) == sorted(Counter(c[3] for c in picked).items())

    _, chart = await reporting.get("/v1/reports/control-chart", **NOVEMBER, mco="IA-AG")
    by_day = {f"2026-11-{c[0]}": c[1] for c in CASES if c[3] == "IA-AG"}
    assert {d: v for d, v in zip(chart["days"], chart["daily_median_hours"], strict=True) if v is not None} == by_day


async def test_a_filter_of_unknown_values_is_refused_naming_it_and_an_mco_stays_confined(
        reporting: Reporting) -> None:
    await published(reporting)
    for field, value in (("track", "member"), ("priority", "URGENT"), ("source", "fax"), ("mco", "ia tc"),
                         ("priority", ",")):
        status, problem = await reporting.get("/v1/reports/durations", **NOVEMBER, **{field: value})
        assert status == 422 and problem["errors"][0]["field"] == field
    # tina (IA-TC) asking for IA-AG's cases gets none: the filter narrows, it never widens. Nothing here was referred.
    _, asked = await reporting.get("/v1/reports/durations", person="tina", **NOVEMBER, mco="IA-AG")
    assert asked == []
    _, every_track = await reporting.get("/v1/reports/durations", **NOVEMBER, track="member_mco", group_by="")
    assert every_track[0]["cases"] == len(CASES)
