"""Who is owed what: the subscriptions an event of a kind matches, for an inquiry (or a care event's
plan and practice), turned into deliveries to recipients and records on the own topics of the MCOs it
concerns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from liaison_notifier.contract import (
    MCO_CONTACT,
    MCO_TOPIC,
    PRACTICE_CONTACT,
    EmailRecipient,
    Kind,
    SubscriptionsConfig,
    WebhookRecipient,
    matches,
)

MCO_RECIPIENT_PREFIX = "mco:"  # a delivery to an MCO's contact is to the recipient `mco:<CODE>`
# A delivery to a practice's configured contact is to `practice:<NPI>`; to the care manager's address a
# care event gave, `practice:<NPI>:<address>` (a work address, so the delivery log may show it).
PRACTICE_RECIPIENT_PREFIX = "practice:"
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
            track: str | None, mco: str | None, referred: Sequence[str], practice: str | None = None,
            practice_email: str | None = None) -> list[Delivery | McoTopic]:
    """What every subscription an event of `kind` about this inquiry matches asks for, in the file's order.

    `referred` are the MCOs the event concerns: every MCO the case is referred to, or only the
    one a referral or an MCO's own clock is about. A condition on the MCO holds if it holds for
    any of them (for the inquiry's own MCO when there are none). The built-in recipients are
    owed to each of them the condition holds for (`mco-contact` only if that MCO has a contact);
    a named recipient once, however many MCOs matched. `practice-contact` is owed to the practice
    (`practice`, its NPI) as `practice_deliveries` says.
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
            elif name == PRACTICE_CONTACT:
                owed.extend(d for d in practice_deliveries(config, practice, practice_email) if d not in owed)
            else:
                delivery = Delivery(name, config.recipients[name].channel)
                if delivery not in owed:
                    owed.append(delivery)
    return owed


def practice_deliveries(config: SubscriptionsConfig, practice: str | None, email: str | None) -> list[Delivery]:
    """How a practice hears of a care event: by e-mail to the care manager's address when the event gives
    one, else to the practice's configured e-mail contact; a practice with a webhook gets it too (its
    system hears of every event). No practice (or one with neither) is told nothing."""
    if practice is None:
        return []
    contact = config.practice_contacts.get(practice)
    owed = [Delivery(f"{PRACTICE_RECIPIENT_PREFIX}{practice}:{email}", "email")] if email else []
    if isinstance(contact, WebhookRecipient):
        owed.append(Delivery(f"{PRACTICE_RECIPIENT_PREFIX}{practice}", "webhook"))
    elif contact is not None and not email:
        owed.append(Delivery(f"{PRACTICE_RECIPIENT_PREFIX}{practice}", "email"))
    return owed


def recipient(config: SubscriptionsConfig, name: str) -> EmailRecipient | WebhookRecipient:
    """Where a delivery's recipient is reached: a named recipient, an MCO's contact (`mco:<CODE>`), a
    practice's contact (`practice:<NPI>`) or a care manager's address (`practice:<NPI>:<address>`)."""
    if name.startswith(PRACTICE_RECIPIENT_PREFIX):
        practice, _, address = name.removeprefix(PRACTICE_RECIPIENT_PREFIX).partition(":")
        return EmailRecipient(channel="email", to=(address,)) if address else config.practice_contacts[practice]
    if name.startswith(MCO_RECIPIENT_PREFIX):
        return config.mco_contacts[name.removeprefix(MCO_RECIPIENT_PREFIX)]
    return config.recipients[name]
