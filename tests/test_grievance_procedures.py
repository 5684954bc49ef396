"""Grievances and appeals on their federal clocks (42 CFR 438 Subpart F), and the escalation survey's
outcomes becoming work, walked end to end through the running services.

Every service runs as its own process on the real Kafka and PostgreSQL; the test talks to them over
HTTP as the grievance coordinator (gail, signed in) and the call center's system. The business clock
starts at 16:59 on Wednesday 25 November 2026 (Chicago), so a grievance received on 28 August is on
day 89 and one received on 26 August on day 91.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from liaison_shared.testing.system import LiaisonSystem
from liaison_shared.testing.system_client import BearerAuth, Json, SystemClient
from liaison_shared.testing.waiting import wait_until

CHICAGO = ZoneInfo("America/Chicago")
DRILL_START = datetime(2026, 11, 25, 16, 59, tzinfo=CHICAGO)
ADDRESS = {"line1": "12 Elm St", "line2": "Apt 3", "city": "Des Moines", "state": "IA", "zip": "50309"}


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(CHICAGO)


def days_before_drill(days: int) -> str:
    return (DRILL_START - timedelta(days=days)).isoformat()


def grievance(**changes: Any) -> Json:
    return {"source": "plan_member_services", "category": "quality_of_care", "member_name": "Scenario Grievant",
            "medicaid_id": "2000001A", "caller_name": "Scenario Grievant", "callback_phone": "515-555-0170",
            "description": "The clinic cancelled her appointment twice and the front desk was rude.",
            "mco": "IA-TC", "mailing_address": ADDRESS, "received_at": DRILL_START.isoformat(), **changes}


@pytest.fixture(scope="module")
async def system(start_system: Any) -> LiaisonSystem:
    system: LiaisonSystem = await start_system(at=DRILL_START)
    return system


@pytest.fixture(scope="module")
async def gail(system: LiaisonSystem) -> AsyncIterator[SystemClient]:
    """The grievance coordinator, signed in; new cases come from the call center's system."""
    client = SystemClient(system, actor=BearerAuth(system.tokens, person="gail"))
    yield client
    await client.aclose()


async def clock(client: SystemClient, inquiry: str, name: str, *, state: str | None = None,
                timeout: float = 60) -> Json:
    """The SLA monitor's clock `name` of the case, once it exists (in `state`, when given)."""
    async def probe() -> Json | None:
        found = [c for c in await client.clocks(inquiry) if c["clock"] == name and (state is None
                                                                                     or c["state"] == state)]
        return found[0] if found else None
    found: Json = await wait_until(probe, timeout=timeout, interval=0.2, what=f"clock {name} {state or ''}")
    return found


async def letter(client: SystemClient, inquiry: str, notice: str) -> str:
    """The printable letter of the case's notice of kind `notice`, once the notifier made it."""
    ready = await client.wait_for_entry(inquiry, "notification.letter-ready", notice=notice)
    printed = await client.readers["notifier"].get(f"/v1/letters/{ready['details']['letter_id']}")
    assert printed.status_code == 200
    return printed.text


