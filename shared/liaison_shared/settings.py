"""Service settings from the environment (pydantic-settings).

Each service subclasses `ServiceSettings` with its own prefix, so
`LIAISON_INTAKE_DATABASE_URL` configures intake and nothing else. Secrets
come only from the environment, never from the repository.
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from liaison_shared.pipeline import Limits
from liaison_shared.rate_limit import Rate


class ServiceSettings(BaseSettings):
    """What every service needs: where its database and the broker are, how to serve."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service: str = Field(description="Service name: CloudEvents source, consumer group, log field.")
    database_url: str = "postgresql+asyncpg://liaison@127.0.0.1:54329/liaison"
    db_schema: str = Field(default="", description="PostgreSQL schema the service owns; default: its name.")
    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_prefix: str = Field(default="", description="Prepended to every topic (tests isolate with it).")
    topic_partitions: int = Field(default=6, ge=1, description="Partitions of the topics the service creates.")
    oidc_issuer: str = Field(default="http://127.0.0.1:8180/realms/liaison",
                             description="The OpenID provider whose access tokens the service accepts.")
    oidc_provider_url: str = Field(default="", description="Where this service reaches the provider, if not at "
                                   "the issuer's address (e.g. inside a container network); default: the issuer.")
    oidc_audience: str = Field(default="liaison", description="The audience those tokens must name.")
    oidc_client_id: str = Field(default="liaison-services", description="The services' own client at the provider, "
                                "to ask whether a token is still active; empty: only signatures are checked.")
    oidc_client_secret: SecretStr = Field(default=SecretStr("liaison-services-demo-secret"),
                                          description="Its secret (the default is the local demo realm's).")
    oidc_revocation_seconds: float = Field(default=30.0, ge=0,
                                           description="How long a token's 'still active' answer is trusted.")
    oidc_refresh_seconds: float = Field(default=300.0, gt=0, description="How often the provider's keys are refreshed.")
    audit_retention_days: int = Field(default=6 * 366, ge=6 * 366,
                                      description="How long the PHI access audit is kept (at least six years).")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    relay_sweep_seconds: float = Field(default=1.0, gt=0, description="Outbox sweep when no NOTIFY arrives.")
    relay_batch_size: int = Field(default=500, gt=0)
    consumer_max_attempts: int = Field(default=5, ge=1, description="Tries of a failing handler before DLQ.")
    http_max_body_bytes: int = Field(default=1 << 20, ge=1024, description="Largest JSON request body.")
    http_max_bulk_body_bytes: int = Field(default=256 << 20, ge=1024,
                                          description="Largest body of a bulk import (streamed).")
    rate_per_address: float = Field(default=200.0, gt=0, description="Requests/s from one source address.")
    rate_burst_per_address: int = Field(default=400, ge=1)
    rate_per_client: float = Field(default=100.0, gt=0, description="Requests/s of one authenticated client.")
    rate_burst_per_client: int = Field(default=200, ge=1)
    rate_failed_auth_per_address: float = Field(default=1.0, gt=0,
                                                description="Failed authentications/s from one address.")
    rate_burst_failed_auth_per_address: int = Field(default=20, ge=1)

    @property
    def http_limits(self) -> Limits:
        """What the request pipeline lets through."""
        return Limits(
            max_body_bytes=self.http_max_body_bytes, max_bulk_body_bytes=self.http_max_bulk_body_bytes,
            per_address=Rate(self.rate_per_address, self.rate_burst_per_address),
            per_client=Rate(self.rate_per_client, self.rate_burst_per_client),
            failed_auth_per_address=Rate(self.rate_failed_auth_per_address, self.rate_burst_failed_auth_per_address),
        )

    @property
    def schema_name(self) -> str:
        return self.db_schema or self.service.replace("-", "_")

    @property
    def consumer_group(self) -> str:
        return f"{self.topic_prefix}{self.service}"
