"""The reporting read model (in its own schema), built from events only: each case's timeline and
every cycle of every clock. No PHI: no names, no identifiers, no descriptions.

Business durations are computed once, when the event that ends them arrives, on the program's
calendar, so a report over a million cases aggregates numbers instead of walking calendars. Each
cycle carries its case's MCO and source (kept by the handlers, whichever arrives first), so
compliance groups cycles without joining them to their cases. The covering indexes (INCLUDE) let a
report read its columns from an index alone (index-only scans); which report uses which is said
beside each.
"""

from __future__ import annotations

from typing import Any

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
    # Grievances and appeals (42 CFR 438 Subpart F): what the grievances-and-appeals report reads of a case.
    Column("kind", Text),  # InquiryReceivedV1.kind (inquiry, grievance, appeal...), else a grievance/appeal track
    Column("expedited_requested", Boolean),  # an appeal asked for expedited resolution
    Column("expedited_denied_at", DateTime(timezone=True)),  # the plan denied that (ExpeditedDeniedV1)
    Column("extended_by", Text),  # who asked for the resolution deadline's extension (enrollee, plan), once
    Column("extended_days", Integer),
    Column("resolution_code", Text),  # the first resolution's code (an appeal's AppealResolution)
)
Index("reporting_cases_received", cases.c.received_at)
# The grievances-and-appeals report: the few cases that are one, by receipt.
Index("reporting_cases_grievance_appeal", cases.c.received_at,
      postgresql_where=cases.c.kind.in_(("grievance", "appeal")))


def _measure_indexes(measure: str, at: Column[Any], business: Column[Any], calendar: Column[Any]) -> None:
    """A measured duration's indexes: in time order (the control chart's days, each side of before/after), in
    value order (before/after's quantiles then sort input already sorted) and by the durations report's default
    groups (track, priority): each with what the report reads, and what confines it to an MCO's referrals."""
    measured = business.is_not(None)
    Index(f"reporting_cases_{measure}_by_time", at, postgresql_include=[business.name, "referred_mco"])
    Index(f"reporting_cases_{measure}_by_value", business, postgresql_include=[at.name, "referred_mco"],
          postgresql_where=measured)
    Index(f"reporting_cases_{measure}_by_track", cases.c.track, cases.c.priority, business,
          postgresql_include=[at.name, calendar.name, "referred_mco"], postgresql_where=measured)


_measure_indexes("resolution", cases.c.resolved_at, cases.c.resolution_business_s, cases.c.resolution_calendar_s)
_measure_indexes("first_contact", cases.c.first_contact_at, cases.c.first_contact_business_s,
                 cases.c.first_contact_calendar_s)
# The MCO scorecard's referrals, by the month they were made.
Index("reporting_cases_referred", cases.c.referred_at, postgresql_include=["referred_mco", "mco_contact_business_s"],
      postgresql_where=cases.c.referred_at.is_not(None))

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
    # The case's, copied here so that compliance needs no join: its MCO as `store.case_mco()` has it ('none'
    # until the case says), the MCO it was referred to (an MCO's reader sees only those) and its source.
    Column("mco", Text, nullable=False, server_default="none"),
    Column("referred_mco", Text),
    Column("source", Text),
    # The MCO whose obligation the clock times when the case went to several (the clock events' `mco`); '' for a
    # clock of the case itself. Part of the key: two MCOs' clocks of one case may fall due at the same instant.
    Column("clock_mco", Text, nullable=False, server_default=""),
    PrimaryKeyConstraint("inquiry_id", "clock", "clock_mco", "due_at"),
)
Index("reporting_cycles_due", clock_cycles.c.due_at)
# The MCO scorecard's clocks: the MCO's cycles by deadline, index-only.
Index("reporting_cycles_mco_due", clock_cycles.c.due_at,
      postgresql_include=["outcome", "mco", "referred_mco", "clock_mco"],
      postgresql_where=clock_cycles.c.clock.like("mco\\_%"))

reviews = Table(
    "reviews", metadata,
    # Each review of a grievance or an appeal at a level (ReviewRecordedV1): plan, external medical review, state
    # fair hearing; `resolution` None while that level has not decided.
    Column("inquiry_id", Uuid, nullable=False),
    Column("level", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("resolution", Text),
    PrimaryKeyConstraint("inquiry_id", "level", "at"),
)
