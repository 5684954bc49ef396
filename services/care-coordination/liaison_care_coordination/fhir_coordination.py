"""A patient's care coordination as an HL7 FHIR R4 Bundle: CareTeam, CarePlan, Goal, one Task per next step.

The bundle is a `collection` (a set of resources gathered to be read together, not the result of a
search): the CarePlan first, then its CareTeam, its Goal, its Tasks and the two Organizations. The
Patient itself is not in it: every resource names the patient by `Patient/<member_id>` with the
Medicaid ID as the reference's identifier, and carries no name, birth date or diagnosis.

Who does what:
- The CareTeam's `managingOrganization` is the lead: the plan's Organization, the practice's, or both
  when the lead is joint. Its participants are the front-line care managers, each a Practitioner
  contained in the CareTeam (name and work telecom only: they have no identity of their own in our
  records) acting `onBehalfOf` their Organization; an organisation with no care manager on record
  takes part as the Organization itself. Roles come from our own code system (`TEAM_ROLE_SYSTEM`):
  `plan-care-manager` / `practice-care-manager`, `lead` for the lead organisation's participants and
  `monitor` for the plan's when the practice leads and the plan monitors. A note says the same in words.
- The Goal is the patient's own (`expressedBy` the Patient), present only when a goal was agreed.
- Each next step is a Task `basedOn` the CarePlan, owned by the responsible Organization or, for a
  joint step, by the CareTeam. Its report-back date is `restriction.period.end` as a date alone:
  a Period's end includes the whole of its last day, so the step is due by the end of that
  (program-local, America/Chicago) day without any time-zone arithmetic.

Status mappings (FHIR has no "overdue"): a step `open` is a `requested` Task, `overdue` is still
`requested` with businessStatus "overdue", `reported` is `completed`, `cancelled` is `cancelled`
(`in-progress` is not used: our records do not say when work on a step started). The goal
`in_progress` is lifecycle `active`/achievement `in-progress`; `achieved` and `not_achieved` are
lifecycle `completed` (no longer sought) with achievement `achieved`/`not-achieved`. The CarePlan
(and the CareTeam with it) is `completed`/`inactive` once the goal is no longer in progress and no
step is open or overdue; otherwise `active`.

Resource ids are stable: a Task's id is its step id, the CarePlan's, CareTeam's, Goal's and Bundle's
are uuid5 of the coordination id and the resource type, the Organizations' are `mco-<code>` and
`npi-<npi>`. fhir.resources 8 ships no R4 package: the bundle is validated with its R4B models,
whose Bundle, CareTeam, CarePlan, Goal, Task, Organization and Practitioner are R4's.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal
from uuid import UUID

from fhir.resources.R4B.bundle import Bundle

from liaison_shared.fields import control_character_reason, npi_is_valid

__all__ = [
    "COORDINATION_SYSTEM", "MCO_SYSTEM", "MEDICAID_ID_SYSTEM", "NEXT_STEP_SYSTEM", "NPI_SYSTEM", "TEAM_ROLE_SYSTEM",
    "CareManager", "CoordinationRecord", "GoalState", "Lead", "MonitorStatus", "NextStep", "Organisation",
    "StepState", "coordination_bundle",
]

Organisation = Literal["plan", "practice"]
Lead = Literal["plan", "practice", "joint"]
MonitorStatus = Literal["monitoring", "not_monitoring"]
GoalState = Literal["in_progress", "achieved", "not_achieved"]
StepState = Literal["open", "reported", "overdue", "cancelled"]

MCO_SYSTEM = "urn:liaison:mco"
NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
MEDICAID_ID_SYSTEM = "urn:liaison:medicaid-id"
COORDINATION_SYSTEM = "urn:liaison:care-coordination"
"""Identifier system of coordination ids (our own namespace), on the CarePlan, CareTeam and Goal."""
NEXT_STEP_SYSTEM = "urn:liaison:care-coordination-step"
"""Identifier system of next-step ids (our own namespace), on the Tasks."""
TEAM_ROLE_SYSTEM = "urn:liaison:care-team-role"
"""Code system of the CareTeam participant roles (our own; the R4 binding is only an example)."""

_ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
_GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
_LOINC = "http://loinc.org"
_CARE_COORDINATION_TEAM = {"system": _LOINC, "code": "LA28865-6",
                           "display": "Longitudinal care-coordination focused care team"}

_ORGANISATIONS: tuple[Organisation, ...] = ("plan", "practice")
_LEADS: frozenset[str] = frozenset({"plan", "practice", "joint"})
_MONITOR_STATUSES: frozenset[str] = frozenset({"monitoring", "not_monitoring"})
_OPEN_STATES: frozenset[str] = frozenset({"open", "overdue"})
_TASK_STATUS: dict[str, str] = {"open": "requested", "overdue": "requested", "reported": "completed",
                                "cancelled": "cancelled"}
_GOAL_STATUS: dict[str, tuple[str, str, str]] = {
    "in_progress": ("active", "in-progress", "In Progress"),
    "achieved": ("completed", "achieved", "Achieved"),
    "not_achieved": ("completed", "not-achieved", "Not Achieved"),
}
_MCO_CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,15}")
_MEDICAID_ID = re.compile(r"[A-Za-z0-9]{1,20}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_BASE_URL = re.compile(r"https?://[^\s/?#]+(/[^\s?#]*)?")


@dataclass(frozen=True)
class CareManager:
    """A front-line care manager of the plan or of the practice, with the work contact the team uses."""

    organisation: Organisation
    name: str
    phone: str | None = None
    email: str | None = None

    def __post_init__(self) -> None:
        _check_choice("care manager organisation", self.organisation, frozenset(_ORGANISATIONS))
        _check_text("care manager name", self.name)
        if self.phone is not None:
            _check_text("care manager phone", self.phone)
        if self.email is not None and _EMAIL.fullmatch(self.email) is None:
            raise ValueError("care manager email is not an email address")


@dataclass(frozen=True)
class NextStep:
    """A next step agreed at the conference: what, who answers for it, when they report back, where it stands."""

    step_id: UUID
    action: str
    responsible: Lead
    report_back_on: date
    state: StepState

    def __post_init__(self) -> None:
        _check_text("next step action", self.action)
        _check_choice("next step responsible", self.responsible, _LEADS)
        _check_choice("next step state", self.state, frozenset(_TASK_STATUS))


@dataclass(frozen=True)
class CoordinationRecord:
    """One patient's coordination between the plan and the practice, as agreed at a case conference."""

    coordination_id: UUID
    member_id: UUID
    medicaid_id: str
    plan: str
    practice_npi: str
    lead: Lead
    plan_monitor_status: MonitorStatus | None
    goal: str | None
    goal_state: GoalState
    conference_on: date
    steps: tuple[NextStep, ...] = ()
    care_managers: tuple[CareManager, ...] = ()

    def __post_init__(self) -> None:
        if _MEDICAID_ID.fullmatch(self.medicaid_id) is None:
            raise ValueError("medicaid_id is not 1-20 letters or digits")
        if _MCO_CODE.fullmatch(self.plan) is None:
            raise ValueError("plan is not an MCO code")
        if not npi_is_valid(self.practice_npi):
            raise ValueError("practice_npi is not a valid NPI (10 digits with the CMS check digit)")
        _check_choice("lead", self.lead, _LEADS)
        if self.lead == "practice":
            if self.plan_monitor_status is None:
                raise ValueError("plan_monitor_status is required when the practice leads")
            _check_choice("plan_monitor_status", self.plan_monitor_status, _MONITOR_STATUSES)
        if self.goal is not None:
            _check_text("goal", self.goal)
        _check_choice("goal_state", self.goal_state, frozenset(_GOAL_STATUS))
        step_ids = [step.step_id for step in self.steps]
        if len(set(step_ids)) != len(step_ids):
            raise ValueError("a next step is listed twice (same step_id)")

    @property
    def finished(self) -> bool:
        """Whether nothing is left to do: the goal is no longer in progress and no step is open or overdue."""
        return self.goal_state != "in_progress" and not any(s.state in _OPEN_STATES for s in self.steps)

    @property
    def plan_monitors(self) -> bool:
        """Whether the plan monitors a practice-led coordination."""
        return self.lead == "practice" and self.plan_monitor_status == "monitoring"


