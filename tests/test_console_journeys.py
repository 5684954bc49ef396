"""The console in a real browser (Debian's Chromium driven by Playwright), on the whole system at a
drill instant: the journeys of the people who work cases, each page checked with axe-core.

The system's clock stands on a Wednesday morning, so business clocks run while the test does.
`make screenshots` runs these journeys with LIAISON_SCREENSHOTS=docs/console: each `shoot` then saves
the page, as this browser shows it, for docs/console.md.
"""

from __future__ import annotations

import os
import re
import statistics
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from liaison_shared.testing.browser import serious_violations
from liaison_shared.testing.system import LiaisonSystem
from liaison_shared.testing.system_client import BearerAuth, SystemClient
from liaison_shared.testing.waiting import wait_until

from .conftest import SystemFactory

DRILL = datetime(2026, 12, 2, 16, 30, tzinfo=UTC)  # Wednesday 10:30 in Iowa
LIVE = 15_000  # ms: how long a live change may take to show here (the benchmark measures how long it does)


@pytest.fixture(scope="module")
async def system(start_system: SystemFactory) -> LiaisonSystem:
    return await start_system(at=DRILL)


@pytest.fixture(scope="module")
async def call_center(system: LiaisonSystem) -> AsyncIterator[SystemClient]:
    """The call center's system (posts inquiries, refers them), with the roster the journeys share."""
    client = SystemClient(system)
    await client.roster("/v1/providers", {
        "npi": "1245319599", "name": "Prairie Family Medicine", "is_pcp": True, "practice_npi": "1245319599",
        "practice_name": "Prairie Family Medicine", "lat": 41.59, "lon": -93.62, "languages": ["en"],
        "capacity": 50, "open_panel": True, "networks": ["IA-TC", "IA-AG"]})
    yield client
    await client.aclose()


def drill_now(system: LiaisonSystem) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=system.clock_offset_seconds)


async def member_case(client: SystemClient, system: LiaisonSystem, mco: str = "IA-TC",
                      received_at: datetime | None = None, source: str = "managed_care_ombudsman") -> str:
    """An urgent member inquiry about a member enrolled with `mco`; its id."""
    medicaid_id = f"{uuid.uuid4().int % 10**7:07d}A"
    await client.roster("/v1/members", {
        "medicaid_id": medicaid_id, "name": "Journey Member", "birth_date": "1980-02-03", "lat": 41.60,
        "lon": -93.63, "language": "en", "mco": mco, "eligible_from": "2026-01-01"})
    received = await client.post("/v1/inquiries/member", {
        "source": source, "category": "pharmacy", "member_name": "Journey Member",
        "medicaid_id": medicaid_id, "caller_name": "Journey Caller", "callback_phone": "515-555-0110",
        "description": "Cannot get an insulin refill approved; runs out tomorrow.", "mco": mco,
        "mailing_address": {"line1": "210 Walnut St", "line2": "Apt 4", "city": "Des Moines", "state": "IA",
                            "zip": "50309"},
        "requested_priority": "urgent", "received_at": (received_at or drill_now(system)).isoformat()})
    return str(received["inquiry_id"])


async def signed_in(browser: Browser, system: LiaisonSystem, username: str, *, width: int = 1400,
                    path: str = "/queue") -> tuple[BrowserContext, Page]:
    """A browser of its own, signed in as `username` on the provider's login page, at `path`."""
    context = await browser.new_context(viewport={"width": width, "height": 900})
    page = await context.new_page()
    await page.goto(system.url("console") + path)
    await page.fill("#username", username)
    await page.fill("#password", f"{username}-demo")
    await page.click("#kc-login")
    await page.wait_for_url(system.url("console") + "/**")
    await expect(page.locator("#live-status")).to_have_text("Live updates: on", timeout=LIVE)
    return context, page


SCREENSHOTS = os.environ.get("LIAISON_SCREENSHOTS")


async def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    """The page as it is now, for the docs (only when `make screenshots` asks)."""
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=full_page)


async def no_serious_violations(page: Page) -> None:
    found = await serious_violations(page)
    assert found == [], found


