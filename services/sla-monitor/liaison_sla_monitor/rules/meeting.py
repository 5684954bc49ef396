"""What meets a clock: one of its `met_by` signals, happened after it started (and, for a clock already
declared breached, before its deadline: an action counts when it happened, not when it was recorded).
A signal from one MCO meets the case-level clocks and that MCO's instances only (`mcos.concerns`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from liaison_sla_monitor.contract import Signal
from liaison_sla_monitor.rules.case import Clock, RecordedSignal
from liaison_sla_monitor.rules.mcos import CASE_LEVEL, concerns

C = TypeVar("C", bound=Clock)


def meets(signal: Signal, at: datetime, clock: Clock, mco: str | None = None) -> bool:
    """Whether `signal`, which happened at `at` (from `mco`; None: the case's own), meets `clock`."""
    if str(signal) not in clock.met_by or at < clock.anchor_at or not concerns(mco, clock.mco):
        return False
    return clock.state == "open" or (clock.state == "breached" and at < clock.due_at)


def met_by_signal(signal: Signal, at: datetime, clocks: Iterable[C], mco: str | None = None) -> list[C]:
    """The clocks `signal` at `at` (from `mco`) meets, in the order given."""
    return [clock for clock in clocks if meets(signal, at, clock, mco)]


def met_at_start(met_by: Sequence[Signal], recorded: Iterable[RecordedSignal], anchor: datetime,
                 mco: str = CASE_LEVEL) -> datetime | None:
    """When the instance of `mco` of a clock starting at `anchor` is met already: the first meeting signal
    concerning it recorded at or after the anchor (topics are not ordered among themselves, so it may have
    arrived first); else None."""
    meeting = {str(signal) for signal in met_by}
    return min((seen.at for seen in recorded
                if seen.signal in meeting and seen.at >= anchor and concerns(seen.mco, mco)), default=None)
