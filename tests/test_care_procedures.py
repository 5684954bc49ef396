"""Care coordination walked end to end through the running services: attribution enrols and attributes the
patients, care coordination confirms them from its events, the SLA monitor times what the conference agreed
and what the hospital told, over HTTP as the plan's care manager (carl), the practice's (priya) and the
hospital's system.

The business clock starts at 16:59 on Monday 30 November 2026 (Chicago): a report-back due at today's close
breaches within a minute, one due on Friday is met; the discharge of Friday 27 November 23:10 was due by
Sunday 23:10 and its 48-72 hour call window runs until Monday 23:10.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.system import LiaisonSystem
from liaison_shared.testing.system_client import BearerAuth
from liaison_shared.testing.waiting import wait_until

CHICAGO = ZoneInfo("America/Chicago")
DRILL_START = datetime(2026, 11, 30, 16, 59, tzinfo=CHICAGO)
PLAN, PRACTICE = "IA-TC", "1245319599"
PAIR = f"/v1/plans/{PLAN}/practices/{PRACTICE}"
PATIENTS = [f"{3100000 + i:07d}{'ABCDEFGHJKL'[i]}" for i in range(11)]
HL7 = {"content-type": "x-application/hl7-v2+er7"}
PROVIDER = {"npi": PRACTICE, "name": "Demo Family Medicine", "is_pcp": True, "practice_npi": PRACTICE,
            "practice_name": "Demo Family Medicine", "lat": 41.59, "lon": -93.62, "languages": ["en"],
            "capacity": 500, "open_panel": True, "networks": [PLAN]}


def discharge(medicaid_id: str, control_id: str, segment: str = "PV1") -> str:
    """An HL7 v2.5.1 A03: discharged Friday 27 November 2026 at 23:10 Chicago time, told the next morning."""
    return "\r".join([
        f"MSH|^~\\&|EPICADT|MERCYDSM|LIAISON|IAMCO|20261128081502||ADT^A03^ADT_A03|{control_id}|P|2.5.1",
        "EVN|A03|20261128081502|||||20261127231000",
        f"PID|1||E4418273^^^MERCYMRN^MR~{medicaid_id}^^^IAMEDICAID^MA||DOE^PAT||19870322|F",
        f"{segment}|1|I|4WEST^412^B^MERCYDSM|E" + "|" * 40 + "20261124084500|20261127231000",
    ]) + "\r"


Client = dict[str, httpx.AsyncClient]


@pytest.fixture(scope="module")
async def system(start_system: Any) -> LiaisonSystem:
    system: LiaisonSystem = await start_system(at=DRILL_START)
    return system


@pytest.fixture(scope="module")
async def clients(system: LiaisonSystem, tokens: Tokens) -> AsyncIterator[Client]:
    made = {
        "carl": httpx.AsyncClient(base_url=system.url("care-coordination"), auth=BearerAuth(tokens, person="carl")),
        "priya": httpx.AsyncClient(base_url=system.url("care-coordination"), auth=BearerAuth(tokens, person="priya")),
        "hospital": httpx.AsyncClient(base_url=system.url("care-coordination"),
                                      auth=BearerAuth(tokens, system="hospital-adt")),
        "clocks": httpx.AsyncClient(base_url=system.url("sla-monitor"), auth=BearerAuth(tokens, person="carl")),
        "feed": httpx.AsyncClient(base_url=system.url("attribution"),
                                  auth=BearerAuth(tokens, system="attribution-feed")),
    }
    for client in made.values():
        client.timeout = httpx.Timeout(30)
    yield made
    for client in made.values():
        await client.aclose()


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, f"{response.request.method} {response.request.url.path}: " \
        f"{response.status_code} {response.text[:500]}"
    return response.json()


async def clock(clients: Client, item_id: str, name: str, state: str) -> dict[str, Any]:
    """The SLA monitor's clock `name` of a care item, once it is in `state`."""
    async def probe() -> dict[str, Any] | None:
        answer = await clients["clocks"].get(f"/v1/inquiries/{item_id}/clocks")
        found = [c for c in answer.json() if c["clock"] == name and c["state"] == state] \
            if answer.status_code == 200 else []
        return found[0] if found else None
    found: dict[str, Any] = await wait_until(probe, timeout=90, interval=0.3, what=f"{name} {state}")
    return found


