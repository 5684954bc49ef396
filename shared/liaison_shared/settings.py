"""Service settings from the environment (pydantic-settings).

Each service subclasses `ServiceSettings` with its own prefix, so
`LIAISON_INTAKE_DATABASE_URL` configures intake and nothing else. Secrets
come only from the environment, never from the repository.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """What every service needs: where its database and the broker are, how to serve."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    service: str = Field(description="Service name: CloudEvents source, consumer group, log field.")
    database_url: str = "postgresql+asyncpg://liaison@127.0.0.1:54329/liaison"
    db_schema: str = Field(default="", description="PostgreSQL schema the service owns; default: its name.")
    kafka_bootstrap: str = "127.0.0.1:9092"
    topic_prefix: str = Field(default="", description="Prepended to every topic (tests isolate with it).")
    topic_partitions: int = Field(default=6, ge=1, description="Partitions of the topics the service creates.")
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    log_level: str = "INFO"
    relay_sweep_seconds: float = Field(default=1.0, gt=0, description="Outbox sweep when no NOTIFY arrives.")
    relay_batch_size: int = Field(default=500, gt=0)
    consumer_max_attempts: int = Field(default=5, ge=1, description="Tries of a failing handler before DLQ.")

    @property
    def schema_name(self) -> str:
        return self.db_schema or self.service.replace("-", "_")

    @property
    def consumer_group(self) -> str:
        return f"{self.topic_prefix}{self.service}"
