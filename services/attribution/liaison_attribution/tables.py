"""Attribution's tables: members and their enrollment, providers, claims,
PCP assignments (one current per member), panel removals."""

from __future__ import annotations

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Identity,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

members = Table(
    "members", metadata,
    Column("member_id", Uuid, primary_key=True),
    Column("medicaid_id", Text, nullable=False, unique=True),
    # PHI: never logged, never on the bus beyond what triage needs (Medicaid ID, MCO, risk flags).
    Column("name", Text, nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("address", Text),
    Column("lat", Float),
    Column("lon", Float),
    Column("language", Text),
    Column("household_id", Text),
    Column("mco", Text, nullable=False),
    Column("eligible_from", Date, nullable=False),
    Column("eligible_to", Date),
    Column("risk_flags", ARRAY(Text), nullable=False),
    Column("chosen_npi", Text),
    # Stored from a file with something the rules read new or changed: the next batch run attributes it.
    Column("attribution_due", Boolean, nullable=False, server_default="false"),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("members_household", members.c.household_id)
Index("members_attribution_due", members.c.member_id, postgresql_where=members.c.attribution_due)

providers = Table(
    "providers", metadata,
    Column("npi", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("is_pcp", Boolean, nullable=False),
    Column("practice_npi", Text, nullable=False),
    Column("practice_name", Text, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("languages", ARRAY(Text), nullable=False),
    Column("capacity", Integer, nullable=False),
    Column("open_panel", Boolean, nullable=False),
    Column("networks", ARRAY(Text), nullable=False),
)

claims = Table(
    "claims", metadata,
    Column("member_id", Uuid, nullable=False),
    Column("npi", Text, nullable=False),
    Column("service_date", Date, nullable=False),
    Column("procedure_code", Text, nullable=False),
    Column("place_of_service", Text, nullable=False),
    # A claim line is its content: loading the same file again adds nothing.
    UniqueConstraint("member_id", "npi", "service_date", "procedure_code", "place_of_service"),
)
Index("claims_member", claims.c.member_id)

assignments = Table(
    "assignments", metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("member_id", Uuid, nullable=False),
    Column("npi", Text),  # null: a flagged network gap
    Column("method", Text),
    Column("network_gap", Boolean, nullable=False, server_default="false"),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date),
    Column("evidence", JSONB, nullable=False),
    # A member-initiated change: its reason code (attribution.yaml's pcp_change_reasons) and free-text note.
    Column("reason_code", Text),
    Column("note", Text),
    # Who recorded it (liaison_shared.payloads.Actor as JSON); null for assignments from before 0005.
    Column("recorded_by", JSONB(none_as_null=True)),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
# Exactly one current assignment per member, enforced by the database itself.
Index("assignments_current", assignments.c.member_id, unique=True,
      postgresql_where=assignments.c.effective_to.is_(None))
Index("assignments_member", assignments.c.member_id, assignments.c.effective_from)  # a member's PCP history
Index("assignments_npi_current", assignments.c.npi, postgresql_where=assignments.c.effective_to.is_(None))

panel_removals = Table(
    "panel_removals", metadata,
    Column("removal_id", Uuid, primary_key=True),
    Column("member_id", Uuid, nullable=False),
    Column("npi", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("documentation", Text, nullable=False),
    Column("high_risk", Boolean, nullable=False),
    Column("held_for_compliance_review", Boolean, nullable=False),
    Column("status", Text, nullable=False),  # open, held, member_chose, reassigned
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("window_ends", Date, nullable=False),
    Column("closed_at", DateTime(timezone=True)),
)
Index("panel_removals_open", panel_removals.c.window_ends, postgresql_where=panel_removals.c.status == "open")
