"""sla-monitor settings: environment variables prefixed LIAISON_SLA_MONITOR_."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from liaison_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LIAISON_SLA_MONITOR_", extra="ignore", frozen=True)

    service: str = "sla-monitor"
    http_port: int = 8003
