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
    GRIEVANCE = "grievance"  # 42 CFR 438.408(b)(1): resolved and notified within 90 calendar days
    APPEAL = "appeal"  # of an adverse benefit determination: standard 30 days, expedited (urgent) 72 hours
    PROGRAM_INTEGRITY = "program_integrity"  # a suspected fraud, waste or abuse referral
    CARE_COORDINATION = "care_coordination"  # plan and practice coordinating a high-risk patient's care


class CareParty(StrEnum):
    """Who leads a high-risk patient's care management, or owns a next step: the plan, the practice, both."""

    PLAN = "plan"
    PRACTICE = "practice"
    JOINT = "joint"


class EncounterKind(StrEnum):
    """What a hospital's notification tells: the patient was admitted, or discharged."""

    ADMISSION = "admission"
    DISCHARGE = "discharge"


class CaseKind(StrEnum):
    """What a case is: an escalated inquiry, or a grievance or an appeal under 42 CFR 438 Subpart F,
    or work a survey outcome opened (a provider outreach, an FWA referral to program integrity)."""

    INQUIRY = "inquiry"
    GRIEVANCE = "grievance"
    APPEAL = "appeal"
    PROVIDER_OUTREACH = "provider_outreach"
    FWA_REFERRAL = "fwa_referral"


class SurveyOutcome(StrEnum):
    """What the PCP-attribution escalation survey decides."""

    SIMPLE_PCP_CHANGE = "simple_pcp_change"
    PROVIDER_OUTREACH = "provider_outreach"
    GRIEVANCE = "grievance"
    FWA_REFERRAL = "fwa_referral"


class NoticeKind(StrEnum):
    """A letter the program writes to the enrollee or provider, with the liaison's own text."""

    ANSWER = "answer"  # answers the inquiry (e.g. after two failed calls)
    ACKNOWLEDGMENT = "acknowledgment"  # of a grievance or an appeal (438.406(b)(1))
    RESOLUTION = "resolution"  # of a grievance or an appeal (438.408(d))
    EXTENSION = "extension"  # of a plan-initiated extension (438.408(c)(2))
    EXPEDITED_DENIAL = "expedited_denial"  # expedited handling denied (438.410(c)(2))


class ExtensionRequester(StrEnum):
    """Who asked for more time (438.408(c)(1)): the enrollee, or the plan showing a need in the enrollee's interest."""

    ENROLLEE = "enrollee"
    PLAN = "plan"


class AppealResolution(StrEnum):
    """How an appeal was resolved: the adverse benefit determination upheld (in the plan's favour),
    overturned (in the enrollee's) or partly; or withdrawn by the enrollee."""

    UPHELD = "upheld"
    OVERTURNED = "overturned"
    PARTIALLY_OVERTURNED = "partially_overturned"
    WITHDRAWN = "withdrawn"


class ReviewLevel(StrEnum):
    """The level a grievance or an appeal is reviewed at (438.416(b))."""

    PLAN = "plan"
    EXTERNAL_MEDICAL_REVIEW = "external_medical_review"
    STATE_FAIR_HEARING = "state_fair_hearing"


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
    GRIEVANCES_APPEALS = "grievances_appeals"
    PROGRAM_INTEGRITY = "program_integrity"


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
