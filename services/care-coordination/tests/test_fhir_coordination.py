"""Coordination as FHIR R4: a collection Bundle whose CareTeam, CarePlan, Goal and Tasks say who leads,
who monitors, what the patient aims for and what each organisation does by when; valid under
fhir.resources (R4B models) and under HAPI FHIR's validator (base R4)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.careteam import CareTeam
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.task import Task

from liaison_care_coordination.fhir_coordination import (
    COORDINATION_SYSTEM,
    MCO_SYSTEM,
    MEDICAID_ID_SYSTEM,
    NEXT_STEP_SYSTEM,
    NPI_SYSTEM,
    TEAM_ROLE_SYSTEM,
    CareManager,
    CoordinationRecord,
    NextStep,
    coordination_bundle,
)
from liaison_shared.testing.fhir_validator import HapiValidator

BASE = "https://liaison.example/fhir"
PRACTICE_NPI = "1245319599"
CONFERENCE = date(2026, 11, 2)
COORDINATION = UUID("0b7d8f52-2a43-4c55-9a8e-5c1f0e6a1001")
MEMBER = UUID("0b7d8f52-2a43-4c55-9a8e-5c1f0e6a2002")


def step(number: int, state: str = "open", responsible: str = "plan") -> NextStep:
    return NextStep(UUID(int=number), f"Next step {number}", responsible,  # type: ignore[arg-type]
                    date(2026, 11, 9 + number), state)  # type: ignore[arg-type]


PLAN_MANAGER = CareManager("plan", "Pat Planner", "+15155550101", "pat.planner@mco.example")
PRACTICE_MANAGER = CareManager("practice", "Robin Practice", "+15155550102", None)

PLAN_LED = CoordinationRecord(
    coordination_id=COORDINATION, member_id=MEMBER, medicaid_id="1234567A", plan="IA-WM",
    practice_npi=PRACTICE_NPI, lead="plan", plan_monitor_status=None,
    goal="Walk to the mailbox and back without resting", goal_state="in_progress", conference_on=CONFERENCE,
    steps=(step(1, "open", "plan"), step(2, "open", "practice")),
    care_managers=(PLAN_MANAGER, PRACTICE_MANAGER),
)
PRACTICE_LED_MONITORED = replace(PLAN_LED, lead="practice", plan_monitor_status="monitoring")
PRACTICE_LED_UNMONITORED = replace(PLAN_LED, lead="practice", plan_monitor_status="not_monitoring",
                                   care_managers=(PRACTICE_MANAGER,))
JOINT = replace(PLAN_LED, lead="joint", steps=(step(1, "overdue", "joint"), step(2, "reported", "practice")))
EVERY_STEP_STATE = replace(PLAN_LED, steps=tuple(
    step(n, state, responsible) for n, (state, responsible) in
    enumerate([("open", "plan"), ("reported", "practice"), ("overdue", "joint"), ("cancelled", "plan")], 1)))
ACHIEVED = replace(PLAN_LED, goal_state="achieved", steps=(step(1, "reported"), step(2, "cancelled")))
NOT_ACHIEVED = replace(ACHIEVED, goal_state="not_achieved")
NO_GOAL_NO_STEPS = replace(PLAN_LED, goal=None, steps=(), care_managers=())

RECORDS = {
    "plan lead": PLAN_LED, "practice lead, plan monitoring": PRACTICE_LED_MONITORED,
    "practice lead, plan not monitoring": PRACTICE_LED_UNMONITORED, "joint": JOINT,
    "every step state": EVERY_STEP_STATE, "goal achieved": ACHIEVED, "goal not achieved": NOT_ACHIEVED,
    "no goal, no steps, no care managers": NO_GOAL_NO_STEPS,
}
MODELS: dict[str, Any] = {"CarePlan": CarePlan, "CareTeam": CareTeam, "Goal": Goal, "Task": Task,
                          "Organization": Organization}


def bundle(record: CoordinationRecord = PLAN_LED) -> dict[str, Any]:
    return coordination_bundle(record, base_url=BASE)


def resources(record: CoordinationRecord = PLAN_LED, resource_type: str | None = None) -> list[dict[str, Any]]:
    found = [entry["resource"] for entry in bundle(record)["entry"]]
    return [r for r in found if resource_type is None or r["resourceType"] == resource_type]


def one(record: CoordinationRecord, resource_type: str) -> dict[str, Any]:
    [resource] = resources(record, resource_type)
    return resource


def role_codes(participant: dict[str, Any]) -> set[str]:
    return {coding["code"] for role in participant["role"] for coding in role["coding"]
            if coding["system"] == TEAM_ROLE_SYSTEM}


def org_ref(kind: str) -> dict[str, str]:
    return {"reference": "Organization/mco-IA-WM" if kind == "plan" else f"Organization/npi-{PRACTICE_NPI}"}


@pytest.mark.parametrize("record", RECORDS.values(), ids=RECORDS.keys())
def test_every_resource_validates_under_fhir_resources(record: CoordinationRecord) -> None:
    result = bundle(record)
    assert Bundle.model_validate(result).type == "collection"
    for resource in resources(record):
        MODELS[resource["resourceType"]].model_validate(resource)


def test_bundle_holds_plan_team_goal_tasks_and_both_organisations_with_full_urls() -> None:
    result = bundle()
    kinds = [entry["resource"]["resourceType"] for entry in result["entry"]]
    assert kinds == ["CarePlan", "CareTeam", "Goal", "Task", "Task", "Organization", "Organization"]
    for entry in result["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"] == f"{BASE}/{resource['resourceType']}/{resource['id']}"
    assert coordination_bundle(PLAN_LED, base_url=BASE + "/")["entry"] == result["entry"]


def test_resource_ids_are_stable_and_tasks_keep_their_step_ids() -> None:
    assert bundle() == bundle()
    ids = {r["resourceType"]: r["id"] for r in resources() if r["resourceType"] != "Task"}
    assert ids["CarePlan"] == str(uuid.uuid5(COORDINATION, "CarePlan"))
    assert len(set(ids.values())) == len(ids)
    assert [t["id"] for t in resources(PLAN_LED, "Task")] == [str(UUID(int=1)), str(UUID(int=2))]
    other = replace(PLAN_LED, coordination_id=uuid.uuid4())
    assert one(other, "CarePlan")["id"] != ids["CarePlan"]


def test_patient_is_referenced_by_member_id_with_medicaid_id_and_never_included() -> None:
    patient = {"reference": f"Patient/{MEMBER}", "type": "Patient",
               "identifier": {"system": MEDICAID_ID_SYSTEM, "value": "1234567A"}}
    assert not resources(PLAN_LED, "Patient")
    assert one(PLAN_LED, "CarePlan")["subject"] == patient
    assert one(PLAN_LED, "CareTeam")["subject"] == patient
    assert one(PLAN_LED, "Goal")["subject"] == patient
    assert all(task["for"] == patient for task in resources(PLAN_LED, "Task"))


def test_organisations_carry_mco_code_and_practice_npi() -> None:
    plan, practice = resources(PLAN_LED, "Organization")
    assert plan["identifier"] == [{"system": MCO_SYSTEM, "value": "IA-WM"}]
    assert practice["identifier"] == [{"system": NPI_SYSTEM, "value": PRACTICE_NPI}]
    assert plan["type"][0]["coding"][0]["code"] == "pay" and practice["type"][0]["coding"][0]["code"] == "prov"


@pytest.mark.parametrize(("record", "managing"), [
    (PLAN_LED, ["plan"]), (PRACTICE_LED_MONITORED, ["practice"]), (JOINT, ["plan", "practice"])])
def test_care_team_is_managed_by_the_lead_organisation(record: CoordinationRecord, managing: list[str]) -> None:
    assert one(record, "CareTeam")["managingOrganization"] == [org_ref(kind) for kind in managing]


def test_care_managers_are_contained_practitioners_with_their_contacts_on_behalf_of_their_organisation() -> None:
    team = one(PLAN_LED, "CareTeam")
    contained = {p["id"]: p for p in team["contained"]}
    assert contained["plan-care-manager-1"]["name"] == [{"text": "Pat Planner"}]
    assert contained["plan-care-manager-1"]["telecom"] == [
        {"system": "phone", "value": "+15155550101", "use": "work"},
        {"system": "email", "value": "pat.planner@mco.example", "use": "work"}]
    assert contained["practice-care-manager-1"]["telecom"] == [
        {"system": "phone", "value": "+15155550102", "use": "work"}]
    plan, practice = team["participant"]
    assert plan["member"] == {"reference": "#plan-care-manager-1", "display": "Pat Planner"}
    assert plan["onBehalfOf"] == org_ref("plan") and practice["onBehalfOf"] == org_ref("practice")
    assert role_codes(plan) == {"plan-care-manager", "lead"}
    assert role_codes(practice) == {"practice-care-manager"}
    assert team["note"] == [{"text": "The plan leads the coordination."}]


def test_practice_lead_with_plan_monitoring_says_so_in_the_plan_role_and_a_note() -> None:
    team = one(PRACTICE_LED_MONITORED, "CareTeam")
    plan, practice = team["participant"]
    assert role_codes(plan) == {"plan-care-manager", "monitor"}
    assert role_codes(practice) == {"practice-care-manager", "lead"}
    assert team["note"] == [{"text": "The practice leads the coordination; the plan monitors it."}]


def test_practice_lead_without_monitoring_and_no_plan_manager_lists_the_plan_organisation() -> None:
    team = one(PRACTICE_LED_UNMONITORED, "CareTeam")
    plan, _practice = team["participant"]
    assert plan["member"] == org_ref("plan") and "onBehalfOf" not in plan
    assert role_codes(plan) == {"plan-care-manager"}
    assert team["note"] == [{"text": "The practice leads the coordination; the plan does not monitor it."}]


def test_joint_lead_gives_both_organisations_the_lead_role() -> None:
    plan, practice = one(JOINT, "CareTeam")["participant"]
    assert "lead" in role_codes(plan) and "lead" in role_codes(practice)


def test_care_plan_links_team_goal_and_every_task_and_dates_from_the_conference() -> None:
    plan = one(PLAN_LED, "CarePlan")
    team, goal = one(PLAN_LED, "CareTeam"), one(PLAN_LED, "Goal")
    assert (plan["status"], plan["intent"], plan["created"]) == ("active", "plan", "2026-11-02")
    assert plan["careTeam"] == [{"reference": f"CareTeam/{team['id']}"}]
    assert plan["goal"] == [{"reference": f"Goal/{goal['id']}"}]
    assert plan["activity"] == [{"reference": {"reference": f"Task/{UUID(int=n)}"}} for n in (1, 2)]
    assert plan["identifier"] == [{"system": COORDINATION_SYSTEM, "value": str(COORDINATION)}]


@pytest.mark.parametrize(("record", "plan_status", "team_status"), [
    (PLAN_LED, "active", "active"), (ACHIEVED, "completed", "inactive"), (NOT_ACHIEVED, "completed", "inactive"),
    (replace(ACHIEVED, steps=(step(1, "overdue"),)), "active", "active")])
def test_care_plan_completes_once_goal_settled_and_no_step_open(
        record: CoordinationRecord, plan_status: str, team_status: str) -> None:
    assert one(record, "CarePlan")["status"] == plan_status
    assert one(record, "CareTeam")["status"] == team_status


@pytest.mark.parametrize(("record", "lifecycle", "achievement"), [
    (PLAN_LED, "active", "in-progress"), (ACHIEVED, "completed", "achieved"),
    (NOT_ACHIEVED, "completed", "not-achieved")])
def test_goal_is_the_patients_own_with_its_state(record: CoordinationRecord, lifecycle: str, achievement: str) -> None:
    goal = one(record, "Goal")
    assert goal["description"] == {"text": "Walk to the mailbox and back without resting"}
    assert goal["expressedBy"]["reference"] == f"Patient/{MEMBER}"
    assert goal["lifecycleStatus"] == lifecycle
    assert goal["achievementStatus"]["coding"][0]["code"] == achievement


def test_without_a_goal_there_is_no_goal_resource_and_no_plan_activity() -> None:
    assert not resources(NO_GOAL_NO_STEPS, "Goal") and not resources(NO_GOAL_NO_STEPS, "Task")
    plan = one(NO_GOAL_NO_STEPS, "CarePlan")
    assert "goal" not in plan and "activity" not in plan


def test_tasks_map_step_states_owners_and_report_back_dates() -> None:
    plan_id, team_id = one(EVERY_STEP_STATE, "CarePlan")["id"], one(EVERY_STEP_STATE, "CareTeam")["id"]
    tasks = resources(EVERY_STEP_STATE, "Task")
    assert [t["status"] for t in tasks] == ["requested", "completed", "requested", "cancelled"]
    assert [t["owner"] for t in tasks] == [org_ref("plan"), org_ref("practice"),
                                           {"reference": f"CareTeam/{team_id}"}, org_ref("plan")]
    assert [t.get("businessStatus") for t in tasks] == [None, None, {"text": "overdue"}, None]
    first = tasks[0]
    assert (first["intent"], first["description"], first["authoredOn"]) == ("plan", "Next step 1", "2026-11-02")
    assert first["restriction"] == {"period": {"end": "2026-11-10"}}
    assert first["basedOn"] == [{"reference": f"CarePlan/{plan_id}"}]
    assert first["identifier"] == [{"system": NEXT_STEP_SYSTEM, "value": str(UUID(int=1))}]


@pytest.mark.parametrize(("changes", "field"), [
    ({"practice_npi": "1245319590"}, "practice_npi"), ({"plan": "ia wm"}, "plan"),
    ({"medicaid_id": "12 34"}, "medicaid_id"), ({"lead": "practice"}, "plan_monitor_status"),
    ({"goal": "  "}, "goal"), ({"steps": (step(1), step(1))}, "step"), ({"lead": "nobody"}, "lead")])
def test_invalid_records_are_refused_naming_the_field_not_the_value(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field) as refused:
        replace(PLAN_LED, **changes)
    for name in {"practice_npi", "plan", "medicaid_id"} & changes.keys():
        assert changes[name] not in str(refused.value)


def test_invalid_care_manager_and_step_are_refused() -> None:
    with pytest.raises(ValueError, match="email"):
        CareManager("plan", "Pat Planner", None, "not-an-address")
    with pytest.raises(ValueError, match="organisation"):
        CareManager("mco", "Pat Planner")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="state"):
        replace(step(1), state="done")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="action"):
        replace(step(1), action="")


def test_base_url_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="base_url"):
        coordination_bundle(PLAN_LED, base_url="fhir")


@pytest.mark.parametrize("record", RECORDS.values(), ids=RECORDS.keys())
def test_every_resource_and_the_bundle_validate_under_hapi(hapi_validator: HapiValidator,
                                                           record: CoordinationRecord) -> None:
    result = bundle(record)
    for resource in [*resources(record), result]:
        assert hapi_validator.validate(resource) == [], resource["resourceType"]


def test_hapi_validator_catches_a_broken_task(hapi_validator: HapiValidator) -> None:
    task = resources(PLAN_LED, "Task")[0] | {"status": "done"}
    del task["intent"]
    locations = {issue["location"] for issue in hapi_validator.validate(task)}
    assert "Task.status" in locations and any("intent" in issue["message"] for issue in hapi_validator.validate(task))