def coordination_bundle(record: CoordinationRecord, *, base_url: str) -> dict[str, Any]:
    """The coordination as a FHIR R4 `collection` Bundle (JSON-ready dict), validated with fhir.resources.

    `base_url` is the FHIR base the resources are published under (`https://host/fhir`): each entry's
    `fullUrl` is `<base_url>/<type>/<id>`, against which the resources' relative references resolve.
    Raises `ValueError` for a base URL that is not an absolute http(s) URL, and
    `pydantic.ValidationError` should a resource not validate (a bug, not a caller's error).
    """
    if _BASE_URL.fullmatch(base_url) is None:
        raise ValueError("base_url is not an absolute http(s) URL without query or fragment")
    resources = [_care_plan(record), _care_team(record)]
    if record.goal is not None:
        resources.append(_goal(record, record.goal))
    resources.extend(_task(record, step) for step in record.steps)
    resources.extend(_organization(record, organisation) for organisation in _ORGANISATIONS)
    base = base_url.rstrip("/")
    bundle = {
        "resourceType": "Bundle",
        "id": str(_derived_id(record, "Bundle")),
        "type": "collection",
        "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }
    # Validation doubles as normalisation: the dump is what any FHIR client would read back.
    dumped: dict[str, Any] = Bundle.model_validate(bundle).model_dump(mode="json")
    return dumped


def _care_plan(record: CoordinationRecord) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": str(_derived_id(record, "CarePlan")),
        "identifier": [_coordination_identifier(record)],
        "status": "completed" if record.finished else "active",
        "intent": "plan",
        "title": "Care coordination plan",
        "subject": _patient(record),
        "created": record.conference_on.isoformat(),
        "author": _reference("CareTeam", _derived_id(record, "CareTeam")),
        "careTeam": [_reference("CareTeam", _derived_id(record, "CareTeam"))],
    }
    if record.goal is not None:
        plan["goal"] = [_reference("Goal", _derived_id(record, "Goal"))]
    if record.steps:
        plan["activity"] = [{"reference": _reference("Task", step.step_id)} for step in record.steps]
    return plan


