"""What the case page shows of a case's kind: its track in words, the case it was opened from and
those opened from it, the forms a grievance or an appeal has (and when each applies), whether a letter
is due after two failed calls, the referrals the person may see, and the 42 CFR 438.416 record as
rows to read. Pure: the projection's row, intake's JSON and the log in, words and flags out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from liaison_shared.vocabulary import AppealResolution, ExtensionRequester, NoticeKind, ReviewLevel

Json = Mapping[str, Any]
Local = Callable[[Any], str]

TRACK_WORDS = {"grievance": "Grievance", "appeal": "Appeal", "program_integrity": "Program integrity",
               "member_mco": "Member (MCO)", "pcp_panel_removal": "PCP panel removal",
               "pcp_attribution": "PCP attribution"}
QUEUE_WORDS = {"grievances_appeals": "Grievances and appeals", "program_integrity": "Program integrity",
               "msa_esr": "MSA/ESR", "ccm": "CCM"}
KIND_WORDS = {"inquiry": "Inquiry", "grievance": "Grievance", "appeal": "Appeal of an adverse benefit determination",
              "provider_outreach": "Provider outreach", "fwa_referral": "Fraud, waste and abuse referral"}
OUTCOME_WORDS = {"grievance": "grievance", "provider_outreach": "provider outreach",
                 "fwa_referral": "FWA referral", "simple_pcp_change": "PCP change"}
NOTICE_WORDS = {"answer": "Answer", "acknowledgment": "Acknowledgment", "resolution": "Resolution",
                "extension": "Extension", "expedited_denial": "Expedited handling denied"}
LEVEL_WORDS = {"plan": "Plan", "external_medical_review": "External medical review",
               "state_fair_hearing": "State fair hearing"}
RESOLUTION_WORDS = {"upheld": "Upheld (the determination stands)", "overturned": "Overturned",
                    "partially_overturned": "Partially overturned", "withdrawn": "Withdrawn by the enrollee"}
REQUESTER_WORDS = {"enrollee": "The enrollee", "plan": "The plan (in the enrollee's interest)"}
SUBPART_F = ("grievance", "appeal")
"""The kinds of case 42 CFR 438 Subpart F governs: their own forms and record."""

LETTER_REQUESTED = "liaison.inquiry.letter-requested.v1"
NOTICE_ISSUED = "liaison.inquiry.notice-issued.v1"
DEADLINE_EXTENDED = "liaison.inquiry.deadline-extended.v1"
EXPEDITED_DENIED = "liaison.inquiry.expedited-denied.v1"


def _words(value: str | None) -> str:
    return value.replace("_", " ").capitalize() if value else "—"


def track_words(track: str | None, priority: str | None) -> str:
    """The track as a person reads it; an urgent appeal is an expedited one (438.410)."""
    if track is None:
        return "—"
    said = TRACK_WORDS.get(track) or _words(track)
    return f"{said} — Expedited" if track == "appeal" and priority == "urgent" else said


def queue_words(queue: str | None) -> str:
    return QUEUE_WORDS.get(queue or "") or _words(queue)


def origin_words(outcome: str | None) -> str:
    """How a case opened from another came to be: `by the escalation survey: grievance`."""
    return f"by the escalation survey: {OUTCOME_WORDS.get(outcome or '', _words(outcome).lower())}"


def is_subpart_f(kind: str | None) -> bool:
    return kind in SUBPART_F


def _logged(entries: Sequence[Json], event_type: str) -> list[Json]:
    return [e for e in entries if e.get("event_type") == event_type]


def letter_due(entries: Sequence[Json]) -> bool:
    """Two phone attempts failed (a letter was requested) and no answer letter was written since."""
    last_request = None
    for index, entry in enumerate(entries):
        if entry.get("event_type") == LETTER_REQUESTED:
            last_request = index
    if last_request is None:
        return False
    return not any(e.get("event_type") == NOTICE_ISSUED and (e.get("details") or {}).get("notice") == "answer"
                   for e in entries[last_request + 1:])


@dataclass(frozen=True)
class SubpartFForms:
    """Which of a grievance's or an appeal's forms the page offers, and their choices."""

    notices: tuple[str, ...]
    may_extend: bool
    may_deny_expedited: bool
    resolution_codes: tuple[str, ...] | None  # an appeal's; None: a grievance's code is free text
    levels: tuple[str, ...] = tuple(level.value for level in ReviewLevel)
    requesters: tuple[str, ...] = tuple(r.value for r in ExtensionRequester)


def subpart_f_forms(kind: str | None, priority: str | None, inquiry: Json,
                    entries: Sequence[Json]) -> SubpartFForms | None:
    """The forms of a grievance or an appeal (None for other cases). The deadline is extended once;
    expedited handling is denied once, and only of an appeal handled as expedited (urgent)."""
    if not is_subpart_f(kind):
        return None
    appeal = inquiry.get("appeal") or {}
    extended = inquiry.get("extension") is not None or bool(_logged(entries, DEADLINE_EXTENDED))
    denied = bool(inquiry.get("expedited_denied") or appeal.get("expedited_denied_at")
                  or _logged(entries, EXPEDITED_DENIED))
    may_deny = kind == "appeal" and priority == "urgent" and not denied
    notices = [NoticeKind.ACKNOWLEDGMENT, NoticeKind.EXTENSION]
    if kind == "appeal" and (denied or may_deny):
        notices.append(NoticeKind.EXPEDITED_DENIAL)
    notices.append(NoticeKind.ANSWER)
    return SubpartFForms(notices=tuple(n.value for n in notices), may_extend=not extended,
                         may_deny_expedited=may_deny,
                         resolution_codes=tuple(r.value for r in AppealResolution) if kind == "appeal" else None)


def referrals_seen(inquiry: Json, referred_mcos: Sequence[str], mco: str | None) -> list[Json]:
    """The case's referrals the person sees, with when each was made where intake says (an MCO's
    people see their own only, whatever either source says)."""
    listed = inquiry.get("referrals")
    found: list[Json] = list(listed) if isinstance(listed, list) else [
        {"mco": code, "referred_at": None} for code in referred_mcos]
    return [r for r in found if mco is None or r.get("mco") == mco]


@dataclass(frozen=True)
class RecordView:
    """The 42 CFR 438.416 record as the page shows it."""

    facts: tuple[tuple[str, str], ...]
    reviews: tuple[tuple[str, str, str, str], ...]  # level, when, summary, resolution
    notices: tuple[tuple[str, str, str], ...]  # notice, when, its text


def _decided(resolution: str | None) -> str:
    return RESOLUTION_WORDS.get(resolution, resolution) if resolution else "not decided"


def record_view(record: Json, local: Local) -> RecordView:
    enrollee = record.get("enrollee") or {}
    facts: list[tuple[str, str]] = [
        ("Kind", KIND_WORDS.get(record.get("kind") or "", _words(record.get("kind")))),
        ("Enrollee", enrollee.get("name") or "not given"),
        ("Medicaid ID", enrollee.get("medicaid_id") or "not given"),
        ("MCO", record.get("mco") or "none"),
        ("Reason", record.get("reason") or "—"),
        ("Received", local(record.get("received_at")))]
    appeal = record.get("appeal")
    if appeal:
        facts.append(("Determination appealed", appeal.get("determination") or "—"))
        if appeal.get("determination_date"):
            facts.append(("Date of the determination", str(appeal["determination_date"])))
        facts.append(("Expedited resolution asked for", "yes" if appeal.get("expedited_requested") else "no"))
    # Intake gives the denial on its own (`expedited_denial`); the appeal's fields are read as well.
    denial = record.get("expedited_denial") or (
        {"at": appeal.get("expedited_denied_at"), "reason": appeal.get("expedited_denial_reason")}
        if appeal and appeal.get("expedited_denied_at") else None)
    if denial:
        facts.append(("Expedited handling denied", f"{local(denial.get('at'))}: {denial.get('reason') or '—'}"))
    extension = record.get("extension")
    facts.append(("Extension", "none" if not extension else
                  f"{extension.get('days')} calendar days, asked by "
                  f"{REQUESTER_WORDS.get(extension.get('requested_by') or '', '—').lower()}, "
                  f"{local(extension.get('at'))}: {extension.get('reason') or '—'}"))
    resolution = record.get("resolution")
    facts.append(("Resolution", "not resolved yet" if not resolution else
                  f"{RESOLUTION_WORDS.get(resolution.get('code') or '', _words(resolution.get('code')))}, "
                  f"{local(resolution.get('at'))}"))
    if resolution and resolution.get("summary"):
        facts.append(("Resolution letter", str(resolution["summary"])))
    reviews = tuple((LEVEL_WORDS.get(r.get("level") or "", _words(r.get("level"))), local(r.get("at")),
                     str(r.get("summary") or "—"), _decided(r.get("resolution")))
                    for r in record.get("reviews") or [])
    notices = tuple((NOTICE_WORDS.get(n.get("notice") or "", _words(n.get("notice"))), local(n.get("at")),
                     str(n.get("text") or ""))
                    for n in record.get("notices") or [])
    return RecordView(facts=tuple(facts), reviews=reviews, notices=notices)
