"""A patient's coordination as the FHIR builders read it (`fhir_coordination.CoordinationRecord`), from what
is stored: the decisions, the next steps with their report-back clocks, the care managers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from liaison_care_coordination import store
from liaison_care_coordination.fhir_coordination import CareManager, CoordinationRecord, NextStep, StepState
from liaison_shared.problems import Conflict
from liaison_shared.program import program_calendar


def step_state(reported: bool, clock_state: str | None) -> StepState:
    """A next step is reported, overdue (its report-back clock breached), cancelled (stopped) or open."""
    if reported:
        return "reported"
    return {"breached": "overdue", "stopped": "cancelled"}.get(clock_state or "", "open")  # type: ignore[return-value]


async def coordination_record(session: AsyncSession, found: Any) -> CoordinationRecord:
    member = await store.member_by_medicaid_id(session, found.medicaid_id)
    held = await store.conference(session, found.conference_id)
    if member is None or held is None:
        raise Conflict("not-attributed", "Not attributed", "Attribution has not told about this patient yet.")
    steps = await store.steps_of(session, [found.coordination_id])
    return CoordinationRecord(
        coordination_id=found.coordination_id, member_id=member.member_id, medicaid_id=found.medicaid_id,
        plan=found.plan, practice_npi=found.practice_npi, lead=found.lead,
        plan_monitor_status=found.plan_monitor_status, goal=found.goal, goal_state=found.goal_state,
        conference_on=program_calendar().local(held.held_at).date(),
        steps=tuple(NextStep(step_id=s.step_id, action=s.action, responsible=s.responsible,
                             report_back_on=s.report_back_on,
                             state=step_state(s.reported_at is not None, s.clock_state)) for s in steps),
        care_managers=tuple(CareManager(organisation=m["organisation"], name=m["name"], phone=m.get("phone"),
                                        email=m.get("email")) for m in found.care_managers))
