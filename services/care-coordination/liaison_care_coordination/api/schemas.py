"""Request bodies of care coordination's API: strict (unknown fields refused), with the limits a person's
form needs."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from liaison_shared.care_payloads import WorkEmail
from liaison_shared.fields import CalendarDate, MedicaidId, PastInstant, PersonName, PhoneNumber
from liaison_shared.vocabulary import CareParty

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Paragraph = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Organisation = Literal["plan", "practice"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeriesRequest(Strict):
    """A plan and practice's case-conference series."""

    agenda_size: int = Field(10, ge=1, le=30, description="patients per call (the guideline's ten)")
    practice_contact_email: WorkEmail | None = Field(None, description="the practice's care manager: summaries")
    plan_project_manager: Line | None = None


class ConferenceRequest(Strict):
    """A conference held: its agenda is the series' next patients at that moment."""

    held_at: PastInstant


class CareManager(Strict):
    """A front-line care manager's contact (staff, not PHI)."""

    organisation: Organisation
    name: PersonName
    phone: PhoneNumber | None = None
    email: WorkEmail | None = None


class NextStepRequest(Strict):
    action: Paragraph
    responsible: CareParty
    report_back_on: CalendarDate


class DecisionRequest(Strict):
    """What the call decided for one patient of its agenda."""

    medicaid_id: MedicaidId
    lead: CareParty
    plan_monitor_status: Literal["monitoring", "not_monitoring"] | None = None
    goal: Paragraph | None = Field(None, description="the patient-centred goal, in the patient's words")
    goal_state: Literal["in_progress", "achieved", "not_achieved"] = "in_progress"
    engaged: bool = True
    next_steps: tuple[NextStepRequest, ...] = Field((), max_length=20)
    care_managers: tuple[CareManager, ...] = Field((), max_length=6)

    @model_validator(mode="after")
    def _monitor_status_when_the_practice_leads(self) -> DecisionRequest:
        if self.lead is CareParty.PRACTICE and self.plan_monitor_status is None:
            raise ValueError("plan_monitor_status: give the plan's monitor status when the practice leads")
        if self.lead is not CareParty.PRACTICE and self.plan_monitor_status is not None:
            raise ValueError("plan_monitor_status: only when the practice leads")
        return self


class StepReportRequest(Strict):
    reported_at: PastInstant
    report: Paragraph


class SummaryRequest(Strict):
    sent_at: PastInstant


class OutreachRequest(Strict):
    """One more outreach attempt to an unengaged patient, or a trade of who makes them."""

    kind: Literal["attempt", "trade"]
    by: Organisation = Field(description="an attempt's maker; a trade's new owner of the outreach")
    at: PastInstant
    reached: bool | None = Field(None, description="an attempt: whether the patient was reached")
    note: Paragraph | None = None

    @model_validator(mode="after")
    def _attempts_say_whether_reached(self) -> OutreachRequest:
        if (self.kind == "attempt") != (self.reached is not None):
            raise ValueError("reached: give it for an attempt, not for a trade")
        return self


class TrackingUpdateRequest(Strict):
    updated_at: PastInstant
    claims_activity: Paragraph = Field(description="the plan's claims activity report for the patient")


class CallbackRequest(Strict):
    medicaid_id: MedicaidId
    requested_at: PastInstant
    request_id: Line = Field(description="the caller's id of the request: sent twice, counted once")


class FollowUpRequest(Strict):
    reached_at: PastInstant
    by: Organisation