def row(page: Page, inquiry_id: str) -> Any:
    return page.locator(f'tr[data-id="{inquiry_id}"]')


async def shown_ids(page: Page) -> set[str]:
    """The cases on the page, read at one instant (a live update may re-render the rows at any moment)."""
    return set(await page.locator("tr[data-id]").evaluate_all("rows => rows.map(r => r.dataset.id)"))


def clock_state(page: Page, clock: str) -> Any:
    return page.locator(f'tr.clock-row[data-clock="{clock}"]')


async def record(page: Page, form: str, **fields: str) -> None:
    """Fill and send one of the case page's forms, and wait until intake has taken it."""
    for name, value in fields.items():
        field = page.locator(f"#form-{form} [name={name}]")
        if await field.evaluate("element => element.tagName") == "SELECT":
            await field.select_option(value)
        else:
            await field.fill(value)
    await page.click(f"#form-{form} button[type=submit]")
    await expect(page.locator(f"#form-{form} .form-result")).to_have_text("Recorded.", timeout=LIVE)


async def test_a_liaison_claims_a_new_urgent_case_calls_twice_writes_and_the_clock_is_met(
        system: LiaisonSystem, call_center: SystemClient, browser: Browser) -> None:
    context, page = await signed_in(browser, system, "maria")
    await no_serious_violations(page)
    await page.evaluate("window.loadedOnce = true")
    inquiry = await member_case(call_center, system)
    # It appears on the open queue, pushed: the page was not reloaded.
    await expect(row(page, inquiry)).to_be_visible(timeout=LIVE)
    await expect(row(page, inquiry).locator(".clock-open").first).to_contain_text("On time")
    assert await page.evaluate("window.loadedOnce") is True
    await shoot(page, "queue")
    # Keyboard: choose the case (j) and claim it (c).
    await page.locator("body").press("j")
    await page.locator("body").press("c")
    await expect(row(page, inquiry).locator("td.assignee")).to_have_text("Maria Lopez", timeout=LIVE)
    await page.locator("body").press("o")
    await page.wait_for_url(f"**/cases/{inquiry}")
    await expect(page.locator("[data-part=bar] .assignee")).to_have_text("Maria Lopez")
    await expect(page.locator("section[aria-labelledby=who-title]")).to_contain_text("Journey Member")  # PHI: here only
    await no_serious_violations(page)
    for _ in range(2):
        await record(page, "contact-attempt", channel="phone", outcome="not_reached")
    await expect(page.locator('.entry[data-type="liaison.inquiry.letter-requested.v1"]')).to_have_count(1,
                                                                                                    timeout=LIVE)
    await expect(clock_state(page, "originator_contacted")).to_have_attribute("data-state", "open")
    # She writes the answer; the letter with her words meets the clock as a call that reached would.
    await expect(page.locator("#letter-due")).to_be_visible()
    await record(page, "answer-letter", text="Your refill was approved today; the pharmacy has it ready.")
    await expect(clock_state(page, "originator_contacted")).to_have_attribute("data-state", "met", timeout=LIVE)
    await expect(clock_state(page, "originator_contacted")).to_contain_text("Met")
    # The letter, rendered by the notifier, opens alone to print.
    await expect(page.locator("#print-letter")).to_be_visible(timeout=LIVE)
    async with context.expect_page() as opened:
        await page.click("#print-letter")
    letter = await opened.value
    await expect(letter.locator("body")).to_contain_text("Dear Journey")
    await expect(letter.locator("body")).to_contain_text("the pharmacy has it ready")
    await expect(letter.locator("body")).to_contain_text("210 Walnut St")
    # Every action is on the log, with who did it.
    entries = page.locator('.entry[data-type="liaison.inquiry.contact-attempted.v1"]')
    await expect(entries).to_have_count(2)
    await expect(entries.first).to_contain_text("by Maria Lopez")
    await shoot(page, "case")
    await shoot(letter, "letter")
    # A form refuses in the page what does not fit, beside the field...
    await page.fill("#resolution-resolution_code", "Not A Code")
    await page.click("#form-resolution button[type=submit]")
    await expect(page.locator("#resolution-resolution_code-error")).to_have_text("is not in the expected form")
    # ...shows beside the field what intake refuses (a choice the page does not offer, slipped in)...
    await page.evaluate("document.querySelector('#resolution-resolved_by').add(new Option('Nobody', 'nobody'))")
    await page.select_option("#resolution-resolved_by", "nobody")
    await page.fill("#resolution-resolution_code", "refill_authorized")
    await page.click("#form-resolution button[type=submit]")
    await expect(page.locator("#resolution-resolved_by-error")).not_to_be_empty(timeout=LIVE)
    await expect(page.locator("#resolution-resolution_code-error")).to_be_empty()
    # ...and says why intake refused an action as a whole.
    await page.fill("#reopen-reason", "Caller rang again")
    await page.click("#form-reopen button[type=submit]")
    await expect(page.locator("#form-reopen .form-result")).to_contain_text("Only a resolved inquiry can be reopened",
                                                                          timeout=LIVE)
    # Her viewing of the case's PHI is on record at intake, as hers, through the console.
    compliance = SystemClient(system, actor=BearerAuth(system.tokens, person="cora"))
    try:
        audit = (await compliance.intake.get("/v1/access-audit", params={"resource_id": inquiry})).json()
    finally:
        await compliance.aclose()
    viewings = [r for r in audit if r["operation"] == "GET /v1/inquiries/{inquiry_id}"]
    assert viewings and all(r["roles"] == ["member-liaison"] and r["client"] == "liaison-console" for r in viewings)
    await context.close()


