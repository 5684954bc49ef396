"""Waiting on a condition with a deadline: what tests use instead of sleeping."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def wait_until(
    probe: Callable[[], Awaitable[T]], *, timeout: float = 30.0, interval: float = 0.05, what: str = "condition"
) -> T:
    """Poll `probe` until it returns a truthy value, which is returned; fail after `timeout` s."""
    deadline = time.monotonic() + timeout
    last: T = await probe()
    while not last:
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")
        await asyncio.sleep(interval)
        last = await probe()
    return last
