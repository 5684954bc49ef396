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

import io
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from liaison_shared.testing.system import LiaisonSystem
from liaison_shared.testing.system_client import Json, SystemClient

CHICAGO = ZoneInfo("America/Chicago")
DRILL_START = datetime(2026, 11, 25, 16, 59, tzinfo=CHICAGO)
LIAISON_SCOPES = ("intake:write", "inquiry:read", "inquiry:act")


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
    """A member/provider liaison's credentials, and the roster the scenarios share."""
    client = SystemClient(system, await system.issue_intake_key("liaison-desk", *LIAISON_SCOPES))
    for npi, name, networks in (("1245319599", "Prairie Family Medicine", ["IA-TC", "IA-AG"]),
                                ("1003000126", "Riverside Community Clinic", ["IA-TC"])):
        await client.roster("/v1/providers", {
            "npi": npi, "name": name, "is_pcp": True, "practice_npi": npi, "practice_name": name,
            "lat": 41.59, "lon": -93.62, "languages": ["en"], "capacity": 50, "open_panel": True,
            "networks": networks})
    yield client
    await client.aclose()


async def mco_client(system: LiaisonSystem, mco: str) -> SystemClient:
    return SystemClient(system, await system.issue_intake_key(f"{mco}-integration", "inquiry:read",
                                                               "inquiry:act", f"mco:{mco}"))


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
                       {"channel": "phone", "outcome": "reached", "actor": "liaison.a", "at": at(25, 16, 52)})
    await liaison.post(f"/v1/inquiries/{inquiry}/mco-referrals", {"actor": "liaison.a", "at": at(25, 16, 55)})
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

    mco = await mco_client(system, "IA-TC")
    await mco.post(f"/v1/inquiries/{inquiry}/mco-reports",
                   {"mco": "IA-TC", "report": "member_contacted", "actor": "iatc.care-coordinator"})
    await liaison.wait_for_entry(inquiry, "sla.met", clock="liaison_follow_up")
    await mco.post(f"/v1/inquiries/{inquiry}/mco-reports",
                   {"mco": "IA-TC", "report": "resolved", "resolution_code": "refill_authorized",
                    "summary": "Prior authorization approved; refill picked up.", "actor": "iatc.care-coordinator"})
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
