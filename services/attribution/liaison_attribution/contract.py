"""The contract's rules for attribution, as data: `attribution.yaml`, its schema,
loaded and validated at start (refused, naming each problem, if invalid).

The lookback and the qualifying codes and places feed the PCP rules
(`rules.pcp`); the flags and reasons classify panel removals (`rules.removals`);
the reassignment window is how long a removed member has to choose; the PCP
change reasons are the codes a member's own change of PCP is recorded with."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from liaison_shared.config_files import ConfigError, load_config
from liaison_shared.vocabulary import PanelRemovalReason

DEFAULT_CONFIG = Path(__file__).with_name("attribution.yaml")

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_ProcedureCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{5}$")]  # CPT or HCPCS
_Flag = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{1,39}$")]  # a member's risk flag
_PlaceOfService = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]  # CMS two-digit code
ReasonCode = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{1,39}$")]

PANEL_REMOVAL_CHOICE = "panel_removal"
"""The reason a member's choice of PCP after a panel removal is recorded with: set by attribution itself
(`POST /v1/panel-removals/{id}/choice`), never chosen by a caller, so not in the configured list."""
PANEL_REMOVAL_CHOICE_LABEL = "Chose a new PCP after the PCP removed the member from its panel"
ATTRIBUTION_LIST_ADD = "attribution_list_add"
"""The reason an assignment made by adding the member to a practice's attribution list (Da Vinci ATR
`$member-add`) is recorded with: set by attribution itself, reserved like `PANEL_REMOVAL_CHOICE`."""
ATTRIBUTION_LIST_ADD_LABEL = "Added to the practice's attribution list (Da Vinci ATR $member-add)"
_RESERVED_LABELS = {PANEL_REMOVAL_CHOICE: PANEL_REMOVAL_CHOICE_LABEL, ATTRIBUTION_LIST_ADD: ATTRIBUTION_LIST_ADD_LABEL}


class AttributionConfigError(ConfigError):
    """The attribution configuration cannot be used; the message names the file and each problem's location."""


class PcpChangeReason(BaseModel):
    """One reason a member may give for changing PCP: a stable code (stored, on events) and its label."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: ReasonCode
    label: _Text


class AttributionConfig(BaseModel):
    """The schema of `attribution.yaml`. Codes are quoted strings: an unquoted `02` would be the number 2."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: _Text
    lookback_months: Annotated[int, Field(strict=True, ge=1, le=120)] = 24
    qualifying_procedure_codes: Annotated[frozenset[_ProcedureCode], Field(min_length=1)]
    qualifying_places_of_service: Annotated[frozenset[_PlaceOfService], Field(min_length=1)]
    max_distance_miles: Annotated[float, Field(strict=True, gt=0, le=1000)] = 30.0
    reassignment_window_days: Annotated[int, Field(strict=True, ge=1)] = 30
    high_risk_flags: Annotated[frozenset[_Flag], Field(min_length=1)]
    compliance_review_flags: frozenset[_Flag]
    compliance_review_reasons: frozenset[PanelRemovalReason]
    pcp_change_reasons: Annotated[tuple[PcpChangeReason, ...], Field(min_length=1)]

    @field_validator("pcp_change_reasons")
    @classmethod
    def _distinct_codes(cls, reasons: tuple[PcpChangeReason, ...]) -> tuple[PcpChangeReason, ...]:
        first: dict[str, int] = {}
        for i, reason in enumerate(reasons):
            if reason.code == PANEL_REMOVAL_CHOICE:
                raise ValueError(f"[{i}].code {reason.code!r} is reserved: attribution records a choice after "
                                 "a panel removal with it")
            if reason.code == ATTRIBUTION_LIST_ADD:
                raise ValueError(f"[{i}].code {reason.code!r} is reserved: attribution records an addition to "
                                 "a practice's attribution list with it")
            if reason.code in first:
                raise ValueError(f"[{i}].code: duplicate code {reason.code!r} (also [{first[reason.code]}])")
            first[reason.code] = i
        return reasons

    def pcp_change_reason(self, code: str) -> PcpChangeReason | None:
        """The configured reason with this code, if there is one."""
        return next((reason for reason in self.pcp_change_reasons if reason.code == code), None)

    def reason_label(self, code: str | None) -> str | None:
        """The label of a stored reason code (None for none, or for a code no longer configured)."""
        if code in _RESERVED_LABELS:
            return _RESERVED_LABELS[code]
        reason = None if code is None else self.pcp_change_reason(code)
        return None if reason is None else reason.label


def load_attribution_config(path: Path = DEFAULT_CONFIG) -> AttributionConfig:
    """Read and validate the configuration at `path`; raise `AttributionConfigError` listing every problem."""
    return load_config(path, AttributionConfig, error=AttributionConfigError)
