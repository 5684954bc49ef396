"""attribution settings: environment variables prefixed LIAISON_ATTRIBUTION_."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from liaison_attribution.contract import DEFAULT_CONFIG
from liaison_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LIAISON_ATTRIBUTION_", extra="ignore", frozen=True)

    service: str = "attribution"
    http_port: int = 8005
    config_path: Path = Field(default=DEFAULT_CONFIG, description="Lookback, procedure codes, distances (YAML).")
    payer: str = Field(default="Iowa Medicaid", description="The payer named in attribution lists.")
