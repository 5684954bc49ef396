"""Thirty-odd inquiries, every source, category and track, through Kafka:
each gets the expected track, priority, queue and subject."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from liaison_shared.payloads import (
    AppealDetails,
    InquiryReceivedV1,
    MemberIdentity,
    PanelRemovalCase,
    ProviderIdentity,
)

from .conftest import TriageHarness, enrolled, received

ENROLLED_ID = "7654321B"  # enrolled with IA-TC
FORMER_ID = "1111111C"  # enrollment ended before the inquiries were received

M = {"member": MemberIdentity(name="Jane Testmember", medicaid_id=ENROLLED_ID)}
FORMER = {"member": MemberIdentity(name="Jo Testformer", medicaid_id=FORMER_ID)}
ANON = {"member": MemberIdentity(name="Al Testanon")}
P = {"party": "provider", "member": None, "provider": ProviderIdentity(npi="1245319599", contact_name="Pat Office")}

# (inquiry fields, track, priority, queue, rule that must fire or None, subject start)
CASES: list[tuple[dict[str, Any], str, str, str, str | None, str]] = [
    ({**M, "source": "managed_care_ombudsman", "category": "other"}, "member_mco", "escalated", "msa_esr",
     "oversight-source", "[ESCALATED] Member · Other · MCO IA-TC · ID ***321B"),
    ({**M, "source": "legislative_liaison", "category": "eligibility_enrollment"}, "member_mco", "escalated",
     "msa_esr", "oversight-source", "[ESCALATED] Member · Eligibility/enrollment"),
    ({**M, "source": "ime_leadership", "category": "quality_of_care"}, "member_mco", "escalated", "msa_esr",
     "oversight-source", "[ESCALATED] Member"),
    ({**M, "source": "ime_policy_staff", "category": "claims_billing"}, "member_mco", "escalated", "msa_esr",
     "state-escalation-source", "[ESCALATED]"),
    ({**M, "source": "other_state_agency", "category": "access_to_care"}, "member_mco", "escalated", "msa_esr",
     "state-escalation-source", "[ESCALATED]"),
    ({**M, "source": "member_services_account_manager", "category": "other"}, "member_mco", "escalated",
     "msa_esr", "state-escalation-source", "[ESCALATED]"),
    ({**M, "source": "plan_member_services", "category": "pharmacy",
      "description": "Member ran out of insulin yesterday and cannot get refill."}, "member_mco", "urgent",
     "member_liaison", "without-medication-or-equipment", "[URGENT] Member · Pharmacy · MCO IA-TC · ID ***321B"),
    ({**M, "source": "plan_member_services", "category": "durable_medical_equipment",
      "description": "Oxygen concentrator broke; member has two days of tanks."}, "member_mco", "urgent",
     "member_liaison", "without-medication-or-equipment", "[URGENT] Member · Durable medical equipment"),
    ({**M, "source": "ime_call_center_csr", "category": "transportation",
      "description": "No ride to the dialysis appointment tomorrow."}, "member_mco", "urgent", "member_liaison",
     "without-ride-or-care-for-imminent-appointment", "[URGENT] Member · Transportation"),
    ({**M, "source": "plan_member_services", "category": "prior_authorization",
      "description": "Chemo authorization pending; appointment today."}, "member_mco", "urgent", "member_liaison",
     "without-ride-or-care-for-imminent-appointment", "[URGENT] Member · Prior authorization"),
    ({**M, "source": "plan_member_services", "category": "transportation",
      "description": "Asks how to schedule rides next month."}, "member_mco", "standard", "msa_esr", None,
     "[STANDARD] Member · Transportation"),
    ({**M, "source": "plan_member_services", "category": "fraud_waste_abuse"}, "member_mco", "escalated",
     "msa_esr", "fraud-waste-abuse", "[ESCALATED] Member · Fraud, waste and abuse"),
    ({**M, "source": "plan_member_services", "category": "other", "requested_priority": "urgent"}, "member_mco",
     "escalated", "msa_esr", "caller-requested-escalation", "[ESCALATED]"),
    ({**M, "source": "plan_member_services", "category": "other", "requested_priority": "standard"},
     "member_mco", "standard", "msa_esr", None, "[STANDARD] Member · Other · MCO IA-TC"),
    ({**FORMER, "source": "plan_member_services", "category": "eligibility_enrollment", "mco": "IA-TC"},
     "member_not_enrolled", "standard", "unit_lead", None, "[STANDARD] Member · Eligibility/enrollment · No MCO"),
    ({**ANON, "source": "plan_member_services", "category": "other", "mco": "IA-AG"}, "member_mco", "standard",
     "msa_esr", "enrollment-unknown", "[STANDARD] Member · Other · MCO IA-AG · ID none"),
    ({**ANON, "source": "managed_care_ombudsman", "category": "access_to_care"}, "member_not_enrolled",
     "escalated", "unit_lead", "enrollment-unknown", "[ESCALATED] Member · Access to care · No MCO"),
    ({**M, "ime_callback_request": True, "source": "ime_call_center_csr", "category": "eligibility_enrollment"},
     "ime_callback", "escalated", "unit_lead", "ime-callback", "[ESCALATED] Member"),
    ({**ANON, "ime_callback_request": True, "source": "ime_call_center_csr", "category": "claims_billing"},
     "ime_callback", "escalated", "unit_lead", "ime-callback", "[ESCALATED] Member · Claims/billing"),
    ({**P, "source": "provider", "category": "claims_billing", "mco": "IA-TC"}, "provider", "standard",
     "provider_liaison", None, "[STANDARD] Provider · Claims/billing · MCO IA-TC · ID ***9599"),
    ({**P, "source": "provider_association", "category": "claims_billing", "mco": "IA-TC"}, "provider",
     "escalated", "provider_liaison", "provider-association-source", "[ESCALATED] Provider"),
    ({**P, "source": "provider_services_account_manager", "category": "prior_authorization", "mco": "IA-AG"},
     "provider", "escalated", "provider_liaison", "state-escalation-source", "[ESCALATED] Provider"),
    ({**P, "source": "plan_provider_services", "category": "eligibility_enrollment"}, "provider", "standard",
     "provider_liaison", None, "[STANDARD] Provider · Eligibility/enrollment · No MCO"),
    ({**P, "source": "provider", "category": "durable_medical_equipment", "mco": "IA-TC",
      "description": "Patient's wheelchair repair denied; patient is homebound."}, "provider", "urgent",
     "provider_liaison", "without-medication-or-equipment", "[URGENT] Provider"),
    ({**P, "source": "provider", "category": "fraud_waste_abuse", "mco": "IA-TC"}, "provider", "escalated",
     "provider_liaison", "fraud-waste-abuse", "[ESCALATED] Provider · Fraud, waste and abuse"),
    ({**P, "source": "legislative_liaison", "category": "quality_of_care"}, "provider", "escalated",
     "provider_liaison", "oversight-source", "[ESCALATED] Provider · Quality of care"),
    ({**M, "source": "plan_member_services", "category": "pcp_assignment"}, "pcp_attribution", "standard",
     "special_outreach", None, "[STANDARD] Member · PCP assignment · MCO IA-TC"),
    ({**M, "source": "managed_care_ombudsman", "category": "pcp_assignment"}, "pcp_attribution", "escalated",
     "special_outreach", "oversight-source", "[ESCALATED] Member · PCP assignment"),
    ({**M, "source": "plan_member_services", "category": "care_transition",
      "description": "Discharged from hospital today; needs follow-up."}, "care_transition", "escalated", "ccm",
     "care-transition-track", "[ESCALATED] Member · Care transition"),
    ({**M, "source": "plan_member_services", "category": "care_transition",
      "description": "Member asks for a call back about discharge instructions."}, "care_transition", "urgent",
     "ccm", "care-transition-callback-request", "[URGENT] Member · Care transition"),
    ({**M, "source": "plan_member_services", "category": "access_to_care",
      "description": "Cannot find a dermatologist taking new patients."}, "member_mco", "standard", "msa_esr",
     None, "[STANDARD] Member · Access to care"),
    ({**M, "source": "plan_provider_services", "category": "quality_of_care"}, "member_mco", "standard",
     "msa_esr", None, "[STANDARD] Member · Quality of care"),
    ({**M, "kind": "grievance", "source": "plan_member_services", "category": "quality_of_care", "mco": "IA-TC"},
     "grievance", "standard", "grievances_appeals", None, "[STANDARD] Grievance · Quality of care · MCO IA-TC"),
    ({**M, "kind": "appeal", "source": "plan_member_services", "category": "prior_authorization", "mco": "IA-TC",
      "appeal": AppealDetails(determination="Denied.", expedited_requested=True)}, "appeal", "urgent",
     "grievances_appeals", "expedited-appeal-requested", "[URGENT] Appeal · Prior authorization"),
    ({**M, "kind": "appeal", "source": "managed_care_ombudsman", "category": "pharmacy", "mco": "IA-TC",
      "appeal": AppealDetails(determination="Denied."), "description": "Member ran out of insulin yesterday."},
     "appeal", "escalated", "grievances_appeals", "appeal-standard-timeframe", "[ESCALATED] Appeal · Pharmacy"),
    ({**M, "kind": "fwa_referral", "source": "plan_member_services", "category": "fraud_waste_abuse",
      "mco": "IA-TC"}, "program_integrity", "escalated", "program_integrity", None, "[ESCALATED] FWA referral"),
]

REMOVALS: list[tuple[dict[str, Any], str, str, str | None]] = [
    ({"high_risk": False}, "standard", "special_outreach", None),
    ({"high_risk": True}, "urgent", "ccm", "high-risk-member-panel-removal"),
    ({"high_risk": False, "held_for_compliance_review": True}, "standard", "unit_lead", "compliance-review-hold"),
]


def removal_case(*, high_risk: bool, held_for_compliance_review: bool = False) -> InquiryReceivedV1:
    """The case intake opens for a panel removal, as triage receives it."""
    removal = PanelRemovalCase(removal_id=uuid.uuid4(), member_id=uuid.uuid4(), pcp_npi="1245319599",
                               reason="disruptive_behavior", high_risk=high_risk,
                               held_for_compliance_review=held_for_compliance_review)
    flags = ("high_risk",) * high_risk + ("compliance_review_hold",) * held_for_compliance_review
    return InquiryReceivedV1(inquiry_id=removal.removal_id, party="member", source="provider",
                             category="pcp_assignment", mco="IA-TC", risk_flags=flags,
                             received_at=datetime(2026, 11, 20, tzinfo=UTC),
                             description="PCP panel removal (disruptive behavior)", panel_removal=removal)


async def test_every_inquiry_gets_its_track_priority_queue_and_subject(triage: TriageHarness) -> None:
    await triage.publish(enrolled(ENROLLED_ID, "IA-TC"),
                         enrolled(FORMER_ID, "IA-TC", effective_to=datetime(2026, 6, 30).date()))
    sent = [received(**fields) for fields, *_ in CASES]
    removals = [removal_case(**fields) for fields, *_ in REMOVALS]
    await triage.publish(*sent, *removals)

    decided = await triage.decided(*[r.inquiry_id for r in sent], *[r.inquiry_id for r in removals], timeout=60)
    for (fields, track, priority, queue, rule, subject), decision in zip(CASES, decided, strict=False):
        got = (decision.track, decision.priority, decision.queue)
        assert got == (track, priority, queue), (fields.get("source"), fields.get("category"), got)
        assert rule is None or rule in decision.rules_fired, (rule, decision.rules_fired)
        assert decision.subject.startswith(subject), decision.subject
        assert decision.ruleset_version == "2026.12-2"
    for (_, priority, queue, rule), decision in zip(REMOVALS, decided[len(CASES):], strict=True):
        assert (decision.track, decision.priority, decision.queue) == ("pcp_panel_removal", priority, queue)
        assert rule is None or rule in decision.rules_fired
    assert all(len(events) == 1 for events in triage.decisions.values())


def test_the_table_covers_every_source_category_and_track() -> None:
    from liaison_shared.vocabulary import Category, Source, Track

    assert {f.get("source") for f, *_ in CASES} >= {s.value for s in Source}
    assert {f.get("category") for f, *_ in CASES} >= {c.value for c in Category}
    # No inquiry reaches these two tracks: panel removals are opened by attribution, care-coordination items
    # are cases of the SLA monitor only.
    assert {c[1] for c in CASES} | {"pcp_panel_removal", "care_coordination"} == {t.value for t in Track}
    assert len(CASES) + len(REMOVALS) >= 30
