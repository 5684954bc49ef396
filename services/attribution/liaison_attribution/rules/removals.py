"""What a panel removal is, from the member's risk flags and the removal's
reason, by the contract's rules in attribution.yaml. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from liaison_attribution.contract import AttributionConfig
from liaison_shared.vocabulary import PanelRemovalReason


@dataclass(frozen=True)
class RemovalKind:
    high_risk: bool
    """Complex Care Management takes the case instead of Special Outreach."""
    held_for_compliance_review: bool
    """No outreach until compliance review releases it."""


def classify(reason: PanelRemovalReason, risk_flags: Iterable[str], config: AttributionConfig) -> RemovalKind:
    """The kind of a removal of a member with `risk_flags` for `reason`."""
    flags = frozenset(risk_flags)
    return RemovalKind(
        high_risk=bool(flags & config.high_risk_flags),
        held_for_compliance_review=reason in config.compliance_review_reasons
        and bool(flags & config.compliance_review_flags))
