"""Payload models of every event, one pydantic model per event type and version.

Payloads are strict (unknown fields are refused) and immutable. A breaking
change is a new model with a new version, published beside the old one.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from liaison_shared.vocabulary import (
    AttributionMethod,
    CaseKind,
    Category,
    ContactChannel,
    ContactOutcome,
    ExtensionRequester,
    McoReportKind,
    NoticeKind,
    PanelRemovalReason,
    Party,
    Priority,
    Queue,
    ResolvedBy,
    ReviewLevel,
    Source,
    SurveyOutcome,
    Track,
)

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
McoCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{1,15}$")]
Npi = Annotated[str, StringConstraints(pattern=r"^\d{10}$")]


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Actor(Payload):
    """Who acted, as the request pipeline authenticated them (never what a request body says):
    the token's subject, the person's or system's name, their program roles, the client used."""

    subject: ShortText
    name: ShortText
    roles: tuple[str, ...] = ()
    client: ShortText | None = None


class MemberIdentity(Payload):
    name: ShortText
    medicaid_id: ShortText | None = None


class ProviderIdentity(Payload):
    npi: Npi | None = None
    provider_number: ShortText | None = None
    contact_name: ShortText


class PanelRemovalCase(Payload):
    """The panel removal a case was opened for (attribution's request), on the case's own event."""

    removal_id: UUID
    member_id: UUID
    pcp_npi: Npi
    reason: PanelRemovalReason
    high_risk: bool
    held_for_compliance_review: bool


class MailingAddress(Payload):
    """Where a letter to the member or provider goes (PHI: never logged)."""

    line1: ShortText
    line2: ShortText | None = None
    city: ShortText
    state: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
    zip: Annotated[str, StringConstraints(pattern=r"^\d{5}(-\d{4})?$")]


class AppealDetails(Payload):
    """The adverse benefit determination an appeal contests, and whether the enrollee (or the provider
    for them) asked for expedited resolution (438.410)."""

    determination: LongText
    determination_date: date | None = None
    expedited_requested: bool = False


class CaseOrigin(Payload):
    """The case and the survey response that opened this one (an outcome of the escalation survey)."""

    inquiry_id: UUID
    survey_response_id: UUID
    outcome: SurveyOutcome


class InquiryReceivedV1(Payload):
    """An escalated member or provider issue, a grievance or an appeal was accepted at intake, or intake
    opened a case for a PCP's panel removal (`panel_removal` says which removal) or for a survey
    outcome (`origin` names the case it came from)."""

    inquiry_id: UUID
    party: Party
    source: Source
    category: Category
    ime_callback_request: bool = False
    mco: McoCode | None = None
    member: MemberIdentity | None = None
    provider: ProviderIdentity | None = None
    caller_name: ShortText | None = None
    callback_phone: ShortText | None = None
    description: LongText
    requested_priority: Priority | None = None
    risk_flags: tuple[str, ...] = ()
    received_at: AwareDatetime
    panel_removal: PanelRemovalCase | None = None
    kind: CaseKind = CaseKind.INQUIRY
    appeal: AppealDetails | None = None
    origin: CaseOrigin | None = None
    mailing_address: MailingAddress | None = None


class HoldReleasedV1(Payload):
    """Compliance review released a held panel-removal case: it may now be worked."""

    inquiry_id: UUID
    released_at: AwareDatetime


class PriorityAssignedV1(Payload):
    """Triage (or a liaison's override) put the inquiry on a track with a priority."""

    inquiry_id: UUID
    track: Track
    priority: Priority
    queue: Queue
    subject: ShortText
    mco: McoCode | None = None
    rules_fired: tuple[str, ...] = ()
    ruleset_version: str
    override_reason: ShortText | None = None
    received_at: AwareDatetime
    decided_at: AwareDatetime


class SubjectChangedV1(Payload):
    """The case's subject line changed without a new decision (it was referred to another MCO)."""

    inquiry_id: UUID
    subject: ShortText
    mco: McoCode
    changed_at: AwareDatetime


class PriorityOverrideRequestedV1(Payload):
    """A liaison overrode the inquiry's priority; triage turns it into a priority assignment."""

    inquiry_id: UUID
    priority: Priority
    reason: ShortText
    actor: Actor
    at: AwareDatetime


class InquiryUpdatedV1(Payload):
    """A free-text update on the case (the note stays in intake's log)."""

    inquiry_id: UUID
    note: LongText
    actor: Actor
    at: AwareDatetime


