"""Who hears about what, over which channel: a versioned YAML file.

Recipients are named once (a queue's shared inbox, a role, a webhook
endpoint); subscriptions say which event kinds, under which conditions, go to
which recipients. Three recipients are built in: `mco-contact` (the e-mail
contact of each MCO the inquiry is referred to), `mco-topic` (each such MCO's
own Kafka topic) and `practice-contact` (the care-coordination contact of the
practice a care event names: `practice_contacts`, or the care manager's address
the event gives).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from liaison_shared.config_files import ConfigError, load_config
from liaison_shared.payloads import Npi
from liaison_shared.vocabulary import Priority, Queue, Track

DEFAULT_SUBSCRIPTIONS = Path(__file__).with_name("subscriptions.yaml")
MCO_CONTACT, MCO_TOPIC, PRACTICE_CONTACT = "mco-contact", "mco-topic", "practice-contact"
Kind = Literal["priority_assigned", "mco_referral", "sla_warning", "sla_breached", "breach_withdrawn",
               "follow_up_due", "letter_due", "summary_sent", "admission_notified", "discharge_notified"]
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,60}$")]


class SubscriptionsError(ConfigError):
    """The subscriptions file does not load."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EmailRecipient(_Strict):
    channel: Literal["email"]
    to: tuple[Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+$")], ...] = Field(min_length=1)


class WebhookRecipient(_Strict):
    channel: Literal["webhook"]
    url: Annotated[str, StringConstraints(pattern=r"^https?://")]
    secret_env: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]*$")]


Recipient = Annotated[EmailRecipient | WebhookRecipient, Field(discriminator="channel")]


class When(_Strict):
    queue_in: tuple[Queue, ...] | None = None
    priority_in: tuple[Priority, ...] | None = None
    track_in: tuple[Track, ...] | None = None
    mco_in: tuple[str, ...] | None = None


class Subscription(_Strict):
    name: Name
    kinds: tuple[Kind, ...] = Field(min_length=1)
    when: When = When()
    notify: tuple[Name, ...] = Field(min_length=1)


class SubscriptionsConfig(_Strict):
    version: str
    base_url: str
    console_base_url: Annotated[str, StringConstraints(pattern=r"^https?://")] = "http://127.0.0.1:8006"
    recipients: dict[Name, Recipient]
    mco_contacts: dict[str, EmailRecipient] = {}
    practice_contacts: dict[Npi, Recipient] = {}  # keyed by the practice's NPI
    subscriptions: tuple[Subscription, ...]


def matches(when: When, *, queue: str | None, priority: str | None, track: str | None, mco: str | None) -> bool:
    """Whether every condition given holds for this inquiry."""
    checks = ((when.queue_in, queue), (when.priority_in, priority), (when.track_in, track), (when.mco_in, mco))
    return all(allowed is None or value in allowed for allowed, value in checks)


def load_subscriptions(path: Path = DEFAULT_SUBSCRIPTIONS) -> SubscriptionsConfig:
    config = load_config(path, SubscriptionsConfig, error=SubscriptionsError)
    known = set(config.recipients) | {MCO_CONTACT, MCO_TOPIC, PRACTICE_CONTACT}
    SubscriptionsError.raise_if_any(str(path), [
        (f"subscriptions[{i}].notify[{j}]", f"unknown recipient {name!r}")
        for i, sub in enumerate(config.subscriptions) for j, name in enumerate(sub.notify) if name not in known])
    return config
