"""intake settings: environment variables prefixed LIAISON_INTAKE_."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from liaison_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LIAISON_INTAKE_", extra="ignore", frozen=True)

    service: str = "intake"
    http_port: int = 8001