class Person(Payload):
    """A person of the program a case can belong to: their token subject and display name."""

    subject: ShortText
    name: ShortText


class InquiryAssignedV1(Payload):
    """The case now belongs to `assignee` (None: back to its queue, nobody's). A person claims a
    case for themselves; a unit lead assigns, reassigns or releases it."""

    inquiry_id: UUID
    assignee: Person | None
    previous: Person | None = None
    actor: Actor
    at: AwareDatetime


class ExpeditedDeniedV1(Payload):
    """The plan denied an appeal's request for expedited resolution (438.410(c)): the appeal moves to the
    standard timeframe, the enrollee is owed prompt oral notice and written notice within 2 calendar days."""

    inquiry_id: UUID
    reason: ShortText
    actor: Actor
    at: AwareDatetime


class DeadlineExtendedV1(Payload):
    """A grievance's or an appeal's resolution deadline moves by `days` calendar days (438.408(c)), once.
    A plan-initiated extension owes the enrollee written notice within 2 calendar days."""

    inquiry_id: UUID
    clock: ShortText
    days: int = Field(ge=1, le=14)
    requested_by: ExtensionRequester
    reason: ShortText
    actor: Actor
    at: AwareDatetime


class NoticeIssuedV1(Payload):
    """A liaison wrote a notice to the originator (a letter from the template of its kind, with this text)."""

    inquiry_id: UUID
    notice: NoticeKind
    text: LongText
    actor: Actor
    at: AwareDatetime


class ReviewRecordedV1(Payload):
    """A grievance or an appeal was reviewed at a level (438.416(b)): when, and what that level decided
    (`resolution` None: reviewed, not decided yet)."""

    inquiry_id: UUID
    level: ReviewLevel
    summary: LongText
    resolution: ShortText | None = None
    actor: Actor
    at: AwareDatetime


class LetterRequestedV1(Payload):
    """Two phone attempts failed: a letter answering the question must be sent."""

    inquiry_id: UUID
    party: Party
    failed_attempts: int = Field(ge=2)
    at: AwareDatetime


class ContactAttemptedV1(Payload):
    inquiry_id: UUID
    channel: ContactChannel
    outcome: ContactOutcome
    attempt_number: int = Field(ge=1)
    actor: Actor
    at: AwareDatetime


class McoContactedV1(Payload):
    """The liaison referred the inquiry to the MCO."""

    inquiry_id: UUID
    mco: McoCode
    actor: Actor
    at: AwareDatetime


class McoReportedV1(Payload):
    """The MCO reported back: contacted the member or provider, an update, or resolved."""

    inquiry_id: UUID
    mco: McoCode
    report: McoReportKind
    actor: Actor
    at: AwareDatetime


class InquiryResolvedV1(Payload):
    inquiry_id: UUID
    resolved_by: ResolvedBy
    resolution_code: ShortText
    summary: LongText | None = None
    actor: Actor
    at: AwareDatetime


class InquiryReopenedV1(Payload):
    inquiry_id: UUID
    reason: ShortText
    actor: Actor
    at: AwareDatetime


class ClockStartedV1(Payload):
    """A deadline now runs for the inquiry (restarted clocks publish this again)."""

    inquiry_id: UUID
    clock: ShortText
    track: Track
    priority: Priority
    warn_at: AwareDatetime
    due_at: AwareDatetime
    started_at: AwareDatetime
    mco: McoCode | None = None  # the MCO whose obligation this clock times, when the case went to several


class SlaWarningV1(Payload):
    inquiry_id: UUID
    clock: ShortText
    track: Track
    priority: Priority
    due_at: AwareDatetime
    warned_at: AwareDatetime
    mco: McoCode | None = None  # the MCO whose obligation this clock times, when the case went to several


class SlaBreachedV1(Payload):
    inquiry_id: UUID
    clock: ShortText
    track: Track
    priority: Priority
    due_at: AwareDatetime
    breached_at: AwareDatetime
    late_by_seconds: float = Field(ge=0)
    mco: McoCode | None = None  # the MCO whose obligation this clock times, when the case went to several


class SlaMetV1(Payload):
    inquiry_id: UUID
    clock: ShortText
    due_at: AwareDatetime
    met_at: AwareDatetime
    took_business_seconds: float = Field(ge=0)
    mco: McoCode | None = None  # the MCO whose obligation this clock times, when the case went to several


