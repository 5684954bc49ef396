"""0004 on a database of before it: each case's one referral and its caller's name carry over, and a
case may then have a letter per notice."""

from __future__ import annotations

import uuid

from sqlalchemy import text

from liaison_notifier.main import MIGRATIONS
from liaison_shared.db import create_engine, ensure_schema
from liaison_shared.migrations import upgrade

# The notifier's tables as 0002 made them before 0004 (the columns 0004 changes).
BEFORE = [
    "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)",
    "INSERT INTO alembic_version VALUES ('0003')",
    "CREATE TABLE inquiries (inquiry_id uuid PRIMARY KEY, party text, category text, track text, priority text, "
    "queue text, subject text, mco text, referred_mco text, received_at timestamptz, caller_name text)",
    "CREATE TABLE letters (letter_id uuid PRIMARY KEY, inquiry_id uuid NOT NULL UNIQUE, html text NOT NULL, "
    "created_at timestamptz NOT NULL DEFAULT now())",
]


async def test_the_migration_keeps_each_referral_and_name_and_allows_a_letter_per_notice(
        database_url: str, unique_name: str) -> None:
    engine = create_engine(database_url, unique_name)
    referred, other = uuid.uuid4(), uuid.uuid4()
    try:
        await ensure_schema(engine, unique_name)
        async with engine.begin() as conn:
            for statement in BEFORE:
                await conn.execute(text(statement))
            await conn.execute(text("INSERT INTO inquiries (inquiry_id, referred_mco, caller_name, received_at) "
                                    "VALUES (:r, 'IA-TC', 'Jane Q. Doe', now()), (:o, NULL, NULL, NULL)"),
                               {"r": referred, "o": other})
            await conn.execute(text("INSERT INTO letters (letter_id, inquiry_id, html) VALUES (:l, :r, 'old')"),
                               {"l": uuid.uuid4(), "r": referred})
        await upgrade(engine, unique_name, MIGRATIONS)
        async with engine.begin() as conn:
            assert (await conn.execute(text("SELECT inquiry_id, mco FROM referrals"))).all() == [(referred, "IA-TC")]
            names = dict((await conn.execute(text("SELECT inquiry_id, recipient_name FROM inquiries"))).all())
            assert names == {referred: "Jane Q. Doe", other: None}
            await conn.execute(text("INSERT INTO letters (letter_id, inquiry_id, notice, html) "
                                    "VALUES (:l, :r, 'answer', 'new')"), {"l": uuid.uuid4(), "r": referred})
            assert await conn.scalar(text("SELECT count(*) FROM letters WHERE inquiry_id = :r"), {"r": referred}) == 2
            assert await conn.scalar(text("SELECT version_num FROM alembic_version")) == "0004"
    finally:
        await engine.dispose()
