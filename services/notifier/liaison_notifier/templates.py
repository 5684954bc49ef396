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

__all__ = ["ALLOWED_KEYS", "KINDS", "KindSpec", "allowed_context", "render"]

_LINK = ("base_url", "inquiry_id")


@dataclass(frozen=True)
class KindSpec:
    """One notification kind: the context keys it may show and its subject and body templates."""

    keys: frozenset[str]
    subject: Template
    body: Template


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
}

ALLOWED_KEYS: Mapping[str, frozenset[str]] = {kind: spec.keys for kind, spec in KINDS.items()}


def allowed_context(kind: str, context: Mapping[str, str]) -> dict[str, str]:
    """The part of `context` that `kind` may show, plus `link` when `base_url` and `inquiry_id` are given.

    ValueError for an unknown kind.
    """
    spec = KINDS.get(kind)
    if spec is None:
        raise ValueError(f"unknown notification kind {kind!r}")
    values = {key: str(value) for key, value in context.items() if key in spec.keys}
    if "base_url" in values and "inquiry_id" in values:
        values["link"] = f"{values['base_url'].rstrip('/')}/v1/inquiries/{quote(values['inquiry_id'], safe='')}"
    return values


def render(kind: str, context: Mapping[str, str]) -> tuple[str, str]:
    """`(subject, body)` of a notification of `kind`, from the allowed keys of `context` only.

    Kinds: `priority_assigned` (subject, track, priority, queue, received_local),
    `sla_warning` (clock, queue, due_local, time_left), `sla_breached` (clock, queue,
    due_local, late_by), `breach_withdrawn` (clock, queue, due_local, met_local),
    `follow_up_due` (clock, queue, due_local), `letter_due` (subject, queue), `mco_referral`
    (category, received_local); every kind also takes `base_url` and `inquiry_id`
    for the link `{base_url}/v1/inquiries/{inquiry_id}`. The subject is one line.
    ValueError for an unknown kind.
    """
    values = allowed_context(kind, context)
    spec = KINDS[kind]
    subject = " ".join(spec.subject.safe_substitute(values).split())
    return subject, spec.body.safe_substitute(values)
