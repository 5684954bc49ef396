"""Which clocks start, from which anchor, and whether they start met: on triage, on a signal, on a
reopening and on another clock's breach.

A clock is anchored at the instant of what starts it: an inquiry's receipt for `triaged`, the
signal's own time for another signal (recorded before triage, its last time), the reopening, or the
breached clock's deadline for a follow-up. A meeting signal recorded at or after the anchor meets it
the moment it starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from liaison_shared.calendar import BusinessCalendar
from liaison_sla_monitor.contract import ClockSpec, Signal
from liaison_sla_monitor.rules.case import Clock, RecordedSignal
from liaison_sla_monitor.rules.deadlines import due
from liaison_sla_monitor.rules.meeting import met_at_start


@dataclass(frozen=True)
class ClockStart:
    """A clock to start, or to start again over what it was."""

    spec: ClockSpec
    anchor: datetime
    warn_at: datetime
    due_at: datetime
    met_at: datetime | None  # a meeting signal came first: the clock starts met
    new_cycle: bool = False  # a restart, counted as the clock's next cycle


def start(spec: ClockSpec, anchor: datetime, recorded: Iterable[RecordedSignal], calendar: BusinessCalendar, *,
          new_cycle: bool = False) -> ClockStart:
    """`spec` started at `anchor`: its warning and deadline, and when the signals recorded already meet it."""
    warn_at, due_at = due(spec, anchor, calendar)
    return ClockStart(spec, anchor, warn_at, due_at, met_at_start(spec.met_by, recorded, anchor), new_cycle)


def on_triage(specs: Iterable[ClockSpec], clocks: Iterable[Clock], recorded: Sequence[RecordedSignal],
              received_at: datetime, calendar: BusinessCalendar) -> list[ClockStart]:
    """What triage's decision starts, given the case's `clocks` so far.

    A `triaged` clock starts from the receipt; still open from an earlier decision (a new priority or
    track), it is recomputed from its original anchor, and once closed it is left alone. A clock on
    another signal starts if that signal was recorded before triage, from its last time. Follow-ups
    wait for their breach."""
    started = {clock.name: clock for clock in clocks}
    starts: list[ClockStart] = []
    for spec in specs:
        clock = started.get(spec.name)
        if spec.starts_on == Signal.TRIAGED:
            if clock is None or clock.state == "open":
                anchor = received_at if clock is None else clock.anchor_at
                starts.append(start(spec, anchor, recorded, calendar))
        elif clock is None and isinstance(spec.starts_on, Signal):
            seen = [r.at for r in recorded if r.signal == spec.starts_on]
            if seen:
                starts.append(start(spec, max(seen), recorded, calendar))
    return starts


def on_signal(specs: Iterable[ClockSpec], clocks: Iterable[Clock], signal: Signal, at: datetime,
              recorded: Sequence[RecordedSignal], calendar: BusinessCalendar) -> list[ClockStart]:
    """The clocks `signal` (happened at `at`) starts from `at`: those of the case that never started."""
    started = {clock.name for clock in clocks}
    return [start(spec, at, recorded, calendar) for spec in specs
            if spec.starts_on == signal and spec.name not in started]


def on_reopening(specs: Iterable[ClockSpec], at: datetime, recorded: Sequence[RecordedSignal],
                 calendar: BusinessCalendar) -> list[ClockStart]:
    """A reopening at `at` runs each `triaged` clock with `restart_on_reopen` again, from `at`."""
    return [start(spec, at, recorded, calendar, new_cycle=True) for spec in specs
            if spec.starts_on == Signal.TRIAGED and spec.restart_on_reopen]


def follow_ups(specs: Iterable[ClockSpec], breached: str) -> list[ClockSpec]:
    """The clocks the breach of the clock named `breached` starts."""
    return [spec for spec in specs if spec.breach_of == breached]


def on_breach(specs: Iterable[ClockSpec], breached: str, due_at: datetime, recorded: Sequence[RecordedSignal],
              calendar: BusinessCalendar) -> list[ClockStart]:
    """The follow-ups of `breached` (due at `due_at`), started again from its deadline, the breach instant."""
    return [start(spec, due_at, recorded, calendar, new_cycle=True) for spec in follow_ups(specs, breached)]
