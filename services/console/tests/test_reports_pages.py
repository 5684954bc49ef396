"""The report pages on a real reporting service: a fixed November history published to Kafka, consumed
by reporting, and each page's table checked against reporting's own JSON (and a figure computed from
the events); the MCO confinement, parameter errors beside their fields, the downloads and reporting
being down."""

from __future__ import annotations

import io
import re
import statistics
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from openpyxl import load_workbook

from liaison_console.rules.clocks import CLOCK_WORDS
from liaison_shared.payloads import (
    Actor,
    AppealDetails,
    ClockStartedV1,
    ContactAttemptedV1,
    InquiryReceivedV1,
    InquiryReopenedV1,
    InquiryResolvedV1,
    McoContactedV1,
    McoReportedV1,
    MemberIdentity,
    Payload,
    PriorityAssignedV1,
    SlaBreachedV1,
    SlaMetV1,
)
from liaison_shared.testing.plugin import SettingsFactory
from liaison_shared.testing.system import free_port

from .conftest import HTML, Console, Reporting, console_settings, running_console

CHICAGO = ZoneInfo("America/Chicago")
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ACTOR = Actor(subject="s-1", name="Maria Lopez", roles=("member-liaison",))
MCO_ACTOR = Actor(subject="s-2", name="Tina Example", roles=("mco-staff",))


def local(day: int, hour: float) -> datetime:
    return datetime(2026, 11, day, tzinfo=CHICAGO) + timedelta(hours=hour)


@dataclass(frozen=True)
class Case:
    """One case of the history: received at 09:00 on a November weekday."""

    day: int
    source: str
    priority: str
    referred: str | None  # the MCO it was referred to
    resolved_after: float | None  # hours after receipt (None: still open)
    called_back_in_time: bool  # its "call back the originator" clock met (else breached)
    mco_in_time: bool | None = None  # the MCO's clock met, breached, or none
    reopened: bool = False


HISTORY = (
    Case(2, "managed_care_ombudsman", "urgent", "IA-TC", 2.0, True, True),
    Case(3, "managed_care_ombudsman", "urgent", "IA-TC", 3.0, True, False, reopened=True),
    Case(4, "provider", "urgent", "IA-AG", 5.0, False, True),
    Case(5, "managed_care_ombudsman", "urgent", "IA-AG", 4.0, True),
    Case(6, "provider", "standard", None, 6.0, True),
    Case(16, "legislative_liaison", "standard", "IA-TC", 1.5, True, True),
    Case(17, "managed_care_ombudsman", "standard", None, 2.5, False),
    Case(18, "provider", "standard", "IA-TC", 3.0, True),
    Case(20, "managed_care_ombudsman", "urgent", "IA-TC", None, False),  # open, its breach too
)


