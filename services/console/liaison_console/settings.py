"""console settings: environment variables prefixed LIAISON_CONSOLE_."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from liaison_shared.settings import ServiceSettings

REPORTING_URL = "http://127.0.0.1:8007"
CARE_COORDINATION_URL = "http://127.0.0.1:8008"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="LIAISON_CONSOLE_", extra="ignore", frozen=True)

    service: str = "console"
    http_port: int = 8006
    public_url: str = Field(default="", description="The console's address as browsers reach it "
                            "(the sign-in redirect comes back here); default: http://<http_host>:<http_port>.")
    sign_in_client_id: str = Field(default="liaison-console",
                                   description="The console's public client at the provider (code flow with PKCE).")
    intake_url: str = Field(default="http://127.0.0.1:8001", description="Intake's API: every case read and write.")
    notifier_url: str = Field(default="http://127.0.0.1:8004", description="The notifier's API: letters to print.")
    reporting_url: str = Field(default=REPORTING_URL, description="Reporting's API: the report pages and their "
                               "downloads.")
    care_coordination_url: str = Field(default=CARE_COORDINATION_URL, description="Care coordination's API: "
                                       "high-risk lists, case conferences, transitions of care, measures.")
    session_idle_minutes: float = Field(default=15, gt=0, le=60,
                                        description="A session without a request for this long ends (HIPAA "
                                        "automatic logoff).")
    session_max_hours: float = Field(default=10, gt=0, le=24, description="A session ends this long after sign-in.")
    session_key: SecretStr = Field(default=SecretStr("console-demo-session-key-change-me"),
                                   description="Seals the tokens the console keeps for its sessions (AES-GCM).")
    session_cache_seconds: float = Field(default=5, ge=0, le=60, description="How long a process trusts a "
                                         "session it checked (an ended session still opens pages this long).")
    page_size: int = Field(default=50, ge=10, le=200, description="Cases per queue page.")
    changes_kept_hours: float = Field(default=24, gt=0, description="How far back a live page can resume.")

    @property
    def address(self) -> str:
        return (self.public_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")
