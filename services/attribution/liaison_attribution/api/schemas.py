"""Attribution's request bodies (the records taken in are in `liaison_attribution.records`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from liaison_attribution.contract import ReasonCode
from liaison_attribution.service import PcpChanged, PcpChoice
from liaison_shared.fields import Npi, SafeText
from liaison_shared.payloads import Actor
from liaison_shared.vocabulary import AttributionMethod, PanelRemovalReason


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


Note = Annotated[SafeText, StringConstraints(max_length=1000)]


class PcpChange(Body):
    """A member's choice of PCP with its reason: a code of attribution.yaml's `pcp_change_reasons` (an
    unconfigured code is a 422 naming `reason_code`) and an optional free-text note."""

    npi: Npi
    reason_code: ReasonCode = Field(description="One of the configured PCP change reasons (attribution.yaml).")
    note: Note | None = None

    def choice(self) -> PcpChoice:
        return PcpChoice(npi=self.npi, reason_code=self.reason_code, note=self.note)


class PcpChangeRequest(Body):
    """The change a survey with the outcome simple_pcp_change makes."""

    pcp_npi: Npi
    reason_code: ReasonCode = Field(description="One of the configured PCP change reasons (attribution.yaml).")
    note: Note | None = None

    def choice(self) -> PcpChoice:
        return PcpChoice(npi=self.pcp_npi, reason_code=self.reason_code, note=self.note)


class ChangeReason(BaseModel):
    code: str
    label: str | None = Field(description="The configured label; null for a code no longer configured.")


class NewAssignment(BaseModel):
    """The assignment a member's change of PCP started."""

    member_id: UUID
    pcp_npi: str
    method: AttributionMethod
    effective_from: date
    change_reason: ChangeReason
    note: str | None


class PcpPeriod(BaseModel):
    """One assignment of a member: a PCP, or a flagged network gap (no PCP)."""

    pcp_npi: str | None
    pcp_name: str | None = Field(description="The provider's name, if the provider is stored.")
    method: AttributionMethod | None
    network_gap: bool
    effective_from: date
    effective_to: date | None = Field(description="The end of the period, exclusive; null for the current one.")
    change_reason: ChangeReason | None = Field(description="A member-initiated change's reason.")
    note: str | None
    recorded_by: Actor | None = Field(description="Who recorded it; null for assignments from before it was kept.")
    recorded_at: datetime


class PcpHistory(BaseModel):
    member_id: UUID
    assignments: list[PcpPeriod] = Field(description="Every assignment of the member, newest first.")


class SurveyResponse(BaseModel):
    response_id: UUID
    outcome: str
    path: list[dict[str, str]]
    assignment: NewAssignment | None = Field(
        default=None, description="The new assignment, when the outcome is simple_pcp_change.")


def new_assignment(changed: PcpChanged) -> NewAssignment:
    """The answer's form of a `service.PcpChanged`."""
    return NewAssignment(member_id=changed.member_id, pcp_npi=changed.npi, method=changed.method,
                         effective_from=changed.effective_from,
                         change_reason=ChangeReason(code=changed.reason_code, label=changed.reason_label),
                         note=changed.note)


class PanelRemovalCreate(Body):
    member_id: UUID
    npi: Npi
    reason: PanelRemovalReason
    documentation: SafeText = Field(min_length=1, max_length=4000)


class Choice(Body):
    npi: Npi


SurveyNode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
SurveyAnswer = Annotated[SafeText, StringConstraints(min_length=1, max_length=200)]


class SurveyAnswers(Body):
    """Answers to the survey. What else is required depends on the outcome the answers lead to:
    `member_id` and `pcp_change` for simple_pcp_change (and `pcp_change` for no other outcome);
    `inquiry_id` for provider_outreach, grievance and fwa_referral."""

    inquiry_id: UUID | None = Field(default=None, description="The case the survey was answered for.")
    member_id: UUID | None = None
    answers: dict[SurveyNode, SurveyAnswer] = Field(max_length=100)
    pcp_change: PcpChangeRequest | None = None