async def test_a_grievance_resolved_on_day_89_is_met_and_one_on_day_91_breached(gail: SystemClient) -> None:
    on_time = (await gail.post("/v1/inquiries/grievances", grievance(
        received_at=days_before_drill(89))))["inquiry_id"]
    late = (await gail.post("/v1/inquiries/grievances", grievance(received_at=days_before_drill(91))))["inquiry_id"]
    assigned = await gail.wait_for_entry(on_time, "inquiry.priority-assigned")
    assert (assigned["details"]["track"], assigned["details"]["queue"]) == ("grievance", "grievances_appeals")
    # 90 calendar days end at local midnight: received 28 August, due by the end of 26 November.
    assert local((await clock(gail, on_time, "resolution"))["due_at"]) == datetime(2026, 11, 27, tzinfo=CHICAGO)
    assert local((await clock(gail, late, "resolution", state="breached"))["due_at"]) == \
        datetime(2026, 11, 25, tzinfo=CHICAGO)

    for inquiry in (on_time, late):
        await gail.post(f"/v1/inquiries/{inquiry}/resolution", {
            "resolved_by": "state", "resolution_code": "resolved",
            "summary": "We spoke with the clinic. It apologised and booked you with your own doctor."})
    met = await gail.wait_for_entry(on_time, "sla.met", clock="resolution")
    assert DRILL_START <= local(met["details"]["met_at"]) < datetime(2026, 11, 27, tzinfo=CHICAGO)  # day 89
    assert (await clock(gail, late, "resolution"))["state"] == "breached"
    for inquiry in (on_time, late):
        text = await letter(gail, inquiry, "resolution")
        assert "booked you with your own doctor" in text and "12 Elm St" in text and "50309" in text
    record = (await gail.intake.get(f"/v1/inquiries/{late}/record")).json()
    assert record["received_at"].startswith("2026-08-26")
    assert [(r["level"], r["resolution"]) for r in record["reviews"]] == [("plan", "resolved")]
    assert record["enrollee"]["name"] == "Scenario Grievant"


async def test_a_plan_extension_moves_the_deadline_once_and_owes_its_notice(gail: SystemClient) -> None:
    inquiry = (await gail.post("/v1/inquiries/grievances", grievance(
        received_at=DRILL_START.replace(hour=10, minute=0).isoformat())))["inquiry_id"]
    acknowledged = await clock(gail, inquiry, "acknowledged")
    assert local(acknowledged["due_at"]) == datetime(2026, 12, 2, 10, tzinfo=CHICAGO)  # 3 business days
    assert local((await clock(gail, inquiry, "resolution"))["due_at"]) == datetime(2027, 2, 24, tzinfo=CHICAGO)
    await gail.post(f"/v1/inquiries/{inquiry}/notices", {
        "notice": "acknowledgment", "text": "We received your grievance on November 25 and are looking into it."})
    await gail.wait_for_entry(inquiry, "sla.met", clock="acknowledged")

    await gail.post(f"/v1/inquiries/{inquiry}/extension", {
        "days": 14, "requested_by": "plan", "reason": "We are waiting for the clinic's records, in your interest."})
    extended = await gail.wait_for_log(inquiry, lambda entries: any(
        e["event_type"] == "liaison.sla.clock-started.v1" and e["details"]["clock"] == "resolution"
        and local(e["details"]["due_at"]) == datetime(2027, 3, 10, tzinfo=CHICAGO) for e in entries),
        what="the resolution deadline moved by 14 days")
    assert extended
    notice_clock = await clock(gail, inquiry, "extension_notice")
    assert local(notice_clock["due_at"]) == datetime(2026, 11, 28, tzinfo=CHICAGO)  # 2 calendar days
    again = await gail.intake.post(f"/v1/inquiries/{inquiry}/extension", json={
        "days": 3, "requested_by": "enrollee", "reason": "The enrollee asks for time."},
        headers={"Idempotency-Key": "second-extension"})
    assert (again.status_code, again.json()["code"]) == (409, "already-extended")
    await gail.post(f"/v1/inquiries/{inquiry}/notices", {
        "notice": "extension", "text": "We need up to 14 more days to get the clinic's records."})
    await gail.wait_for_entry(inquiry, "sla.met", clock="extension_notice")
    text = await letter(gail, inquiry, "extension")
    assert "14 more days to get the clinic" in text and "Des Moines" in text
    record = (await gail.intake.get(f"/v1/inquiries/{inquiry}/record")).json()
    assert (record["extension"]["days"], record["extension"]["requested_by"]) == (14, "plan")
    assert [n["notice"] for n in record["notices"]] == ["acknowledgment", "extension"]