async def test_an_mco_sees_only_its_referrals_and_reports_contact(
        system: LiaisonSystem, call_center: SystemClient, browser: Browser) -> None:
    ours, theirs, unreferred = (await member_case(call_center, system, "IA-TC"),
                                await member_case(call_center, system, "IA-AG"),
                                await member_case(call_center, system, "IA-TC"))
    for inquiry in (ours, theirs):
        await call_center.wait_for_entry(inquiry, "inquiry.priority-assigned")
        await call_center.post(f"/v1/inquiries/{inquiry}/mco-referrals", {})
    await call_center.wait_for_entry(ours, "sla.clock-started", clock="mco_contacts_member")
    context, page = await signed_in(browser, system, "tina")
    await expect(row(page, ours)).to_be_visible(timeout=LIVE)
    shown = await shown_ids(page)
    assert ours in shown and theirs not in shown and unreferred not in shown
    await no_serious_violations(page)
    await shoot(page, "mco-queue")
    await row(page, ours).locator("a.case-link").click()
    await record(page, "mco-report", report="member_contacted")
    await expect(page.locator("[data-part=bar] .status")).to_have_text("Mco engaged", timeout=LIVE)
    await expect(clock_state(page, "mco_contacts_member")).to_have_attribute("data-state", "met", timeout=LIVE)
    await no_serious_violations(page)
    await shoot(page, "mco-case")
    # Another MCO's case does not open, and says no more than that.
    answer = await page.goto(system.url("console") + f"/cases/{theirs}")
    assert answer is not None and answer.status == 404
    await expect(page.locator("h1")).to_have_text("Case not found")
    await context.close()


