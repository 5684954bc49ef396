"""The seed procedures walked end to end through the five running services.

Every service runs as its own process from its console script, on the real
Kafka and PostgreSQL; the test talks to them only over HTTP (and, as an MCO
integration would, reads its MCO's topic). The system's business clock starts
at 16:59 on Wednesday 25 November 2026 (Chicago), one minute before the close
of business on the day before Thanksgiving, so deadlines cross the holiday,
the added day after it and a weekend, and the close of business passes while
the tests run.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from liaison_shared.events import decode
from liaison_shared.testing.system import LiaisonSystem
from liaison_shared.testing.system_client import BearerAuth, Json, SystemClient

CHICAGO = ZoneInfo("America/Chicago")
DRILL_START = datetime(2026, 11, 25, 16, 59, tzinfo=CHICAGO)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(CHICAGO)


def at(day: int, hour: int, minute: int = 0) -> str:
    """An instant of November 2026 in Chicago, as intake takes it."""
    return datetime(2026, 11, day, hour, minute, tzinfo=CHICAGO).isoformat()


def types(entries: list[Json]) -> list[str]:
    return [e["event_type"].removeprefix("liaison.").removesuffix(".v1") for e in entries]


@pytest.fixture(scope="module")
async def system(start_system: Any) -> LiaisonSystem:
    system: LiaisonSystem = await start_system(at=DRILL_START)
    return system


@pytest.fixture(scope="module")
async def liaison(system: LiaisonSystem) -> AsyncIterator[SystemClient]:
    """The program's side: the call center's system posts inquiries, a member liaison (maria, signed in)
    works them, the attribution feed sends the roster the scenarios share."""
    client = SystemClient(system)
    for npi, name, networks in (("1245319599", "Prairie Family Medicine", ["IA-TC", "IA-AG"]),
                                ("1003000126", "Riverside Community Clinic", ["IA-TC"])):
        await client.roster("/v1/providers", {
            "npi": npi, "name": name, "is_pcp": True, "practice_npi": npi, "practice_name": name,
            "lat": 41.59, "lon": -93.62, "languages": ["en"], "capacity": 50, "open_panel": True,
            "networks": networks})
    yield client
    await client.aclose()


def mco_client(system: LiaisonSystem, mco: str) -> SystemClient:
    """An MCO's integration, with its system client's token (confined to the cases referred to it)."""
    return SystemClient.of_mco(system, mco)


async def enrol(client: SystemClient, medicaid_id: str, mco: str, **extra: Any) -> None:
    await client.roster("/v1/members", {
        "medicaid_id": medicaid_id, "name": "Scenario Member", "birth_date": "1980-02-03", "lat": 41.60,
        "lon": -93.63, "language": "en", "mco": mco, "eligible_from": "2026-01-01", **extra})


async def test_urgent_member_mco_silent_past_close_of_business(
        system: LiaisonSystem, liaison: SystemClient, mailbox: Any) -> None:
    await enrol(liaison, "1000001A", "IA-TC")
    received = await liaison.post("/v1/inquiries/member", {
        "source": "managed_care_ombudsman", "category": "pharmacy", "member_name": "Scenario Member",
        "medicaid_id": "1000001A", "caller_name": "Scenario Caller", "callback_phone": "515-555-0110",
        "description": "Member cannot get an insulin refill approved; runs out tomorrow.", "mco": "IA-TC",
        "received_at": at(25, 16, 50)})
    inquiry = received["inquiry_id"]

    assigned = await liaison.wait_for_entry(inquiry, "inquiry.priority-assigned")
    assert (assigned["details"]["track"], assigned["details"]["priority"], assigned["details"]["queue"]) == \
        ("member_mco", "urgent", "member_liaison")
    # 4 business hours from 16:50 on the day before Thanksgiving: 10 minutes that day, then Thursday
    # (Thanksgiving), Friday (the added holiday) and the weekend pass: due Monday 11:50.
    clocks = {c["clock"]: c for c in await _wait_clocks(liaison, inquiry, {"originator_contacted", "mco_referral"})}
    assert local(clocks["originator_contacted"]["due_at"]) == datetime(2026, 11, 30, 11, 50, tzinfo=CHICAGO)
    assert local(clocks["mco_referral"]["warn_at"]) == datetime(2026, 11, 30, 9, 50, tzinfo=CHICAGO)

    await liaison.post(f"/v1/inquiries/{inquiry}/contact-attempts",
                       {"channel": "phone", "outcome": "reached", "at": at(25, 16, 52)})
    await liaison.post(f"/v1/inquiries/{inquiry}/mco-referrals", {"at": at(25, 16, 55)})
    await liaison.wait_for_entry(inquiry, "sla.met", clock="originator_contacted")
    await liaison.wait_for_entry(inquiry, "sla.met", clock="mco_referral")
    started = await liaison.wait_for_entry(inquiry, "sla.clock-started", clock="mco_contacts_member")
    assert local(started["details"]["due_at"]) == datetime(2026, 11, 25, 17, 0, tzinfo=CHICAGO)

    # The MCO says nothing; the system's clock passes 17:00 and the monitor's timer fires.
    await liaison.wait_for_entry(inquiry, "sla.breached", clock="mco_contacts_member", timeout=150)
    follow_up = await liaison.wait_for_entry(inquiry, "sla.follow-up-due", clock="liaison_follow_up")
    assert follow_up["details"]["queue"] == "member_liaison"
    # 4 business hours from the 17:00 close: Monday 8:00 to 12:00.
    assert local(follow_up["details"]["due_at"]) == datetime(2026, 11, 30, 12, 0, tzinfo=CHICAGO)

    # The member liaisons' inbox hears about the follow-up (by e-mail, without PHI).
    sent = await _wait_deliveries(liaison, inquiry, lambda d: [
        x for x in d if x["cause_event_id"] == follow_up["event_id"] and x["status"] == "sent"])
    assert [(d["recipient"], d["channel"]) for d in sent] == [("member-escalations", "email")]
    inbox = [m for m in mailbox.messages if "member-escalations@ime.example.gov" in m["X-Envelope-To"]
             and m["Message-ID"] and sent[0]["notification_id"] in m["Message-ID"]]
    assert len(inbox) == 1, "the member escalations inbox got no e-mail about the follow-up"
    assert "1000001A" not in inbox[0].as_string() and "Scenario Member" not in inbox[0].as_string()
    await liaison.wait_for_entry(inquiry, "notification.sent", notification_id=sent[0]["notification_id"])

    mco = mco_client(system, "IA-TC")
    await mco.post(f"/v1/inquiries/{inquiry}/mco-reports",
                   {"mco": "IA-TC", "report": "member_contacted"})
    await liaison.wait_for_entry(inquiry, "sla.met", clock="liaison_follow_up")
    await mco.post(f"/v1/inquiries/{inquiry}/mco-reports",
                   {"mco": "IA-TC", "report": "resolved", "resolution_code": "refill_authorized",
                    "summary": "Prior authorization approved; refill picked up."})
    await mco.aclose()
    await liaison.wait_for_entry(inquiry, "inquiry.resolved")
    assert (await liaison.inquiry(inquiry))["status"] == "resolved"

    entries = await liaison.log(inquiry)
    steps = types(entries)
    for step in ("inquiry.received", "inquiry.priority-assigned", "sla.clock-started", "inquiry.contact-attempted",
                 "inquiry.mco-contacted", "sla.met", "sla.breached", "sla.follow-up-due", "notification.sent",
                 "inquiry.mco-reported", "inquiry.resolved"):
        assert step in steps, f"{step} missing from the log"
    assert steps.index("inquiry.received") == 0
    assert steps.index("sla.follow-up-due") < steps.index("inquiry.mco-reported")

    export = await liaison.intake.get("/v1/inquiry-log/export",
                                      params={"start": "2026-11-25", "end": "2026-11-25", "format": "xlsx"})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content))["Inquiry log"]
    rows = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0] == inquiry]
    assert sorted(row[2] for row in rows) == sorted(e["event_type"].removeprefix("liaison.") for e in entries)


async def test_escalated_member_resolved_by_the_state_without_the_mco(
        system: LiaisonSystem, liaison: SystemClient) -> None:
    await enrol(liaison, "1000002B", "IA-AG")
    inquiry = (await liaison.post("/v1/inquiries/member", {
        "source": "legislative_liaison", "category": "access_to_care", "member_name": "Scenario Member",
        "medicaid_id": "1000002B", "caller_name": "Legislative Aide", "callback_phone": "515-555-0120",
        "description": "Constituent asks why a specialist referral is taking so long.",
        "received_at": at(25, 16, 30)}))["inquiry_id"]
    assigned = await liaison.wait_for_entry(inquiry, "inquiry.priority-assigned")
    assert (assigned["details"]["track"], assigned["details"]["priority"], assigned["details"]["queue"],
            assigned["details"]["mco"]) == ("member_mco", "escalated", "msa_esr", "IA-AG")
    assert "oversight-source" in assigned["details"]["rules_fired"]
    started = await liaison.wait_for_entry(inquiry, "sla.clock-started", clock="originator_contacted")
    # One business day from Wednesday 16:30: Thanksgiving, the day after and the weekend are skipped.
    assert local(started["details"]["due_at"]) == datetime(2026, 11, 30, 16, 30, tzinfo=CHICAGO)
    await _wait_deliveries(liaison, inquiry, lambda d: [x for x in d if x["recipient"] == "msa-esr"
                                                        and x["status"] == "sent"])

    await liaison.post(f"/v1/inquiries/{inquiry}/contact-attempts",
                       {"channel": "phone", "outcome": "reached"})
    await liaison.post(f"/v1/inquiries/{inquiry}/resolution", {
        "resolved_by": "state", "resolution_code": "referral_expedited",
        "summary": "Specialist appointment confirmed with the member."})
    await liaison.wait_for_entry(inquiry, "sla.met", clock="originator_contacted")
    read = await liaison.inquiry(inquiry)
    assert (read["status"], read["referred_mco"], read["open_deadlines"]) == ("resolved", None, [])
    clocks = await liaison.clocks(inquiry)
    assert [(c["clock"], c["state"]) for c in clocks] == [("originator_contacted", "met")]
    steps = types(await liaison.log(inquiry))
    assert "inquiry.mco-contacted" not in steps and "inquiry.mco-reported" not in steps
    assert steps[-1] in ("inquiry.resolved", "sla.met")

    # Never referred, so no MCO sees it, not even the member's own.
    for code in ("IA-AG", "IA-TC"):
        mco = mco_client(system, code)
        assert (await mco.intake.get(f"/v1/inquiries/{inquiry}")).status_code == 404
        await mco.aclose()


async def test_member_not_enrolled_unit_lead_callback_letter_after_two_failed_calls(
        liaison: SystemClient) -> None:
    # Known to the program, but the MCO enrollment ended in June.
    await enrol(liaison, "1000003C", "IA-TC", eligible_from="2025-01-01", eligible_to="2026-06-30")
    inquiry = (await liaison.post("/v1/inquiries/member", {
        "source": "ime_call_center_csr", "category": "eligibility_enrollment", "member_name": "Scenario Member",
        "medicaid_id": "1000003C", "caller_name": "Scenario Member", "callback_phone": "515-555-0130",
        "description": "Asks why her plan card stopped working at the pharmacy counter.",
        "mailing_address": {"line1": "400 Locust St", "city": "Des Moines", "state": "IA", "zip": "50309"},
        "received_at": at(25, 16, 40)}))["inquiry_id"]
    assigned = await liaison.wait_for_entry(inquiry, "inquiry.priority-assigned")
    assert (assigned["details"]["track"], assigned["details"]["queue"], assigned["details"]["mco"]) == \
        ("member_not_enrolled", "unit_lead", None)
    started = await liaison.wait_for_entry(inquiry, "sla.clock-started", clock="unit_lead_callback")
    assert local(started["details"]["due_at"]) == datetime(2026, 12, 1, 16, 40, tzinfo=CHICAGO)
    await _wait_deliveries(liaison, inquiry, lambda d: [x for x in d if x["recipient"] == "unit-leads"
                                                        and x["status"] == "sent"])

    for minute in (45, 50):
        await liaison.post(f"/v1/inquiries/{inquiry}/contact-attempts", {
            "channel": "phone", "outcome": "not_reached", "at": at(25, 16, minute)})
    requested = await liaison.wait_for_entry(inquiry, "inquiry.letter-requested")
    assert (await liaison.inquiry(inquiry))["failed_phone_attempts"] == 2
    clocks = {c["clock"]: c["state"] for c in await liaison.clocks(inquiry)}
    assert clocks == {"unit_lead_callback": "open"}, "failed calls do not complete the callback"

    # The liaison writes the answer; the notifier prints it on the letter, addressed: the callback is complete.
    answer = "Your coverage through the plan ended on June 30. You can reapply online or by phone."
    await liaison.post(f"/v1/inquiries/{inquiry}/notices", {"notice": "answer", "text": answer})
    ready = await liaison.wait_for_entry(inquiry, "notification.letter-ready", notice="answer")
    printed = await liaison.readers["notifier"].get(f"/v1/letters/{ready['details']['letter_id']}")
    assert printed.status_code == 200 and inquiry in printed.text  # the reference number on the letter
    assert "coverage through the plan ended on June 30" in printed.text and "400 Locust St" in printed.text
    assert "plan card" not in printed.text, "the letter does not repeat the caller's description"
    await liaison.wait_for_entry(inquiry, "sla.met", clock="unit_lead_callback")
    await liaison.post(f"/v1/inquiries/{inquiry}/resolution", {
        "resolved_by": "state", "resolution_code": "letter_sent"})
    assert (await liaison.inquiry(inquiry))["status"] == "resolved"
    steps = types(await liaison.log(inquiry))
    assert steps.count("inquiry.contact-attempted") == 2
    assert steps.index("inquiry.letter-requested") < steps.index("inquiry.notice-issued") < \
        steps.index("notification.letter-ready")
    assert requested["at"] <= ready["at"]


async def test_escalated_provider_mco_clock_crosses_the_holiday_and_weekend(
        system: LiaisonSystem, liaison: SystemClient) -> None:
    # A provider case: worked by a provider liaison (a member liaison does not see it).
    provider_liaison = SystemClient(system, actor=BearerAuth(system.tokens, person="paul"))
    try:
        await _provider_case_crosses_the_holiday(system, provider_liaison)
    finally:
        await provider_liaison.aclose()


async def _provider_case_crosses_the_holiday(system: LiaisonSystem, provider_liaison: SystemClient) -> None:
    inquiry = (await provider_liaison.post("/v1/inquiries/provider", {
        "source": "provider_association", "category": "claims_billing", "npi": "1003000126",
        "contact_name": "Clinic Billing Office", "contact_phone": "515-555-0140", "mco": "IA-AG",
        "description": "Dozens of well-child visit claims denied for a missing referral.",
        "received_at": at(25, 10, 0)}))["inquiry_id"]
    assigned = await provider_liaison.wait_for_entry(inquiry, "inquiry.priority-assigned")
    assert (assigned["details"]["track"], assigned["details"]["priority"], assigned["details"]["queue"]) == \
        ("provider", "escalated", "provider_liaison")
    clocks = {c["clock"]: c for c in await _wait_clocks(
        provider_liaison, inquiry, {"acknowledged", "originator_contacted", "mco_contacts_provider"})}
    # From Wednesday 10:00 before Thanksgiving; Thursday, Friday and the weekend are not business days.
    expected = {"acknowledged": (None, datetime(2026, 11, 30, 10, tzinfo=CHICAGO)),
                "originator_contacted": (datetime(2026, 12, 2, 10, tzinfo=CHICAGO),
                                         datetime(2026, 12, 3, 10, tzinfo=CHICAGO)),
                "mco_contacts_provider": (datetime(2026, 12, 2, 10, tzinfo=CHICAGO),
                                          datetime(2026, 12, 4, 10, tzinfo=CHICAGO))}
    for name, (warn, due) in expected.items():
        assert local(clocks[name]["due_at"]) == due, name
        if warn is not None:
            assert local(clocks[name]["warn_at"]) == warn, name
    assert clocks["mco_contacts_provider"]["due_local"].startswith("Fri 2026-12-04 10:00")
    shown = await provider_liaison.wait_for_log(inquiry, lambda e: "sla.clock-started" in types(e), what="deadlines")
    assert shown
    read = await provider_liaison.inquiry(inquiry)
    assert {d["clock"]: d["due_local"][:20] for d in read["open_deadlines"]}["mco_contacts_provider"] == \
        "Fri 2026-12-04 10:00"

    await provider_liaison.post(f"/v1/inquiries/{inquiry}/mco-referrals", {})
    await provider_liaison.wait_for_entry(inquiry, "sla.met", clock="acknowledged")
    await provider_liaison.post(f"/v1/inquiries/{inquiry}/contact-attempts",
                       {"channel": "phone", "outcome": "reached"})
    mco = mco_client(system, "IA-AG")
    await mco.post(f"/v1/inquiries/{inquiry}/mco-reports",
                   {"mco": "IA-AG", "report": "provider_contacted"})
    await mco.post(f"/v1/inquiries/{inquiry}/mco-reports", {
        "mco": "IA-AG", "report": "resolved", "resolution_code": "claims_reprocessed",
        "summary": "Claims reprocessed without the referral edit."})
    await mco.aclose()
    for clock in ("originator_contacted", "mco_contacts_provider"):
        await provider_liaison.wait_for_entry(inquiry, "sla.met", clock=clock)
    assert (await provider_liaison.inquiry(inquiry))["status"] == "resolved"
    assert {c["state"] for c in await provider_liaison.clocks(inquiry)} == {"met"}


async def attributed_member(liaison: SystemClient, medicaid_id: str, **extra: Any) -> tuple[str, str]:
    """A member enrolled with IA-TC and attributed to a PCP; returns (member id, PCP NPI)."""
    member_id = (await liaison.roster("/v1/members", {
        "medicaid_id": medicaid_id, "name": "Scenario Member", "birth_date": "1990-07-08", "lat": 41.60,
        "lon": -93.63, "language": "en", "mco": "IA-TC", "eligible_from": "2026-01-01", **extra}))["member_id"]
    pcp = await liaison.attribution(f"/v1/members/{member_id}/pcp")
    return member_id, pcp["npi"]


OTHER_PCP = {"1245319599": "1003000126", "1003000126": "1245319599"}


async def test_panel_removal_of_an_ordinary_member_outreach_then_member_chooses(liaison: SystemClient) -> None:
    member_id, npi = await attributed_member(liaison, "1000004D")
    removal = (await liaison.roster("/v1/panel-removals", {
        "member_id": member_id, "npi": npi, "reason": "non_compliance",
        "documentation": "Three missed visits without notice; letters on file."}))["removal_id"]
    assigned = await liaison.wait_for_entry(removal, "inquiry.priority-assigned")
    assert (assigned["details"]["track"], assigned["details"]["priority"], assigned["details"]["queue"]) == \
        ("pcp_panel_removal", "standard", "special_outreach")
    clocks = {c["clock"] for c in await _wait_clocks(liaison, removal, {"outreach_contact", "member_reassigned"})}
    assert clocks == {"outreach_contact", "member_reassigned"}
    await _wait_deliveries(liaison, removal, lambda d: [x for x in d if x["recipient"] == "special-outreach"
                                                        and x["status"] == "sent"])
    case = await liaison.inquiry(removal)
    assert (case["status"], case["category"]) == ("triaged", "pcp_assignment")

    await liaison.post(f"/v1/inquiries/{removal}/contact-attempts",
                       {"channel": "phone", "outcome": "reached"})
    await liaison.wait_for_entry(removal, "sla.met", clock="outreach_contact")
    chosen = OTHER_PCP[npi]
    await liaison.roster(f"/v1/panel-removals/{removal}/choice", {"npi": chosen})
    await liaison.wait_for_entry(removal, "sla.met", clock="member_reassigned")
    pcp = await liaison.attribution(f"/v1/members/{member_id}/pcp")
    assert pcp["npi"] == chosen
    await liaison.post(f"/v1/inquiries/{removal}/resolution",
                       {"resolved_by": "state", "resolution_code": "member_chose_pcp"})
    assert {c["state"] for c in await liaison.clocks(removal)} == {"met"}


async def test_panel_removal_of_a_high_risk_member_is_an_urgent_ccm_ticket(
        liaison: SystemClient, mailbox: Any) -> None:
    member_id, npi = await attributed_member(liaison, "1000005E", risk_flags=["chronic_condition"])
    removal = (await liaison.roster("/v1/panel-removals", {
        "member_id": member_id, "npi": npi, "reason": "other",
        "documentation": "Practice is closing its panel to members outside the county."}))["removal_id"]
    assigned = await liaison.wait_for_entry(removal, "inquiry.priority-assigned")
    assert (assigned["details"]["track"], assigned["details"]["priority"], assigned["details"]["queue"]) == \
        ("pcp_panel_removal", "urgent", "ccm")
    assert "high-risk-member-panel-removal" in assigned["details"]["rules_fired"]
    clocks = {c["clock"]: c for c in await _wait_clocks(liaison, removal, {"ccm_acknowledged", "member_reassigned"})}
    assert clocks["ccm_acknowledged"]["state"] in ("open", "breached")
    sent = await _wait_deliveries(liaison, removal, lambda d: [x for x in d if x["recipient"] == "ccm"
                                                               and x["status"] == "sent"])
    ticket = [m for m in mailbox.messages if sent[0]["notification_id"] in (m["Message-ID"] or "")]
    assert len(ticket) == 1 and "complex-case-management@ime.example.gov" in ticket[0]["X-Envelope-To"]
    assert "[URGENT]" in ticket[0]["Subject"]

    await liaison.post(f"/v1/inquiries/{removal}/contact-attempts",
                       {"channel": "phone", "outcome": "reached"})
    await liaison.wait_for_entry(removal, "sla.met", clock="ccm_acknowledged")


async def test_a_held_removal_is_one_case_that_intake_triage_and_the_sla_monitor_agree_on(
        liaison: SystemClient) -> None:
    member_id, npi = await attributed_member(liaison, "1000009J", risk_flags=["special_needs"])
    removal = (await liaison.roster("/v1/panel-removals", {
        "member_id": member_id, "npi": npi, "reason": "disruptive_behavior",
        "documentation": "Outbursts at the front desk; member has an IEP on file."}))["removal_id"]
    assigned = (await liaison.wait_for_entry(removal, "inquiry.priority-assigned"))["details"]
    # Intake opened the case, once, and says which removal it is for.
    opened = [e for e in await liaison.log(removal) if e["event_type"] == "liaison.inquiry.received.v1"]
    assert [(e["source"], e["details"]["panel_removal"]["removal_id"],
             e["details"]["panel_removal"]["held_for_compliance_review"]) for e in opened] == \
        [("/liaison/intake", removal, True)]
    # Triage decided that case, and intake shows triage's decision.
    case = await liaison.inquiry(removal)
    assert (case["track"], case["priority"], case["queue"], case["subject"]) == \
        (assigned["track"], assigned["priority"], assigned["queue"], assigned["subject"]) == \
        ("pcp_panel_removal", "urgent", "unit_lead", assigned["subject"])  # a member with special needs
    # While held, only the compliance-review clock runs.
    assert {c["clock"] for c in await _wait_clocks(liaison, removal, {"compliance_review"})} == {"compliance_review"}

    await liaison.roster(f"/v1/panel-removals/{removal}/release", {})
    await liaison.wait_for_entry(removal, "inquiry.hold-released")
    clocks = {c["clock"]: c for c in await _wait_clocks(liaison, removal, {"ccm_acknowledged", "member_reassigned"})}
    assert clocks["compliance_review"]["state"] == "met"

    async def intake_shows_the_monitors_clocks() -> list[tuple[str, str]] | None:
        monitor = sorted((c["clock"], c["due_at"]) for c in await liaison.clocks(removal)
                         if c["state"] in ("open", "breached"))
        shown = sorted((d["clock"], d["due_at"]) for d in (await liaison.inquiry(removal))["open_deadlines"])
        return shown if shown == monitor and len(shown) == 2 else None

    from liaison_shared.testing.waiting import wait_until
    agreed = await wait_until(intake_shows_the_monitors_clocks, timeout=60, interval=0.2,
                              what="intake's deadlines equal to the SLA monitor's open clocks")
    assert {name for name, _ in agreed} == {"ccm_acknowledged", "member_reassigned"}


async def test_mco_integration_reads_only_its_topic_and_reports_back_over_http(
        system: LiaisonSystem, liaison: SystemClient) -> None:
    await enrol(liaison, "1000006F", "IA-TC")
    await enrol(liaison, "1000007G", "IA-AG")
    ours, theirs = [(await liaison.post("/v1/inquiries/member", {
        "source": "member_services_account_manager", "category": "prior_authorization",
        "member_name": "Scenario Member", "medicaid_id": medicaid_id, "caller_name": "Scenario Caller",
        "callback_phone": "515-555-0160",
        "description": "Asks when the plan will decide a pending request for physical therapy visits.",
        "received_at": at(25, 16, 45)}))["inquiry_id"]
        for medicaid_id in ("1000006F", "1000007G")]
    integration = McoIntegration(system, mco_client(system, "IA-TC"), "IA-TC")
    await integration.start()
    try:
        for inquiry in (ours, theirs):
            assigned = await liaison.wait_for_entry(inquiry, "inquiry.priority-assigned")
            assert (assigned["details"]["track"], assigned["details"]["priority"]) == ("member_mco", "escalated")
            await liaison.post(f"/v1/inquiries/{inquiry}/mco-referrals", {})
        reported = await liaison.wait_for_entry(ours, "inquiry.mco-reported", report="member_contacted")
        actor = reported["actor"]  # who reported is the MCO's system, as its token says
        assert (actor["name"], actor["client"], actor["roles"]) == ("mco-ia-tc", "mco-ia-tc", [])
        await liaison.wait_for_entry(ours, "sla.met", clock="mco_contacts_member")
        await liaison.wait_for_entry(ours, "sla.met", clock="mco_silence")
    finally:
        await integration.stop()
    # Its topic holds its own referrals only (this one, and any earlier ones of the module's scenarios).
    assert ours in integration.seen and theirs not in integration.seen
    assert all(integration.readable) and len(integration.readable) == len(integration.seen)
    assert integration.phi_on_topic is False
    assert "inquiry.mco-reported" not in types(await liaison.log(theirs))
    assert (await integration.client.intake.get(f"/v1/inquiries/{theirs}")).status_code == 404
    await integration.client.aclose()


async def test_a_provider_issue_referred_to_two_mcos_gives_each_its_referral_clock_and_view(
        system: LiaisonSystem, liaison: SystemClient) -> None:
    paul = SystemClient(system, actor=BearerAuth(system.tokens, person="paul"))  # the provider liaison
    inquiry = (await paul.post("/v1/inquiries/provider", {
        "source": "provider_association", "category": "claims_billing", "npi": "1003000126",
        "contact_name": "Scenario Office", "contact_phone": "515-555-0180",
        "description": "Both plans deny the same lab claims for a missing modifier.", "mco": "IA-TC",
        "received_at": at(25, 16, 50)}))["inquiry_id"]
    await paul.wait_for_entry(inquiry, "inquiry.priority-assigned")
    integrations = [McoIntegration(system, mco_client(system, mco), mco, report="provider_contacted")
                    for mco in ("IA-TC", "IA-AG")]
    for integration in integrations:
        await integration.start()
    try:
        for mco in ("IA-TC", "IA-AG"):
            await paul.post(f"/v1/inquiries/{inquiry}/mco-referrals", {"mco": mco})
        for mco in ("IA-TC", "IA-AG"):
            await paul.wait_for_entry(inquiry, "inquiry.mco-reported", mco=mco, report="provider_contacted")
            await paul.wait_for_entry(inquiry, "sla.met", clock="mco_contacts_provider", mco=mco)
    finally:
        for integration in integrations:
            await integration.stop()
    for integration in integrations:
        assert integration.seen.count(inquiry) == 1  # its own referral, on its own topic, once
        seen = await integration.client.inquiry(inquiry)
        assert [r["mco"] for r in seen["referrals"]] == [integration.mco]
        assert {d["mco"] for d in seen["open_deadlines"]} <= {None, integration.mco}
        await integration.client.aclose()
    mine = {(c["clock"], c.get("mco")) for c in await paul.clocks(inquiry)}
    assert {("mco_contacts_provider", "IA-TC"), ("mco_contacts_provider", "IA-AG")} <= mine
    assert [r["mco"] for r in (await paul.inquiry(inquiry))["referrals"]] == ["IA-TC", "IA-AG"]
    await paul.aclose()


class McoIntegration:
    """What an MCO runs: a consumer of its own topic only, answering through intake's API."""

    def __init__(self, system: LiaisonSystem, client: SystemClient, mco: str, *,
                 report: str = "member_contacted") -> None:
        from aiokafka import AIOKafkaConsumer

        self.client, self.mco, self.report = client, mco, report
        self.topic = f"{system.topic_prefix}mco.{mco}.inquiries"
        self.consumer = AIOKafkaConsumer(self.topic, bootstrap_servers=system.bootstrap,
                                         group_id=f"{system.topic_prefix}{mco}-integration",
                                         auto_offset_reset="earliest", enable_auto_commit=False)
        self.seen: list[str] = []
        self.readable: list[bool] = []
        self.phi_on_topic = False
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.consumer.start()
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        async for record in self.consumer:
            event = decode(record.value, record.headers)
            raw = record.value or b""
            self.phi_on_topic |= any(s in raw for s in (b"Scenario Member", b"1000006F", b"5550160"))
            if event.type != "liaison.mco.inquiry-referred.v1":
                continue
            inquiry = str(event.payload.inquiry_id)  # type: ignore[attr-defined]
            self.seen.append(inquiry)
            details = await self.client.inquiry(inquiry)  # the member's details, with its own token
            identity = details["identity"]
            self.readable.append(bool((identity.get("member") or identity.get("provider") or {}).get(
                "medicaid_id" if details["party"] == "member" else "npi")))
            if details["status"] != "resolved" and details["party"] == self.report.removesuffix("_contacted"):
                await self.client.post(f"/v1/inquiries/{inquiry}/mco-reports",
                                       {"mco": self.mco, "report": self.report},
                                       idempotency_key=f"{self.mco}-contacted-{inquiry}")
            await self.consumer.commit()

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await self.consumer.stop()


async def _wait_clocks(client: SystemClient, inquiry: str, names: set[str]) -> list[Json]:
    from liaison_shared.testing.waiting import wait_until

    async def probe() -> list[Json] | None:
        clocks = await client.clocks(inquiry)
        return clocks if names <= {c["clock"] for c in clocks} else None

    return await wait_until(probe, timeout=60, interval=0.2, what=f"clocks {sorted(names)}")


async def _wait_deliveries(client: SystemClient, inquiry: str, select: Any) -> list[Json]:
    """The inquiry's deliveries that `select` picks, once it picks any."""
    from liaison_shared.testing.waiting import wait_until

    async def probe() -> list[Json]:
        return list(select(await client.deliveries(inquiry)))

    return await wait_until(probe, timeout=60, interval=0.2, what="deliveries")
