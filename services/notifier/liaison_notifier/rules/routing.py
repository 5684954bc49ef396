"""Who is owed what: the subscriptions an event of a kind matches, for an inquiry, turned into
deliveries to recipients and records on the referred MCO's own topic."""

from __future__ import annotations

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
    """A record owed on the own topic of the MCO the inquiry is referred to."""

    mco: str


def targets(config: SubscriptionsConfig, kind: Kind, *, queue: str | None, priority: str | None,
            track: str | None, mco: str | None, referred_mco: str | None) -> list[Delivery | McoTopic]:
    """What every subscription an event of `kind` about this inquiry matches asks for, in the file's order.

    The conditions see the referred MCO if there is one, else the inquiry's MCO. The built-in
    recipients are owed only for a referred inquiry (`mco-contact` only if that MCO has a contact).
    """
    owed: list[Delivery | McoTopic] = []
    for subscription in config.subscriptions:
        if kind not in subscription.kinds or not matches(
                subscription.when, queue=queue, priority=priority, track=track, mco=referred_mco or mco):
            continue
        for name in subscription.notify:
            if name == MCO_TOPIC:
                if referred_mco:
                    owed.append(McoTopic(referred_mco))
            elif name == MCO_CONTACT:
                if referred_mco in config.mco_contacts:
                    owed.append(Delivery(f"{MCO_RECIPIENT_PREFIX}{referred_mco}", "email"))
            else:
                owed.append(Delivery(name, config.recipients[name].channel))
    return owed


def recipient(config: SubscriptionsConfig, name: str) -> EmailRecipient | WebhookRecipient:
    """Where a delivery's recipient is reached: a named recipient, or an MCO's contact (`mco:<CODE>`)."""
    if name.startswith(MCO_RECIPIENT_PREFIX):
        return config.mco_contacts[name.removeprefix(MCO_RECIPIENT_PREFIX)]
    return config.recipients[name]