async def test_a_unit_lead_reassigns_cases_in_bulk(system: LiaisonSystem, call_center: SystemClient,
                                                   browser: Browser) -> None:
    cases = [await member_case(call_center, system) for _ in range(2)]
    maria, _ = await signed_in(browser, system, "maria")  # once signed in, she is one of the state's people
    await maria.close()
    context, page = await signed_in(browser, system, "una", path="/queue?queue=all&assignee=none")
    for inquiry in cases:
        await expect(row(page, inquiry)).to_be_visible(timeout=LIVE)
        await row(page, inquiry).locator("input.select").check()
    await expect(page.locator("#selected-count")).to_have_text("2 selected")
    await page.select_option("#assign-to", label="Maria Lopez")  # she signed in before: one of the state's people
    await no_serious_violations(page)
    await shoot(page, "bulk-assign")
    await page.click("#assign-selected")
    await expect(page.locator("#bulk-result")).to_have_text("2 assigned.", timeout=LIVE)

    async def off_the_unassigned_queue() -> bool:  # the queue is the console's projection: it follows the bus
        await page.goto(system.url("console") + "/queue?queue=all&assignee=none")
        return not await shown_ids(page) & set(cases)
    await wait_until(off_the_unassigned_queue, timeout=LIVE / 1000, interval=0.5, what="the cases to leave the queue")
    await page.goto(system.url("console") + f"/cases/{cases[0]}")
    assignment = page.locator('.entry[data-type="liaison.inquiry.assigned.v1"]')
    await expect(assignment).to_contain_text("by Una")
    await expect(assignment).to_contain_text("Maria Lopez")
    # Signing out ends the session at the provider too, and back on the console's page.
    await page.click("#sign-out")
    await expect(page.locator("h1")).to_have_text("You are signed out", timeout=LIVE)
    await no_serious_violations(page)
    await shoot(page, "signed-out")
    answer = await page.goto(system.url("console") + "/queue")
    assert answer is not None and "/realms/liaison/" in page.url  # a new sign-in is asked for
    await context.close()


async def test_a_member_liaison_cannot_open_a_provider_case(system: LiaisonSystem, call_center: SystemClient,
                                                           browser: Browser) -> None:
    provider = await call_center.post("/v1/inquiries/provider", {
        "source": "provider", "category": "claims_billing", "npi": "1245319599", "contact_name": "Pat Example",
        "contact_phone": "515-555-0199", "description": "Claims denied for timely filing.", "mco": "IA-TC",
        "received_at": drill_now(system).isoformat()})
    inquiry = str(provider["inquiry_id"])
    provider_liaison = SystemClient(system, actor=BearerAuth(system.tokens, person="paul"))
    try:
        await provider_liaison.wait_for_entry(inquiry, "inquiry.priority-assigned")
    finally:
        await provider_liaison.aclose()
    context, page = await signed_in(browser, system, "maria", path="/queue?queue=all")
    answer = await page.goto(system.url("console") + f"/cases/{inquiry}")
    assert answer is not None and answer.status == 404
    await expect(page.locator("h1")).to_have_text("Case not found")
    await no_serious_violations(page)
    await shoot(page, "not-found")
    await page.fill("#search-box", "1245319599")  # the provider's NPI: nothing of hers to find
    await page.press("#search-box", "Enter")
    await expect(page.locator("td.empty")).to_have_text("No case you may see matches.")
    await no_serious_violations(page)
    await page.fill("#search-box", "Journey Member")  # a name finds her member cases
    await page.press("#search-box", "Enter")
    await expect(page.locator("a.case-link").first).to_be_visible()
    await no_serious_violations(page)
    await shoot(page, "search")
    await context.close()


async def test_the_help_overlay_and_a_narrow_window(system: LiaisonSystem, call_center: SystemClient,
                                                    browser: Browser) -> None:
    inquiry = await member_case(call_center, system)
    context, page = await signed_in(browser, system, "sam", width=390, path="/queue?queue=all")
    await expect(row(page, inquiry)).to_be_visible(timeout=LIVE)
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    await no_serious_violations(page)
    await page.locator("body").press("?")
    await expect(page.locator("#help")).to_be_visible()
    await expect(page.locator("#help")).to_contain_text("Claim the chosen or selected cases")
    await no_serious_violations(page)
    await shoot(page, "help", full_page=False)
    await page.keyboard.press("Escape")
    await expect(page.locator("#help")).to_be_hidden()
    await shoot(page, "narrow-queue")
    await page.goto(system.url("console") + f"/cases/{inquiry}")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    await no_serious_violations(page)
    await shoot(page, "narrow-case")
    await context.close()


