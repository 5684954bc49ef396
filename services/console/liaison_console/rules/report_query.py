"""The reports the console shows, and what a report page asks for, read from its URL: the period
(default the last three whole months), the time zone (default the program's) and the report's own
choices. The console only picks out the parameters a report has; their values are reporting's to
judge: its 422 names the field, and the page shows the reason beside it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import urlencode

from liaison_shared.vocabulary import Priority, Source, Track

MEASURES = ("first_contact", "resolution")
PERIOD_MONTHS = 3


@dataclass(frozen=True)
class Choice:
    """A report's own parameter, as a form offers it."""

    name: str  # the URL parameter, as reporting names it
    label: str
    options: tuple[str, ...]
    default: tuple[str, ...]
    multiple: bool = False  # several at once (reporting takes them comma-separated)
    filter: bool = False  # narrows the cases ("" is all of them, and not asked for)
    typed: bool = False  # typed in (an MCO's code), not picked from `options`


@dataclass(frozen=True)
class ReportKind:
    slug: str  # the report's name at reporting, and in the console's address
    title: str
    summary: str
    choices: tuple[Choice, ...] = ()
    dated: bool = True  # covers a period; open breaches are of now
    cut: bool = False  # before/after: the day the "after" begins

    @property
    def all_choices(self) -> tuple[Choice, ...]:
        """Its own choices, and the filters if it covers a period."""
        return self.choices + (FILTERS if self.dated else ())


def _measure(default: str = "resolution") -> Choice:
    return Choice("measure", "Measure", MEASURES, (default,))


FILTERS = (Choice("track", "Track", ("", *Track), ("",), filter=True),
           Choice("priority", "Priority", ("", *Priority), ("",), filter=True),
           Choice("source", "Source", ("", *Source), ("",), filter=True),
           Choice("mco", "MCO (code)", (), ("",), filter=True, typed=True))
"""What every report of a period can be narrowed to: one track, priority, source or MCO (or all)."""


REPORTS: dict[str, ReportKind] = {kind.slug: kind for kind in (
    ReportKind("sla-compliance", "SLA compliance",
               "The share of clock cycles met, with the met and breached counts, per the groups you choose.",
               (Choice("group_by", "Group by", ("clock", "track", "priority", "mco", "source", "month"), ("clock",),
                       multiple=True),)),
    ReportKind("open-breaches", "Open breaches",
               "Clocks breached on cases still open, oldest first, by how long they are overdue.", dated=False),
    ReportKind("durations", "Durations",
               "Median and 90th percentile time to first contact or to resolution, in business and calendar hours.",
               (_measure(), Choice("group_by", "Group by", ("track", "priority", "mco", "source"), ("priority",),
                                   multiple=True))),
    ReportKind("secondary-escalations", "Secondary escalations",
               "Cases reopened, or escalated again after being worked, as a share of the cases received."),
    ReportKind("pareto", "Pareto",
               "Cases by source, category or MCO, largest first, with the cumulative share and the vital few.",
               (Choice("by", "By", ("source", "category", "mco"), ("source",)),)),
    ReportKind("control-chart", "Control chart",
               "The daily median time as an I-MR chart, with its control limits and the days that break a run "
               "rule.", (_measure(),)),
    ReportKind("before-after", "Before and after",
               "The time before and after a date you pick: box plots, the medians, the change and Mood's median "
               "test.", (_measure(),), cut=True),
    ReportKind("mco-scorecard", "MCO scorecard",
               "Per MCO and month: referrals, the median time to the MCO's contact, and its clocks met and "
               "breached."),
    ReportKind("grievances-appeals", "Grievances and appeals",
               "Per MCO and type: grievances and appeals received and resolved, the share resolved on time, "
               "extensions, expedited requests, resolutions, reasons and state fair hearings, and the MCPAR items."),
)}


@dataclass(frozen=True)
class ReportQuery:
    """One report page: the parameters as the person gave them (or their defaults)."""

    kind: ReportKind
    start: str = ""
    end: str = ""
    tz: str = ""
    cut: str = ""
    chosen: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def values(self, name: str) -> tuple[str, ...]:
        return self.chosen.get(name, ())

    def narrowed(self) -> list[tuple[str, tuple[str, ...]]]:
        """The filters not left at "all", each as (what, the values chosen), for the page to state."""
        return [(c.label.removesuffix(" (code)"), values) for c in self.kind.all_choices
                if c.filter and (values := tuple(v for v in self.values(c.name) if v))]

    def reporting_params(self) -> dict[str, str]:
        """What reporting is asked for (several choices of one parameter comma-separated)."""
        params: dict[str, str] = {}
        if self.kind.dated:
            params.update(start=self.start, end=self.end)
            if self.tz:
                params["tz"] = self.tz
        if self.kind.cut:
            params["cut"] = self.cut
        for choice in self.kind.all_choices:
            value = ",".join(self.values(choice.name))
            if value or not choice.filter:
                params[choice.name] = value
        return params

    def url(self, suffix: str = "") -> str:
        """This page's address (`suffix` ".xlsx" or ".csv": its download), every parameter in it."""
        params = self.reporting_params()
        query = urlencode(params)
        return f"/reports/{self.kind.slug}{suffix}" + (f"?{query}" if query else "")

    def days(self) -> tuple[date, date] | None:
        """The period's first and last day, if both are dates and in order."""
        first, last = as_date(self.start), as_date(self.end)
        return (first, last) if first and last and first <= last else None


def as_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def last_whole_months(today: date, months: int = PERIOD_MONTHS) -> tuple[date, date]:
    """The first and last day of the `months` whole months before the one `today` is in."""
    first_of_this = today.replace(day=1)
    index = first_of_this.year * 12 + first_of_this.month - 1 - months
    return date(index // 12, index % 12 + 1, 1), first_of_this - timedelta(days=1)


def middle_day(first: date, last: date) -> date:
    """The day that splits [first, last] in halves (the later middle for an even count of days)."""
    return first + timedelta(days=((last - first).days + 1) // 2)


def parse_report_query(kind: ReportKind, params: Mapping[str, Sequence[str]], *, today: date,
                       zone: str) -> ReportQuery:
    """The page these URL parameters (each name with all its values) ask for, defaults filled in."""

    def given(name: str) -> str | None:
        values = params.get(name)
        return values[-1].strip() if values else None

    first, last = last_whole_months(today)
    start, end = given("start") or first.isoformat(), given("end") or last.isoformat()
    chosen: dict[str, tuple[str, ...]] = {}
    for choice in kind.all_choices:
        if choice.name not in params:
            chosen[choice.name] = choice.default
        elif choice.multiple:  # comma-separated or repeated (a form's checkboxes); none checked: none
            chosen[choice.name] = tuple(dict.fromkeys(
                part.strip() for value in params[choice.name] for part in value.split(",") if part.strip()))
        else:
            chosen[choice.name] = (given(choice.name) or choice.default[0],)
    tz = (given("tz") or zone) if kind.dated else zone  # a report of now is in the program's zone
    query = ReportQuery(kind=kind, start=start, end=end, tz=tz, chosen=chosen)
    if kind.cut:
        days = query.days()
        cut = given("cut") or (middle_day(*days).isoformat() if days else "")
        query = replace(query, cut=cut)
    return query
