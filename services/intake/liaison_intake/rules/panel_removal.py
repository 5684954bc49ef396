"""A PCP's panel removal opens a case in intake: what that case is. Pure, no database."""

from __future__ import annotations

from liaison_shared.payloads import InquiryReceivedV1, PanelRemovalCase, PanelRemovalRequestedV1
from liaison_shared.vocabulary import Category, Party, Source


def panel_removal_received(removal: PanelRemovalRequestedV1) -> InquiryReceivedV1:
    """The case a PCP's panel removal becomes: a member's PCP-assignment case, under the removal's id."""
    flags = ("high_risk",) * removal.high_risk + ("compliance_review_hold",) * removal.held_for_compliance_review
    return InquiryReceivedV1(
        inquiry_id=removal.removal_id, party=Party.MEMBER, source=Source.PROVIDER, category=Category.PCP_ASSIGNMENT,
        mco=removal.mco, risk_flags=flags, received_at=removal.requested_at,
        description=f"PCP panel removal ({removal.reason.value.replace('_', ' ')})",
        panel_removal=PanelRemovalCase(
            removal_id=removal.removal_id, member_id=removal.member_id, pcp_npi=removal.pcp_npi,
            reason=removal.reason, high_risk=removal.high_risk,
            held_for_compliance_review=removal.held_for_compliance_review))