async def test_a_grievance_coordinator_acknowledges_extends_and_resolves_a_grievance(
        system: LiaisonSystem, call_center: SystemClient, browser: Browser) -> None:
    medicaid_id = f"{uuid.uuid4().int % 10**7:07d}A"
    await call_center.roster("/v1/members", {
        "medicaid_id": medicaid_id, "name": "Grace Member", "birth_date": "1975-05-06", "lat": 41.60,
        "lon": -93.63, "language": "en", "mco": "IA-TC", "eligible_from": "2026-01-01"})
    filed = await call_center.post("/v1/inquiries/grievances", {
        "source": "plan_member_services", "category": "quality_of_care", "member_name": "Grace Member",
        "medicaid_id": medicaid_id, "caller_name": "Grace Member", "callback_phone": "515-555-0177",
        "description": "The front desk was rude and her appointment was cancelled twice.", "mco": "IA-TC",
        "mailing_address": {"line1": "12 Elm St", "city": "Des Moines", "state": "IA", "zip": "50309"},
        "received_at": drill_now(system).isoformat()})
    inquiry = str(filed["inquiry_id"])
    context, page = await signed_in(browser, system, "gail")  # her queue: grievances and appeals
    await expect(row(page, inquiry)).to_be_visible(timeout=LIVE)
    await expect(row(page, inquiry).locator('td[data-label="Track"]')).to_have_text("Grievance")
    # The 90 days count calendar days (nights and weekends too), not business hours.
    await expect(row(page, inquiry).locator('[data-clock="resolution"] .clock-time')).to_contain_text(
        re.compile(r"^(89|90) days \d+h left$"), timeout=LIVE)
    await no_serious_violations(page)
    await shoot(page, "grievance-queue")
    await row(page, inquiry).locator("a.case-link").click()
    await page.wait_for_url(f"**/cases/{inquiry}")
    await expect(page.locator("#record-title")).to_have_text("The 42 CFR 438.416 record")
    await expect(page.locator("#record")).to_contain_text("Grace Member")
    await no_serious_violations(page)
    await record(page, "notice", notice="acknowledgment",
                 text="We received your grievance and are looking into it.")
    await record(page, "extension", days="14", requested_by="plan", reason="Awaiting the clinic's records")
    await expect(page.locator("#record")).to_contain_text("14 calendar days, asked by the plan", timeout=LIVE)
    # A second extension is refused by intake, and the form says why.
    await page.fill("#extension-days", "3")
    await page.select_option("#extension-requested_by", "enrollee")
    await page.fill("#extension-reason", "Once more")
    await page.click("#form-extension button[type=submit]")
    await expect(page.locator("#form-extension .form-result")).not_to_be_empty(timeout=LIVE)
    await expect(page.locator("#form-extension .form-result")).not_to_have_text("Recorded.", timeout=LIVE)
    await record(page, "resolution", summary="We spoke with the clinic; your next visit is booked and confirmed.",
                 resolution_code="resolved_with_clinic")
    await expect(page.locator("[data-part=bar] .status")).to_have_text("Resolved", timeout=LIVE)
    shown = page.locator("#record")
    await expect(shown).to_contain_text("your next visit is booked and confirmed", timeout=LIVE)
    await expect(shown.locator(".notices li")).to_have_count(2, timeout=LIVE)  # hers, and the resolution's
    await expect(shown.locator(".notices")).to_contain_text("Acknowledgment")
    await expect(shown.locator(".notices")).to_contain_text("Resolution")
    await expect(clock_state(page, "resolution")).to_have_attribute("data-state", "met", timeout=LIVE)
    await no_serious_violations(page)
    await shoot(page, "grievance-case")
    await page.set_viewport_size({"width": 390, "height": 900})  # a narrow window: nothing runs off the side
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    await no_serious_violations(page)
    await context.close()


async def test_a_clock_turns_to_warning_then_to_breach_on_the_open_page(
        system: LiaisonSystem, call_center: SystemClient, browser: Browser) -> None:
    # Its two business hours to the warning end a few seconds from now (the day's hours, all of them business).
    now = drill_now(system)
    inquiry = await member_case(call_center, system, received_at=now - timedelta(hours=2) + timedelta(seconds=8))
    context, page = await signed_in(browser, system, "maria", path=f"/cases/{inquiry}")
    await expect(clock_state(page, "originator_contacted")).to_have_attribute("data-state", "open", timeout=LIVE)
    await expect(clock_state(page, "originator_contacted")).to_have_attribute("data-state", "warning",
                                                                              timeout=LIVE + 8_000)
    await expect(clock_state(page, "originator_contacted")).to_contain_text("Due soon")
    await shoot(page, "clock-warning", full_page=False)
    # The drill clock moves past the deadline (4 business hours after receipt): the monitor restarts on it.
    system.kill("sla-monitor")
    system.clock_offset_seconds += timedelta(hours=2, minutes=1).total_seconds()
    await system.restart("sla-monitor")
    await expect(clock_state(page, "originator_contacted")).to_have_attribute("data-state", "breached",
                                                                              timeout=LIVE)
    await expect(clock_state(page, "originator_contacted")).to_contain_text("Breached")
    await shoot(page, "clock-breached", full_page=False)
    await context.close()


