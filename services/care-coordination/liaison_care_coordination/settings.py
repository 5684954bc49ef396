"""care-coordination settings: environment variables prefixed LIAISON_CARE_COORDINATION_."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from liaison_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LIAISON_CARE_COORDINATION_", extra="ignore", frozen=True)

    service: str = "care-coordination"
    http_port: int = 8008
    follow_up_days: int = Field(default=7, ge=1, le=30, description="The ED follow-up measure's window (days).")
