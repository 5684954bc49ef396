"""triage settings: environment variables prefixed LIAISON_TRIAGE_."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from liaison_shared.settings import ServiceSettings
from liaison_triage.contract import DEFAULT_RULESET


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LIAISON_TRIAGE_", extra="ignore", frozen=True)

    service: str = "triage"
    http_port: int = 8002
    ruleset_path: Path = Field(default=DEFAULT_RULESET, description="The priority and routing rules (YAML).")
    enrollment_wait_seconds: float = Field(
        default=300, ge=0, description="How long a member inquiry waits for an unknown member's enrollment.")
    release_sweep_seconds: float = Field(default=1.0, gt=0, description="How often waits are checked.")