CHICAGO = ZoneInfo("America/Chicago")
BEFORE_CHANGE = {2: 6.0, 3: 5.5, 4: 7.0, 5: 6.5, 6: 5.0, 9: 6.0, 10: 6.5, 12: 16.0}
AFTER_CHANGE = {16: 3.0, 17: 2.5, 18: 4.0, 19: 3.5, 20: 2.0, 23: 3.0, 24: 2.5, 25: 3.5}
"""Business hours to resolution of a case received at 09:00 on these November days, before and after a
change of process on the 16th. 12 November's took to the next afternoon: on Friday the 13th the control
chart shows a signal."""


async def resolved_history(call_center: SystemClient, system: LiaisonSystem) -> int:
    """November's cases, received by the call center and reached and resolved by a liaison at the times the
    history says (as a late record of what was done); how many."""
    for day, hours in {**BEFORE_CHANGE, **AFTER_CHANGE}.items():
        received = datetime(2026, 11, day, 9, tzinfo=CHICAGO)
        resolved = received + timedelta(hours=hours) if hours <= 8 else received + timedelta(days=1, hours=hours - 9)
        inquiry = await member_case(call_center, system, received_at=received,
                                    source="provider" if day % 3 == 0 else "managed_care_ombudsman")
        await call_center.wait_for_entry(inquiry, "inquiry.priority-assigned")
        await call_center.post(f"/v1/inquiries/{inquiry}/contact-attempts", {
            "channel": "phone", "outcome": "reached", "at": (received + timedelta(minutes=30)).isoformat()})
        await call_center.post(f"/v1/inquiries/{inquiry}/resolution", {
            "resolved_by": "state", "resolution_code": "refill_authorized", "at": resolved.isoformat()})
    return len(BEFORE_CHANGE) + len(AFTER_CHANGE)


async def test_a_program_manager_reads_the_reports_as_charts_with_their_numbers(
        system: LiaisonSystem, call_center: SystemClient, browser: Browser) -> None:
    cases = await resolved_history(call_center, system)
    async with httpx.AsyncClient(base_url=system.url("reporting"), auth=BearerAuth(system.tokens, person="pat"),
                                 timeout=30) as reporting:
        async def reported() -> bool:
            answer = await reporting.get("/v1/reports/durations", params={
                "start": "2026-11-01", "end": "2026-11-30", "group_by": ""})
            return answer.status_code == 200 and bool(answer.json()) and answer.json()[0]["cases"] == cases
        await wait_until(reported, timeout=60, interval=0.5, what="reporting to have November's cases")
    context, page = await signed_in(browser, system, "pat")
    await page.get_by_role("link", name="Reports", exact=True).click()
    await expect(page.locator("h1")).to_have_text("Reports")
    await no_serious_violations(page)
    await shoot(page, "reports-index")
    # The control chart of the last three whole months (the default), the slow day marked as a signal.
    await page.get_by_role("link", name="Control chart").click()
    await expect(page.locator("h1")).to_contain_text("Control chart · 1 Sep 2026 to 30 Nov 2026, America/Chicago")
    await expect(page.get_by_role("img", name="Control chart of the daily median time to resolution")).to_be_visible()
    await expect(page.locator("#report-table tbody tr")).to_have_count(91)  # every day, with or without cases
    slow = page.locator("#report-table tbody tr", has_text="Fri 13 Nov 2026")
    await expect(slow).to_contain_text("beyond a control limit")
    await expect(page.locator("svg.chart-control polygon.signal").first).to_be_visible()
    await no_serious_violations(page)
    await shoot(page, "reports-control-chart", full_page=False)  # the chart; its 91 rows go on below
    # Before and after the change: the person picks the date.
    await page.get_by_role("link", name="All reports").click()
    await page.get_by_role("link", name="Before and after").click()
    await page.get_by_label("Date of the change").fill("2026-11-16")
    await page.get_by_role("button", name="Show the report").click()
    await page.wait_for_url(re.compile(r"/reports/before-after\?.*cut=2026-11-16"))
    await expect(page.locator("#finding")).to_contain_text("Resolution time fell")
    await expect(page.locator("svg.chart-boxes rect.box")).to_have_count(2)
    medians = [f"{statistics.median(side.values()):.1f}" for side in (BEFORE_CHANGE, AFTER_CHANGE)]
    await expect(page.locator("#report-table tbody tr", has_text="Median").first).to_have_text(
        re.compile(rf"Median\s*{re.escape(medians[0])}\s*{re.escape(medians[1])}"))
    await no_serious_violations(page)
    await shoot(page, "reports-before-after")
    # Its workbook comes through the console (which holds the token), for the same choices.
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Excel workbook (.xlsx)").click()
    download = await downloading.value
    assert download.suggested_filename == "before-after_2026-09-01_2026-11-30.xlsx"
    await context.close()