async def test_an_expedited_appeal_denied_expedited_handling_moves_to_the_standard_clock(
        gail: SystemClient) -> None:
    inquiry = (await gail.post("/v1/inquiries/appeals", grievance(
        category="prior_authorization", description="Appeals the denial of a power wheelchair.",
        determination="Power wheelchair denied as not medically necessary.", determination_date="2026-11-20",
        expedited_requested=True, received_at=DRILL_START.replace(minute=30).isoformat())))["inquiry_id"]
    await gail.wait_for_entry(inquiry, "inquiry.priority-assigned", priority="urgent")
    expedited = await clock(gail, inquiry, "resolution")
    assert local(expedited["due_at"]) == datetime(2026, 11, 28, 16, 30, tzinfo=CHICAGO)  # 72 hours

    await gail.post(f"/v1/inquiries/{inquiry}/expedited-denial", {
        "reason": "The standard timeframe does not jeopardize the enrollee's health."})
    await gail.wait_for_entry(inquiry, "inquiry.priority-assigned", priority="standard")

    async def standard_clock() -> Json | None:
        found = await clock(gail, inquiry, "resolution")
        return found if local(found["due_at"]) == datetime(2026, 12, 26, tzinfo=CHICAGO) else None
    await wait_until(standard_clock, timeout=60, interval=0.2, what="30 calendar days from the receipt")
    oral, written = await clock(gail, inquiry, "denial_oral_notice"), await clock(gail, inquiry,
                                                                                  "denial_written_notice")
    assert local(written["due_at"]) == datetime(2026, 11, 28, tzinfo=CHICAGO)  # 2 calendar days
    assert oral["state"] == "open"
    await gail.post(f"/v1/inquiries/{inquiry}/contact-attempts", {"channel": "phone", "outcome": "reached"})
    await gail.wait_for_entry(inquiry, "sla.met", clock="denial_oral_notice")
    await gail.post(f"/v1/inquiries/{inquiry}/notices", {
        "notice": "expedited_denial", "text": "Your appeal will be decided within 30 days of November 25."})
    await gail.wait_for_entry(inquiry, "sla.met", clock="denial_written_notice")
    assert "within 30 days of November 25" in await letter(gail, inquiry, "expedited_denial")
    await gail.post(f"/v1/inquiries/{inquiry}/resolution", {
        "resolved_by": "state", "resolution_code": "overturned", "summary": "The wheelchair is approved."})
    await gail.wait_for_entry(inquiry, "sla.met", clock="resolution")
    record = (await gail.intake.get(f"/v1/inquiries/{inquiry}/record")).json()
    assert record["appeal"]["expedited_requested"] and record["expedited_denial"] is not None
    assert record["resolution"]["code"] == "overturned"


SURVEY_PATHS: dict[str, dict[str, str]] = {
    "fwa_referral": {"fwa-signs": "yes"},
    "grievance": {"fwa-signs": "no", "quality-of-care": "yes"},
    "provider_outreach": {"fwa-signs": "no", "quality-of-care": "no", "raised-by": "provider",
                          "provider-disputes-panel": "yes"},
    "simple_pcp_change": {"fwa-signs": "no", "quality-of-care": "no", "raised-by": "member",
                          "assigned-without-consent": "no", "member-wants-change": "yes"},
}
# Where each outcome's case lands: (kind, track, queue).
OPENED = {"fwa_referral": ("fwa_referral", "program_integrity", "program_integrity"),
          "grievance": ("grievance", "grievance", "grievances_appeals"),
          "provider_outreach": ("provider_outreach", "provider", "provider_liaison")}


