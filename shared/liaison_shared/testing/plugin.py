"""Pytest fixtures for the real infrastructure, shared by every test suite.

Kafka and PostgreSQL are the ones `make infra` starts (or any others named by
LIAISON_TEST_KAFKA_BOOTSTRAP / LIAISON_TEST_ADMIN_DATABASE_URL). Each test
session gets its own database; each test its own schema and topic prefix,
so tests never see each other's rows or events.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import URL, make_url

from liaison_shared.kafka import delete_topics
from liaison_shared.settings import ServiceSettings
from liaison_shared.testing import identity

KAFKA_BOOTSTRAP = os.environ.get("LIAISON_TEST_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
ADMIN_DATABASE_URL = os.environ.get("LIAISON_TEST_ADMIN_DATABASE_URL",
                                    "postgresql://liaison@127.0.0.1:54329/postgres")
OIDC_ISSUER = os.environ.get("LIAISON_TEST_OIDC_ISSUER", identity.ISSUER)


def _answers(host_port: str) -> bool:
    host, port = host_port.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    """The test broker's bootstrap address (fails loudly if nothing listens)."""
    if not _answers(KAFKA_BOOTSTRAP):
        pytest.fail(f"no Kafka broker at {KAFKA_BOOTSTRAP}: run `make infra` (or `make test`)")
    return KAFKA_BOOTSTRAP


@pytest.fixture(scope="session")
async def tokens() -> identity.Tokens:
    """Access tokens from the test OpenID provider (fails loudly if it does not answer)."""
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            (await http.get(f"{OIDC_ISSUER}/.well-known/openid-configuration")).raise_for_status()
    except httpx.HTTPError:
        pytest.fail(f"no OpenID provider at {OIDC_ISSUER}: run `make infra` (or `make test`)")
    return identity.Tokens(OIDC_ISSUER)


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    """A fresh database for this test session, as an asyncpg SQLAlchemy URL; dropped afterwards."""
    admin_url = make_url(ADMIN_DATABASE_URL)
    name = f"liaison_test_{uuid.uuid4().hex[:12]}"
    await _admin(admin_url, f'CREATE DATABASE "{name}"')
    yield admin_url.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
    await _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(admin_url: URL, statement: str) -> None:
    # A connection per statement: tests may restart a server in between.
    try:
        admin = await asyncpg.connect(admin_url.render_as_string(hide_password=False))
    except OSError:
        pytest.fail(f"no PostgreSQL at {admin_url.host}:{admin_url.port}: run `make infra` (or `make test`)")
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


TEST_PARTITIONS = 2


@pytest.fixture
async def unique_name() -> AsyncIterator[str]:
    """A short name no other test uses: for schemas, topic prefixes (`<name>.`), groups.
    The test's topics are deleted afterwards, so the broker's partition count stays small."""
    name = f"t{uuid.uuid4().hex[:12]}"
    yield name
    if _answers(KAFKA_BOOTSTRAP):
        await delete_topics(KAFKA_BOOTSTRAP, f"{name}.")


SettingsFactory = Callable[..., ServiceSettings]


@pytest.fixture
def make_settings(database_url: str, kafka_bootstrap: str, unique_name: str) -> SettingsFactory:
    """Build a service's settings isolated to this test (own schema and topic prefix)."""

    def build(settings_class: type[ServiceSettings] = ServiceSettings, **overrides: object) -> ServiceSettings:
        field = settings_class.model_fields["service"]
        service = str(overrides.pop("service", None) or (field.default if not field.is_required() else "svc"))
        values: dict[str, object] = {
            "service": service, "database_url": database_url, "kafka_bootstrap": kafka_bootstrap,
            "db_schema": f"{unique_name}_{service.replace('-', '_')}", "topic_prefix": f"{unique_name}.",
            "relay_sweep_seconds": 0.5, "topic_partitions": TEST_PARTITIONS, "oidc_issuer": OIDC_ISSUER,
        }
        values.update(overrides)
        return settings_class.model_validate(values)

    return build
