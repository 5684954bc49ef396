"""Composition root and entry point of the notifier service."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from liaison_notifier import workers
from liaison_notifier.api import ROUTERS
from liaison_notifier.contract import SubscriptionsError, load_subscriptions
from liaison_notifier.deliveries import Deliverer
from liaison_notifier.handlers import handlers
from liaison_notifier.service import Notifier
from liaison_notifier.settings import Settings
from liaison_shared import clock
from liaison_shared.audit import keep_access_audit
from liaison_shared.program import ProgramError, program_calendar
from liaison_shared.runtime import Runtime, serve

MIGRATIONS = Path(__file__).parent / "migrations"


def bootstrap(settings: Settings, now: Callable[[], datetime] = clock.now) -> Runtime:
    """Wire the notifier; the subscriptions are loaded (and refused if invalid) before anything runs."""
    config = load_subscriptions(settings.subscriptions_path)
    runtime = Runtime(settings, migrations=MIGRATIONS)
    deliverer = Deliverer(runtime.sessions, runtime.outbox, config, settings, now)
    notifier = Notifier(config, runtime.outbox, settings, program_calendar(), now, on_owed=deliverer.wake)
    runtime.consume(handlers.bind(notifier))
    runtime.add_routers(*ROUTERS)
    runtime.add_worker(functools.partial(workers.deliver, deliverer, settings, config))
    keep_access_audit(runtime)
    return runtime


def main() -> None:
    try:
        runtime = bootstrap(Settings())
    except (SubscriptionsError, ProgramError) as refused:
        sys.exit(f"notifier: the subscriptions do not load:\n{refused}")
    serve(runtime)


if __name__ == "__main__":
    main()
