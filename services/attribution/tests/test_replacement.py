"""Whether a new attribution replaces the member's current assignment, and as what: pure, no database."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from liaison_attribution.rules.pcp import Assignment
from liaison_attribution.rules.replacement import CurrentAssignment, replacement
from liaison_shared.vocabulary import AttributionMethod as M

PCP, OTHER = "1245319599", "1003000126"
GAP = Assignment(None, None, True, {"reason": "no in-network PCP with capacity within 30 miles"})


def found(npi: str, method: M = M.GEOGRAPHY) -> Assignment:
    return Assignment(npi, method, False, {"distance_miles": 1.2})


def test_a_member_without_an_assignment_gets_what_the_rule_found() -> None:
    assert replacement(None, found(PCP)) == found(PCP)


def test_a_member_without_an_assignment_gets_a_flagged_gap_when_the_rules_find_no_pcp() -> None:
    assert replacement(None, GAP) == GAP


def test_the_same_pcp_keeps_the_current_assignment_whatever_the_method_or_evidence() -> None:
    current = CurrentAssignment(PCP, network_gap=False)
    assert replacement(current, found(PCP, M.CLAIMS_HISTORY)) is None
    assert replacement(current, Assignment(PCP, M.HOUSEHOLD, False, {"household_pcps": [PCP]})) is None


def test_the_same_pcp_is_kept_even_under_an_override_method() -> None:
    assert replacement(CurrentAssignment(PCP, network_gap=False), found(PCP), method=M.REASSIGNMENT) is None


def test_a_gap_found_again_keeps_the_current_gap() -> None:
    assert replacement(CurrentAssignment(None, network_gap=True), GAP) is None


def test_another_pcp_replaces_the_current_one_under_the_rules_method() -> None:
    new = replacement(CurrentAssignment(OTHER, network_gap=False), found(PCP, M.CLAIMS_HISTORY))
    assert new == found(PCP, M.CLAIMS_HISTORY)


def test_a_pcp_found_replaces_a_flagged_gap() -> None:
    assert replacement(CurrentAssignment(None, network_gap=True), found(PCP)) == found(PCP)


def test_a_gap_replaces_a_pcp_the_rules_no_longer_find() -> None:
    assert replacement(CurrentAssignment(PCP, network_gap=False), GAP) == GAP


def test_an_override_method_names_a_pcp_found_and_keeps_the_rules_evidence() -> None:
    new = replacement(CurrentAssignment(OTHER, network_gap=False), found(PCP, M.GEOGRAPHY), method=M.REASSIGNMENT)
    assert new == Assignment(PCP, M.REASSIGNMENT, False, {"distance_miles": 1.2})


def test_an_override_method_does_not_name_a_gap() -> None:
    assert replacement(CurrentAssignment(OTHER, network_gap=False), GAP, method=M.REASSIGNMENT) == GAP


_npis = st.sampled_from([None, PCP, OTHER])
_methods = st.sampled_from(list(M))


@given(current_npi=_npis, has_current=st.booleans(), npi=_npis, rule_method=_methods,
       override=st.none() | _methods)
def test_only_a_different_pcp_or_gap_replaces_and_the_replacement_is_what_was_found(
    current_npi: str | None, has_current: bool, npi: str | None, rule_method: M, override: M | None,
) -> None:
    current = CurrentAssignment(current_npi, network_gap=current_npi is None) if has_current else None
    result = GAP if npi is None else found(npi, rule_method)
    new = replacement(current, result, method=override)
    assert (new is None) == (current is not None and current.npi == npi)
    if new is not None:
        assert (new.npi, new.network_gap, new.evidence) == (result.npi, result.network_gap, result.evidence)
        assert new.method == (override if override is not None and npi is not None else result.method)
