"""Panel-removal kinds by the contract's rules (attribution.yaml): pure, no database."""

from __future__ import annotations

from pathlib import Path

import pytest

from liaison_attribution.contract import DEFAULT_CONFIG, AttributionConfigError, load_attribution_config
from liaison_attribution.rules.removals import classify
from liaison_shared.vocabulary import PanelRemovalReason as R

CONFIG = load_attribution_config()


@pytest.mark.parametrize(("reason", "flags", "high_risk", "held"), [
    (R.DISRUPTIVE_BEHAVIOR, [], False, False),
    (R.DISRUPTIVE_BEHAVIOR, ["special_needs"], True, True),  # behaviour that may come from the member's needs
    (R.DISRUPTIVE_BEHAVIOR, ["disability", "asthma"], True, True),
    (R.DISRUPTIVE_BEHAVIOR, ["chronic_condition"], True, False),
    (R.NON_COMPLIANCE, ["special_needs"], True, False),  # another reason is not held
    (R.NON_COMPLIANCE, ["asthma"], False, False),
])
def test_a_removal_is_high_risk_or_held_by_the_contracts_flags(reason: R, flags: list[str], high_risk: bool,
                                                             held: bool) -> None:
    kind = classify(reason, flags, CONFIG)
    assert (kind.high_risk, kind.held_for_compliance_review) == (high_risk, held)


def test_the_rules_are_data_a_contract_change_is_a_file_change(tmp_path: Path) -> None:
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        "compliance_review_flags: [special_needs, disability]", "compliance_review_flags: [special_needs]")
    path = tmp_path / "attribution.yaml"
    path.write_text(text, encoding="utf-8")
    changed = load_attribution_config(path)
    assert not classify(R.DISRUPTIVE_BEHAVIOR, ["disability"], changed).held_for_compliance_review


def test_an_unknown_reason_in_the_file_is_refused_at_its_location(tmp_path: Path) -> None:
    text = DEFAULT_CONFIG.read_text(encoding="utf-8").replace(
        "compliance_review_reasons: [disruptive_behavior]", "compliance_review_reasons: [rudeness]")
    path = tmp_path / "attribution.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AttributionConfigError, match="compliance_review_reasons"):
        load_attribution_config(path)
