"""The SLA monitor's tables: cases (one per inquiry or panel removal), their
clocks (durable timers, one instance per MCO of an MCO clock), the signals
seen for them and the extensions of their deadlines.

New columns go here and in a migration that adds them IF NOT EXISTS: 0002
creates the tables as declared today, so a new database has them already."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    Uuid,
)

metadata = MetaData()

cases = Table(
    "cases", metadata,
    Column("inquiry_id", Uuid, primary_key=True),
    Column("track", Text),
    Column("priority", Text),
    Column("received_at", DateTime(timezone=True)),
    Column("member_id", Uuid),  # panel removals: whose PCP assignment meets them
    Column("resolved_at", DateTime(timezone=True)),
    Column("scheduled_on", Date),  # a care-coordination next step: its report-back date
)
Index("cases_member_id", cases.c.member_id)

clocks = Table(
    "clocks", metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("inquiry_id", Uuid, nullable=False),
    Column("name", Text, nullable=False),
    Column("track", Text, nullable=False),
    Column("priority", Text, nullable=False),
    Column("state", Text, nullable=False),  # open, met, breached, stopped
    Column("anchor_at", DateTime(timezone=True), nullable=False),
    Column("warn_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("warned", Boolean, nullable=False, server_default="false"),
    # The next instant the timer loop must look at this clock (warning, then deadline); null when closed.
    Column("fire_at", DateTime(timezone=True)),
    Column("met_by", ARRAY(Text), nullable=False),
    Column("starts_on", Text, nullable=False),
    Column("queue", Text),
    Column("restart_on_reopen", Boolean, nullable=False),
    Column("cycle", Integer, nullable=False, server_default="1"),
    Column("closed_at", DateTime(timezone=True)),
    # The MCO whose obligation this instance times ('' for a case-level clock): a case referred to several
    # MCOs runs one instance of each MCO clock per MCO.
    Column("mco", Text, nullable=False, server_default=""),
    Column("extended_days", Integer, nullable=False, server_default="0"),  # an extension applied (438.408(c))
)
Index("clocks_instance", clocks.c.inquiry_id, clocks.c.name, clocks.c.mco, unique=True)
Index("clocks_fire_at", clocks.c.fire_at, postgresql_where=clocks.c.fire_at.isnot(None))
Index("clocks_due_at", clocks.c.due_at)

signals = Table(
    "signals", metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("inquiry_id", Uuid, nullable=False),
    Column("signal", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("mco", Text),  # the MCO a referral or a report came from; None for a case-level signal
)
Index("signals_inquiry", signals.c.inquiry_id, signals.c.signal)
# Who may read a case: every MCO it was referred to.
Index("signals_referrals", signals.c.mco, signals.c.inquiry_id, postgresql_where=signals.c.signal == "mco_contacted")

extensions = Table(
    "extensions", metadata,
    # One extension per (case, clock), kept even before the clock starts, applied whenever it (re)starts.
    Column("inquiry_id", Uuid, primary_key=True),
    Column("clock", Text, primary_key=True),
    Column("days", Integer, nullable=False),
    Column("requested_by", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
