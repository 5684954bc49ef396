"""The reports: SLA compliance, breaches open now, durations, secondary escalations, Pareto charts, the
I-MR control chart, before and after a process change, the MCO scorecard, and grievances and appeals (in the
shape of the MCPAR's Topic IV). Each covers the local
days [start, end] in the time zone `tz` (default the program's), and answers as JSON, or as the .xlsx
or CSV file that `format` asks for (see `liaison_reporting.export`)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response

from liaison_reporting import export
from liaison_reporting.aggregates import Scope
from liaison_reporting.api.deps import Period, Reader, ReadSession, Uses, invalid
from liaison_shared import clock
from liaison_shared.fields import CalendarDate

router = APIRouter(prefix="/v1/reports", tags=["reports"])

COMPLIANCE_GROUPS = ("clock", "track", "priority", "mco", "source", "month")
DURATION_GROUPS = ("track", "priority", "mco", "source")
Measure = Literal["first_contact", "resolution"]
Format = Literal["json", "xlsx", "csv"]
Rows = list[dict[str, Any]]
Figures = dict[str, Any]
Report = TypeVar("Report", Rows, Figures)

MEDIA = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "csv": "text/csv; charset=utf-8"}
FILES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The report: JSON, or the file `format` asks for", "content": {m: {} for m in MEDIA.values()}}}


def groups(raw: str, allowed: tuple[str, ...]) -> list[str]:
    chosen = [g for g in raw.split(",") if g]
    unknown = [g for g in chosen if g not in allowed]
    if unknown or len(set(chosen)) != len(chosen):
        raise invalid("group_by", f"a comma-separated choice of {', '.join(allowed)}, each once")
    return chosen


def heading(report: str, period: Scope, chosen: list[str] | None = None, detail: str = "") -> export.Heading:
    last = (period.end - timedelta(days=1)).date()  # the period's end is the midnight after its last day
    only = "; ".join(f"{name} {' or '.join(values)}" for name, values in period.chosen)
    detail = "; ".join(part for part in (detail, f"only {only}" if only else "") if part)
    return export.Heading(report=report, zone=period.zone, generated_at=clock.now(),
                          days=(period.start.date(), last), groups=tuple(chosen or ()), detail=detail)


def answer(report: Report, format: Format, about: export.Heading) -> Report | Response:
    """The report as JSON (as it is), or as an attachment in the asked format."""
    if format == "json":
        return report
    body = export.as_csv(report, about) if format == "csv" else export.as_xlsx(report, about)
    days = about.days or (about.generated_at.astimezone(ZoneInfo(about.zone)).date(),)  # a report of now: today
    name = f"{about.report}_{'_'.join(map(str, days))}.{format}"
    return Response(body, media_type=MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def measured(measure: str) -> str:
    return f"time to {measure.replace('_', ' ')}"


def by(chosen: list[str]) -> str:
    return f"by {', '.join(chosen)}" if chosen else "all cases"


@router.get("/sla-compliance", summary="Met and breached cycles of every clock, per the chosen groups",
            response_model=Rows, responses=FILES)
async def sla_compliance(uses: Uses, session: ReadSession, period: Period,
                         group_by: Annotated[str, Query(max_length=100)] = "clock,track,priority",
                         format: Format = "json") -> Rows | Response:
    chosen = groups(group_by, COMPLIANCE_GROUPS)
    return answer(await uses.compliance(session, period, chosen), format,
                  heading("sla-compliance", period, chosen, by(chosen)))


@router.get("/open-breaches", summary="Breached clocks of cases still open, oldest first, with their age",
            response_model=Rows, responses=FILES)
async def open_breaches(reader: Reader, uses: Uses, session: ReadSession, format: Format = "json") -> Rows | Response:
    now = clock.now()
    about = export.Heading(report="open-breaches", zone=str(uses.calendar.zone), generated_at=now)
    return answer(await uses.open_breaches(session, reader.mco, now), format, about)


@router.get("/durations", summary="Median and p90 time to first contact or to resolution, in business and "
            "calendar hours", response_model=Rows, responses=FILES)
async def durations(uses: Uses, session: ReadSession, period: Period, measure: Measure = "resolution",
                    group_by: Annotated[str, Query(max_length=100)] = "track,priority",
                    format: Format = "json") -> Rows | Response:
    chosen = groups(group_by, DURATION_GROUPS)
    return answer(await uses.durations(session, period, measure, chosen), format,
                  heading("durations", period, chosen, f"{measured(measure)}, {by(chosen)}"))


@router.get("/secondary-escalations", summary="Cases reopened, or escalated again after being worked, as a rate",
            response_model=Figures, responses=FILES)
async def secondary_escalations(uses: Uses, session: ReadSession, period: Period,
                                format: Format = "json") -> Figures | Response:
    return answer(await uses.secondary_escalations(session, period), format,
                  heading("secondary-escalations", period))


@router.get("/pareto", summary="Cases by source, category or MCO, largest first, with the cumulative share",
            response_model=Figures, responses=FILES)
async def pareto(uses: Uses, session: ReadSession, period: Period,
                 by: Literal["source", "category", "mco"] = "source", format: Format = "json") -> Figures | Response:
    return answer(await uses.pareto(session, period, by), format, heading("pareto", period, detail=f"by {by}"))


@router.get("/control-chart", summary="I-MR chart of the daily median time (business hours), with run rules",
            response_model=Figures, responses=FILES)
async def control_chart(uses: Uses, session: ReadSession, period: Period, measure: Measure = "resolution",
                        format: Format = "json") -> Figures | Response:
    return answer(await uses.control_chart(session, period, measure), format,
                  heading("control-chart", period, detail=measured(measure)))


@router.get("/before-after", summary="Before and after a process change: medians, box plots, Mood's median test",
            response_model=Figures, responses=FILES)
async def before_after(uses: Uses, session: ReadSession, period: Period, cut: CalendarDate,
                       measure: Measure = "resolution", format: Format = "json") -> Figures | Response:
    if not period.start.date() < cut <= period.end.date():
        raise invalid("cut", "must fall within the period, after its first day")
    return answer(await uses.before_after(session, period, date.fromisoformat(cut.isoformat()), measure), format,
                  heading("before-after", period, detail=f"{measured(measure)}, cut {cut}"))


@router.get("/mco-scorecard", summary="Per MCO and month: referrals, time to the MCO's contact, its clocks",
            response_model=Rows, responses=FILES)
async def mco_scorecard(uses: Uses, session: ReadSession, period: Period, format: Format = "json") -> Rows | Response:
    return answer(await uses.mco_scorecard(session, period), format, heading("mco-scorecard", period))


@router.get("/grievances-appeals", summary="Grievances and appeals per MCO and type: received, resolved on time, "
            "extended, expedited, by resolution and reason, state fair hearings; the MCPAR items of them",
            response_model=Figures, responses=FILES)
async def grievances_appeals(uses: Uses, session: ReadSession, period: Period,
                             format: Format = "json") -> Figures | Response:
    """Per MCO and type (grievance, standard appeal, expedited appeal) over the local days [start, end]. The CSV is
    the table per MCO and type; the workbook has it with a chart of the share resolved on time, and a sheet each
    for grievances by reason, the reviews beyond the plan and the MCPAR items."""
    return answer(await uses.grievances_appeals(session, period), format, heading("grievances-appeals", period))
