"""A case as the rules read it: the clocks started for it and the signals recorded for it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    """A started clock of the case, as stored."""

    @property
    def name(self) -> str: ...
    @property
    def state(self) -> str: ...  # open, met, breached or stopped
    @property
    def starts_on(self) -> str: ...  # a signal, or breach:<clock> for a follow-up
    @property
    def met_by(self) -> Sequence[str]: ...
    @property
    def anchor_at(self) -> datetime: ...
    @property
    def warn_at(self) -> datetime: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def warned(self) -> bool: ...
    @property
    def mco(self) -> str: ...  # the MCO whose obligation this instance times; '' for a case-level clock


class RecordedSignal(Protocol):
    """A signal seen for the case, at the instant it happened (not when it was recorded)."""

    @property
    def signal(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def mco(self) -> str | None: ...  # the MCO a referral or a report came from; None: the case's own
