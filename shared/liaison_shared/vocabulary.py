"""The domain's shared words: who escalates, what about, on which track.

Every service and every event payload uses these enums, so a value that one
service writes is always one that another can read.
"""

from __future__ import annotations

from enum import StrEnum


class Party(StrEnum):
    MEMBER = "member"
    PROVIDER = "provider"


class Source(StrEnum):
    """Who escalated the inquiry (seed 002)."""

    IME_CALL_CENTER_CSR = "ime_call_center_csr"
    MEMBER_SERVICES_ACCOUNT_MANAGER = "member_services_account_manager"
    PROVIDER_SERVICES_ACCOUNT_MANAGER = "provider_services_account_manager"
    MANAGED_CARE_OMBUDSMAN = "managed_care_ombudsman"
    OTHER_STATE_AGENCY = "other_state_agency"
    LEGISLATIVE_LIAISON = "legislative_liaison"
    IME_POLICY_STAFF = "ime_policy_staff"
    IME_LEADERSHIP = "ime_leadership"
    PROVIDER = "provider"
    PROVIDER_ASSOCIATION = "provider_association"
    PLAN_MEMBER_SERVICES = "plan_member_services"
    PLAN_PROVIDER_SERVICES = "plan_provider_services"


class Category(StrEnum):
    ACCESS_TO_CARE = "access_to_care"
    PHARMACY = "pharmacy"
    DURABLE_MEDICAL_EQUIPMENT = "durable_medical_equipment"
    TRANSPORTATION = "transportation"
    PRIOR_AUTHORIZATION = "prior_authorization"
    CLAIMS_BILLING = "claims_billing"
    ELIGIBILITY_ENROLLMENT = "eligibility_enrollment"
    PCP_ASSIGNMENT = "pcp_assignment"
    QUALITY_OF_CARE = "quality_of_care"
    FRAUD_WASTE_ABUSE = "fraud_waste_abuse"
    CARE_TRANSITION = "care_transition"
    OTHER = "other"


class Track(StrEnum):
    MEMBER_MCO = "member_mco"
    MEMBER_NOT_ENROLLED = "member_not_enrolled"
    IME_CALLBACK = "ime_callback"
    PROVIDER = "provider"
    PCP_PANEL_REMOVAL = "pcp_panel_removal"
    PCP_ATTRIBUTION = "pcp_attribution"
    CARE_TRANSITION = "care_transition"


class Priority(StrEnum):
    """Ordered from least to most pressing; compare with `rank`."""

    STANDARD = "standard"
    ESCALATED = "escalated"
    URGENT = "urgent"

    @property
    def rank(self) -> int:
        return list(Priority).index(self)


class Queue(StrEnum):
    MEMBER_LIAISON = "member_liaison"
    PROVIDER_LIAISON = "provider_liaison"
    MSA_ESR = "msa_esr"
    UNIT_LEAD = "unit_lead"
    SPECIAL_OUTREACH = "special_outreach"
    CCM = "ccm"


class ContactChannel(StrEnum):
    PHONE = "phone"
    LETTER = "letter"
    EMAIL = "email"


class ContactOutcome(StrEnum):
    REACHED = "reached"
    NOT_REACHED = "not_reached"


class McoReportKind(StrEnum):
    MEMBER_CONTACTED = "member_contacted"
    PROVIDER_CONTACTED = "provider_contacted"
    UPDATE = "update"
    RESOLVED = "resolved"


class ResolvedBy(StrEnum):
    STATE = "state"
    MCO = "mco"


class PanelRemovalReason(StrEnum):
    NON_COMPLIANCE = "non_compliance"
    DISRUPTIVE_BEHAVIOR = "disruptive_behavior"
    OTHER = "other"


class AttributionMethod(StrEnum):
    MEMBER_CHOICE = "member_choice"
    CLAIMS_HISTORY = "claims_history"
    HOUSEHOLD = "household"
    GEOGRAPHY = "geography"
    REASSIGNMENT = "reassignment"
