"""What a clock's timer does when it comes due, and how long the timer loop may sleep."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from liaison_sla_monitor.rules.case import Clock

# Timers that come due together fire in one batch instead of one transaction each.
SHORTEST_PAUSE_SECONDS = 0.02


@dataclass(frozen=True)
class Firing:
    warns: bool  # announce the warning: not yet warned, and it warns before its deadline
    breaches: bool  # the deadline has passed; else the clock is warned and waits for its deadline


def firing(clock: Clock, now: datetime) -> Firing:
    """What `clock`, claimed as due at `now`, fires (a clock never warned warns before it breaches)."""
    return Firing(warns=not clock.warned and clock.warn_at < clock.due_at, breaches=now >= clock.due_at)


def pause(next_fire_at: datetime | None, now: datetime, longest: float) -> float:
    """Seconds to sleep until the next timer at `next_fire_at` (none: `longest`), at most `longest`,
    so timers started meanwhile are seen."""
    if next_fire_at is None:
        return longest
    return min(longest, max((next_fire_at - now).total_seconds(), SHORTEST_PAUSE_SECONDS))
