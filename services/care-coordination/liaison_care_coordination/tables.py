"""Care coordination's tables (schema `care_coordination`): what attribution told it about members, the
plan's and the practice's high-risk lists and their uploads, conference series, conferences and their
decisions, next steps, the tracking list, outreach trades, hospital notices, call-back requests and the
clocks the SLA monitor runs for its items."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

members = Table(
    "members", metadata,  # attribution's events: enrollment with a plan, attribution to a practice
    Column("member_id", Uuid, primary_key=True),
    Column("medicaid_id", Text, unique=True),  # None while only a PCP assignment has arrived
    Column("plan", Text),  # the MCO of the current (or last) enrollment
    Column("enrolled_to", Date),  # the enrollment's end, if it has one
    Column("disenrolled_on", Date),  # the plan's coverage ended (a disenrollment)
    Column("practice_npi", Text),  # the attributed PCP (practice)
    Column("attributed_from", Date),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

list_entries = Table(
    "list_entries", metadata,  # one patient on one side's list (plan or practice) of a plan and practice
    Column("plan", Text, primary_key=True),
    Column("practice_npi", Text, primary_key=True),
    Column("side", Text, primary_key=True),  # plan | practice
    Column("medicaid_id", Text, primary_key=True),
    Column("rank", Integer, nullable=False),  # the plan's predictive-model rank, or the practice's order
    Column("flagged", Boolean, nullable=False, server_default="false"),  # the practice flags this patient
    Column("risk_level", Text),
    Column("risk_drivers", JSONB, nullable=False, server_default="[]"),
    Column("shared", JSONB, nullable=False, server_default="{}"),  # what the plan shares before the call
    Column("upload_id", Uuid, nullable=False),
)

uploads = Table(
    "uploads", metadata,
    Column("upload_id", Uuid, primary_key=True),
    Column("plan", Text, nullable=False),
    Column("practice_npi", Text, nullable=False),
    Column("side", Text, nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("by_subject", Text, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("rejects", JSONB, nullable=False),  # [{row, field, reason}], never the values
)

series = Table(
    "conference_series", metadata,
    Column("series_id", Uuid, primary_key=True),
    Column("plan", Text, nullable=False),
    Column("practice_npi", Text, nullable=False),
    Column("agenda_size", Integer, nullable=False),
    Column("practice_contact_email", Text),  # the practice's care manager, who receives the summaries
    Column("plan_project_manager", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("plan", "practice_npi", name="conference_series_plan_practice"),
)

conferences = Table(
    "conferences", metadata,
    Column("conference_id", Uuid, primary_key=True),
    Column("series_id", Uuid, ForeignKey("conference_series.series_id"), nullable=False),
    Column("held_at", DateTime(timezone=True), nullable=False),
    Column("agenda", JSONB, nullable=False),  # the Medicaid IDs discussed, in agenda order
    Column("summary_sent_at", DateTime(timezone=True)),
    Column("summary", JSONB),  # decisions, next steps and the next agenda as sent
)

coordinations = Table(
    "coordinations", metadata,  # the decisions about one patient of a plan and practice, latest call's
    Column("coordination_id", Uuid, primary_key=True),
    Column("plan", Text, nullable=False),
    Column("practice_npi", Text, nullable=False),
    Column("medicaid_id", Text, nullable=False),
    Column("conference_id", Uuid, nullable=False),
    Column("lead", Text, nullable=False),  # plan | practice | joint
    Column("plan_monitor_status", Text),  # monitoring | not_monitoring, when the practice leads
    Column("goal", Text),
    Column("goal_state", Text, nullable=False, server_default="in_progress"),  # in_progress|achieved|not_achieved
    Column("engaged", Boolean, nullable=False, server_default="true"),
    Column("outreach_by", Text),  # who does the outreach to an unresponsive patient (traded: recorded)
    Column("care_managers", JSONB, nullable=False, server_default="[]"),  # [{organisation, name, phone, email}]
    Column("decided_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("plan", "practice_npi", "medicaid_id", name="coordinations_patient"),
)

next_steps = Table(
    "next_steps", metadata,
    Column("step_id", Uuid, primary_key=True),
    Column("coordination_id", Uuid, ForeignKey("coordinations.coordination_id"), nullable=False),
    Column("conference_id", Uuid, nullable=False),
    Column("action", Text, nullable=False),
    Column("responsible", Text, nullable=False),
    Column("report_back_on", Date, nullable=False),
    Column("reported_at", DateTime(timezone=True)),
    Column("report", Text),
)
Index("next_steps_coordination", next_steps.c.coordination_id)

outreach = Table(
    "outreach", metadata,  # outreach attempts to unengaged patients and trades of who makes them
    Column("id", Uuid, primary_key=True),
    Column("coordination_id", Uuid, ForeignKey("coordinations.coordination_id"), nullable=False),
    Column("kind", Text, nullable=False),  # attempt | trade
    Column("by", Text, nullable=False),  # plan | practice (the attempt's maker; a trade's new owner)
    Column("reached", Boolean),
    Column("note", Text),
    Column("at", DateTime(timezone=True), nullable=False),
)

tracking = Table(
    "tracking", metadata,  # unengaged patients after one more outreach attempt: six-month update
    Column("tracking_id", Uuid, primary_key=True),
    Column("coordination_id", Uuid, ForeignKey("coordinations.coordination_id"), nullable=False, unique=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True)),
    Column("claims_activity", Text),  # the plan's claims activity report, when due
)

notices = Table(
    "notices", metadata,  # hospital admissions and discharges, and patients' call-back requests
    Column("notice_id", Uuid, primary_key=True),
    Column("kind", Text, nullable=False),  # admission | discharge | callback
    Column("sender", Text, nullable=False),
    Column("message_id", Text, nullable=False),  # the sender's control id: a message sent twice counts once
    Column("medicaid_id", Text, nullable=False),
    Column("member_id", Uuid),  # None until attribution has told about the patient
    Column("plan", Text),
    Column("practice_npi", Text),
    Column("facility", Text),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("emergency", Boolean, nullable=False, server_default="false"),
    Column("published", Boolean, nullable=False, server_default="false"),
    Column("reached_at", DateTime(timezone=True)),
    Column("reached_by", Text),
    UniqueConstraint("sender", "message_id", name="notices_sender_message"),
)
Index("notices_medicaid_id", notices.c.medicaid_id)

item_clocks = Table(
    "item_clocks", metadata,  # what the SLA monitor says of each item's clocks
    Column("item_id", Uuid, primary_key=True),
    Column("clock", Text, primary_key=True),
    Column("state", Text, nullable=False),  # open | warning | met | breached | stopped
    Column("due_at", DateTime(timezone=True), nullable=False),
)
