"""sla-monitor settings: environment variables prefixed LIAISON_SLA_MONITOR_."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from liaison_shared.settings import ServiceSettings
from liaison_sla_monitor.contract import DEFAULT_POLICY


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LIAISON_SLA_MONITOR_", extra="ignore", frozen=True)

    service: str = "sla-monitor"
    http_port: int = 8003
    policy_path: Path = Field(default=DEFAULT_POLICY, description="The SLA policy table (YAML).")
    timer_poll_seconds: float = Field(default=0.2, gt=0, le=1, description="Longest sleep of the timer loop.")
