"""Waiting that a shutdown can interrupt, and backoff for reconnect loops."""

from __future__ import annotations

import asyncio
import random


class Backoff:
    """Exponential backoff with full jitter and a cap."""

    def __init__(self, first: float = 0.2, cap: float = 5.0) -> None:
        self._first, self._cap, self._next = first, cap, first

    def next(self) -> float:
        """The next delay in seconds (doubling up to the cap, jittered)."""
        delay, self._next = self._next, min(self._next * 2, self._cap)
        return delay / 2 + random.uniform(0, delay / 2)

    def reset(self) -> None:
        self._next = self._first


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to `seconds`; True if `stop` was set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def wait_any(*events: asyncio.Event, timeout: float) -> None:
    """Return when any of `events` is set, or after `timeout` seconds."""
    waiters = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
