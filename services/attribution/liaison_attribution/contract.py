"""The contract's rules for attribution, as data: `attribution.yaml`, its schema,
loaded and validated at start (refused, naming each problem, if invalid).

The lookback and the qualifying codes and places feed the PCP rules
(`rules.pcp`); the flags and reasons classify panel removals (`rules.removals`);
the reassignment window is how long a removed member has to choose."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from liaison_shared.config_files import ConfigError, load_config
from liaison_shared.vocabulary import PanelRemovalReason

DEFAULT_CONFIG = Path(__file__).with_name("attribution.yaml")

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_ProcedureCode = Annotated[str, StringConstraints(pattern=r"^[0-9A-Z]{5}$")]  # CPT or HCPCS
_Flag = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]{1,39}$")]  # a member's risk flag
_PlaceOfService = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]  # CMS two-digit code


class AttributionConfigError(ConfigError):
    """The attribution configuration cannot be used; the message names the file and each problem's location."""


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


def load_attribution_config(path: Path = DEFAULT_CONFIG) -> AttributionConfig:
    """Read and validate the configuration at `path`; raise `AttributionConfigError` listing every problem."""
    return load_config(path, AttributionConfig, error=AttributionConfigError)
