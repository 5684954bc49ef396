"""Migration 0005 brings a database made before case assignees to today's shape,
keeping its inquiries (nobody's), and goes back down cleanly. 0002 creates the
tables as declared today, so the older shape is made here by hand."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from liaison_intake.main import MIGRATIONS
from liaison_shared.db import ensure_schema

ASSIGNEE = {"assignee_subject", "assignee_name"}
PARTS = ("inquiries_assignee_subject", "inquiries_assignee_whole")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url)
    yield engine
    await engine.dispose()


async def migrate(engine: AsyncEngine, schema: str, action: str, revision: str) -> None:
    def run(connection: Connection) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"], config.attributes["schema"] = connection, schema
        getattr(command, action)(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def shape(engine: AsyncEngine, schema: str) -> tuple[set[str], set[str]]:
    """The inquiries table's assignee columns, and which of its index and constraint exist."""
    async with engine.connect() as conn:
        columns = set((await conn.scalars(text(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = :s AND table_name = 'inquiries'"),
            {"s": schema})).all())
        named = set((await conn.scalars(text(
            "SELECT indexname FROM pg_indexes WHERE schemaname = :s UNION "
            "SELECT conname FROM pg_constraint WHERE connamespace = CAST(:s AS regnamespace)"), {"s": schema})).all())
    return columns & ASSIGNEE, named & set(PARTS)


async def test_0005_adds_the_assignee_to_an_older_database_and_removes_it_going_down(
    engine: AsyncEngine, unique_name: str
) -> None:
    schema = f"{unique_name}_intake"
    await ensure_schema(engine, schema)
    await migrate(engine, schema, "upgrade", "0004")
    inquiry_id = uuid.uuid4()
    async with engine.begin() as conn:  # as 0002 made the table before assignees existed, with one inquiry
        await conn.execute(text(f'SET search_path TO "{schema}"'))
        await conn.execute(text("DROP INDEX inquiries_assignee_subject"))
        await conn.execute(text("ALTER TABLE inquiries DROP CONSTRAINT inquiries_assignee_whole, "
                                "DROP COLUMN assignee_subject, DROP COLUMN assignee_name"))
        await conn.execute(text(
            "INSERT INTO inquiries (id, party, source, category, ime_callback_request, status, received_at, "
            "created_by, identity, description) VALUES (:id, 'member', 'provider', 'pharmacy', false, 'received', "
            "now(), 'test', '{}', 'd')"), {"id": inquiry_id})
    assert await shape(engine, schema) == (set(), set())

    await migrate(engine, schema, "upgrade", "head")
    assert await shape(engine, schema) == (ASSIGNEE, set(PARTS))
    async with engine.connect() as conn:  # never committed
        await conn.execute(text(f'SET search_path TO "{schema}"'))
        assert (await conn.execute(text("SELECT assignee_subject, assignee_name FROM inquiries WHERE id = :id"),
                                   {"id": inquiry_id})).one() == (None, None)
        with pytest.raises(IntegrityError, match="inquiries_assignee_whole"):  # a subject without a name is no one
            await conn.execute(text("UPDATE inquiries SET assignee_subject = 'x' WHERE id = :id"), {"id": inquiry_id})

    await migrate(engine, schema, "downgrade", "0004")
    assert await shape(engine, schema) == (set(), set())
    await migrate(engine, schema, "upgrade", "head")
    assert await shape(engine, schema) == (ASSIGNEE, set(PARTS))
