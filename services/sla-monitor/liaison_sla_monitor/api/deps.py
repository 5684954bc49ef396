"""What the SLA monitor's routes are given: the use cases (for the policy's calendar), a read session
and the caller, with the scope to read."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from liaison_shared.access import CLOCKS_READ
from liaison_shared.deps import ReadSession, provided
from liaison_shared.principal import Principal, require_scope
from liaison_sla_monitor.service import SlaMonitor

__all__ = ["Monitor", "ReadSession", "Reader"]

Monitor = Annotated[SlaMonitor, Depends(provided(SlaMonitor))]
Reader = Annotated[Principal, Depends(require_scope(CLOCKS_READ))]
