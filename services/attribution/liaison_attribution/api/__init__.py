"""Attribution's HTTP API, one router per resource, in the order they are served."""

from __future__ import annotations

from liaison_attribution.api import (
    attribution_lists,
    attribution_runs,
    fhir_api,
    fhir_export,
    panel_removals,
    pcp,
    reassignment_campaign,
    records,
    survey,
)

ROUTERS = (records.router, attribution_runs.router, pcp.router, panel_removals.router,
           reassignment_campaign.router, attribution_lists.router, survey.router, fhir_api.router,
           fhir_export.router)
