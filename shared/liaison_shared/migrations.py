"""Alembic, run from code: each service migrates its own schema at start.

A service's `migrations/env.py` is two lines that call `run_env()`; the
connection and schema come from `upgrade()`, so there is one way to migrate.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

from liaison_shared.db import checked_schema, ensure_schema


async def upgrade(engine: AsyncEngine, schema: str, script_location: Path) -> None:
    """Bring `schema` to the newest revision; safe when several instances start at once."""
    await ensure_schema(engine, schema)
    async with engine.begin() as conn:
        # Instances starting together queue here instead of racing on DDL.
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:s))"), {"s": "migrate:" + schema})
        await conn.run_sync(_upgrade, schema, script_location)


def _upgrade(connection: Connection, schema: str, script_location: Path) -> None:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection"] = connection
    config.attributes["schema"] = checked_schema(schema)
    command.upgrade(config, "head")


def run_env() -> None:
    """Body of every service's Alembic env.py."""
    config = context.config
    connection: Connection = config.attributes["connection"]
    schema: str = config.attributes["schema"]
    connection.execute(text(f'SET search_path TO "{schema}"'))
    context.configure(connection=connection, version_table_schema=schema, transactional_ddl=True)
    with context.begin_transaction():
        context.run_migrations()
