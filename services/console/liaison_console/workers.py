"""The console's background work beside its consumer and live feed."""

from __future__ import annotations

import asyncio

from liaison_console.sessions import Sessions
from liaison_shared.retry import wait_or_stop

PURGE_EVERY_SECONDS = 60.0


async def purge_sessions(sessions: Sessions, stop: asyncio.Event) -> None:
    """Delete ended sessions (idle or too old) and abandoned sign-ins, every minute."""
    while not await wait_or_stop(stop, PURGE_EVERY_SECONDS):
        await sessions.purge()
