"""Triage's tables: its copy of MCO enrollment, its decisions, and inquiries
waiting for the enrollment they need."""

from __future__ import annotations

from sqlalchemy import ARRAY, Column, Date, DateTime, Index, MetaData, PrimaryKeyConstraint, Table, Text, Uuid
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

enrollments = Table(
    "enrollments", metadata,
    Column("member_id", Uuid, nullable=False),
    Column("medicaid_id", Text, nullable=False),
    Column("mco", Text, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date),
    Column("risk_flags", ARRAY(Text), nullable=False),
    PrimaryKeyConstraint("member_id", "mco", "effective_from"),
)
Index("enrollments_medicaid_id", enrollments.c.medicaid_id)

# A disenrollment that arrived before the enrollment it ends (topics are not
# ordered among themselves); applied when that enrollment arrives.
early_disenrollments = Table(
    "early_disenrollments", metadata,
    Column("member_id", Uuid, nullable=False),
    Column("mco", Text, nullable=False),
    Column("effective_to", Date, nullable=False),
    PrimaryKeyConstraint("member_id", "mco", "effective_to"),
)

decisions = Table(
    "decisions", metadata,
    Column("inquiry_id", Uuid, primary_key=True),
    Column("received", JSONB, nullable=False),
    Column("track", Text, nullable=False),
    Column("mco", Text),
    Column("priority", Text, nullable=False),
    Column("queue", Text, nullable=False),
    Column("rules_fired", ARRAY(Text), nullable=False),
    Column("ruleset_version", Text, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
)

referrals = Table(  # the MCO a case was last referred to, whether or not triage has decided it yet
    "referrals",
    metadata,
    Column("inquiry_id", Uuid, primary_key=True),
    Column("mco", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

overrides = Table(
    "overrides", metadata,
    Column("inquiry_id", Uuid, primary_key=True),
    Column("priority", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

awaiting_enrollment = Table(
    "awaiting_enrollment", metadata,
    Column("inquiry_id", Uuid, primary_key=True),
    Column("medicaid_id", Text, nullable=False),
    Column("received", JSONB, nullable=False),
    Column("decide_by", DateTime(timezone=True), nullable=False),
)
Index("awaiting_enrollment_medicaid_id", awaiting_enrollment.c.medicaid_id)
Index("awaiting_enrollment_decide_by", awaiting_enrollment.c.decide_by)
