"""What a notification says over its channel, with no more than the recipient needs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from uuid import UUID

from liaison_notifier.contract import Kind
from liaison_notifier.rules.routing import Channel
from liaison_notifier.templates import allowed_context, render

_BASES = frozenset({"base_url", "console_base_url"})


def message(kind: Kind, channel: Channel, cause_event_id: UUID, context: Mapping[str, str], *,
            of_case: bool = False) -> tuple[str, str]:
    """`(subject, body)`: the kind's e-mail text; a webhook's body is instead a JSON object of the
    event's kind and id and the same allow-listed fields as the e-mail of this kind (but the base URLs).
    `of_case`: a clock of a case the notifier has no inquiry of (templates.CASE_KINDS)."""
    subject, body = render(kind, context, of_case=of_case)
    if channel == "webhook":
        body = json.dumps({"type": kind, "cause_event_id": str(cause_event_id), **{
            k: v for k, v in allowed_context(kind, context, of_case=of_case).items() if k not in _BASES}},
            sort_keys=True)
    return subject, body
