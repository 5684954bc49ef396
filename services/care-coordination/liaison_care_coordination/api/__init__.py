"""Care coordination's API, one router per resource."""

from __future__ import annotations

from liaison_care_coordination.api import conferences, high_risk_lists, measures, transitions

ROUTERS = (high_risk_lists.router, conferences.router, transitions.router, measures.router)
