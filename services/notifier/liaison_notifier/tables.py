"""The notifier's tables: what it knows of each inquiry (to route and word
notifications and letters), the MCOs each is referred to, the deliveries it
owes, and the letters it rendered."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, PrimaryKeyConstraint, Table, Text, Uuid, func
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()

inquiries = Table(
    "inquiries", metadata,
    Column("inquiry_id", Uuid, primary_key=True),
    Column("kind", Text),  # inquiry, grievance, appeal, provider_outreach, fwa_referral
    Column("party", Text),
    Column("category", Text),
    Column("track", Text),
    Column("priority", Text),
    Column("queue", Text),
    Column("subject", Text),  # already masked by triage
    Column("mco", Text),
    Column("received_at", DateTime(timezone=True)),
    # PHI, only for the letters to the member or provider; never logged.
    Column("recipient_name", Text),  # the member's name, or the provider's contact's
    Column("mailing_address", JSONB),  # MailingAddress
    # The case's latest resolution, so an appeal's resolution letter knows whether it went the enrollee's way.
    Column("resolution_code", Text),
    Column("resolved_at", DateTime(timezone=True)),
)

# Every MCO the case was referred to, once each (a re-referral changes nothing).
referrals = Table(
    "referrals", metadata,
    Column("inquiry_id", Uuid, nullable=False),
    Column("mco", Text, nullable=False),
    Column("referred_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("inquiry_id", "mco"),
)
Index("referrals_mco", referrals.c.mco)

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
    Column("letter_id", Uuid, primary_key=True),  # uuid5 of the notice event: one letter per notice
    Column("inquiry_id", Uuid, nullable=False),
    Column("notice", Text),  # NoticeKind (None: a letter of before notices had kinds)
    Column("html", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("letters_inquiry", letters.c.inquiry_id)

# An appeal's resolution notice that came before the resolution itself (they travel on different
# topics): its letter waits until the notifier knows whether the appeal went the enrollee's way.
waiting_notices = Table(
    "waiting_notices", metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("inquiry_id", Uuid, nullable=False),
    Column("notice", Text, nullable=False),
    Column("text", Text, nullable=False),  # PHI: the liaison's text
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("waiting_notices_inquiry", waiting_notices.c.inquiry_id)
