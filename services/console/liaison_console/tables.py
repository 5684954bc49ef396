"""The console's tables (in its own schema): its projection of cases and their clocks (no PHI: who
called, about whom and why stay at intake), the change feed live pages follow, the people who have
signed in, and sessions."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Identity,
    Index,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects import postgresql

metadata = MetaData()

cases = Table(
    "cases", metadata,
    Column("id", Uuid, primary_key=True),
    Column("party", Text),  # null until the case's inquiry.received arrives: not shown before
    Column("source", Text),
    Column("category", Text),
    Column("ime_callback_request", Boolean, nullable=False, server_default="false"),
    Column("held", Boolean, nullable=False, server_default="false"),
    Column("status", Text, nullable=False, server_default="received"),
    Column("status_at", DateTime(timezone=True)),
    Column("mco", Text),
    Column("referred_mcos", postgresql.ARRAY(Text), nullable=False, server_default="{}"),  # in order of referral
    Column("kind", Text, nullable=False, server_default="inquiry"),
    Column("origin_inquiry_id", Uuid),  # the case whose survey outcome opened this one
    Column("origin_survey_response_id", Uuid),
    Column("origin_outcome", Text),
    Column("track", Text),
    Column("priority", Text),
    Column("priority_rank", BigInteger),
    Column("queue", Text),
    Column("subject", Text),
    Column("rules_fired", ARRAY(Text), nullable=False, server_default="{}"),
    Column("ruleset_version", Text),
    Column("override_reason", Text),
    Column("received_at", DateTime(timezone=True)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("assignee_subject", Text),
    Column("assignee_name", Text),
    Column("next_due_at", DateTime(timezone=True)),
    Column("breached", Boolean, nullable=False, server_default="false"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("cases_open_next_due", cases.c.next_due_at, cases.c.received_at, postgresql_where=cases.c.status != "resolved")
Index("cases_queue", cases.c.queue, cases.c.next_due_at)
Index("cases_assignee", cases.c.assignee_subject)
Index("cases_referred_mcos", cases.c.referred_mcos, postgresql_using="gin")
Index("cases_origin", cases.c.origin_inquiry_id, postgresql_where=cases.c.origin_inquiry_id.is_not(None))

case_clocks = Table(
    "case_clocks", metadata,
    Column("inquiry_id", Uuid, nullable=False),
    Column("clock", Text, nullable=False),
    Column("mco", Text),  # the MCO whose obligation it times on a case referred to several; None: the case's
    Column("track", Text),  # the track it was started for (what its deadline counts: business or calendar time)
    Column("state", Text, nullable=False),  # open, warning, breached, met, stopped
    Column("warn_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
)
# One clock per (case, clock, MCO); the case-level clock (mco NULL) is one of them too.
Index("case_clocks_key", case_clocks.c.inquiry_id, case_clocks.c.clock, case_clocks.c.mco, unique=True,
      postgresql_nulls_not_distinct=True)

changes = Table(
    "changes", metadata,
    Column("seq", BigInteger, Identity(always=True), primary_key=True),
    Column("inquiry_id", Uuid, nullable=False),
    Column("kind", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("changes_at", changes.c.at)

people = Table(
    "people", metadata,
    Column("subject", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("roles", ARRAY(Text), nullable=False),
    Column("mco", Text),
    Column("last_seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

sign_ins = Table(
    "sign_ins", metadata,
    Column("state", Text, primary_key=True),
    Column("verifier", Text, nullable=False),
    Column("nonce", Text, nullable=False),
    Column("next_path", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

sessions = Table(
    "sessions", metadata,
    Column("id_hash", LargeBinary, primary_key=True),  # sha256 of the cookie's value: the value is never stored
    Column("subject", Text, nullable=False),
    Column("tokens", LargeBinary, nullable=False),  # access, refresh and id token, sealed with the session key
    Column("access_expires_at", DateTime(timezone=True), nullable=False),
    Column("csrf", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_seen_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("sessions_last_seen", sessions.c.last_seen_at)
