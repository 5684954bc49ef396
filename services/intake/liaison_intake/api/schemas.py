"""Request and response bodies of the intake API (v1).

Validation messages name the field and the reason, never the value.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from liaison_shared.fields import (
    CalendarDate,
    Description,
    McoCode,
    MedicaidId,
    Npi,
    PastInstant,
    PersonName,
    PhoneNumber,
    ProviderNumber,
    ShortNote,
    control_character_reason,
)
from liaison_shared.lifecycle import Status
from liaison_shared.payloads import Actor
from liaison_shared.vocabulary import (
    CaseKind,
    Category,
    ContactChannel,
    ContactOutcome,
    ExtensionRequester,
    McoReportKind,
    NoticeKind,
    Party,
    Priority,
    Queue,
    ResolvedBy,
    ReviewLevel,
    Source,
    SurveyOutcome,
    Track,
)

RiskFlag = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{1,39}$")]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,59}$")]


def _storable(value: str) -> str:
    reason = control_character_reason(value)
    if reason:
        raise ValueError(reason)
    return value


# Constraints before the check: stripped first, then measured (a validator before them would measure the raw text).
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"^\S+$"),
                    AfterValidator(_storable)]
"""A person's token subject (`sub`), as the provider gives it: 1-200 characters, no spaces."""
SearchName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=100),
                       AfterValidator(_storable)]
"""Part of a name to search for: 2-100 characters after stripping."""


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


AddressLine = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                       AfterValidator(_storable)]


class MailingAddressIn(Body):
    """Where letters to the member or provider go (PHI)."""

    line1: AddressLine
    line2: AddressLine | None = None
    city: AddressLine
    state: Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{2}$")] = Field(
        description="Two-letter USPS state code.")
    zip: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{5}(-\d{4})?$")] = Field(
        description="ZIP or ZIP+4.")


class MemberInquiryCreate(Body):
    """An escalated member issue."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "source": "managed_care_ombudsman", "category": "pharmacy", "member_name": "Jane Example",
        "medicaid_id": "1234567A", "caller_name": "John Example", "callback_phone": "515-555-0134",
        "description": "Member cannot get a refill of insulin approved.", "mco": "IA-TC",
        "requested_priority": "urgent", "received_at": "2026-11-23T14:05:00-06:00",
    }]})

    source: Source
    category: Category
    member_name: PersonName
    medicaid_id: MedicaidId | None = None
    caller_name: PersonName
    callback_phone: PhoneNumber
    description: Description
    mco: McoCode | None = None
    requested_priority: Priority | None = None
    risk_flags: list[RiskFlag] = Field(default_factory=list, max_length=20)
    mailing_address: MailingAddressIn | None = None
    received_at: PastInstant


class ImeCallbackRequestCreate(Body):
    """A call-center CSR's supervisor-contact request: a callback within 2 business days."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "category": "eligibility_enrollment", "member_name": "Jane Example", "medicaid_id": "1234567A",
        "caller_name": "Jane Example", "callback_phone": "(515) 555-0134",
        "description": "Caller asks why coverage ended; wants a supervisor.",
        "received_at": "2026-11-23T09:30:00-06:00",
    }]})

    category: Category
    member_name: PersonName
    medicaid_id: MedicaidId | None = None
    caller_name: PersonName
    callback_phone: PhoneNumber
    description: Description
    mco: McoCode | None = None
    mailing_address: MailingAddressIn | None = None
    received_at: PastInstant