async def test_a_compliance_officer_reads_grievance_timeliness_per_mco_beside_its_chart(
        system: LiaisonSystem, call_center: SystemClient, browser: Browser) -> None:
    gail = SystemClient(system, actor=BearerAuth(system.tokens, person="gail"))
    now = drill_now(system)
    # Two of IA-AG's grievances resolved today: one on its day 89 (on time), one on its day 91 (late).
    grievances = []
    for days in (89, 91):
        grievances.append((await gail.post("/v1/inquiries/grievances", {
            "source": "plan_member_services", "category": "access_to_care", "member_name": "Journey Grievant",
            "caller_name": "Journey Grievant", "callback_phone": "515-555-0111", "mco": "IA-AG",
            "description": "Waited four months for a specialist appointment.",
            "received_at": (now - timedelta(days=days)).isoformat()}))["inquiry_id"])
    for inquiry in grievances:
        await gail.wait_for_entry(inquiry, "sla.clock-started", clock="resolution")
        await gail.post(f"/v1/inquiries/{inquiry}/resolution", {
            "resolved_by": "state", "resolution_code": "resolved", "summary": "An appointment is booked for you."})
    await gail.aclose()
    month = {"start": f"{now:%Y-%m}-01", "end": f"{now:%Y-%m}-28"}
    async with httpx.AsyncClient(base_url=system.url("reporting"), auth=BearerAuth(system.tokens, person="cora"),
                                 timeout=30) as reporting:
        async def both_counted() -> bool:
            answer = await reporting.get("/v1/reports/grievances-appeals", params=month)
            rows = answer.json()["rows"] if answer.status_code == 200 else []
            return any(r["mco"] == "IA-AG" and r["type"] == "grievance" and r["resolved"] == 2 for r in rows)
        await wait_until(both_counted, timeout=60, interval=0.5, what="reporting to count both grievances")
    context, page = await signed_in(browser, system, "cora")
    await page.goto(f"{system.url('console')}/reports/grievances-appeals?start={month['start']}&end={month['end']}")
    await expect(page.locator("h1")).to_contain_text("Grievances and appeals")
    await expect(page.get_by_role("img", name=re.compile("Share resolved on time"))).to_be_visible()
    row = page.locator("#report-table tbody tr", has_text="IA-AG").filter(has_text="Grievance")
    cells = row.locator("td, th")
    await expect(cells.nth(3)).to_have_text("2")  # resolved in the month
    await expect(cells.nth(4)).to_have_text("1")  # on time: day 89
    await expect(cells.nth(5)).to_have_text("1")  # late: day 91
    await expect(cells.nth(6)).to_have_text("50.0%")
    await no_serious_violations(page)
    await shoot(page, "reports-grievances-appeals", full_page=False)
    await context.close()