def _care_team(record: CoordinationRecord) -> dict[str, Any]:
    contained: list[dict[str, Any]] = []
    participants: list[dict[str, Any]] = []
    for organisation in _ORGANISATIONS:
        roles = _roles(record, organisation)
        managers = [m for m in record.care_managers if m.organisation == organisation]
        if not managers:
            participants.append({"role": roles, "member": _organization_reference(record, organisation)})
        for number, manager in enumerate(managers, start=1):
            local_id = f"{organisation}-care-manager-{number}"
            contained.append(_practitioner(local_id, manager))
            participants.append({"role": roles, "member": {"reference": f"#{local_id}", "display": manager.name},
                                 "onBehalfOf": _organization_reference(record, organisation)})
    team: dict[str, Any] = {
        "resourceType": "CareTeam",
        "id": str(_derived_id(record, "CareTeam")),
        "identifier": [_coordination_identifier(record)],
        "status": "inactive" if record.finished else "active",
        "category": [{"coding": [_CARE_COORDINATION_TEAM]}],
        "name": "Care coordination team",
        "subject": _patient(record),
        "participant": participants,
        "managingOrganization": [_organization_reference(record, o) for o in _lead_organisations(record.lead)],
        "note": [{"text": _lead_note(record)}],
    }
    if contained:
        team["contained"] = contained
    return team


def _goal(record: CoordinationRecord, description: str) -> dict[str, Any]:
    lifecycle, achievement, display = _GOAL_STATUS[record.goal_state]
    return {
        "resourceType": "Goal",
        "id": str(_derived_id(record, "Goal")),
        "identifier": [_coordination_identifier(record)],
        "lifecycleStatus": lifecycle,
        "achievementStatus": {"coding": [{"system": _GOAL_ACHIEVEMENT, "code": achievement, "display": display}]},
        "description": {"text": description},
        "subject": _patient(record),
        "startDate": record.conference_on.isoformat(),
        "expressedBy": _patient(record),
    }