class ProviderInquiryCreate(Body):
    """An escalated provider issue; needs an NPI or a provider number."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "source": "provider", "category": "claims_billing", "npi": "1245319599",
        "contact_name": "Pat Example", "contact_phone": "515-555-0199",
        "description": "Claims denied for timely filing although filed on time.", "mco": "IA-TC",
        "received_at": "2026-11-23T10:15:00-06:00",
    }]})

    source: Source
    category: Category
    npi: Npi | None = None
    provider_number: ProviderNumber | None = None
    contact_name: PersonName
    contact_phone: PhoneNumber
    description: Description
    mco: McoCode | None = None
    requested_priority: Priority | None = None
    mailing_address: MailingAddressIn | None = None
    received_at: PastInstant

    @model_validator(mode="after")
    def _identified(self) -> Self:
        if self.npi is None and self.provider_number is None:
            raise ValueError("give npi or provider_number")
        return self


class GrievanceCreate(Body):
    """An enrollee's grievance (42 CFR 438.400(b)): any expression of dissatisfaction about a matter other
    than an adverse benefit determination, filed with the MCO; resolved and notified within 90 calendar days."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "source": "plan_member_services", "category": "quality_of_care", "member_name": "Jane Example",
        "medicaid_id": "1234567A", "caller_name": "Jane Example", "callback_phone": "515-555-0134",
        "description": "Member says the front desk was rude and her appointment was cancelled twice.",
        "mco": "IA-TC", "mailing_address": {"line1": "12 Elm St", "city": "Des Moines", "state": "IA",
                                            "zip": "50309"},
        "received_at": "2026-11-23T14:05:00-06:00",
    }]})

    source: Source
    category: Category = Field(description="What the grievance is about (its reason, as MCPAR counts them).")
    member_name: PersonName
    medicaid_id: MedicaidId | None = None
    caller_name: PersonName
    callback_phone: PhoneNumber
    description: Description = Field(description="A general description of the reason (438.416(b)(1)).")
    mco: McoCode
    risk_flags: list[RiskFlag] = Field(default_factory=list, max_length=20)
    mailing_address: MailingAddressIn | None = None
    received_at: PastInstant


class AppealCreate(GrievanceCreate):
    """An enrollee's appeal of an adverse benefit determination (438.400(b)): 30 calendar days; 72 hours
    when expedited resolution is requested (438.408(b))."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "source": "plan_member_services", "category": "prior_authorization", "member_name": "Jane Example",
        "medicaid_id": "1234567A", "caller_name": "Jane Example", "callback_phone": "515-555-0134",
        "description": "Appeals the denial of a power wheelchair.", "mco": "IA-TC",
        "determination": "Prior authorization for a power wheelchair denied as not medically necessary.",
        "determination_date": "2026-11-16", "expedited_requested": True,
        "received_at": "2026-11-23T14:05:00-06:00",
    }]})

    determination: Description = Field(description="The adverse benefit determination appealed.")
    determination_date: CalendarDate | None = Field(default=None, description="The date of its notice.")
    expedited_requested: bool = Field(default=False, description="The enrollee or the provider asks for "
                                      "expedited resolution (the standard timeframe could seriously jeopardize "
                                      "the enrollee's life, health or function).")


class Action(Body):
    """A case action. Who acted is the caller's token, never a field."""

    at: PastInstant | None = Field(default=None, description="When it happened; default: now.")


class ContactAttemptCreate(Action):
    model_config = ConfigDict(json_schema_extra={"examples": [{"channel": "phone", "outcome": "not_reached"}]})
    channel: ContactChannel
    outcome: ContactOutcome


class McoReferralCreate(Action):
    model_config = ConfigDict(json_schema_extra={"examples": [{"mco": "IA-TC"}]})
    mco: McoCode | None = None


class McoReportCreate(Action):
    model_config = ConfigDict(json_schema_extra={"examples": [{"mco": "IA-TC", "report": "member_contacted"}]})
    mco: McoCode
    report: McoReportKind
    resolution_code: Code | None = None
    summary: Description | None = None


class ResolutionCreate(Action):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "resolved_by": "state", "resolution_code": "refill_authorized", "summary": "PA approved; refilled."}]})
    resolved_by: ResolvedBy
    resolution_code: Code
    summary: Description | None = None


class ReopenCreate(Action):
    reason: ShortNote


class PriorityOverrideCreate(Action):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "priority": "urgent", "reason": "Appointment moved to tomorrow."}]})
    priority: Priority
    reason: ShortNote


class UpdateCreate(Action):
    note: Description


class ExpeditedDenialCreate(Action):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "reason": "The request does not meet the criteria for expedited resolution."}]})
    reason: ShortNote


