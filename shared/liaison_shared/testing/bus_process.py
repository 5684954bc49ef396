"""A relay or a consumer in a process of its own, for tests that kill -9 them.

    python -m liaison_shared.testing.bus_process relay|consumer \
        --database-url URL --schema S --bootstrap HOST:PORT --prefix P

The consumer records one row in `effects` per handled
`liaison.inquiry.resolved.v1` event, in the handler's transaction.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from liaison_shared.consumer import EventConsumer
from liaison_shared.db import create_engine
from liaison_shared.events import Event
from liaison_shared.migrations import upgrade
from liaison_shared.outbox import OutboxRelay

MIGRATIONS = Path(__file__).parent / "migrations"
EFFECT_TYPE = "liaison.inquiry.resolved.v1"


async def record_effect(session: AsyncSession, events: Sequence[Event]) -> None:
    """The effect under test: one row per handling, so a repeat would show (one statement per run)."""
    await session.execute(
        text("INSERT INTO effects (event_id, inquiry_id) "
             "SELECT unnest(CAST(:e AS uuid[])), unnest(CAST(:i AS uuid[]))"),
        {"e": [event.id for event in events],
         "i": [event.payload.inquiry_id for event in events]})  # type: ignore[attr-defined]


async def run(role: str, database_url: str, schema: str, bootstrap: str, prefix: str) -> None:
    engine = create_engine(database_url, schema)
    await upgrade(engine, schema, MIGRATIONS)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if role == "relay":
        await OutboxRelay(engine, schema, bootstrap, service="test-relay", sweep_seconds=0.5).run(stop)
    else:
        consumer = EventConsumer(name="test-consumer", engine=engine, bootstrap=bootstrap,
                                 group_id=prefix + "test-consumer", handlers={EFFECT_TYPE: record_effect},
                                 topic_prefix=prefix)
        await consumer.run(stop)
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["relay", "consumer"])
    for name in ("--database-url", "--schema", "--bootstrap", "--prefix"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    asyncio.run(run(args.role, args.database_url, args.schema, args.bootstrap, args.prefix))


if __name__ == "__main__":
    main()