def events_of(case: Case) -> list[Payload]:
    inquiry_id, received = uuid.uuid4(), local(case.day, 9)
    due = local(case.day, 13)
    events: list[Payload] = [
        InquiryReceivedV1(inquiry_id=inquiry_id, party="member", source=case.source, category="pharmacy",
                          mco=case.referred, member=MemberIdentity(name="Synthetic Member"),
                          description="Synthetic.", received_at=received),
        PriorityAssignedV1(inquiry_id=inquiry_id, track="member_mco", priority=case.priority, queue="member_liaison",
                           subject="[TEST] Member", mco=case.referred, ruleset_version="t", received_at=received,
                           decided_at=received),
        ClockStartedV1(inquiry_id=inquiry_id, clock="originator_contacted", track="member_mco",
                       priority=case.priority, warn_at=local(case.day, 11), due_at=due, started_at=received)]
    if case.called_back_in_time:
        events += [ContactAttemptedV1(inquiry_id=inquiry_id, channel="phone", outcome="reached", attempt_number=1,
                                      actor=ACTOR, at=local(case.day, 9.75)),
                   SlaMetV1(inquiry_id=inquiry_id, clock="originator_contacted", due_at=due,
                            met_at=local(case.day, 9.75), took_business_seconds=2700)]
    else:
        events.append(SlaBreachedV1(inquiry_id=inquiry_id, clock="originator_contacted", track="member_mco",
                                    priority=case.priority, due_at=due, breached_at=due, late_by_seconds=0))
    if case.referred:
        events.append(McoContactedV1(inquiry_id=inquiry_id, mco=case.referred, actor=ACTOR,
                                     at=local(case.day, 9.5)))
    if case.referred and case.mco_in_time is not None:
        mco_due = local(case.day, 16)
        events.append(ClockStartedV1(inquiry_id=inquiry_id, clock="mco_contacts_member", track="member_mco",
                                     priority=case.priority, warn_at=local(case.day, 15), due_at=mco_due,
                                     started_at=local(case.day, 9.5)))
        if case.mco_in_time:
            events += [McoReportedV1(inquiry_id=inquiry_id, mco=case.referred, report="member_contacted",
                                     actor=MCO_ACTOR, at=local(case.day, 11)),
                       SlaMetV1(inquiry_id=inquiry_id, clock="mco_contacts_member", due_at=mco_due,
                                met_at=local(case.day, 11), took_business_seconds=5400)]
        else:
            events.append(SlaBreachedV1(inquiry_id=inquiry_id, clock="mco_contacts_member", track="member_mco",
                                        priority=case.priority, due_at=mco_due, breached_at=mco_due,
                                        late_by_seconds=0))
    if case.resolved_after is not None:
        events.append(InquiryResolvedV1(inquiry_id=inquiry_id, resolved_by="state", resolution_code="done",
                                        actor=ACTOR, at=local(case.day, 9 + case.resolved_after)))
    if case.reopened:
        events += [InquiryReopenedV1(inquiry_id=inquiry_id, reason="Called again", actor=ACTOR,
                                     at=local(case.day + 1, 10)),
                   InquiryResolvedV1(inquiry_id=inquiry_id, resolved_by="state", resolution_code="done",
                                     actor=ACTOR, at=local(case.day + 1, 11))]
    return events


async def published(reporting: Reporting, console: Console) -> None:
    """The history, published as the other services would, once reporting has consumed all of it."""
    ids = await console.publish(*(event for case in HISTORY for event in events_of(case)))
    await reporting.consumed(ids)


class Tables(HTMLParser):
    """The text of each cell of the page's report table, row by row (header row first)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._inside = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table" and ("id", "report-table") in attrs:
            self._inside = True
        elif self._inside and tag == "tr":
            self.rows.append([])
        elif self._inside and tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._inside = False
        elif self._inside and tag in ("th", "td") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_of(page: str) -> list[list[str]]:
    """The report table's body rows."""
    parser = Tables()
    parser.feed(page)
    assert parser.rows, "no report table on the page"
    return parser.rows[1:]


