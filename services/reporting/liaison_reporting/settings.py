"""reporting settings: environment variables prefixed LIAISON_REPORTING_."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from liaison_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LIAISON_REPORTING_", extra="ignore", frozen=True)

    service: str = "reporting"
    http_port: int = 8007
