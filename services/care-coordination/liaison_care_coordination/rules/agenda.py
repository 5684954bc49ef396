"""The agenda of a case conference and each patient's pre-work: the next patients of the combined list
(ten a call unless the series says otherwise), those never discussed first, then those discussed longest
ago; a patient no longer covered by the plan or attributed elsewhere is not on it (they are handed off)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from liaison_care_coordination.rules.high_risk_list import Patient


@dataclass(frozen=True)
class Decided:
    """What the last conference decided about a patient, as the pre-work shows it."""

    lead: str
    goal: str | None
    engaged: bool
    decided_at: datetime


def next_agenda(patients: Sequence[Patient], discussed_at: Mapping[str, datetime], size: int) -> list[Patient]:
    """The next `size` covered patients of the list: never discussed first (in list order), then the ones
    discussed longest ago."""
    eligible = [p for p in patients if p.coverage == "confirmed"]
    never = [p for p in eligible if p.medicaid_id not in discussed_at]
    again = sorted((p for p in eligible if p.medicaid_id in discussed_at),
                   key=lambda p: (discussed_at[p.medicaid_id], p.position))
    return [*never, *again][:size]


def recommended_lead(patient: Patient) -> str:
    """Who should lead, before the call decides: the practice for the patients it flags or lists alone,
    jointly for patients on both lists, else the plan (its model found them)."""
    if patient.on_plan_list and patient.on_practice_list:
        return "joint"
    return "practice" if patient.on_practice_list else "plan"


def pre_work(patient: Patient, decided: Decided | None) -> dict[str, Any]:
    """The checklist both sides prepare for a patient, with what the plan shares in advance."""
    return {
        "risk_drivers": list(patient.risk_drivers),
        "level_of_risk": patient.risk_level,
        "patient_centred_goal": decided.goal if decided else None,
        "needed_support": None,  # agreed at the call
        "engagement": {"engaged": decided.engaged if decided else None,
                       "on_plan_list": patient.on_plan_list, "on_practice_list": patient.on_practice_list},
        "recommended_lead": decided.lead if decided else recommended_lead(patient),
        "plan_shares": dict(patient.shared),
    }