def hours(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"


def percent(fraction: float | None) -> str:
    return "—" if fraction is None else f"{fraction * 100:.1f}%"


def words(value: str) -> str:
    return value.replace("_", " ").capitalize()


def has_chart(page: str) -> bool:
    drawn = re.search(r'<svg class="chart[^"]*"[^>]*role="img"\s+aria-labelledby="([^"]+)" aria-describedby="([^"]+)"',
                      page)
    return drawn is not None and f'<title id="{drawn.group(1)}">' in page and f'<desc id="{drawn.group(2)}">' in page


async def page_of(http: httpx.AsyncClient, path: str, **params: str) -> str:
    answer = await http.get(path, params=params, headers=HTML)
    assert answer.status_code == 200, answer.text[:500]
    assert has_chart(answer.text), f"{path}: no chart"
    return answer.text


async def test_each_report_page_shows_reportings_numbers_in_its_table_beside_its_chart(
        reporting_and_console: tuple[Reporting, Console]) -> None:
    reporting, console = reporting_and_console
    await published(reporting, console)
    async with console.signed_in("pat") as (http, _):
        index = (await http.get("/reports", headers=HTML)).text
        assert '<a href="/reports">Reports</a>' not in index and 'href="/reports" aria-current="page"' in index
        assert len(re.findall(r'<li><a href="/reports/[a-z-]+">', index)) == 9

        # SLA compliance by clock: reporting's counts and shares, and the callback clock's counted from the events.
        page = await page_of(http, "/reports/sla-compliance", group_by="clock", **NOVEMBER)
        assert "SLA compliance <span class=\"period\">· 1 Nov 2026 to 30 Nov 2026, America/Chicago</span>" in page
        rows = await reporting.report("sla-compliance", "pat", group_by="clock", **NOVEMBER)
        assert sorted(table_of(page)) == sorted(
            [CLOCK_WORDS[r["clock"]], f"{r['met']:,}", f"{r['breached']:,}", percent(r["compliance"])] for r in rows)
        met = sum(c.called_back_in_time for c in HISTORY)
        callback = next(row for row in table_of(page) if row[0] == "Call back the originator")
        assert callback[1:] == [str(met), str(len(HISTORY) - met), percent(met / len(HISTORY))]
        shares = [float(row[3].rstrip("%")) for row in table_of(page)]
        assert shares == sorted(shares)  # worst first

        # Durations over all cases: reporting's median and p90, and the median computed from the history.
        page = await page_of(http, "/reports/durations", measure="resolution", group_by="", **NOVEMBER)
        (row,) = await reporting.report("durations", "pat", measure="resolution", group_by="", **NOVEMBER)
        assert table_of(page) == [["All cases", str(row["cases"]), *(hours(row[k]) for k in (
            "business_median_hours", "business_p90_hours", "calendar_median_hours", "calendar_p90_hours"))]]
        resolved = [c.resolved_after for c in HISTORY if c.resolved_after is not None]
        assert table_of(page)[0][2] == hours(statistics.median(resolved))  # within business hours: as on a clock
        assert page.count('role="img"') == 2  # business and calendar hours

        page = await page_of(http, "/reports/secondary-escalations", **NOVEMBER)
        escalations = await reporting.report("secondary-escalations", "pat", **NOVEMBER)
        assert table_of(page)[0] == ["Cases received", str(len(HISTORY)), "100.0%"]
        assert table_of(page)[1] == ["Reopened", str(escalations["reopened"]),
                                     percent(escalations["reopened"] / escalations["cases"])]
        assert f"Secondary escalation rate</dt><dd>{percent(escalations['rate'])} of {len(HISTORY)} cases" in page

        page = await page_of(http, "/reports/pareto", by="source", **NOVEMBER)
        chart = await reporting.report("pareto", "pat", by="source", **NOVEMBER)
        assert table_of(page) == [[words(b["label"]), str(b["count"]), f"{b['share']:.1f}%", f"{b['cumulative']:.1f}%",
                                   "Yes" if b["vital"] else "No"] for b in chart["bars"]]
        assert 'fill="url(#chart-1-hatch)"' in page and 'class="threshold"' in page

        page = await page_of(http, "/reports/control-chart", measure="resolution", **NOVEMBER)
        chart = await reporting.report("control-chart", "pat", measure="resolution", **NOVEMBER)
        shown = table_of(page)
        assert len(shown) == 30 == len(chart["days"])
        assert [row[1] for row in shown] == [hours(v) for v in chart["daily_median_hours"]]
        assert shown[0][3] == "no cases that day"  # Sunday 1 November
        assert f"Centre line</dt><dd>{hours(chart['centre'])} h" in page
        assert f"Upper limit {hours(chart['upper_limit'])}" in page  # the line's label on the chart

        page = await page_of(http, "/reports/before-after", cut="2026-11-16", measure="resolution", **NOVEMBER)
        compared = await reporting.report("before-after", "pat", cut="2026-11-16", measure="resolution", **NOVEMBER)
        median = next(row for row in table_of(page) if row[0] == "Median")
        assert median == ["Median", hours(compared["before"]["median"]), hours(compared["after"]["median"])]
        assert compared["sentence"][1:] in page.replace("&lt;", "<")
        assert 'class="box"' in page and 'class="median"' in page

        page = await page_of(http, "/reports/mco-scorecard", **NOVEMBER)
        scorecard = await reporting.report("mco-scorecard", "pat", **NOVEMBER)
        assert table_of(page) == [[r["mco"], "Nov 2026", str(r["referrals"]), hours(r["contact_median_business_hours"]),
                                   str(r["met"]), str(r["breached"]), percent(r["compliance"])] for r in scorecard]

        page = await page_of(http, "/reports/open-breaches")
        breaches = await reporting.report("open-breaches", "pat")
        assert [row[:3] for row in table_of(page)] == [
            [f"Case {b['inquiry_id'][:8]}", CLOCK_WORDS[b["clock"]], "Breached"] for b in breaches]
        assert len(breaches) == 1 and f'href="/cases/{breaches[0]["inquiry_id"]}"' in page


async def test_an_mcos_staff_see_only_the_figures_of_their_mcos_referrals(
        reporting_and_console: tuple[Reporting, Console]) -> None:
    reporting, console = reporting_and_console
    await published(reporting, console)
    seen: dict[str, dict[str, Any]] = {}
    for person in ("pat", "tina"):
        async with console.signed_in(person) as (http, _):
            scorecard = await page_of(http, "/reports/mco-scorecard", **NOVEMBER)
            by_mco = await page_of(http, "/reports/pareto", by="mco", **NOVEMBER)
            compliance = await page_of(http, "/reports/sla-compliance", group_by="", **NOVEMBER)
        seen[person] = {"scorecard": {row[0] for row in table_of(scorecard)},
                        "pareto": {row[0]: row[1] for row in table_of(by_mco)},
                        "compliance": table_of(compliance)[0], "page": scorecard}
    assert seen["pat"]["scorecard"] == {"IA-TC", "IA-AG"} and seen["tina"]["scorecard"] == {"IA-TC"}
    ours = [c for c in HISTORY if c.referred == "IA-TC"]
    assert seen["tina"]["pareto"] == {"IA-TC": str(len(ours))}
    assert set(seen["pat"]["pareto"]) == {"IA-TC", "IA-AG", "No MCO"}
    # Every clock cycle of IA-TC's referrals, counted from the events, and nothing else.
    met = sum(c.called_back_in_time for c in ours) + sum(c.mco_in_time is True for c in ours)
    breached = sum(not c.called_back_in_time for c in ours) + sum(c.mco_in_time is False for c in ours)
    assert seen["tina"]["compliance"] == ["All cases", str(met), str(breached), percent(met / (met + breached))]
    assert "The cases referred to IA-TC only." in seen["tina"]["page"]
    assert "referred to" not in seen["pat"]["page"]


async def test_a_bad_parameter_is_refused_beside_its_field_and_the_downloads_are_reportings_files(
        reporting_and_console: tuple[Reporting, Console]) -> None:
    _, console = reporting_and_console
    async with console.signed_in("pat") as (http, _):
        for params, field in (({"start": "2026-11-30", "end": "2026-11-01"}, "end"),
                              ({**NOVEMBER, "tz": "Mars/Olympus"}, "tz"),
                              ({**NOVEMBER, "group_by": "colour"}, "group_by"),
                              ({"start": "2026-11-31", "end": "2026-12-01"}, "start")):
            answer = await http.get("/reports/sla-compliance", params=params, headers=HTML)
            assert answer.status_code == 422, params
            error = re.search(rf'<p class="field-error" id="r-{field}-error">([^<]+)</p>', answer.text)
            assert error is not None and error.group(1).strip(), f"{field}: no reason beside the field"
            assert f'<a href="#r-{field}">' in answer.text  # and in the summary, linked to the field
            assert 'role="img"' not in answer.text
        answer = await http.get("/reports/before-after", params={**NOVEMBER, "cut": "2026-12-05"}, headers=HTML)
        assert answer.status_code == 422 and 'id="r-cut" name="cut" value="2026-12-05" required ' \
            'aria-describedby="r-cut-error" aria-invalid="true"' in answer.text
        # The downloads: the same report with the same parameters, as reporting writes it.
        page = (await http.get("/reports/control-chart", params={**NOVEMBER, "measure": "first_contact"},
                               headers=HTML)).text
        link = re.search(r'<a href="([^"]+)" id="download-xlsx">', page)
        assert link is not None
        workbook = await http.get(link.group(1).replace("&amp;", "&"), headers=HTML)
        assert workbook.status_code == 200 and workbook.headers["content-type"] == XLSX
        assert workbook.content[:4] == b"PK\x03\x04"  # a zip, as every .xlsx is
        assert workbook.headers["content-disposition"] == \
            'attachment; filename="control-chart_2026-11-01_2026-11-30.xlsx"'
        title = load_workbook(io.BytesIO(workbook.content))["Report"]["A1"].value
        assert title.startswith("Control chart (I-MR), time to first contact · 2026-11-01 to 2026-11-30")
        text = await http.get("/reports/mco-scorecard.csv", params=NOVEMBER, headers=HTML)
        assert text.status_code == 200 and text.headers["content-type"] == "text/csv; charset=utf-8"
        assert text.text.splitlines()[0] == "mco,month,referrals,contact_median_business_hours,met,breached,compliance"
        refused = await http.get("/reports/sla-compliance.xlsx", params={**NOVEMBER, "group_by": "colour"},
                                 headers=HTML)
        assert refused.status_code == 422 and 'id="r-group_by-error">a comma-separated' in refused.text
        assert (await http.get("/reports/no-such-report", headers=HTML)).status_code == 404
        assert (await http.get("/reports/pareto.pdf", headers=HTML)).status_code == 404


async def test_reporting_down_the_page_says_so(make_settings: SettingsFactory) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    async with running_console(console_settings(make_settings, reporting_url=nowhere)) as console, \
            console.signed_in("cora") as (http, _):
        for path in ("/reports/pareto", "/reports/pareto.xlsx"):
            answer = await http.get(path, headers=HTML)
            assert answer.status_code == 503
            assert "Reporting did not answer, so this report cannot be shown now. Try again shortly." in answer.text
            assert "Pareto" in answer.text and 'role="img"' not in answer.text


async def test_a_report_narrowed_to_one_mco_says_so_and_counts_only_its_cases(
        reporting_and_console: tuple[Reporting, Console]) -> None:
    reporting, console = reporting_and_console
    await published(reporting, console)
    async with console.signed_in("pat") as (http, _):
        every = {row[0]: row[1] for row in table_of(await page_of(http, "/reports/pareto", by="mco", **NOVEMBER))}
        narrowed = await page_of(http, "/reports/pareto", by="mco", mco="IA-TC", track="", **NOVEMBER)
        assert {row[0]: row[1] for row in table_of(narrowed)} == {"IA-TC": every["IA-TC"]}
        assert "Only the cases of MCO IA-TC." in narrowed
        assert 'id="download-xlsx"' in narrowed and "mco=IA-TC" in narrowed  # the download is of the same cases
        refused = await http.get("/reports/pareto", params={"by": "mco", "mco": "ia tc", **NOVEMBER}, headers=HTML)
        assert refused.status_code == 422 and re.search(r'id="r-mco-error">[^<]+</p>', refused.text)


def grievance_or_appeal(kind: str, mco: str, day: int, *, expedited: bool = False, resolved_after: float | None,
                        on_time: bool = True, code: str = "resolved",
                        category: str = "quality_of_care") -> list[Payload]:
    """A grievance or an appeal received at 09:00 on a November day, with its case-level resolution clock."""
    inquiry_id, received = uuid.uuid4(), local(day, 9)
    priority = "urgent" if expedited else "standard"
    due = received + (timedelta(hours=72) if expedited else timedelta(days=30 if kind == "appeal" else 90))
    events: list[Payload] = [
        InquiryReceivedV1(inquiry_id=inquiry_id, party="member", source="managed_care_ombudsman", category=category,
                          mco=mco, member=MemberIdentity(name="Synthetic Member"), description="Synthetic.",
                          received_at=received, kind=kind,
                          appeal=AppealDetails(determination="Denied.", expedited_requested=expedited)
                          if kind == "appeal" else None),
        PriorityAssignedV1(inquiry_id=inquiry_id, track=kind, priority=priority, queue="grievances_appeals",
                           subject=kind.capitalize(), mco=mco, ruleset_version="t", received_at=received,
                           decided_at=received),
        ClockStartedV1(inquiry_id=inquiry_id, clock="resolution", track=kind, priority=priority,
                       warn_at=due - timedelta(hours=1), due_at=due, started_at=received)]
    if resolved_after is not None:
        at = received + timedelta(hours=resolved_after)
        events.append(SlaMetV1(inquiry_id=inquiry_id, clock="resolution", due_at=due, met_at=at,
                               took_business_seconds=60) if on_time else
                      SlaBreachedV1(inquiry_id=inquiry_id, clock="resolution", track=kind, priority=priority,
                                    due_at=due, breached_at=due, late_by_seconds=0))
        events.append(InquiryResolvedV1(inquiry_id=inquiry_id, resolved_by="state", resolution_code=code,
                                        summary="Resolved.", actor=ACTOR, at=at))
    return events


GRIEVANCES_APPEALS = (
    ("grievance", "IA-TC", 2, False, 48.0, True, "resolved"),
    ("grievance", "IA-TC", 3, False, 30 * 24.0, False, "resolved"),  # resolved in December: open at the end
    ("grievance", "IA-AG", 4, False, 24.0, True, "resolved"),
    ("appeal", "IA-TC", 5, False, 100.0, False, "upheld"),
    ("appeal", "IA-TC", 6, True, 20.0, True, "overturned"),
    ("appeal", "IA-AG", 9, False, None, True, "resolved"),
)


async def test_the_grievances_and_appeals_page_shows_per_mco_and_type_its_counts_beside_the_timeliness_chart(
        reporting_and_console: tuple[Reporting, Console]) -> None:
    reporting, console = reporting_and_console
    events = [e for kind, mco, day, expedited, after, on_time, code in GRIEVANCES_APPEALS
              for e in grievance_or_appeal(kind, mco, day, expedited=expedited, resolved_after=after, on_time=on_time,
                                           code=code)]
    await reporting.consumed(await console.publish(*events))
    async with console.signed_in("pat") as (http, _):
        page = await page_of(http, "/reports/grievances-appeals", **NOVEMBER)
    report = await reporting.report("grievances-appeals", "pat", **NOVEMBER)
    types = {"grievance": "Grievance", "appeal_standard": "Appeal, standard", "appeal_expedited": "Appeal, expedited"}
    shown = table_of(page)
    assert [row[:7] for row in shown] == [
        [r["mco"], types[r["type"]], str(r["received"]), str(r["resolved"]), str(r["resolved_timely"]),
         str(r["resolved_late"]), percent(r["share_timely"])] for r in report["rows"]]
    # From the events: IA-TC's grievances, two received, one resolved in November, on time; its standard appeal
    # resolved late and upheld; its expedited one on time.
    by_row = {(row[0], row[1]): row for row in shown}
    assert by_row[("IA-TC", "Grievance")][2:7] == ["2", "1", "1", "0", "100.0%"]
    assert by_row[("IA-TC", "Appeal, standard")][2:7] == ["1", "1", "0", "1", "0.0%"]
    assert by_row[("IA-TC", "Appeal, standard")][13] == "1"  # upheld
    assert by_row[("IA-TC", "Appeal, expedited")][2:7] == ["1", "1", "1", "0", "100.0%"]
    assert by_row[("IA-AG", "Appeal, standard")][17] == "1"  # open at the end
    assert "Share resolved on time, per MCO and type" in page
    assert 'id="report-table-3"' in page and "D1.IV.5b" in page and "Expedited appeals for which timely " \
        "resolution was provided" in page
    assert '<a href="/reports/grievances-appeals.xlsx?' in page.replace("&amp;", "&")