class ClockStoppedV1(Payload):
    """A clock will not be met and no longer runs: the case was resolved, moved to a track without it,
    or the breach that started this follow-up was withdrawn."""

    inquiry_id: UUID
    clock: ShortText
    reason: Literal["resolved", "not_on_track", "breach_withdrawn", "superseded"]
    due_at: AwareDatetime
    stopped_at: AwareDatetime
    mco: McoCode | None = None  # the MCO whose obligation this clock times, when the case went to several


class BreachWithdrawnV1(Payload):
    """A breach announced earlier did not happen: an action recorded late was taken before the
    deadline (`met_at` < `due_at`), so the clock is met. Readers and notifications correct the breach."""

    inquiry_id: UUID
    clock: ShortText
    track: Track
    priority: Priority
    due_at: AwareDatetime
    met_at: AwareDatetime
    withdrawn_at: AwareDatetime
    mco: McoCode | None = None  # the MCO whose obligation this clock times, when the case went to several


class FollowUpDueV1(Payload):
    """A breach asks for a follow-up task (e.g. the liaison chases a silent MCO)."""

    inquiry_id: UUID
    clock: ShortText
    queue: Queue
    reason: ShortText
    due_at: AwareDatetime
    mco: McoCode | None = None  # the MCO whose obligation this clock times, when the case went to several


class PanelRemovalRequestedV1(Payload):
    """A PCP asked to remove a member from its panel."""

    removal_id: UUID
    member_id: UUID
    pcp_npi: Npi
    reason: PanelRemovalReason
    high_risk: bool
    held_for_compliance_review: bool = False
    mco: McoCode | None = None
    requested_at: AwareDatetime


class PcpAssignedV1(Payload):
    member_id: UUID
    pcp_npi: Npi
    previous_pcp_npi: Npi | None = None
    method: AttributionMethod
    effective_from: date
    effective_to: date | None = None
    change_reason: ShortText | None = None  # a member-initiated change's reason code (attribution.yaml's list)


class MemberEnrolledV1(Payload):
    member_id: UUID
    medicaid_id: ShortText
    mco: McoCode
    effective_from: date
    effective_to: date | None = None
    risk_flags: tuple[str, ...] = ()


class MemberDisenrolledV1(Payload):
    member_id: UUID
    medicaid_id: ShortText
    mco: McoCode
    effective_to: date


class NotificationSentV1(Payload):
    notification_id: UUID
    cause_event_id: UUID
    inquiry_id: UUID | None = None
    channel: ShortText
    recipient: ShortText
    sent_at: AwareDatetime


class NotificationFailedV1(Payload):
    notification_id: UUID
    cause_event_id: UUID
    inquiry_id: UUID | None = None
    channel: ShortText
    recipient: ShortText
    attempts: int = Field(ge=1)
    error: ShortText
    failed_at: AwareDatetime



class McoInquiryReferredV1(Payload):
    """On an MCO's own topic: an inquiry about one of its members was referred to it.

    Minimum necessary: no name, Medicaid ID, phone or description; the MCO reads
    those through the intake API with its own credentials, which see only its
    referred inquiries.
    """

    inquiry_id: UUID
    mco: McoCode
    party: Party
    category: Category
    track: Track | None = None
    priority: Priority | None = None
    subject: ShortText | None = None
    received_at: AwareDatetime | None = None
    referred_at: AwareDatetime


class McoInquiryUpdatedV1(Payload):
    """On an MCO's own topic: something changed on an inquiry referred to it."""

    inquiry_id: UUID
    mco: McoCode
    change: ShortText  # priority-changed, follow-up-due, resolved, reopened
    priority: Priority | None = None
    due_at: AwareDatetime | None = None
    at: AwareDatetime


class LetterReadyV1(Payload):
    """A letter to the originator was rendered and stored, ready to print and mail."""

    letter_id: UUID
    inquiry_id: UUID
    notice: NoticeKind | None = None
    at: AwareDatetime


class SurveyOutcomeV1(Payload):
    """The PCP-attribution escalation survey decided what happens next
    (simple PCP change, provider outreach, grievance, or FWA referral)."""

    response_id: UUID
    inquiry_id: UUID | None = None  # the case the survey was answered for; given for every outcome but a PCP change
    member_id: UUID | None = None
    outcome: SurveyOutcome
    survey_version: ShortText
    pcp_npi: Npi | None = None  # the member's PCP the answers are about, when attribution knows it
    mco: McoCode | None = None  # the member's MCO, when attribution knows it
    at: AwareDatetime