async def test_each_survey_outcome_becomes_its_work_item_once(system: LiaisonSystem, gail: SystemClient) -> None:
    olivia = SystemClient(system, actor=BearerAuth(system.tokens, person="olivia"))  # Special Outreach
    try:
        for npi, name in (("1245319599", "Prairie Family Medicine"), ("1003000126", "Riverside Community Clinic")):
            await olivia.roster("/v1/providers", {
                "npi": npi, "name": name, "is_pcp": True, "practice_npi": npi, "practice_name": name, "lat": 41.59,
                "lon": -93.62, "languages": ["en"], "capacity": 50, "open_panel": True, "networks": ["IA-TC"]})
        member_id = (await olivia.roster("/v1/members", {
            "medicaid_id": "2000009J", "name": "Scenario Surveyed", "birth_date": "1975-04-05", "lat": 41.60,
            "lon": -93.63, "language": "en", "mco": "IA-TC", "eligible_from": "2026-01-01"}))["member_id"]
        origin = (await olivia.post("/v1/inquiries/member", {
            "source": "plan_member_services", "category": "pcp_assignment", "member_name": "Scenario Surveyed",
            "medicaid_id": "2000009J", "caller_name": "Scenario Surveyed", "callback_phone": "515-555-0190",
            "description": "Says she was assigned a PCP she never chose and wants to talk about it.",
            "mailing_address": ADDRESS, "received_at": DRILL_START.isoformat()}))["inquiry_id"]
        assigned = await olivia.wait_for_entry(origin, "inquiry.priority-assigned")
        assert (assigned["details"]["track"], assigned["details"]["queue"]) == ("pcp_attribution", "special_outreach")
        history = await _pcp_history(olivia, member_id)
        current = history[0]["pcp_npi"]
        other = "1003000126" if current == "1245319599" else "1245319599"

        for outcome, answers in SURVEY_PATHS.items():
            body: Json = {"inquiry_id": origin, "member_id": member_id, "answers": answers}
            if outcome == "simple_pcp_change":
                body["pcp_change"] = {"pcp_npi": other, "reason_code": "closer_to_home",
                                      "note": "Wants the clinic near her daughter's home."}
            answer = await olivia.readers["attribution"].post("/v1/survey-responses", json=body)
            assert answer.status_code == 200, answer.text
            assert answer.json()["outcome"] == outcome

        opened = await olivia.wait_for_log(origin, lambda entries: sum(
            e["event_type"] == "liaison.attribution.survey-outcome.v1" for e in entries) == 4,
            what="the four outcomes on the originating case")
        assert opened
        una = SystemClient(system, actor=BearerAuth(system.tokens, person="una"))  # sees every queue
        try:
            async def three_cases() -> list[Json] | None:
                cases = (await una.inquiry(origin))["opened_cases"]
                return cases if len(cases) == 3 else None
            cases = await wait_until(three_cases, timeout=60, interval=0.2, what="three cases opened")
            for case in cases:
                kind = case["kind"]
                outcome = next(o for o, (k, *_) in OPENED.items() if k == kind)
                decided = await una.wait_for_entry(case["inquiry_id"], "inquiry.priority-assigned")
                assert (kind, decided["details"]["track"], decided["details"]["queue"]) == OPENED[outcome]
                assert (await una.inquiry(case["inquiry_id"]))["origin"]["inquiry_id"] == origin
            fwa = next(c["inquiry_id"] for c in cases if c["kind"] == "fwa_referral")
            await _wait_deliveries(una, fwa, lambda d: [x for x in d if "integrity" in x["recipient"]
                                                        and x["status"] == "sent"])
        finally:
            await una.aclose()
        changed = (await _pcp_history(olivia, member_id))[0]
        assert (changed["pcp_npi"], changed["method"], changed["change_reason"]["code"], changed["note"]) == (
            other, "member_choice", "closer_to_home", "Wants the clinic near her daughter's home.")
        assert changed["recorded_by"]["name"] and history[0]["pcp_npi"] == current
    finally:
        await olivia.aclose()


async def _pcp_history(client: SystemClient, member_id: str) -> list[Json]:
    async def probe() -> list[Json] | None:
        items = (await client.attribution(f"/v1/members/{member_id}/pcp-history"))["assignments"]
        return items or None
    found: list[Json] = await wait_until(probe, timeout=60, interval=0.2, what="the member's PCP history")
    return found


async def _wait_deliveries(client: SystemClient, inquiry: str, match: Any) -> list[Json]:
    async def probe() -> list[Json] | None:
        return match(await client.deliveries(inquiry)) or None
    found: list[Json] = await wait_until(probe, timeout=60, interval=0.3, what="deliveries")
    return found
