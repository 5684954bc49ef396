"""Which open clocks stop without being met, each for the reason `clock-stopped` gives."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from liaison_sla_monitor.contract import BREACH, ClockSpec
from liaison_sla_monitor.rules.case import Clock

C = TypeVar("C", bound=Clock)


def off_track(clocks: Iterable[C], specs: Iterable[ClockSpec]) -> list[C]:
    """`not_on_track`: the open clocks the case's (new) track and priority do not carry."""
    carried = {spec.name for spec in specs}
    return [clock for clock in clocks if clock.state == "open" and clock.name not in carried]


def on_resolution(clocks: Iterable[C]) -> list[C]:
    """`resolved`: every clock resolution left open (it met the ones it meets)."""
    return [clock for clock in clocks if clock.state == "open"]


def on_withdrawal(clocks: Iterable[C], withdrawn: str, mco: str = "") -> list[C]:
    """`breach_withdrawn`: the open follow-ups the breach of the clock named `withdrawn` (the instance of
    `mco`) started, which have no cause left once that breach is withdrawn."""
    return [clock for clock in clocks
            if clock.starts_on == f"{BREACH}{withdrawn}" and clock.mco == mco and clock.state == "open"]
