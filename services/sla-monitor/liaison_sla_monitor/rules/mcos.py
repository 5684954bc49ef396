"""Per-MCO clocks: a case referred to several MCOs runs, for each of them, its own instance of every MCO
clock of its row, and each MCO's reports meet only its own instances.

An MCO clock starts on a referral (`mco_contacted`) or is met only by the MCO's reports (`mco_reported`,
`mco_reported_contact`); its follow-ups belong to the MCO whose instance breached. Every other clock is
the case's own: one instance, keyed '' (`CASE_LEVEL`), met by any MCO's signal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TypeVar

from liaison_sla_monitor.contract import ClockSpec, Signal
from liaison_sla_monitor.rules.case import Clock, RecordedSignal

C = TypeVar("C", bound=Clock)

CASE_LEVEL = ""
MCO_REPORTS = frozenset({Signal.MCO_REPORTED, Signal.MCO_REPORTED_CONTACT})


def is_mco_clock(spec: ClockSpec) -> bool:
    """Whether `spec` times an MCO's obligation: it starts on a referral or only the MCO's reports meet it."""
    return spec.starts_on == Signal.MCO_CONTACTED or set(spec.met_by) <= MCO_REPORTS


def concerns(signal_mco: str | None, instance_mco: str) -> bool:
    """Whether a signal from `signal_mco` (None: the case's own) counts for the instance of `instance_mco`:
    an MCO's signal concerns the case-level clocks and that MCO's instances only."""
    return signal_mco is None or instance_mco in (CASE_LEVEL, signal_mco)


def referred(recorded: Iterable[RecordedSignal]) -> list[str]:
    """The MCOs the case was referred to, each once, in the order the referrals were recorded (the first is
    the case's first referral, whose MCO takes over the MCO clocks that ran before it)."""
    return list(dict.fromkeys(seen.mco for seen in recorded if seen.signal == Signal.MCO_CONTACTED and seen.mco))


def referred_at(recorded: Iterable[RecordedSignal], mco: str) -> datetime:
    """When the case was first referred to `mco` (a re-referral changes nothing)."""
    return min(seen.at for seen in recorded if seen.signal == Signal.MCO_CONTACTED and seen.mco == mco)


def to_stamp(clocks: Iterable[C], specs: Sequence[ClockSpec]) -> list[C]:
    """The open case-level instances of MCO clocks (started at triage, before any referral): the case's first
    referral makes them its MCO's."""
    mco_clocks = {spec.name for spec in specs if is_mco_clock(spec)}
    return [clock for clock in clocks if clock.state == "open" and clock.mco == CASE_LEVEL
            and clock.name in mco_clocks]