def _task(record: CoordinationRecord, step: NextStep) -> dict[str, Any]:
    task: dict[str, Any] = {
        "resourceType": "Task",
        "id": str(step.step_id),
        "identifier": [{"system": NEXT_STEP_SYSTEM, "value": str(step.step_id)}],
        "basedOn": [_reference("CarePlan", _derived_id(record, "CarePlan"))],
        "status": _TASK_STATUS[step.state],
        "intent": "plan",
        "description": step.action,
        "for": _patient(record),
        "authoredOn": record.conference_on.isoformat(),
        "owner": (_reference("CareTeam", _derived_id(record, "CareTeam")) if step.responsible == "joint"
                  else _organization_reference(record, step.responsible)),
        "restriction": {"period": {"end": step.report_back_on.isoformat()}},
    }
    if step.state == "overdue":
        task["businessStatus"] = {"text": "overdue"}
    return task


def _organization(record: CoordinationRecord, organisation: Organisation) -> dict[str, Any]:
    if organisation == "plan":
        identifier = {"system": MCO_SYSTEM, "value": record.plan}
        kind = {"system": _ORGANIZATION_TYPE, "code": "pay", "display": "Payer"}
    else:
        identifier = {"system": NPI_SYSTEM, "value": record.practice_npi}
        kind = {"system": _ORGANIZATION_TYPE, "code": "prov", "display": "Healthcare Provider"}
    return {"resourceType": "Organization", "id": _organization_id(record, organisation),
            "identifier": [identifier], "active": True, "type": [{"coding": [kind]}]}


def _practitioner(local_id: str, manager: CareManager) -> dict[str, Any]:
    practitioner: dict[str, Any] = {"resourceType": "Practitioner", "id": local_id, "name": [{"text": manager.name}]}
    telecom = [{"system": system, "value": value, "use": "work"}
               for system, value in (("phone", manager.phone), ("email", manager.email)) if value is not None]
    if telecom:
        practitioner["telecom"] = telecom
    return practitioner


def _roles(record: CoordinationRecord, organisation: Organisation) -> list[dict[str, Any]]:
    roles = [_role(f"{organisation}-care-manager", f"{organisation.capitalize()} care manager")]
    if organisation in _lead_organisations(record.lead):
        roles.append(_role("lead", "Leads the coordination"))
    if organisation == "plan" and record.plan_monitors:
        roles.append(_role("monitor", "Monitors the practice-led coordination"))
    return roles


def _role(code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": TEAM_ROLE_SYSTEM, "code": code, "display": display}], "text": display}


def _lead_note(record: CoordinationRecord) -> str:
    if record.lead == "joint":
        return "The plan and the practice lead the coordination jointly."
    if record.lead == "plan":
        return "The plan leads the coordination."
    monitors = "monitors it" if record.plan_monitors else "does not monitor it"
    return f"The practice leads the coordination; the plan {monitors}."


def _lead_organisations(lead: Lead) -> tuple[Organisation, ...]:
    return _ORGANISATIONS if lead == "joint" else (lead,)


def _patient(record: CoordinationRecord) -> dict[str, Any]:
    return {"reference": f"Patient/{record.member_id}", "type": "Patient",
            "identifier": {"system": MEDICAID_ID_SYSTEM, "value": record.medicaid_id}}


def _coordination_identifier(record: CoordinationRecord) -> dict[str, str]:
    return {"system": COORDINATION_SYSTEM, "value": str(record.coordination_id)}


def _organization_reference(record: CoordinationRecord, organisation: Organisation) -> dict[str, str]:
    return {"reference": f"Organization/{_organization_id(record, organisation)}"}


def _organization_id(record: CoordinationRecord, organisation: Organisation) -> str:
    return f"mco-{record.plan}" if organisation == "plan" else f"npi-{record.practice_npi}"


def _reference(resource_type: str, resource_id: UUID) -> dict[str, str]:
    return {"reference": f"{resource_type}/{resource_id}"}


def _derived_id(record: CoordinationRecord, resource_type: str) -> UUID:
    return uuid.uuid5(record.coordination_id, resource_type)


def _check_text(what: str, value: str) -> None:
    if not value.strip():
        raise ValueError(f"{what} is empty")
    if control_character_reason(value) is not None:
        raise ValueError(f"{what} contains a control character")


def _check_choice(what: str, value: str, choices: frozenset[str]) -> None:
    if value not in choices:
        raise ValueError(f"{what} is not one of {sorted(choices)}")
