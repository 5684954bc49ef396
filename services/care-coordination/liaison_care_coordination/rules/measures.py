"""The guideline's evaluation measures for a plan and practice (or all of a principal's): the share of
high-risk patients in active care management, the share of those with an emergency-department visit in the
period who got a follow-up call within the configured days, the share meeting their goals, and how many
patients each lead organisation leads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any


@dataclass(frozen=True)
class CoordinatedPatient:
    """A high-risk, covered patient of the combined list, and what their coordination says."""

    medicaid_id: str
    lead: str | None  # None: not discussed yet
    engaged: bool
    tracked: bool  # on the tracking list (unengaged after one more outreach)
    goal: str | None
    goal_state: str


@dataclass(frozen=True)
class EdVisit:
    """An emergency-department notice of a high-risk patient, and the follow-up call if one was made."""

    medicaid_id: str
    occurred_at: datetime
    reached_at: datetime | None


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def measures(patients: Iterable[CoordinatedPatient], ed_visits: Iterable[EdVisit], follow_up_days: int,
             start: datetime, end: datetime) -> dict[str, Any]:
    """The measures over the patients now on the list; ED visits counted when they occurred in [start, end)."""
    patients = list(patients)
    active = [p for p in patients if p.lead is not None and p.engaged and not p.tracked]
    with_goal = [p for p in patients if p.goal]
    listed = {p.medicaid_id for p in patients}
    visits = [v for v in ed_visits if v.medicaid_id in listed and start <= v.occurred_at < end]
    visited: dict[str, bool] = {}
    for visit in visits:  # a patient counts once: followed up after any of their visits in the period
        window = timedelta(days=follow_up_days)
        on_time = visit.reached_at is not None and visit.reached_at - visit.occurred_at <= window
        visited[visit.medicaid_id] = visited.get(visit.medicaid_id, False) or on_time
    return {
        "high_risk_patients": len(patients),
        "in_active_care_management": {"count": len(active), "share": _share(len(active), len(patients))},
        "ed_visit_followed_up": {"patients_with_ed_visit": len(visited),
                                 "followed_up_within_days": follow_up_days,
                                 "count": sum(visited.values()), "share": _share(sum(visited.values()), len(visited))},
        "meeting_goals": {"with_goal": len(with_goal),
                          "count": sum(p.goal_state == "achieved" for p in with_goal),
                          "share": _share(sum(p.goal_state == "achieved" for p in with_goal), len(with_goal))},
        "by_lead": {lead: sum(p.lead == lead for p in patients) for lead in ("plan", "practice", "joint")},
    }