async def test_conference_of_ten_from_upload_to_summary_and_a_friday_night_discharge(clients: Client) -> None:
    await ok(await clients["feed"].post("/v1/providers", json=PROVIDER))
    for medicaid_id in PATIENTS:
        await ok(await clients["feed"].post("/v1/members", json={
            "medicaid_id": medicaid_id, "name": "Scenario Patient", "birth_date": "1960-01-01", "lat": 41.59,
            "lon": -93.62, "language": "en", "mco": PLAN, "eligible_from": "2026-01-01"}))
    await ok(await clients["carl"].post(PAIR + "/high-risk-list/plan",
                                        json=[{"medicaid_id": m, "rank": i + 1} for i, m in enumerate(PATIENTS)]))

    async def confirmed() -> bool:  # attribution's events have reached care coordination
        listed = (await clients["carl"].get(PAIR + "/high-risk-list")).json()["patients"]
        return sum(p["coverage"] == "confirmed" for p in listed) == len(PATIENTS)
    await wait_until(confirmed, timeout=90, interval=0.5, what="every patient confirmed by attribution's events")

    await ok(await clients["carl"].put(PAIR + "/conference-series",
                                       json={"practice_contact_email": "care-team@demofamilymed.example"}))
    agenda = (await ok(await clients["priya"].get(PAIR + "/agenda")))["patients"]
    assert [p["medicaid_id"] for p in agenda] == PATIENTS[:10]
    conference = (await ok(await clients["carl"].post(PAIR + "/conferences",
                                                      json={"held_at": "2026-11-30T08:00:00-06:00"}), 201))
    conference_id = conference["conference_id"]
    coordinations = []
    for i, medicaid_id in enumerate(PATIENTS[:10]):
        steps = [{"action": "Call the patient about the new inhaler", "responsible": "practice",
                  "report_back_on": "2026-11-30" if i == 0 else "2026-12-04"}] if i < 2 else []
        decided = await ok(await clients["carl"].post(f"/v1/conferences/{conference_id}/decisions", json={
            "medicaid_id": medicaid_id, "lead": "plan", "goal": "Sleep through the night without an attack",
            "engaged": i != 9, "next_steps": steps}), 201)
        coordinations.append(decided["coordination_id"])

    shown = await ok(await clients["priya"].get(f"/v1/conferences/{conference_id}"))
    step_of = {d["medicaid_id"]: d["next_steps"][0]["step_id"] for d in shown["decisions"] if d["next_steps"]}
    late, on_time = step_of[PATIENTS[0]], step_of[PATIENTS[1]]
    await ok(await clients["priya"].post(f"/v1/next-steps/{on_time}/report", json={
        "reported_at": "2026-11-30T16:00:00-06:00",
        "report": "Reached; using it twice a day."}))
    assert (await clock(clients, on_time, "report_back", "met"))["due_at"] == "2026-12-04T23:00:00Z"
    assert (await clock(clients, late, "report_back", "breached"))["due_at"] == "2026-11-30T23:00:00Z"

    # The unengaged patient: one more outreach attempt, not reached: the tracking list, due in six months.
    tracked = await ok(await clients["priya"].post(f"/v1/coordinations/{coordinations[9]}/outreach", json={
        "kind": "attempt", "by": "practice", "at": "2026-11-30T12:00:00-06:00", "reached": False}))
    tracking = await clock(clients, tracked["tracking_id"], "tracking_update", "open")
    assert tracking["due_at"] == "2027-06-02T05:00:00Z"  # the end of 1 June 2027 (183 days on), CDT
    listed = await ok(await clients["carl"].get(PAIR + "/tracking-list"))
    assert [t["medicaid_id"] for t in listed] == [PATIENTS[9]]

    summary = await ok(await clients["carl"].post(f"/v1/conferences/{conference_id}/summary",
                                                  json={"sent_at": "2026-11-30T16:30:00-06:00"}))
    assert len(summary["decisions"]) == 10 and summary["next_agenda"][0] == PATIENTS[10]
    # One business day (nine open hours) after a call at the 08:00 opening: that day's close.
    assert (await clock(clients, conference_id, "call_summary", "met"))["due_at"] == "2026-11-30T23:00:00Z"

    # The hospital's discharge: 48 hours from the discharge itself, Friday 23:10 to Sunday 23:10.
    acked = await clients["hospital"].post("/v1/transitions/adt", content=discharge(PATIENTS[0], "DSC-1"),
                                           headers=HL7)
    assert acked.status_code == 200 and "MSA|AA|DSC-1" in acked.text

    async def notified() -> str | None:
        found = (await clients["priya"].get(PAIR + "/transitions")).json()
        return found[0]["notice_id"] if found else None
    notice_id = await wait_until(notified, timeout=60, interval=0.3, what="the discharge on the practice's list")
    follow_up = await clock(clients, notice_id, "discharge_follow_up", "breached")
    assert (follow_up["started_at"], follow_up["due_at"]) == ("2026-11-28T05:10:00Z", "2026-11-30T05:10:00Z")
    window = await clock(clients, notice_id, "discharge_call_window", "open")
    assert window["due_at"] == "2026-12-01T05:10:00Z"  # 72 hours after the discharge
    await ok(await clients["priya"].post(f"/v1/transitions/{notice_id}/follow-up",
                                         json={"reached_at": "2026-11-30T16:45:00-06:00", "by": "practice"}))
    await clock(clients, notice_id, "discharge_call_window", "met")

    # A message with a bad segment: AE, and nothing stored.
    refused = await clients["hospital"].post("/v1/transitions/adt", content=discharge(PATIENTS[1], "DSC-2", "PV!"),
                                             headers=HL7)
    assert refused.status_code == 422 and "MSA|AE|DSC-2" in refused.text and PATIENTS[1] not in refused.text
    assert len((await clients["priya"].get(PAIR + "/transitions")).json()) == 1
