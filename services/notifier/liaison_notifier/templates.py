"""Notification texts, with no more PHI than the recipient needs.

Each kind has an explicit allow-list of context keys; any other key (a member's
name, Medicaid ID, phone, the description...) is dropped before substitution, so
it can never reach a subject or a body. Values are substituted once
(`string.Template.safe_substitute`): a `$name` inside a value stays literal, and an
allowed key missing from the context stays as its `$placeholder`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from string import Template
from urllib.parse import quote

__all__ = ["ALLOWED_KEYS", "CASE_KINDS", "INQUIRY_LINK", "KINDS", "KindSpec", "Link", "allowed_context", "render"]

_LINK = ("base_url", "inquiry_id")
_CONFERENCE_LINK = ("console_base_url", "conference_id")
_TRANSITION_LINK = ("console_base_url", "notice_id")


@dataclass(frozen=True)
class Link:
    """Where a notification points: `{base}/{path}/{id}` from the context keys `base` and `id`."""

    base: str
    path: str
    id: str


INQUIRY_LINK = Link("base_url", "v1/inquiries", "inquiry_id")


@dataclass(frozen=True)
class KindSpec:
    """One notification kind: the context keys it may show, its subject and body templates, and its link
    (None: it has none)."""

    keys: frozenset[str]
    subject: Template
    body: Template
    link: Link | None = INQUIRY_LINK


_FOOTER = "\n\nSign in to Liaison to see the inquiry: ${link}\n"

KINDS: Mapping[str, KindSpec] = {
    "priority_assigned": KindSpec(
        frozenset({"subject", "track", "priority", "queue", "received_local", *_LINK}),
        Template("[Liaison] New ${priority} inquiry in ${queue}: ${subject}"),
        Template("A new inquiry is waiting in the ${queue} queue.\n\n"
                 "Subject:  ${subject}\nTrack:    ${track}\nPriority: ${priority}\nReceived: ${received_local}"
                 + _FOOTER),
    ),
    "sla_warning": KindSpec(
        frozenset({"clock", "queue", "due_local", "time_left", *_LINK}),
        Template("[Liaison] SLA warning: ${clock} due ${due_local}"),
        Template("The ${clock} clock of an inquiry in the ${queue} queue is due at ${due_local} "
                 "(${time_left} left)." + _FOOTER),
    ),
    "sla_breached": KindSpec(
        frozenset({"clock", "queue", "due_local", "late_by", *_LINK}),
        Template("[Liaison] SLA breached: ${clock} was due ${due_local}"),
        Template("The ${clock} clock of an inquiry in the ${queue} queue was due at ${due_local} "
                 "and is ${late_by} late." + _FOOTER),
    ),
    "breach_withdrawn": KindSpec(
        frozenset({"clock", "queue", "due_local", "met_local", *_LINK}),
        Template("[Liaison] Breach withdrawn: ${clock} was met ${met_local}, before ${due_local}"),
        Template("Correction: the ${clock} clock of an inquiry in the ${queue} queue was not breached. "
                 "The action that meets it was taken at ${met_local}, before its deadline of ${due_local}, "
                 "and recorded later." + _FOOTER),
    ),
    "follow_up_due": KindSpec(
        frozenset({"clock", "queue", "due_local", *_LINK}),
        Template("[Liaison] Follow-up due ${due_local} (${queue})"),
        Template("A follow-up on an inquiry in the ${queue} queue is due at ${due_local} (${clock} clock)."
                 + _FOOTER),
    ),
    "letter_due": KindSpec(
        frozenset({"subject", "queue", *_LINK}),
        Template("[Liaison] Letter due (${queue}): ${subject}"),
        Template("Two phone attempts did not reach the originator of an inquiry in the ${queue} queue, so a letter "
                 "answering them is due.\n\nSubject: ${subject}\n\nWrite the answer as a notice of kind answer; "
                 "the letter is rendered from it, ready to print and mail." + _FOOTER),
    ),
    "mco_referral": KindSpec(
        frozenset({"category", "received_local", *_LINK}),
        Template("[Liaison] Inquiry ${inquiry_id} referred to your plan"),
        Template("An inquiry about ${category}, received ${received_local}, has been referred to your plan.\n\n"
                 "Reference: ${inquiry_id}\n\n"
                 "Member details are not sent by e-mail. Authorized staff can read them at: ${link}\n"),
    ),
    # Care coordination, to a practice: ids, plan, practice and the link only; the summary, the
    # patient and the encounter's dates stay behind the console, where each read is audited.
    "summary_sent": KindSpec(
        frozenset({"plan", "practice_npi", "sent_local", *_CONFERENCE_LINK}),
        Template("[Liaison] Case conference summary ready (${plan})"),
        Template("${plan} sent the summary of case conference ${conference_id} with practice ${practice_npi} "
                 "at ${sent_local}.\n\nSign in to the Liaison console to read it: ${link}\n"),
        Link("console_base_url", "care/conferences", "conference_id"),
    ),
    "admission_notified": KindSpec(
        frozenset({"plan", "practice_npi", "encounter_kind", *_TRANSITION_LINK}),
        Template("[Liaison] A patient of practice ${practice_npi} was admitted"),
        Template("A hospital notified the admission of a patient attributed to practice ${practice_npi} "
                 "(plan ${plan}).\n\nNotice: ${notice_id}\n\n"
                 "Patient details are not sent by e-mail. Sign in to the Liaison console to see them: ${link}\n"),
        Link("console_base_url", "care/transitions", "notice_id"),
    ),
    "discharge_notified": KindSpec(
        frozenset({"plan", "practice_npi", "encounter_kind", *_TRANSITION_LINK}),
        Template("[Liaison] A patient of practice ${practice_npi} was discharged: follow-up due within 48 hours"),
        Template("A hospital notified the discharge of a patient attributed to practice ${practice_npi} "
                 "(plan ${plan}). The 48-hour follow-up runs from the discharge itself.\n\nNotice: ${notice_id}"
                 "\n\nPatient details are not sent by e-mail. Sign in to the Liaison console to see them: ${link}\n"),
        Link("console_base_url", "care/transitions", "notice_id"),
    ),
}

# A clock of a case the notifier has no inquiry of (a care-coordination item is the SLA monitor's case
# of its own, keyed by the item's id): what its event says, and no link (there is no inquiry to open).
_CASE = "\n\nCase: ${case_id} (${track})\n"
CASE_KINDS: Mapping[str, KindSpec] = {
    "sla_warning": KindSpec(
        frozenset({"clock", "track", "due_local", "time_left", "case_id"}),
        Template("[Liaison] SLA warning: ${clock} due ${due_local}"),
        Template("The ${clock} clock is due at ${due_local} (${time_left} left)." + _CASE), None),
    "sla_breached": KindSpec(
        frozenset({"clock", "track", "due_local", "late_by", "case_id"}),
        Template("[Liaison] SLA breached: ${clock} was due ${due_local}"),
        Template("The ${clock} clock was due at ${due_local} and is ${late_by} late." + _CASE), None),
    "breach_withdrawn": KindSpec(
        frozenset({"clock", "track", "due_local", "met_local", "case_id"}),
        Template("[Liaison] Breach withdrawn: ${clock} was met ${met_local}, before ${due_local}"),
        Template("Correction: the ${clock} clock was not breached. The action that meets it was taken at "
                 "${met_local}, before its deadline of ${due_local}, and recorded later." + _CASE), None),
    "follow_up_due": KindSpec(
        frozenset({"clock", "queue", "due_local", "case_id"}),
        Template("[Liaison] Follow-up due ${due_local} (${queue})"),
        Template("A follow-up in the ${queue} queue is due at ${due_local} (${clock} clock).\n\n"
                 "Case: ${case_id}\n"), None),
}

ALLOWED_KEYS: Mapping[str, frozenset[str]] = {kind: spec.keys for kind, spec in KINDS.items()}


def _spec(kind: str, of_case: bool) -> KindSpec:
    spec = (CASE_KINDS if of_case else KINDS).get(kind)
    if spec is None:
        raise ValueError(f"unknown notification kind {kind!r}")
    return spec


def allowed_context(kind: str, context: Mapping[str, str], *, of_case: bool = False) -> dict[str, str]:
    """The part of `context` that `kind` may show, plus `link` when the keys of the kind's link are given
    (`{base_url}/v1/inquiries/{inquiry_id}` for an inquiry's kinds). `of_case`: the text of a clock of a
    case with no inquiry (`CASE_KINDS`).

    ValueError for an unknown kind.
    """
    spec = _spec(kind, of_case)
    values = {key: str(value) for key, value in context.items() if key in spec.keys}
    if spec.link is not None and spec.link.base in values and spec.link.id in values:
        values["link"] = (f"{values[spec.link.base].rstrip('/')}/{spec.link.path}/"
                          f"{quote(values[spec.link.id], safe='')}")
    return values


def render(kind: str, context: Mapping[str, str], *, of_case: bool = False) -> tuple[str, str]:
    """`(subject, body)` of a notification of `kind`, from the allowed keys of `context` only.

    Kinds: `priority_assigned` (subject, track, priority, queue, received_local),
    `sla_warning` (clock, queue, due_local, time_left), `sla_breached` (clock, queue,
    due_local, late_by), `breach_withdrawn` (clock, queue, due_local, met_local),
    `follow_up_due` (clock, queue, due_local), `letter_due` (subject, queue), `mco_referral`
    (category, received_local); every kind also takes `base_url` and `inquiry_id`
    for the link `{base_url}/v1/inquiries/{inquiry_id}`. Care coordination's, to a practice:
    `summary_sent` (plan, practice_npi, sent_local; link `{console_base_url}/care/conferences/{conference_id}`),
    `admission_notified` and `discharge_notified` (plan, practice_npi, encounter_kind; link
    `{console_base_url}/care/transitions/{notice_id}`). `of_case`: a clock's kind for a case with no
    inquiry (clock, track, times, case_id; no link). The subject is one line.
    ValueError for an unknown kind.
    """
    values = allowed_context(kind, context, of_case=of_case)
    spec = _spec(kind, of_case)
    subject = " ".join(spec.subject.safe_substitute(values).split())
    return subject, spec.body.safe_substitute(values)
