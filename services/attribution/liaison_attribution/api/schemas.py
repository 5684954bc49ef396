"""Attribution's request bodies (the records taken in are in `liaison_attribution.records`)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from liaison_shared.fields import Npi, SafeText
from liaison_shared.vocabulary import PanelRemovalReason


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PcpChange(Body):
    npi: Npi
    reason_code: str = Field(pattern=r"^[a-z][a-z_]{1,39}$")
    reason_text: SafeText | None = Field(default=None, max_length=1000)


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
    inquiry_id: UUID | None = None
    member_id: UUID | None = None
    answers: dict[SurveyNode, SurveyAnswer] = Field(max_length=100)
