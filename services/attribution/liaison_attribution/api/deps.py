"""What attribution's routes are given: the use cases, the survey, the caller with
the scope each route needs, and the day the rules apply as of."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Query

from liaison_attribution.bulk_export import BulkExports
from liaison_attribution.fhir_groups import AttributionGroups
from liaison_attribution.service import Attribution
from liaison_attribution.survey import Survey
from liaison_shared import clock
from liaison_shared.access import ATTRIBUTION_READ, ATTRIBUTION_WRITE
from liaison_shared.deps import ReadSession, Work, provided
from liaison_shared.fields import CalendarDate
from liaison_shared.principal import Principal, require_scope
from liaison_shared.program import program_calendar

__all__ = ["AsOf", "Exports", "Groups", "ReadSession", "Reader", "Surveys", "Uses", "Work", "Writer", "today"]

Uses = Annotated[Attribution, Depends(provided(Attribution))]
Groups = Annotated[AttributionGroups, Depends(provided(AttributionGroups))]
Exports = Annotated[BulkExports, Depends(provided(BulkExports))]
Surveys = Annotated[Survey, Depends(provided(Survey))]
Writer = Annotated[Principal, Depends(require_scope(ATTRIBUTION_WRITE))]
Reader = Annotated[Principal, Depends(require_scope(ATTRIBUTION_READ))]
AsOf = Annotated[CalendarDate | None, Query(description="The day the rules apply as of; default: today.")]


def today() -> date:
    """The program's local date (after 18:00 in Iowa it is already tomorrow in UTC)."""
    return program_calendar().local(clock.now()).date()
