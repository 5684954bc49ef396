"""notifier settings: environment variables prefixed LIAISON_NOTIFIER_."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from liaison_notifier.contract import DEFAULT_SUBSCRIPTIONS
from liaison_shared.settings import ServiceSettings


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LIAISON_NOTIFIER_", extra="ignore", frozen=True)

    service: str = "notifier"
    http_port: int = 8004
    subscriptions_path: Path = Field(default=DEFAULT_SUBSCRIPTIONS, description="Who hears about what (YAML).")
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_sender: str = "liaison@ime.example.gov"
    smtp_timeout_seconds: float = Field(default=10, gt=0)
    webhook_timeout_seconds: float = Field(default=5, gt=0)
    max_attempts: int = Field(default=8, ge=1, description="Tries of a delivery before it is failed.")
    retry_base_seconds: float = Field(default=1.0, gt=0, description="First retry delay (doubling, jittered).")
    per_endpoint_concurrency: int = Field(default=4, ge=1, description="Deliveries in flight per recipient.")
    delivery_poll_seconds: float = Field(default=0.2, gt=0)
    program_name: str = "Iowa Medicaid Enterprise"
    program_phone: str = "1-800-338-8366"
