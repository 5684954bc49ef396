"""The case a panel removal becomes (rules/panel_removal.py), without I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from liaison_intake.rules.case import new_case
from liaison_intake.rules.panel_removal import panel_removal_received
from liaison_shared.lifecycle import Status
from liaison_shared.payloads import PanelRemovalRequestedV1
from liaison_shared.vocabulary import Category, PanelRemovalReason, Party, Source

AT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def removal(**changes: object) -> PanelRemovalRequestedV1:
    base: dict[str, object] = {"removal_id": uuid.uuid4(), "member_id": uuid.uuid4(), "pcp_npi": "1245319599",
                               "reason": PanelRemovalReason.DISRUPTIVE_BEHAVIOR, "high_risk": False,
                               "mco": "IA-TC", "requested_at": AT}
    return PanelRemovalRequestedV1.model_validate({**base, **changes})


def test_a_removal_becomes_a_members_pcp_assignment_case_under_its_own_id() -> None:
    request = removal()
    received = panel_removal_received(request)
    assert received.inquiry_id == request.removal_id
    assert (received.party, received.source, received.category) == (Party.MEMBER, Source.PROVIDER,
                                                                     Category.PCP_ASSIGNMENT)
    assert (received.mco, received.received_at) == ("IA-TC", AT)
    assert received.description == "PCP panel removal (disruptive behavior)"
    assert received.panel_removal is not None and received.panel_removal.removal_id == request.removal_id
    assert new_case(received).status is Status.RECEIVED


@pytest.mark.parametrize(("high_risk", "held", "flags"), [
    (False, False, ()),
    (True, False, ("high_risk",)),
    (False, True, ("compliance_review_hold",)),
    (True, True, ("high_risk", "compliance_review_hold")),
])
def test_risk_and_a_compliance_hold_become_the_cases_risk_flags(high_risk: bool, held: bool,
                                                                 flags: tuple[str, ...]) -> None:
    received = panel_removal_received(removal(high_risk=high_risk, held_for_compliance_review=held))
    assert received.risk_flags == flags
    assert received.panel_removal is not None
    assert (received.panel_removal.high_risk, received.panel_removal.held_for_compliance_review) == (high_risk, held)
