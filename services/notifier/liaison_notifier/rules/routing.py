"""Who is owed what: the subscriptions an event of a kind matches, for an inquiry, turned into
deliveries to recipients and records on the own topics of the MCOs it concerns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from liaison_notifier.contract import (
    MCO_CONTACT,
    MCO_TOPIC,
    EmailRecipient,
    Kind,
    SubscriptionsConfig,
    WebhookRecipient,
    matches,
)

MCO_RECIPIENT_PREFIX = "mco:"  # a delivery to an MCO's contact is to the recipient `mco:<CODE>`
Channel = Literal["email", "webhook"]


@dataclass(frozen=True)
class Delivery:
    """A notification owed to one recipient over its channel."""

    recipient: str
    channel: Channel


@dataclass(frozen=True)
class McoTopic:
    """A record owed on the own topic of an MCO the inquiry is referred to."""

    mco: str


def targets(config: SubscriptionsConfig, kind: Kind, *, queue: str | None, priority: str | None,
            track: str | None, mco: str | None, referred: Sequence[str]) -> list[Delivery | McoTopic]:
    """What every subscription an event of `kind` about this inquiry matches asks for, in the file's order.

    `referred` are the MCOs the event concerns: every MCO the case is referred to, or only the
    one a referral or an MCO's own clock is about. A condition on the MCO holds if it holds for
    any of them (for the inquiry's own MCO when there are none). The built-in recipients are
    owed to each of them the condition holds for (`mco-contact` only if that MCO has a contact);
    a named recipient once, however many MCOs matched.
    """
    owed: list[Delivery | McoTopic] = []
    for subscription in config.subscriptions:
        if kind not in subscription.kinds:
            continue
        mcos = [m for m in referred if matches(subscription.when, queue=queue, priority=priority, track=track, mco=m)]
        if not mcos and not matches(subscription.when, queue=queue, priority=priority, track=track,
                                    mco=None if referred else mco):
            continue
        for name in subscription.notify:
            if name == MCO_TOPIC:
                owed.extend(McoTopic(m) for m in mcos)
            elif name == MCO_CONTACT:
                owed.extend(Delivery(f"{MCO_RECIPIENT_PREFIX}{m}", "email") for m in mcos if m in config.mco_contacts)
            else:
                delivery = Delivery(name, config.recipients[name].channel)
                if delivery not in owed:
                    owed.append(delivery)
    return owed


def recipient(config: SubscriptionsConfig, name: str) -> EmailRecipient | WebhookRecipient:
    """Where a delivery's recipient is reached: a named recipient, or an MCO's contact (`mco:<CODE>`)."""
    if name.startswith(MCO_RECIPIENT_PREFIX):
        return config.mco_contacts[name.removeprefix(MCO_RECIPIENT_PREFIX)]
    return config.recipients[name]
