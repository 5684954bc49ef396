"""Intake's tables (in its own schema): inquiries, their log, their open
clocks and idempotency records.

Migration 0002 creates them as declared here: a change here is also a new
migration that brings an older database to the same shape (see 0006)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

inquiries = Table(
    "inquiries", metadata,
    Column("id", Uuid, primary_key=True),
    Column("party", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("category", Text, nullable=False),
    Column("ime_callback_request", Boolean, nullable=False),
    Column("status", Text, nullable=False),
    Column("mco", Text),
    # Every MCO the case was referred to, in order: [{"mco", "referred_at", "resolved_at"}].
    Column("referrals", JSONB, nullable=False, server_default="[]"),
    Column("kind", Text, nullable=False, server_default="inquiry"),
    Column("track", Text),
    Column("priority", Text),
    Column("requested_priority", Text),
    Column("queue", Text),
    Column("subject", Text),
    # Whose case it is (a person's token subject and display name); both null: nobody's yet.
    Column("assignee_subject", Text),
    Column("assignee_name", Text),
    Column("contact_attempts", Integer, nullable=False, server_default="0"),
    Column("failed_phone_attempts", Integer, nullable=False, server_default="0"),
    # A grievance's or an appeal's state the rules need: expedited asked and denied, deadline extended.
    Column("expedited_requested", Boolean, nullable=False, server_default="false"),
    Column("expedited_denied", Boolean, nullable=False, server_default="false"),
    Column("extension", Text),  # null: never extended; else who asked (enrollee, plan)
    # The case and survey outcome that opened this one: {"inquiry_id", "survey_response_id", "outcome"}.
    Column("origin", JSONB),
    Column("origin_inquiry_id", Uuid),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", Text, nullable=False),
    # PHI: read only through authorised endpoints, never logged.
    Column("identity", JSONB, nullable=False),  # names, ids, phone, mailing address
    Column("description", Text, nullable=False),
    Column("appeal", JSONB),  # the adverse benefit determination an appeal contests
    CheckConstraint("(assignee_subject IS NULL) = (assignee_name IS NULL)", name="inquiries_assignee_whole"),
)
Index("inquiries_status_received", inquiries.c.status, inquiries.c.received_at)
Index("inquiries_referrals", inquiries.c.referrals, postgresql_using="gin",
      postgresql_ops={"referrals": "jsonb_path_ops"})
Index("inquiries_origin", inquiries.c.origin_inquiry_id, postgresql_where=inquiries.c.origin_inquiry_id.isnot(None))
Index("inquiries_assignee_subject", inquiries.c.assignee_subject)

inquiry_log = Table(
    "inquiry_log", metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("inquiry_id", Uuid, nullable=False),
    Column("event_type", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", Text),
    Column("details", JSONB, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("inquiry_log_inquiry_at", inquiry_log.c.inquiry_id, inquiry_log.c.at)
Index("inquiry_log_at", inquiry_log.c.at)

clocks = Table(
    "clocks", metadata,
    Column("inquiry_id", Uuid, nullable=False),
    Column("clock", Text, nullable=False),
    # The MCO whose obligation the clock times on a case referred to several; '' for the case's own.
    Column("mco", Text, nullable=False, server_default=""),
    Column("state", Text, nullable=False),  # open, breached, met, stopped
    Column("warn_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("inquiry_id", "clock", "mco"),
)
Index("clocks_due_open", clocks.c.due_at, postgresql_where=clocks.c.state.in_(["open", "breached"]))

idempotency_keys = Table(
    "idempotency_keys", metadata,
    # The principal's id: the token's subject, as the provider gives it (text, whatever its form).
    Column("principal_id", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("request_hash", LargeBinary, nullable=False),
    Column("status_code", Integer),
    Column("response", JSONB),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("principal_id", "key"),
)
