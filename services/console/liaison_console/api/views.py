"""What every page shows of the person and the program: who is signed in, what they may do, the
choices of the filters and forms, and how times are written (the program's time zone)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from liaison_console.rules import case_view, roles
from liaison_console.rules.clocks import CLOCK_WORDS, STATE_WORDS, business_duration
from liaison_console.sessions import SignedIn
from liaison_shared.calendar import BusinessCalendar
from liaison_shared.lifecycle import Status
from liaison_shared.vocabulary import (
    Category,
    ContactChannel,
    ContactOutcome,
    McoReportKind,
    Priority,
    Queue,
    ResolvedBy,
    Source,
    Track,
)

ROLE_WORDS = {
    "member-liaison": "Member Liaison", "provider-liaison": "Provider Liaison", "msa-esr": "MSA/ESR",
    "unit-lead": "Unit Lead", "special-outreach": "Special Outreach", "ccm": "CCM",
    "grievance-coordinator": "Grievance Coordinator", "program-integrity": "Program Integrity",
    "program-manager": "Program Manager", "compliance": "Compliance", "mco-staff": "MCO staff", "ops": "Operations",
    "practice-care-manager": "Practice care manager",
}


def words(value: str | None) -> str:
    """`member_not_enrolled` as `Member not enrolled`."""
    return value.replace("_", " ").replace("-", " ").capitalize() if value else "—"


FACTS = ("clock", "channel", "outcome", "attempt_number", "failed_attempts", "track", "priority", "queue", "mco",
         "report", "resolved_by", "resolution_code", "notice", "level", "resolution", "days", "requested_by",
         "summary", "text", "reason", "note", "override_reason", "change", "recipient", "due_at", "late_by_seconds",
         "took_business_seconds", "rules_fired")
"""What the log shows of each entry's details, in this order (ids, identities and bookkeeping left out)."""
LABELS = {"late_by_seconds": "Late by (business time)", "took_business_seconds": "Took (business time)",
          "due_at": "Due", "attempt_number": "Attempt", "text": "Letter text", "level": "Review level",
          "days": "Calendar days"}


def entry_facts(details: dict[str, Any], local: Any) -> list[tuple[str, str]]:
    """An entry's details as (label, text) pairs: instants in program time, durations in minutes."""
    facts = []
    for name in FACTS:
        value = details.get(name)
        if value in (None, "", [], ()):
            continue
        if name == "due_at":
            text = local(value)
        elif name.endswith("_seconds"):
            text = business_duration(timedelta(seconds=float(value)))
        elif isinstance(value, list):
            text = ", ".join(str(v) for v in value)
        else:
            text = str(value)
        facts.append((LABELS.get(name, words(name)), text))
    assignee = details.get("assignee")
    if "assignee" in details:
        facts.append(("Assigned to", assignee.get("name", "—") if isinstance(assignee, dict) else "nobody"))
    return facts


def page_context(person: SignedIn, calendar: BusinessCalendar, **extra: Any) -> dict[str, Any]:
    principal = person.principal

    def local(instant: datetime | str | None) -> str:
        if instant is None:
            return "—"
        when = datetime.fromisoformat(instant) if isinstance(instant, str) else instant
        return calendar.local(when).strftime("%a %b %d %Y %H:%M %Z")

    return {
        "person": principal, "csrf": person.csrf,
        "role_words": ", ".join(ROLE_WORDS.get(r, r) for r in sorted(principal.roles)) or "No program role",
        "may_claim": roles.may_claim(principal), "may_assign": roles.may_assign(principal),
        "may_act_for_state": roles.may_act_for_state(principal),
        "may_report_for_mco": roles.may_report_for_mco(principal),
        "may_coordinate_care": roles.may_coordinate_care(principal),
        "words": words, "local": local, "facts": lambda details: entry_facts(details, local),
        "track_words": case_view.track_words, "origin_words": case_view.origin_words,
        "queue_words": case_view.queue_words,
        "kind_words": case_view.KIND_WORDS, "notice_words": case_view.NOTICE_WORDS,
        "level_words": case_view.LEVEL_WORDS, "requester_words": case_view.REQUESTER_WORDS,
        "resolution_words": case_view.RESOLUTION_WORDS,
        "clock_words": CLOCK_WORDS, "state_words": STATE_WORDS,
        "choices": {
            "track": [t.value for t in Track], "priority": [p.value for p in Priority],
            "status": ["open", "all", *(s.value for s in Status)], "queue": [q.value for q in Queue],
            "source": [s.value for s in Source], "category": [c.value for c in Category],
            "channel": [c.value for c in ContactChannel], "outcome": [o.value for o in ContactOutcome],
            "report": [r.value for r in McoReportKind], "resolved_by": [r.value for r in ResolvedBy],
        },
        **extra,
    }
