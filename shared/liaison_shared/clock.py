"""The system's clock: the current business instant, in UTC.

Every business time a service records or compares (an inquiry's receipt, a
case action, a clock's start and due, a removal's date) comes from ``now()``.
``LIAISON_CLOCK_OFFSET_SECONDS`` shifts it for drills and training runs ("it
is now 17:01 on a Friday"); it is read once, when a process starts, and every
process of a drill must be given the same value. Bookkeeping times (row
creation, relay and consumer lag) stay on the real clock.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

OFFSET_VARIABLE = "LIAISON_CLOCK_OFFSET_SECONDS"


def _offset(raw: str) -> timedelta:
    try:
        return timedelta(seconds=float(raw))
    except ValueError:
        raise ValueError(f"{OFFSET_VARIABLE} must be a number of seconds") from None


OFFSET = _offset(os.environ.get(OFFSET_VARIABLE, "0"))


def now() -> datetime:
    """The current instant in UTC, shifted by the drill offset (none unless set)."""
    return datetime.now(UTC) + OFFSET
