"""Composition root and entry point of the notifier service."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from liaison_notifier.api import build_router
from liaison_notifier.deliveries import Deliverer
from liaison_notifier.handlers import handlers
from liaison_notifier.notifier import Notifier
from liaison_notifier.settings import Settings
from liaison_notifier.subscriptions import SubscriptionsError, load_subscriptions
from liaison_shared import clock
from liaison_shared.kafka import ensure_topics, mco_topics
from liaison_shared.program import ProgramError, program_calendar
from liaison_shared.runtime import Runtime, serve
from liaison_shared.static_keys import READ, static_keys

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: Settings, now: Callable[[], datetime] = clock.now) -> Runtime:
    """Wire the notifier; the subscriptions are loaded (and refused if invalid) before anything runs."""
    config = load_subscriptions(settings.subscriptions_path)
    runtime = Runtime(settings, migrations=MIGRATIONS)
    deliverer = Deliverer(runtime.sessions, runtime.outbox, config, settings, now)
    notifier = Notifier(config, runtime.outbox, settings, program_calendar(), now, on_owed=deliverer.wake)
    runtime.consume(handlers(notifier))
    runtime.authenticate_with(static_keys({READ: settings.read_key_sha256}))
    runtime.add_routers(build_router(runtime))

    async def deliver(stop):  # type: ignore[no-untyped-def]
        # Each known MCO gets its own topic up front, so its integration can subscribe before any referral.
        await ensure_topics(settings.kafka_bootstrap, mco_topics(config.mco_contacts, settings.topic_prefix),
                            settings.topic_partitions)
        await deliverer.run(stop)

    runtime.add_worker(deliver)
    return runtime


def main() -> None:
    try:
        runtime = bootstrap(Settings())
    except (SubscriptionsError, ProgramError) as refused:
        sys.exit(f"notifier: the subscriptions do not load:\n{refused}")
    serve(runtime)


if __name__ == "__main__":
    main()
