"""What each of the program's roles works in the console and may do there.

Queues follow the program's units: a member liaison works the member liaison queue, a unit lead
the unit lead's (and assigns across all), program managers and compliance read every queue and
act on none; the grievance coordinator works grievances and appeals, program integrity the fraud,
waste and abuse referrals. MCO staff see only the cases referred to their MCO, whatever their queue.
"""

from __future__ import annotations

from collections.abc import Collection

from liaison_shared.access import CARE_READ, INQUIRY_ACT, INQUIRY_ASSIGN
from liaison_shared.principal import Principal
from liaison_shared.vocabulary import Queue

ROLE_QUEUES: dict[str, frozenset[str]] = {
    "member-liaison": frozenset({Queue.MEMBER_LIAISON}),
    "provider-liaison": frozenset({Queue.PROVIDER_LIAISON}),
    "msa-esr": frozenset({Queue.MSA_ESR}),
    "unit-lead": frozenset({Queue.UNIT_LEAD}),
    "special-outreach": frozenset({Queue.SPECIAL_OUTREACH}),
    "ccm": frozenset({Queue.CCM}),
    "grievance-coordinator": frozenset({Queue.GRIEVANCES_APPEALS}),
    "program-integrity": frozenset({Queue.PROGRAM_INTEGRITY}),
}


def role_queues(principal: Principal) -> frozenset[str] | None:
    """The queues the person's roles work (None: every queue, for readers of the whole program and MCOs)."""
    found = frozenset(q for role in principal.roles for q in ROLE_QUEUES.get(role, ()))
    return found or None


def sees_case(principal: Principal, party: str | None, referred_mcos: Collection[str]) -> bool:
    """Whether the person may see a case of `party` referred to these MCOs: an MCO's people only a case
    referred to their MCO (among others, maybe), a one-party role only that party's cases. A case whose
    receipt has not arrived (no party yet) is nobody's to see."""
    return party is not None and principal.may_see_case(party, referred_mcos)


def may_claim(principal: Principal) -> bool:
    """The state's staff who act on cases take them; an MCO's people report on what is referred to them."""
    return INQUIRY_ACT in principal.scopes and principal.mco is None


def may_assign(principal: Principal) -> bool:
    return INQUIRY_ASSIGN in principal.scopes and principal.mco is None


def may_act_for_state(principal: Principal) -> bool:
    return may_claim(principal)


def may_report_for_mco(principal: Principal) -> bool:
    return INQUIRY_ACT in principal.scopes and principal.mco is not None



def may_coordinate_care(principal: Principal) -> bool:
    """Care coordination's readers (CCM, program managers, compliance, a practice's care manager) see its pages."""
    return CARE_READ in principal.scopes
