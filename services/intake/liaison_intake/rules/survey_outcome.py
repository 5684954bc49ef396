"""A survey outcome that starts work opens a case in intake: what that case is. Pure, no database.

The escalation survey (attribution's) decides what a PCP-attribution or suspected-FWA case becomes.
A simple PCP change is attribution's own; the other outcomes are cases of their own, linked to the
case the survey was answered for and copying what that case knows of the member or provider.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from liaison_shared.payloads import (
    CaseOrigin,
    InquiryReceivedV1,
    MailingAddress,
    MemberIdentity,
    ProviderIdentity,
    SurveyOutcomeV1,
)
from liaison_shared.vocabulary import CaseKind, Category, Party, Source, SurveyOutcome

_CASE_IDS = uuid.UUID("5f0c2b1e-8a47-4c0e-9d2f-1b6a3e7c9d10")
PRACTICE_CONTACT = "The PCP's practice"
_KINDS = {SurveyOutcome.PROVIDER_OUTREACH: CaseKind.PROVIDER_OUTREACH, SurveyOutcome.GRIEVANCE: CaseKind.GRIEVANCE,
          SurveyOutcome.FWA_REFERRAL: CaseKind.FWA_REFERRAL}
_CATEGORIES = {CaseKind.PROVIDER_OUTREACH: Category.PCP_ASSIGNMENT, CaseKind.GRIEVANCE: Category.QUALITY_OF_CARE,
               CaseKind.FWA_REFERRAL: Category.FRAUD_WASTE_ABUSE}
_WORDS = {CaseKind.PROVIDER_OUTREACH: "provider outreach", CaseKind.GRIEVANCE: "grievance",
          CaseKind.FWA_REFERRAL: "referral to program integrity (suspected fraud, waste or abuse)"}


@dataclass(frozen=True)
class OriginCase:
    """What the case the survey was answered for knows (intake's row of it)."""

    inquiry_id: uuid.UUID
    party: Party
    source: Source
    mco: str | None
    identity: dict[str, Any]
    description: str


def opens_a_case(outcome: SurveyOutcomeV1) -> bool:
    return outcome.outcome in _KINDS and outcome.inquiry_id is not None


def case_id(response_id: uuid.UUID) -> uuid.UUID:
    """The id of the case a survey response opens: the same for every delivery of its outcome."""
    return uuid.uuid5(_CASE_IDS, str(response_id))


def survey_case(outcome: SurveyOutcomeV1, origin: OriginCase) -> InquiryReceivedV1:
    """The case `outcome` (one that `opens_a_case`) opens from `origin`."""
    kind = _KINDS[outcome.outcome]
    member_data, provider_data = origin.identity.get("member"), origin.identity.get("provider")
    address = origin.identity.get("mailing_address")
    member = MemberIdentity.model_validate(member_data) if member_data else None
    caller, phone = origin.identity.get("caller_name"), origin.identity.get("callback_phone")
    party, provider = origin.party, ProviderIdentity.model_validate(provider_data) if provider_data else None
    if kind is CaseKind.PROVIDER_OUTREACH:
        # The Provider Liaison calls the practice, not the member who raised it.
        party, caller, phone, address = Party.PROVIDER, None, None, None
        provider = ProviderIdentity(npi=outcome.pcp_npi, contact_name=PRACTICE_CONTACT) if outcome.pcp_npi \
            else provider or ProviderIdentity(contact_name=PRACTICE_CONTACT)
    elif kind is CaseKind.GRIEVANCE:
        party = Party.MEMBER
        member = member or MemberIdentity(name=caller or "Member of the originating case")
    elif outcome.pcp_npi is not None:
        provider = ProviderIdentity(npi=outcome.pcp_npi, contact_name=PRACTICE_CONTACT)
    lead = f"Opened by the escalation survey as a {_WORDS[kind]}, from case {origin.inquiry_id}: "
    return InquiryReceivedV1(
        inquiry_id=case_id(outcome.response_id), party=party, source=origin.source, category=_CATEGORIES[kind],
        mco=outcome.mco or origin.mco, member=member, provider=provider, caller_name=caller, callback_phone=phone,
        description=(lead + origin.description)[:4000], received_at=outcome.at, kind=kind,
        origin=CaseOrigin(inquiry_id=origin.inquiry_id, survey_response_id=outcome.response_id,
                          outcome=outcome.outcome),
        mailing_address=MailingAddress.model_validate(address) if address else None)
