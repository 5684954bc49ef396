"""The response body of a grievance's or an appeal's record (`GET /v1/inquiries/{id}/record`): what
42 CFR 438.416(b) asks the plan to keep of each."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, Field

from liaison_intake.api.schemas import AppealRead
from liaison_shared.vocabulary import CaseKind, Category, ExtensionRequester, NoticeKind, ReviewLevel


class ReviewRead(BaseModel):
    level: ReviewLevel
    at: datetime
    summary: str
    resolution: str | None


class NoticeRead(BaseModel):
    notice: NoticeKind
    at: datetime
    text: str


class ResolutionRead(BaseModel):
    code: str
    summary: str | None
    at: datetime


class ExtensionRead(BaseModel):
    days: int
    requested_by: ExtensionRequester
    reason: str
    at: datetime


class ExpeditedDenialRead(BaseModel):
    reason: str
    at: datetime


class EnrolleeRead(BaseModel):
    name: str
    medicaid_id: str | None


class GrievanceRecord(BaseModel):
    """What 42 CFR 438.416(b) asks the plan to keep of each grievance and appeal."""

    inquiry_id: UUID
    kind: CaseKind
    enrollee: EnrolleeRead = Field(description="The enrollee the grievance or appeal is for.")
    mco: str | None
    reason: str = Field(description="A general description of the reason.")
    category: Category
    received_at: datetime = Field(description="The date of receipt.")
    appeal: AppealRead | None
    expedited_denial: ExpeditedDenialRead | None
    reviews: list[ReviewRead] = Field(description="The date of each review and what each level decided.")
    resolution: ResolutionRead | None = Field(description="The resolution at the plan level and its date.")
    extension: ExtensionRead | None
    notices: list[NoticeRead] = Field(description="Every notice written to the enrollee, with its text.")
