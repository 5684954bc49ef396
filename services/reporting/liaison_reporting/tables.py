"""The reporting read model (in its own schema), built from events only: each case's timeline and
every cycle of every clock. No PHI: no names, no identifiers, no descriptions.

Business durations are computed once, when the event that ends them arrives, on the program's
calendar, so a report over a million cases aggregates numbers instead of walking calendars.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
)

metadata = MetaData()

cases = Table(
    "cases", metadata,
    Column("id", Uuid, primary_key=True),
    Column("party", Text),
    Column("source", Text),
    Column("category", Text),
    Column("mco", Text),  # the member's MCO as triage found it, else as the caller named it
    Column("track", Text),
    Column("priority", Text),
    Column("priority_rank", Integer),
    Column("received_at", DateTime(timezone=True)),
    Column("worked", Boolean, nullable=False, server_default="false"),  # a contact attempt was recorded
    Column("first_contact_at", DateTime(timezone=True)),  # the originator first reached (phone or letter)
    Column("first_contact_business_s", Float),
    Column("first_contact_calendar_s", Float),
    Column("referred_mco", Text),
    Column("referred_at", DateTime(timezone=True)),
    Column("mco_contact_at", DateTime(timezone=True)),  # the MCO first reported reaching the member or provider
    Column("mco_contact_business_s", Float),
    Column("resolved_at", DateTime(timezone=True)),  # the first resolution
    Column("resolution_business_s", Float),
    Column("resolution_calendar_s", Float),
    Column("last_resolved_at", DateTime(timezone=True)),
    Column("last_reopened_at", DateTime(timezone=True)),  # open now: never resolved, or reopened since
    Column("reopenings", Integer, nullable=False, server_default="0"),
    Column("escalations", Integer, nullable=False, server_default="0"),  # priority raised after it was worked
)
Index("reporting_cases_received", cases.c.received_at)
Index("reporting_cases_resolved", cases.c.resolved_at)

clock_cycles = Table(
    "clock_cycles", metadata,
    # One row per cycle: a clock restarted (after a reopening) is a new cycle with its own deadline,
    # so every cycle counts in compliance.
    Column("inquiry_id", Uuid, nullable=False),
    Column("clock", Text, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("track", Text),
    Column("priority", Text),
    Column("started_at", DateTime(timezone=True)),
    Column("outcome", Text, nullable=False, server_default="open"),  # open, met, breached, stopped
    Column("breached_at", DateTime(timezone=True)),
    Column("ended_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("inquiry_id", "clock", "due_at"),
)
Index("reporting_cycles_due", clock_cycles.c.due_at)
