"""What meets a clock: one of its `met_by` signals, happened after it started (and, for a clock already
declared breached, before its deadline: an action counts when it happened, not when it was recorded)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from liaison_sla_monitor.contract import Signal
from liaison_sla_monitor.rules.case import Clock, RecordedSignal

C = TypeVar("C", bound=Clock)


def meets(signal: Signal, at: datetime, clock: Clock) -> bool:
    """Whether `signal`, which happened at `at`, meets `clock`."""
    if str(signal) not in clock.met_by or at < clock.anchor_at:
        return False
    return clock.state == "open" or (clock.state == "breached" and at < clock.due_at)


def met_by_signal(signal: Signal, at: datetime, clocks: Iterable[C]) -> list[C]:
    """The clocks `signal` at `at` meets, in the order given."""
    return [clock for clock in clocks if meets(signal, at, clock)]


def met_at_start(met_by: Sequence[Signal], recorded: Iterable[RecordedSignal], anchor: datetime) -> datetime | None:
    """When a clock starting at `anchor` is met already: the first meeting signal recorded at or after
    the anchor (topics are not ordered among themselves, so it may have arrived first); else None."""
    meeting = {str(signal) for signal in met_by}
    return min((seen.at for seen in recorded if seen.signal in meeting and seen.at >= anchor), default=None)
