"""Token buckets per key (a client, a source address): the rate limit of the
request pipeline. Pure and in memory; each instance limits what reaches it."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_KEYS = 100_000
"""Buckets kept at most; full (idle) buckets are dropped first when the table grows past it."""


@dataclass(frozen=True)
class Rate:
    """`per_second` tokens refilled each second, up to `burst`."""

    per_second: float
    burst: int


class RateLimiter:
    """Answers whether a key may act now, and if not, after how many seconds."""

    def __init__(self, rate: Rate, now: Callable[[], float] = time.monotonic) -> None:
        self._rate, self._now = rate, now
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)

    def take(self, key: str) -> float:
        """Take one token for `key`: 0.0 if allowed, else the seconds until the next token."""
        now = self._now()
        tokens, at = self._buckets.get(key, (float(self._rate.burst), now))
        tokens = min(float(self._rate.burst), tokens + (now - at) * self._rate.per_second)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            if len(self._buckets) > MAX_KEYS:
                self._forget_idle(now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1.0 - tokens) / self._rate.per_second if self._rate.per_second > 0 else math.inf

    def _forget_idle(self, now: float) -> None:
        full = [key for key, (tokens, at) in self._buckets.items()
                if tokens + (now - at) * self._rate.per_second >= self._rate.burst]
        for key in full or list(self._buckets)[: len(self._buckets) // 2]:
            del self._buckets[key]


def retry_after(seconds: float) -> str:
    """A Retry-After header value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds))) if math.isfinite(seconds) else "3600"
