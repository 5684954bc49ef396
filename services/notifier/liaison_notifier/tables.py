"""The notifier's tables: what it knows of each inquiry (to route and word
notifications), the deliveries it owes, and the letters it rendered."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, Table, Text, Uuid, func

metadata = MetaData()

inquiries = Table(
    "inquiries", metadata,
    Column("inquiry_id", Uuid, primary_key=True),
    Column("party", Text),
    Column("category", Text),
    Column("track", Text),
    Column("priority", Text),
    Column("queue", Text),
    Column("subject", Text),  # already masked by triage
    Column("mco", Text),
    Column("referred_mco", Text),
    Column("received_at", DateTime(timezone=True)),
    Column("caller_name", Text),  # PHI: only for the letter to the caller
)

deliveries = Table(
    "deliveries", metadata,
    # uuid5 of (cause event, recipient, channel): a repeat is the same notification, same id.
    Column("notification_id", Uuid, primary_key=True),
    Column("cause_event_id", Uuid, nullable=False),
    Column("inquiry_id", Uuid),
    Column("recipient", Text, nullable=False),
    Column("channel", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", Text, nullable=False, server_default="pending"),  # pending, sent, failed
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
)
Index("deliveries_due", deliveries.c.next_attempt_at, postgresql_where=deliveries.c.status == "pending")
Index("deliveries_inquiry", deliveries.c.inquiry_id)

letters = Table(
    "letters", metadata,
    Column("letter_id", Uuid, primary_key=True),
    Column("inquiry_id", Uuid, nullable=False, unique=True),
    Column("html", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
