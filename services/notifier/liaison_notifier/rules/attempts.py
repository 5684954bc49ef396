"""A delivery's attempts: how long a claim holds it, and when a failure ends it."""

from __future__ import annotations

from datetime import timedelta

LEASE_MARGIN_SECONDS = 10  # beyond the longest a send may take


def lease(*send_timeouts: float, sends: int = 1) -> timedelta:
    """How long a claimed delivery is kept from other instances: past the longest `sends` sends may
    take (a delivery claimed ahead waits for a slot, at most one send, before its own)."""
    return timedelta(seconds=sends * max(send_timeouts) + LEASE_MARGIN_SECONDS)


def is_final(*, retryable: bool, attempts: int, max_attempts: int) -> bool:
    """Whether a failed attempt fails the delivery for good: it cannot succeed later, or it was the last allowed."""
    return not retryable or attempts >= max_attempts
