"""The SLA monitor's read API, one router per resource, in the order they are served."""

from __future__ import annotations

from liaison_sla_monitor.api import clocks, compliance

ROUTERS = (clocks.router, compliance.router)