class ExtensionCreate(Action):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "days": 14, "requested_by": "plan", "reason": "Awaiting the treating provider's records."}]})
    days: int = Field(ge=1, le=14, description="Calendar days the resolution deadline moves (at most 14).")
    requested_by: ExtensionRequester
    reason: ShortNote = Field(description="Why (for the plan: the need and how the delay is in the enrollee's "
                              "interest).")


class NoticeCreate(Action):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "notice": "acknowledgment", "text": "We received your grievance on November 23 and are looking into it."}]})
    notice: NoticeKind
    text: Description = Field(description="The letter's own words (its template adds the rest).")


class ReviewCreate(Action):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "level": "state_fair_hearing", "summary": "Hearing held; the judge upheld the denial.",
        "resolution": "upheld"}]})
    level: ReviewLevel
    summary: Description
    resolution: Code | None = Field(default=None, description="What this level decided; null: not decided yet.")


class ClaimCreate(Action):
    """The caller takes the case; who they are is their token."""


class Assignee(Body):
    """A person of the program a case belongs to: their token subject and their name as shown."""

    subject: Subject
    name: PersonName


class AssignmentCreate(Action):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"assignee": {"subject": "5b0e1c9a-7d3e-4f0a-9c41-2e8d6b7a1f30", "name": "Maria Lopez"}},
        {"assignee": None}]})
    assignee: Assignee | None = Field(description="Who the case goes to; null releases it to its queue.")


class Accepted(BaseModel):
    """What a POST answers: the inquiry, its status after the action, and the events it caused."""

    inquiry_id: UUID
    status: Status
    event_ids: list[UUID]


class DeadlineRead(BaseModel):
    clock: str
    mco: str | None = Field(description="The MCO whose obligation it times (a case referred to several); "
                            "null: the case's own.")
    state: str
    warn_at: AwareDatetime
    due_at: AwareDatetime
    due_local: str = Field(description="The deadline in the program's local time.")


class ReferralRead(BaseModel):
    mco: str
    referred_at: datetime
    resolved_at: datetime | None = Field(description="When this MCO reported its part resolved.")


class OriginRead(BaseModel):
    inquiry_id: UUID
    survey_response_id: UUID
    outcome: SurveyOutcome


class OpenedCaseRead(BaseModel):
    inquiry_id: UUID
    kind: CaseKind
    outcome: SurveyOutcome
    received_at: datetime


class AppealRead(BaseModel):
    determination: str
    determination_date: date | None
    expedited_requested: bool


class AssigneeRead(BaseModel):
    subject: str = Field(description="The person's token subject (`sub`).")
    name: str


class InquiryRead(BaseModel):
    id: UUID
    party: Party
    source: Source
    category: Category
    ime_callback_request: bool
    status: Status
    track: Track | None
    priority: Priority | None
    requested_priority: Priority | None
    queue: Queue | None
    subject: str | None
    assignee: AssigneeRead | None = Field(description="Whose case it is; null: nobody's yet.")
    mco: str | None
    referred_mco: str | None = Field(description="The MCO it was last referred to (for an MCO: itself).")
    referrals: list[ReferralRead] = Field(description="Every MCO it was referred to (for an MCO: its own).")
    kind: CaseKind
    origin: OriginRead | None = Field(description="The case and survey outcome that opened this one.")
    opened_cases: list[OpenedCaseRead] = Field(description="The cases survey outcomes opened from this one.")
    appeal: AppealRead | None
    expedited_denied: bool
    extension: ExtensionRequester | None = Field(description="Who asked for the extension; null: not extended.")
    contact_attempts: int
    failed_phone_attempts: int
    received_at: datetime
    resolved_at: datetime | None
    identity: dict[str, Any]
    description: str
    open_deadlines: list[DeadlineRead]


class InquiryList(BaseModel):
    items: list[InquiryRead]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class LogEntryRead(BaseModel):
    event_id: UUID
    event_type: str
    at: datetime = Field(description="When it happened (a late record says when the action was taken).")
    recorded_at: datetime = Field(description="When intake recorded it.")
    actor: Actor | None = Field(description="Who did it, as authenticated (none for other services' events).")
    source: str
    details: dict[str, Any]


class InquiryLog(BaseModel):
    inquiry_id: UUID
    entries: list[LogEntryRead]
