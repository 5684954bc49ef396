"""The care-coordination pages in a real browser (Debian's Chromium driven by Playwright), on a real care
coordination service: both in-process behind real HTTP servers, on the real PostgreSQL, Kafka and OpenID
provider. People sign in on the provider's login page; each page is checked with axe-core.

With LIAISON_SCREENSHOTS=docs/console each page is saved as docs/console/care-*.png for docs/console.md."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from aiokafka import AIOKafkaProducer
from playwright.async_api import Browser, Page, expect
from sqlalchemy import text

from liaison_shared.events import Event, encode
from liaison_shared.payloads import MemberEnrolledV1, PcpAssignedV1
from liaison_shared.runtime import Runtime
from liaison_shared.testing.browser import serious_violations
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.plugin import SettingsFactory
from liaison_shared.testing.system import free_port
from liaison_shared.testing.waiting import wait_until

from .conftest import HTML, console_settings, running_console

PLAN, PRACTICE, OTHER_PRACTICE = "IA-TC", "1245319599", "1003000126"
PAIR = f"/care/plans/{PLAN}/practices/{PRACTICE}"
SHOWN = 15_000  # ms: how long a page may take to answer a form
SCREENSHOTS = os.environ.get("LIAISON_SCREENSHOTS")


@contextlib.asynccontextmanager
async def served_on(app: Any, port: int) -> AsyncIterator[str]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return bool(server.started)
    await wait_until(started, timeout=30, interval=0.01, what="the server")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Care:
    """Care coordination (in-process, behind a server) and the console that calls it, at `console`."""

    runtime: Runtime
    producer: AIOKafkaProducer
    tokens: Tokens
    address: str
    console: str

    async def enrol(self, medicaid_ids: list[str], practice: str = PRACTICE) -> None:
        """Attribution tells care coordination of these patients: enrolled with the plan, attributed to `practice`."""
        members = {m: uuid.uuid4() for m in medicaid_ids}
        payloads = [*[MemberEnrolledV1(member_id=member_id, medicaid_id=medicaid_id, mco=PLAN,
                                       effective_from=date(2026, 1, 1)) for medicaid_id, member_id in members.items()],
                    *[PcpAssignedV1(member_id=member_id, pcp_npi=practice, method="member_choice",
                                    effective_from=date(2026, 1, 1)) for member_id in members.values()]]
        ids = []
        for payload in payloads:
            event = Event(payload, source="/tests")
            record = encode(event, self.runtime.settings.topic_prefix)
            await self.producer.send_and_wait(record.topic, key=record.key, value=record.value,
                                              headers=record.headers)
            ids.append(event.id)

        async def consumed() -> bool:
            async with self.runtime.engine.begin() as conn:
                found = await conn.execute(text("SELECT count(*) FROM inbox WHERE event_id = ANY(:ids)"), {"ids": ids})
                return bool(found.scalar_one() == len(ids))
        await wait_until(consumed, timeout=60, what=f"{len(ids)} events consumed")

    async def call(self, method: str, path: str, person: str = "carl", **kwargs: Any) -> Any:
        async with httpx.AsyncClient(base_url=self.address, timeout=30) as http:
            answer = await http.request(method, path, headers=await self.tokens.headers(person=person), **kwargs)
        assert answer.status_code < 300, answer.status_code
        return answer.json()


@pytest.fixture
async def care(make_settings: SettingsFactory, tokens: Tokens) -> AsyncIterator[Care]:
    from liaison_care_coordination.main import bootstrap
    from liaison_care_coordination.settings import Settings

    runtime = bootstrap(make_settings(Settings))  # type: ignore[arg-type]
    producer = AIOKafkaProducer(bootstrap_servers=runtime.settings.kafka_bootstrap)
    await runtime.start()
    await producer.start()
    port = free_port()
    console_address = f"http://127.0.0.1:{port}"
    try:
        async with served_on(runtime.app(), free_port()) as address:
            settings = console_settings(make_settings, care_coordination_url=address).model_copy(
                update={"public_url": console_address})
            async with running_console(settings) as console, served_on(console.app, port):
                yield Care(runtime, producer, tokens, address, console_address)
    finally:
        await producer.stop()
        await runtime.stop()


def medicaid_ids(count: int) -> list[str]:
    base = uuid.uuid4().int % 9_000_000
    return [f"{(base + i) % 10_000_000:07d}{'ABCDEFGHJK'[i % 10]}" for i in range(count)]


async def signed_in(browser: Browser, care: Care, username: str, path: str) -> Page:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    await page.goto(care.console + path)
    await page.fill("#username", username)
    await page.fill("#password", f"{username}-demo")
    await page.click("#kc-login")
    await page.wait_for_url(care.console + path)
    return page


async def shoot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


async def accessible(page: Page) -> None:
    found = await serious_violations(page)
    assert found == [], found


async def plan_list(care: Care, patients: list[str]) -> None:
    """The plan's list, sent by carl through the API (the plan's model ranks; it shares what it knows)."""
    rows = [{"medicaid_id": m, "rank": i + 1, "risk_level": "high" if i % 2 else "very_high",
             "risk_drivers": ["CHF", "lives alone"] if i == 0 else ["COPD"], "recent_admissions": 2 if i == 0 else 0,
             "ed_visits": 3 if i == 0 else 1, "diagnoses": ["I50.9"], "prescriptions": ["furosemide"],
             "providers": ["Dr. Heart"]} for i, m in enumerate(patients)]
    await care.call("POST", f"/v1/plans/{PLAN}/practices/{PRACTICE}/high-risk-list/plan", json=rows)


def practice_csv(rows: list[tuple[str, int, str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["medicaid_id", "rank", "flagged", "risk_drivers"])
    writer.writerows(rows)
    return out.getvalue().encode()


async def test_a_practice_care_manager_uploads_her_list_and_sees_the_combined_list(
        care: Care, browser: Browser) -> None:
    patients = medicaid_ids(4)
    on_both, plan_only, practice_only, flagged = patients
    await care.enrol(patients)
    await plan_list(care, [on_both, plan_only])
    page = await signed_in(browser, care, "priya", "/care")
    # Her practice is filled in from her sign-in; she names the plan.
    await expect(page.get_by_label("Practice NPI")).to_have_value(PRACTICE)
    await page.get_by_label("Plan code").fill(PLAN)
    await accessible(page)
    await shoot(page, "care-index")
    await page.get_by_role("button", name="Open").click()
    await page.wait_for_url(f"**{PAIR}")
    await expect(page.locator("#combined-list tbody tr")).to_have_count(2)
    # She may send only the practice's side.
    await expect(page.locator("#form-upload-plan")).to_have_count(0)
    upload = page.locator("#form-upload-practice")
    await upload.get_by_label("CSV file").set_input_files(files=[{
        "name": "practice.csv", "mimeType": "text/csv",
        "buffer": practice_csv([(on_both, 1, "", "lives alone"), (practice_only, 2, "false", ""),
                                (flagged, 3, "true", "missed visits"), ("12", 4, "", "")])}])
    await upload.get_by_role("button", name="Send the practice's list").click()
    report = upload.locator(".upload-report")
    await expect(report).to_contain_text("3 of 4 rows accepted", timeout=SHOWN)
    await expect(report.locator("table.reject-report tbody tr")).to_have_count(1)
    await expect(report.locator("table.reject-report tbody td").nth(1)).to_have_text("medicaid_id")
    await accessible(page)
    await page.reload()
    rows = page.locator("#combined-list tbody tr")
    await expect(rows).to_have_count(4)
    assert await rows.evaluate_all("rows => rows.map(r => r.dataset.medicaidId)") == [
        on_both, plan_only, flagged, practice_only]
    await expect(rows.first).to_contain_text("lives alone")
    await expect(page.locator("#measures")).to_contain_text("In active care management")
    await accessible(page)
    await shoot(page, "care-pair")
    # A file that is not a list is refused beside the field, and changes nothing.
    await upload.get_by_label("CSV file").set_input_files(files=[{
        "name": "notes.csv", "mimeType": "text/csv", "buffer": b"who,what\nx,y\n"}])
    await upload.get_by_role("button", name="Send the practice's list").click()
    await expect(page.locator("#upload-practice-file-error")).not_to_be_empty(timeout=SHOWN)
    await page.context.close()


async def test_carl_holds_the_conference_of_ten_records_a_decision_and_sends_the_summary(
        care: Care, browser: Browser) -> None:
    patients = medicaid_ids(12)
    await care.enrol(patients)
    await plan_list(care, patients)
    page = await signed_in(browser, care, "carl", PAIR + "/agenda")
    # Without a series the call cannot be recorded: care coordination's refusal is shown under the form.
    await page.get_by_role("button", name="Record the conference").click()
    await expect(page.locator("#form-hold .form-result")).to_contain_text("no conference series", timeout=SHOWN)
    await page.get_by_text("Set up or change the conference series").click()
    await page.get_by_label("Practice's care manager email (summaries)").fill("not an email")
    await page.get_by_role("button", name="Save the series").click()
    await expect(page.locator("#series-practice_contact_email-error")).not_to_be_empty(timeout=SHOWN)
    await page.get_by_label("Practice's care manager email (summaries)").fill("care-team@demofamilymed.example")
    await page.get_by_role("button", name="Save the series").click()
    await expect(page.locator("#series-agenda_size")).to_be_hidden(timeout=SHOWN)  # reloaded: the details closed
    items = page.locator("#agenda .agenda-item")
    await expect(items).to_have_count(10)
    first = items.first
    for label in ("Risk drivers", "Level of risk", "Patient-centred goal", "Needed support", "Engagement",
                  "Recommended lead", "Admissions", "ED visits", "Diagnoses", "Prescriptions", "Providers"):
        await expect(first.locator("dt", has_text=label)).to_have_count(1)
    await expect(first).to_contain_text("CHF, lives alone")
    await expect(first).to_contain_text("I50.9")
    await accessible(page)
    await shoot(page, "care-agenda")
    await page.get_by_role("button", name="Record the conference").click()
    await page.wait_for_url("**/care/conferences/*", timeout=SHOWN)
    await expect(page.locator(".conference-agenda li")).to_have_count(10)
    await accessible(page)
    # The practice leads without the plan's monitor status: refused beside that field.
    form = page.locator("#form-decide-1")
    await form.get_by_label("Lead", exact=True).select_option("practice")
    await form.get_by_role("button", name="Record the decision").click()
    await expect(page.locator("#decide-1-plan_monitor_status-error")).to_contain_text("monitor status",
                                                                                    timeout=SHOWN)
    await form.get_by_label("Plan's monitor status").select_option("monitoring")
    await form.get_by_label("Patient-centred goal").fill("Walk to the mailbox every day")
    await form.get_by_label("Step 1: action").fill("Medication reconciliation")
    await form.get_by_label("Step 1: responsible").select_option("practice")
    await form.get_by_label("Step 1: report back on").fill("2026-12-09")
    await form.get_by_label("Practice's care manager").fill("Priya Shah")
    await form.get_by_role("button", name="Record the decision").click()
    decision = page.locator(f'article.decision[data-medicaid-id="{patients[0]}"]')
    await expect(decision).to_be_visible(timeout=SHOWN)
    await expect(decision).to_contain_text("Practice · plan monitoring")
    step = decision.locator("tr[data-step-id]")
    await expect(step).to_contain_text("Medication reconciliation")
    await expect(step).to_have_attribute("data-state", "open")
    await accessible(page)
    await shoot(page, "care-conference")
    # The practice reports back on the step: its clock is met.
    await step.get_by_label("Report").fill("Reconciled; two duplicates removed.")
    await step.get_by_role("button", name="Report back").click()
    await expect(page.locator(f'article.decision[data-medicaid-id="{patients[0]}"] tr[data-step-id]')
                 ).to_have_attribute("data-state", "met", timeout=SHOWN)
    await page.get_by_role("button", name="Send summary").click()
    await expect(page.locator("#summary-state")).to_contain_text("sent", timeout=SHOWN)
    await expect(page.get_by_role("button", name="Send summary")).to_have_count(0)
    await accessible(page)
    await shoot(page, "care-conference-summary")
    # The pair's page shows the conference and the lead in the measures; the transitions list has its page.
    await page.goto(care.console + PAIR)
    await expect(page.locator("#by-lead tbody td").nth(1)).to_have_text("1")
    await expect(page.locator("ul.conferences li")).to_contain_text("summary sent")
    await page.goto(care.console + PAIR + "/transitions")
    await expect(page.locator("h1")).to_contain_text("Transitions of care")
    await accessible(page)
    await shoot(page, "care-transitions")
    await page.context.close()


async def test_a_practice_care_manager_cannot_open_another_practices_pages(care: Care, browser: Browser) -> None:
    page = await signed_in(browser, care, "priya", "/care")
    other = f"/care/plans/{PLAN}/practices/{OTHER_PRACTICE}"
    for path in (other, other + "/agenda", other + "/transitions"):
        answer = await page.goto(care.console + path)
        assert answer is not None and answer.status == 404
        await expect(page.locator("h1")).to_have_text("Plan and practice not found")
    answer = await page.goto(f"{care.console}/care/conferences/{uuid.uuid4()}")
    assert answer is not None and answer.status == 404
    await accessible(page)
    await shoot(page, "care-not-found")
    # The notifier's link to a transition asks for the pair, hers filled in.
    await page.goto(f"{care.console}/care/transitions/{uuid.uuid4()}")
    await expect(page.get_by_label("Practice NPI")).to_have_value(PRACTICE)
    await accessible(page)
    await page.context.close()


async def test_care_coordination_down_is_said_in_words_and_writes_need_the_csrf_token(
        make_settings: SettingsFactory) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    async with running_console(console_settings(make_settings, care_coordination_url=nowhere)) as console:
        async with console.signed_in("carl") as (client, csrf):
            page = await client.get(PAIR, headers=HTML)
            assert page.status_code == 503 and "Care coordination did not answer" in page.text
            assert 'href="/care"' in (await client.get("/queue", headers=HTML)).text  # carl holds care:read
            refused = await client.post(PAIR + "/conferences", json={"fields": {}})
            assert refused.status_code == 403
            down = await client.post(PAIR + "/conferences", json={"fields": {}}, headers={"X-CSRF-Token": csrf})
            assert down.status_code == 503 and "did not answer" in down.json()["detail"]
        async with console.signed_in("maria") as (client, _):
            assert 'href="/care"' not in (await client.get("/queue", headers=HTML)).text  # no care:read
