"""Migration 0004 brings a database of the one-MCO-per-case shape (0003) to per-MCO clocks: its referrals,
reports and MCO clocks (and their follow-ups) become the case's last-referred MCO's, the case-level clocks
stay case-level, and a second MCO's instance of a clock can then be stored beside the first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import text

from liaison_shared.db import ensure_schema
from liaison_shared.migrations import upgrade
from liaison_shared.runtime import Runtime
from liaison_shared.testing.plugin import SettingsFactory
from liaison_sla_monitor.main import MIGRATIONS
from liaison_sla_monitor.settings import Settings

AT = datetime(2026, 11, 16, 16, tzinfo=UTC)

# The tables as 0002 and 0003 left them before per-MCO clocks.
SHAPE_0003 = [
    """CREATE TABLE cases (inquiry_id uuid PRIMARY KEY, track text, priority text,
        received_at timestamptz, member_id uuid, resolved_at timestamptz, referred_mco text,
        referred_at timestamptz)""",
    """CREATE TABLE clocks (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, inquiry_id uuid NOT NULL,
        name text NOT NULL, track text NOT NULL, priority text NOT NULL, state text NOT NULL,
        anchor_at timestamptz NOT NULL, warn_at timestamptz NOT NULL, due_at timestamptz NOT NULL,
        warned boolean NOT NULL DEFAULT false, fire_at timestamptz, met_by text[] NOT NULL, starts_on text NOT NULL,
        queue text, restart_on_reopen boolean NOT NULL, cycle integer NOT NULL DEFAULT 1, closed_at timestamptz,
        UNIQUE (inquiry_id, name))""",
    """CREATE TABLE signals (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, inquiry_id uuid NOT NULL,
        signal text NOT NULL, at timestamptz NOT NULL)""",
    "CREATE INDEX cases_referred_mco ON cases (referred_mco)",
    "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)",
    "INSERT INTO alembic_version VALUES ('0003')",
]
CLOCKS = [  # name, starts_on, met_by
    ("originator_contacted", "triaged", ["contact_reached"]),
    ("mco_referral", "triaged", ["mco_contacted"]),
    ("mco_contacts_member", "mco_contacted", ["mco_reported_contact"]),
    ("liaison_follow_up", "breach:mco_contacts_member", ["update_recorded", "mco_reported_contact"]),
    ("mco_contacts_provider", "triaged", ["mco_reported_contact"]),
]


async def test_an_existing_database_gets_per_mco_clocks(make_settings: SettingsFactory) -> None:
    settings = make_settings(Settings)
    runtime = Runtime(settings, migrations=MIGRATIONS)
    referred, unreferred = uuid.uuid4(), uuid.uuid4()
    try:
        await ensure_schema(runtime.engine, settings.schema_name)
        async with runtime.engine.begin() as conn:
            await conn.execute(text(f'SET search_path TO "{settings.schema_name}"'))
            for statement in SHAPE_0003:
                await conn.execute(text(statement))
            await conn.execute(text("INSERT INTO cases (inquiry_id, track, priority, referred_mco, referred_at) "
                                    "VALUES (:r, 'member_mco', 'urgent', 'IA-TC', :at), "
                                    "(:u, 'member_mco', 'urgent', NULL, NULL)"),
                               {"r": referred, "u": unreferred, "at": AT})
            for inquiry_id in (referred, unreferred):
                for name, starts_on, met_by in CLOCKS:
                    await conn.execute(text(
                        "INSERT INTO clocks (inquiry_id, name, track, priority, state, anchor_at, warn_at, due_at, "
                        "met_by, starts_on, restart_on_reopen) VALUES (:i, :n, 'member_mco', 'urgent', 'open', "
                        ":at, :at, :at, :m, :s, true)"),
                        {"i": inquiry_id, "n": name, "at": AT, "m": met_by, "s": starts_on})
            await conn.execute(text("INSERT INTO signals (inquiry_id, signal, at) VALUES (:r, 'mco_contacted', :at), "
                                    "(:r, 'mco_reported_contact', :at), (:r, 'contact_reached', :at)"),
                               {"r": referred, "at": AT})

        await upgrade(runtime.engine, settings.schema_name, MIGRATIONS)

        async with runtime.engine.begin() as conn:
            await conn.execute(text(f'SET search_path TO "{settings.schema_name}"'))
            clocks = {(r.inquiry_id, r.name): (r.mco, r.extended_days) for r in await conn.execute(
                text("SELECT inquiry_id, name, mco, extended_days FROM clocks"))}
            signals = {r.signal: r.mco for r in await conn.execute(text("SELECT signal, mco FROM signals"))}
            cases_columns = set((await conn.execute(text(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = :s AND table_name = 'cases'"),
                {"s": settings.schema_name})).scalars())
            # A second MCO's instance of a clock now fits beside the first.
            await conn.execute(text(
                "INSERT INTO clocks (inquiry_id, name, mco, track, priority, state, anchor_at, warn_at, due_at, "
                "met_by, starts_on, restart_on_reopen) VALUES (:i, 'mco_contacts_member', 'IA-AG', 'member_mco', "
                "'urgent', 'open', :at, :at, :at, ARRAY['mco_reported_contact'], 'mco_contacted', true)"),
                {"i": referred, "at": AT})
            assert await conn.scalar(text("SELECT count(*) FROM extensions")) == 0
    finally:
        await runtime.engine.dispose()

    assert {name: clocks[referred, name][0] for name, _, _ in CLOCKS} == {
        "originator_contacted": "", "mco_referral": "", "mco_contacts_member": "IA-TC",
        "liaison_follow_up": "IA-TC", "mco_contacts_provider": "IA-TC"}
    assert {clocks[unreferred, name] for name, _, _ in CLOCKS} == {("", 0)}
    assert signals == {"mco_contacted": "IA-TC", "mco_reported_contact": "IA-TC", "contact_reached": None}
    assert not {"referred_mco", "referred_at"} & cases_columns
