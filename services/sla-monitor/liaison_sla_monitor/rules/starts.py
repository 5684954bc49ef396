"""Which clocks start, from which anchor, and whether they start met: on triage, on a signal, on a
referral, on a reopening and on another clock's breach.

A clock is anchored at the instant of what starts it: an inquiry's receipt for `triaged`, the
signal's own time for another signal (recorded before triage, its last time), the reopening, or the
breached clock's deadline for a follow-up. A meeting signal recorded at or after the anchor meets it
the moment it starts. An MCO clock runs one instance per MCO the case was referred to (`rules.mcos`):
the first MCO's from the usual anchor, a further MCO's from its own referral (it cannot act before it
is told).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from liaison_shared.calendar import BusinessCalendar
from liaison_sla_monitor.contract import ClockSpec, Signal
from liaison_sla_monitor.rules.case import Clock, RecordedSignal
from liaison_sla_monitor.rules.deadlines import due
from liaison_sla_monitor.rules.mcos import CASE_LEVEL, is_mco_clock, referred, referred_at
from liaison_sla_monitor.rules.meeting import met_at_start


@dataclass(frozen=True)
class ClockStart:
    """A clock (one instance: case-level, or one MCO's) to start, or to start again over what it was."""

    spec: ClockSpec
    anchor: datetime
    warn_at: datetime
    due_at: datetime
    met_at: datetime | None  # a meeting signal came first: the clock starts met
    new_cycle: bool = False  # a restart, counted as the clock's next cycle
    mco: str = CASE_LEVEL  # the MCO whose instance this is


def start(spec: ClockSpec, anchor: datetime, recorded: Iterable[RecordedSignal], calendar: BusinessCalendar, *,
          new_cycle: bool = False, mco: str = CASE_LEVEL, scheduled_on: date | None = None) -> ClockStart:
    """`spec` started at `anchor` for `mco` (a case scheduled for `scheduled_on`): its warning and deadline, and
    when the signals recorded already meet it."""
    warn_at, due_at = due(spec, anchor, calendar, scheduled_on=scheduled_on)
    return ClockStart(spec, anchor, warn_at, due_at, met_at_start(spec.met_by, recorded, anchor, mco), new_cycle,
                      mco)


def on_triage(specs: Iterable[ClockSpec], clocks: Sequence[Clock], recorded: Sequence[RecordedSignal],
              received_at: datetime, calendar: BusinessCalendar) -> list[ClockStart]:
    """What triage's decision starts, given the case's `clocks` so far.

    A `triaged` clock starts from the receipt; still open from an earlier decision (a new priority or
    track), each instance is recomputed from its original anchor, and once closed it is left alone. A
    clock on another signal starts if that signal was recorded before triage, from its last time. Of an
    MCO clock, the referrals recorded before triage start each MCO's instance (a `triaged` one: the first
    MCO's from the receipt, a further MCO's from its referral). Follow-ups wait for their breach."""
    mcos = referred(recorded)
    plan: list[ClockStart] = []
    for spec in specs:
        instances = [clock for clock in clocks if clock.name == spec.name]
        have = {clock.mco for clock in instances}
        if spec.starts_on == Signal.TRIAGED:
            plan += [start(spec, clock.anchor_at, recorded, calendar, mco=clock.mco)
                     for clock in instances if clock.state == "open"]
            per_mco = is_mco_clock(spec) and bool(mcos)
            if not instances:
                plan.append(start(spec, received_at, recorded, calendar, mco=mcos[0] if per_mco else CASE_LEVEL))
            if per_mco:
                plan += [start(spec, referred_at(recorded, mco), recorded, calendar, mco=mco)
                         for mco in mcos[1:] if mco not in have]
        elif isinstance(spec.starts_on, Signal):
            seen: dict[str, list[datetime]] = {}
            for r in recorded:
                if r.signal == spec.starts_on:
                    seen.setdefault((r.mco or CASE_LEVEL) if is_mco_clock(spec) else CASE_LEVEL, []).append(r.at)
            plan += [start(spec, max(times), recorded, calendar, mco=mco) for mco, times in seen.items()
                     if mco not in have and (mco != CASE_LEVEL or not instances)]
    return plan


def on_signal(specs: Iterable[ClockSpec], clocks: Iterable[Clock], signal: Signal, at: datetime,
              recorded: Sequence[RecordedSignal], calendar: BusinessCalendar,
              mco: str | None = None, scheduled_on: date | None = None) -> list[ClockStart]:
    """The clocks `signal` (happened at `at`, from `mco`) starts from `at`: those of the case that never
    started, and of an MCO clock the instance of an MCO that has none (a case scheduled for `scheduled_on`)."""
    clocks = list(clocks)
    plan = []
    for spec in specs:
        key = mco if mco and is_mco_clock(spec) else CASE_LEVEL
        if spec.starts_on != signal or any(c.name == spec.name and (c.mco == key or key == CASE_LEVEL)
                                           for c in clocks):
            continue
        plan.append(start(spec, at, recorded, calendar, mco=key, scheduled_on=scheduled_on))
    return plan


def on_further_referral(specs: Iterable[ClockSpec], clocks: Iterable[Clock], mco: str, at: datetime,
                        recorded: Sequence[RecordedSignal], calendar: BusinessCalendar) -> list[ClockStart]:
    """A referral at `at` to an MCO other than the case's first: its own instance of each MCO clock that
    started at triage, from the referral (the ones a referral starts, `on_signal` starts)."""
    have = {(clock.name, clock.mco) for clock in clocks}
    return [start(spec, at, recorded, calendar, mco=mco) for spec in specs
            if spec.starts_on == Signal.TRIAGED and is_mco_clock(spec) and (spec.name, mco) not in have]


def on_reopening(specs: Iterable[ClockSpec], clocks: Iterable[Clock], at: datetime,
                 recorded: Sequence[RecordedSignal], calendar: BusinessCalendar) -> list[ClockStart]:
    """A reopening at `at` runs each `triaged` clock with `restart_on_reopen` again, from `at` (each
    instance it had)."""
    clocks = list(clocks)
    plan = []
    for spec in specs:
        if spec.starts_on == Signal.TRIAGED and spec.restart_on_reopen:
            mcos = sorted({clock.mco for clock in clocks if clock.name == spec.name}) or [CASE_LEVEL]
            plan += [start(spec, at, recorded, calendar, new_cycle=True, mco=mco) for mco in mcos]
    return plan


def follow_ups(specs: Iterable[ClockSpec], breached: str) -> list[ClockSpec]:
    """The clocks the breach of the clock named `breached` starts."""
    return [spec for spec in specs if spec.breach_of == breached]


def on_breach(specs: Iterable[ClockSpec], breached: str, due_at: datetime, recorded: Sequence[RecordedSignal],
              calendar: BusinessCalendar, mco: str = CASE_LEVEL) -> list[ClockStart]:
    """The follow-ups of `breached` (due at `due_at`), started again from its deadline, the breach instant;
    the follow-ups of an MCO's instance are that MCO's."""
    return [start(spec, due_at, recorded, calendar, new_cycle=True, mco=mco)
            for spec in follow_ups(specs, breached)]
