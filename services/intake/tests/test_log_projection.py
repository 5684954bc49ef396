"""The inquiry log and intake's view follow other services' events: triage's
decision, the SLA monitor's clocks, the notifier's deliveries."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import text

from liaison_shared.events import Event
from liaison_shared.outbox import Outbox
from liaison_shared.payloads import (
    BreachWithdrawnV1,
    ClockStartedV1,
    ClockStoppedV1,
    NotificationSentV1,
    PanelRemovalRequestedV1,
    Payload,
    PriorityAssignedV1,
    SlaBreachedV1,
    SlaMetV1,
    SubjectChangedV1,
)
from liaison_shared.testing.waiting import wait_until

from .conftest import Intake, member_inquiry


async def publish(intake: Intake, source: str, *payloads: Payload) -> None:
    """Publish as another service would: through an outbox in the same database."""
    async with intake.runtime.unit_of_work() as uow:
        await Outbox(intake.runtime.settings.topic_prefix).add(
            uow.session, *[Event(p, source=source) for p in payloads])
        await uow.commit()


async def test_triage_and_sla_events_update_the_view_and_the_log(intake: Intake) -> None:
    headers = await intake.person("maria")
    created = (await intake.post("/v1/inquiries/member", member_inquiry(), headers)).json()
    inquiry_id = uuid.UUID(created["inquiry_id"])
    now = datetime.now(UTC)
    due = now + timedelta(hours=4)
    await publish(intake, "/liaison/triage", PriorityAssignedV1(
        inquiry_id=inquiry_id, track="member_mco", priority="urgent", queue="member_liaison",
        subject="[URGENT] Member · Pharmacy · MCO IA-TC · ID ***567A", mco="IA-TC",
        rules_fired=("missing-medication",), ruleset_version="2026.11", received_at=now, decided_at=now))
    await publish(intake, "/liaison/sla-monitor",
                  ClockStartedV1(inquiry_id=inquiry_id, clock="originator_contacted", track="member_mco",
                                 priority="urgent", warn_at=now + timedelta(hours=2), due_at=due, started_at=now),
                  ClockStartedV1(inquiry_id=inquiry_id, clock="mco_referral", track="member_mco",
                                 priority="urgent", warn_at=now + timedelta(hours=2), due_at=due, started_at=now))

    async def triaged_with_deadlines() -> dict[str, object] | None:
        read = (await intake.http.get(f"/v1/inquiries/{inquiry_id}", headers=headers)).json()
        return read if read["status"] == "triaged" and len(read["open_deadlines"]) == 2 else None

    read = await wait_until(triaged_with_deadlines, what="triage and clocks in the view")
    assert (read["track"], read["priority"], read["queue"]) == ("member_mco", "urgent", "member_liaison")
    assert read["subject"].startswith("[URGENT] Member")
    due_soon = (await intake.http.get("/v1/inquiries", params={"due_before": (due + timedelta(minutes=1))
                                                               .isoformat()}, headers=headers)).json()["items"]
    assert [i["id"] for i in due_soon] == [str(inquiry_id)]

    # The met event may come before the breach on another topic; both are honoured.
    await publish(intake, "/liaison/sla-monitor",
                  SlaMetV1(inquiry_id=inquiry_id, clock="mco_referral", due_at=due, met_at=now + timedelta(hours=1),
                           took_business_seconds=3600),
                  SlaBreachedV1(inquiry_id=inquiry_id, clock="originator_contacted", track="member_mco",
                                priority="urgent", due_at=due, breached_at=due, late_by_seconds=0))
    await publish(intake, "/liaison/notifier", NotificationSentV1(
        notification_id=uuid.uuid4(), cause_event_id=uuid.uuid4(), inquiry_id=inquiry_id, channel="email",
        recipient="queue:member_liaison", sent_at=now))

    async def settled() -> list[dict[str, object]] | None:
        entries = (await intake.http.get(f"/v1/inquiries/{inquiry_id}/log", headers=headers)).json()["entries"]
        return entries if len(entries) == 7 else None

    entries = await wait_until(settled, what="seven log entries")
    assert {e["event_type"] for e in entries} >= {"liaison.inquiry.priority-assigned.v1", "liaison.sla.met.v1",
                                                  "liaison.sla.breached.v1", "liaison.notification.sent.v1"}
    deadlines = (await intake.http.get(f"/v1/inquiries/{inquiry_id}", headers=headers)).json()["open_deadlines"]
    assert [(d["clock"], d["state"]) for d in deadlines] == [("originator_contacted", "breached")]


async def test_log_exports_to_xlsx_and_csv_with_every_entry(intake: Intake) -> None:
    headers = await intake.person("maria")
    ids = []
    for _ in range(3):
        created = (await intake.post("/v1/inquiries/member", member_inquiry(), headers)).json()
        ids.append(created["inquiry_id"])
        await intake.post(f"/v1/inquiries/{created['inquiry_id']}/contact-attempts",
                          {"channel": "phone", "outcome": "reached", "at": "2026-11-20T15:00:00-06:00"}, headers)
    params = {"start": "2026-11-20", "end": "2026-11-20"}
    workbook_bytes = await intake.http.get("/v1/inquiry-log/export", params=params, headers=headers)
    assert workbook_bytes.status_code == 200
    workbook = load_workbook(io.BytesIO(workbook_bytes.content))
    rows = list(workbook["Inquiry log"].iter_rows(values_only=True))
    assert rows[0][:3] == ("Inquiry ID", "When (local)", "Event") and rows[0][-1] == "Recorded (local)"
    assert sorted(r[0] for r in rows[1:]) == sorted(ids * 2)
    assert {r[1] for r in rows[1:]} == {"2026-11-20 14:05:00", "2026-11-20 15:00:00"}
    assert len(list(workbook["Inquiries"].iter_rows(values_only=True))) == 4

    csv = await intake.http.get("/v1/inquiry-log/export", params={**params, "format": "csv"}, headers=headers)
    assert csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text.strip().splitlines()) == 7
    empty = await intake.http.get("/v1/inquiry-log/export", params={"start": "2026-11-21", "end": "2026-11-21",
                                                                    "format": "csv"}, headers=headers)
    assert len(empty.text.strip().splitlines()) == 1
    backwards = await intake.http.get("/v1/inquiry-log/export", params={"start": "2026-11-21", "end": "2026-11-20"},
                                      headers=headers)
    assert backwards.status_code == 422


def removal(removal_id: uuid.UUID, now: datetime, *, held: bool = False) -> PanelRemovalRequestedV1:
    return PanelRemovalRequestedV1(removal_id=removal_id, member_id=uuid.uuid4(), pcp_npi="1245319599",
                                   reason="non_compliance", high_risk=False, held_for_compliance_review=held,
                                   mco="IA-TC", requested_at=now)


def removal_decision(removal_id: uuid.UUID, now: datetime) -> PriorityAssignedV1:
    return PriorityAssignedV1(inquiry_id=removal_id, track="pcp_panel_removal", priority="standard",
                              queue="special_outreach", subject="[STANDARD] Member · PCP removal · MCO IA-TC",
                              mco="IA-TC", ruleset_version="2026.11", received_at=now, decided_at=now)


async def removal_case(intake: Intake, removal_id: uuid.UUID, headers: dict[str, str]) -> dict[str, object] | None:
    response = await intake.http.get(f"/v1/inquiries/{removal_id}", headers=headers)
    return response.json() if response.status_code == 200 and response.json()["status"] == "triaged" else None


async def test_a_panel_removal_opens_a_case_outreach_can_act_on(intake: Intake) -> None:
    headers = await intake.person("maria")
    removal_id, now = uuid.uuid4(), datetime.now(UTC)
    await publish(intake, "/liaison/attribution", removal(removal_id, now, held=True))

    async def opened() -> dict[str, Any] | None:
        response = await intake.http.get(f"/v1/inquiries/{removal_id}/log", headers=headers)
        return response.json() if response.status_code == 200 else None

    log = await wait_until(opened, what="the removal's case opened")
    [case_event] = [e for e in log["entries"] if e["event_type"] == "liaison.inquiry.received.v1"]
    assert case_event["details"]["panel_removal"] == {
        "removal_id": str(removal_id), "member_id": case_event["details"]["panel_removal"]["member_id"],
        "pcp_npi": "1245319599", "reason": "non_compliance", "high_risk": False, "held_for_compliance_review": True}
    assert case_event["details"]["risk_flags"] == ["compliance_review_hold"]
    assert await published_types(intake, removal_id) == ["liaison.inquiry.received.v1"]

    await publish(intake, "/liaison/triage", removal_decision(removal_id, now))
    case = await wait_until(lambda: removal_case(intake, removal_id, headers), what="the removal's case, triaged")
    assert (case["track"], case["queue"], case["category"], case["mco"]) == \
        ("pcp_panel_removal", "special_outreach", "pcp_assignment", "IA-TC")
    assert case["received_at"].startswith(now.isoformat()[:19])

    # Released after compliance review, the removal arrives again: one case, and intake says it was released.
    await publish(intake, "/liaison/attribution", removal(removal_id, now + timedelta(hours=1)))
    attempt = await intake.post(f"/v1/inquiries/{removal_id}/contact-attempts",
                                {"channel": "phone", "outcome": "reached"}, headers)
    assert attempt.status_code == 202, attempt.text

    async def logged() -> list[str] | None:
        entries = (await intake.http.get(f"/v1/inquiries/{removal_id}/log", headers=headers)).json()["entries"]
        kinds = [e["event_type"] for e in entries]
        return kinds if kinds.count("liaison.attribution.panel-removal.v1") == 2 else None

    kinds = await wait_until(logged, what="both removal events in the case's log")
    assert "liaison.inquiry.contact-attempted.v1" in kinds and "liaison.inquiry.hold-released.v1" in kinds
    published = await published_types(intake, removal_id)
    assert (published.count("liaison.inquiry.received.v1"), published.count("liaison.inquiry.hold-released.v1")) \
        == (1, 1)
    listed = (await intake.http.get("/v1/inquiries", params={"track": "pcp_panel_removal"}, headers=headers)).json()
    assert [i["id"] for i in listed["items"]] == [str(removal_id)]


async def published_types(intake: Intake, inquiry_id: uuid.UUID) -> list[str]:
    """The types of the events intake put in its outbox about this case, oldest first."""
    async with intake.runtime.sessions() as session:
        about = json.dumps([["ce_subject", str(inquiry_id)], ["ce_source", "/liaison/intake"]])
        rows = await session.execute(
            text("SELECT headers FROM outbox WHERE headers @> CAST(:about AS jsonb) ORDER BY id"), {"about": about})
        return [dict(r.headers)["ce_type"] for r in rows]


async def test_the_enrolled_mco_triage_found_becomes_the_referral_default(intake: Intake) -> None:
    headers = await intake.person("maria")
    created = (await intake.post("/v1/inquiries/member", member_inquiry(mco=None), headers)).json()
    inquiry_id, now = uuid.UUID(created["inquiry_id"]), datetime.now(UTC)
    await publish(intake, "/liaison/triage", PriorityAssignedV1(
        inquiry_id=inquiry_id, track="member_mco", priority="urgent", queue="member_liaison",
        subject="[URGENT] Member · Pharmacy · MCO IA-AG · ID ***567A", mco="IA-AG", ruleset_version="2026.11",
        received_at=now, decided_at=now))

    async def triaged() -> dict[str, object] | None:
        read = (await intake.http.get(f"/v1/inquiries/{inquiry_id}", headers=headers)).json()
        return read if read["status"] == "triaged" else None

    assert (await wait_until(triaged, what="the decision applied"))["mco"] == "IA-AG"
    referral = await intake.post(f"/v1/inquiries/{inquiry_id}/mco-referrals", {}, headers)
    assert referral.status_code == 202, referral.text
    read = (await intake.http.get(f"/v1/inquiries/{inquiry_id}", headers=headers)).json()
    assert (read["status"], read["referred_mco"]) == ("referred_to_mco", "IA-AG")


async def test_the_sla_monitor_alone_says_when_clocks_stop_or_a_breach_is_withdrawn(intake: Intake) -> None:
    headers = await intake.person("maria")
    created = (await intake.post("/v1/inquiries/member", member_inquiry(), headers)).json()
    inquiry_id = uuid.UUID(created["inquiry_id"])
    now = datetime.now(UTC)
    due = now + timedelta(hours=4)
    await publish(intake, "/liaison/sla-monitor", *[
        ClockStartedV1(inquiry_id=inquiry_id, clock=name, track="member_mco", priority="urgent",
                       warn_at=now + timedelta(hours=2), due_at=due, started_at=now)
        for name in ("originator_contacted", "mco_referral")])
    await publish(intake, "/liaison/sla-monitor", SlaBreachedV1(
        inquiry_id=inquiry_id, clock="mco_referral", track="member_mco", priority="urgent", due_at=due,
        breached_at=due, late_by_seconds=0))

    async def states() -> dict[str, str]:
        read = (await intake.http.get(f"/v1/inquiries/{inquiry_id}", headers=headers)).json()
        return {d["clock"]: d["state"] for d in read["open_deadlines"]}

    await wait_until(lambda: _equal(states(), {"originator_contacted": "open", "mco_referral": "breached"}),
                     what="one clock open, one breached")
    # Resolution alone changes no clock in intake's view: the SLA monitor's events do.
    resolved = await intake.post(f"/v1/inquiries/{inquiry_id}/resolution", {
        "resolved_by": "state", "resolution_code": "answered", "summary": "Refill approved."}, headers)
    assert resolved.status_code == 202
    assert await states() == {"originator_contacted": "open", "mco_referral": "breached"}
    await publish(intake, "/liaison/sla-monitor",
                  BreachWithdrawnV1(inquiry_id=inquiry_id, clock="mco_referral", track="member_mco",
                                    priority="urgent", due_at=due, met_at=now + timedelta(hours=1),
                                    withdrawn_at=due + timedelta(minutes=5)),
                  ClockStoppedV1(inquiry_id=inquiry_id, clock="originator_contacted", reason="resolved", due_at=due,
                                 stopped_at=now + timedelta(hours=2)))
    await wait_until(lambda: _equal(states(), {}), what="no open or breached clock left")
    entries = (await intake.http.get(f"/v1/inquiries/{inquiry_id}/log", headers=headers)).json()["entries"]
    assert {"liaison.sla.breach-withdrawn.v1", "liaison.sla.clock-stopped.v1"} <= {e["event_type"] for e in entries}
    assert all(e["recorded_at"] for e in entries)


async def _equal(found: Any, expected: dict[str, str]) -> bool:
    return bool(await found == expected)


async def test_a_case_renamed_by_triage_shows_its_new_subject(intake: Intake) -> None:
    headers = await intake.person("maria")
    created = (await intake.post("/v1/inquiries/member", member_inquiry(), headers)).json()
    inquiry_id = uuid.UUID(created["inquiry_id"])
    now = datetime.now(UTC)
    await publish(intake, "/liaison/triage", PriorityAssignedV1(
        inquiry_id=inquiry_id, track="member_mco", priority="urgent", queue="member_liaison",
        subject="[URGENT] Member · Pharmacy · MCO IA-TC · ID ***567A", mco="IA-TC", rules_fired=(),
        ruleset_version="2026.11", received_at=now, decided_at=now),
        SubjectChangedV1(inquiry_id=inquiry_id, subject="[URGENT] Member · Pharmacy · MCO IA-AG · ID ***567A",
                         mco="IA-AG", changed_at=now))

    async def renamed() -> bool:
        read = (await intake.http.get(f"/v1/inquiries/{inquiry_id}", headers=headers)).json()
        return bool(read["subject"] == "[URGENT] Member · Pharmacy · MCO IA-AG · ID ***567A")
    await wait_until(renamed, what="the new subject")
    entries = (await intake.http.get(f"/v1/inquiries/{inquiry_id}/log", headers=headers)).json()["entries"]
    assert "liaison.inquiry.subject-changed.v1" in [e["event_type"] for e in entries]
