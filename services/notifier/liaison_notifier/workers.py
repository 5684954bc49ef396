"""The notifier's background loop: sending what is owed."""

from __future__ import annotations

import asyncio

from liaison_notifier.contract import SubscriptionsConfig
from liaison_notifier.deliveries import Deliverer
from liaison_notifier.settings import Settings
from liaison_shared.kafka import ensure_topics, mco_topics


async def deliver(deliverer: Deliverer, settings: Settings, config: SubscriptionsConfig, stop: asyncio.Event) -> None:
    """Send the deliveries owed until `stop`."""
    # Each known MCO gets its own topic up front, so its integration can subscribe before any referral.
    await ensure_topics(settings.kafka_bootstrap, mco_topics(config.mco_contacts, settings.topic_prefix),
                        settings.topic_partitions)
    await deliverer.run(stop)
