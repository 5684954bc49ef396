"""What a notification says over its channel, with no more than the recipient needs."""

from __future__ import annotations

import json
from collections.abc import Mapping
from uuid import UUID

from liaison_notifier.contract import Kind
from liaison_notifier.rules.routing import Channel
from liaison_notifier.templates import allowed_context, render


def message(kind: Kind, channel: Channel, cause_event_id: UUID, context: Mapping[str, str]) -> tuple[str, str]:
    """`(subject, body)`: the kind's e-mail text; a webhook's body is instead a JSON object of the
    event's kind and id and the same allow-listed fields as the e-mail of this kind (but `base_url`)."""
    subject, body = render(kind, context)
    if channel == "webhook":
        body = json.dumps({"type": kind, "cause_event_id": str(cause_event_id), **{
            k: v for k, v in allowed_context(kind, context).items() if k != "base_url"}}, sort_keys=True)
    return subject, body
