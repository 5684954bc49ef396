"""Grievances and appeals at intake over HTTP: filing them, their notices, reviews, extension and
expedited denial, the 438.416 record; a case referred to two MCOs, each seeing its own part; and the
survey outcomes that open linked cases, once each."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from liaison_shared.payloads import (
    ClockStartedV1,
    ExpeditedDeniedV1,
    InquiryReceivedV1,
    NoticeIssuedV1,
    PriorityAssignedV1,
    PriorityOverrideRequestedV1,
    SurveyOutcomeV1,
)
from liaison_shared.testing.waiting import wait_until

from .conftest import Intake, appeal, grievance, member_inquiry, provider_inquiry
from .test_log_projection import publish


async def act(intake: Intake, headers: dict[str, str], inquiry_id: str, action: str, body: dict[str, Any],
              status: int = 202) -> dict[str, Any]:
    answer = await intake.post(f"/v1/inquiries/{inquiry_id}/{action}", body, headers)
    assert answer.status_code == status, answer.text
    return dict(answer.json())


async def read(intake: Intake, headers: dict[str, str], inquiry_id: str, what: str = "") -> dict[str, Any]:
    answer = await intake.http.get(f"/v1/inquiries/{inquiry_id}{what}", headers=headers)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def triaged(intake: Intake, headers: dict[str, str], inquiry_id: str, track: str, priority: str) -> None:
    """Publish triage's decision on the case, and wait until intake applied it."""
    now = datetime.now(UTC)
    await publish(intake, "/liaison/triage", PriorityAssignedV1(
        inquiry_id=uuid.UUID(inquiry_id), track=track, priority=priority, queue="grievances_appeals",
        subject=f"[{priority.upper()}] Appeal", mco="IA-TC", ruleset_version="t", received_at=now, decided_at=now))

    async def applied() -> bool:
        return (await read(intake, headers, inquiry_id))["priority"] == priority
    await wait_until(applied, what="the decision applied")


async def test_a_grievance_is_filed_acknowledged_extended_once_resolved_and_on_record(intake: Intake) -> None:
    gail, writer = await intake.person("gail"), await intake.system("call-center")
    filed = await intake.post("/v1/inquiries/grievances", grievance(), writer)
    assert filed.status_code == 202, filed.text
    case_id = filed.json()["inquiry_id"]
    [received] = [e.payload for e in await intake.events("inquiry.received", 1)]
    assert isinstance(received, InquiryReceivedV1)
    assert (received.kind, received.party, received.mailing_address and received.mailing_address.zip) == (
        "grievance", "member", "50309")

    await act(intake, gail, case_id, "notices", {"notice": "acknowledgment", "text": "We received it."})
    refused = await act(intake, gail, case_id, "notices", {"notice": "extension", "text": "More time."}, status=409)
    assert refused["code"] == "not-extended"
    await act(intake, gail, case_id, "extension", {"days": 14, "requested_by": "plan", "reason": "Records awaited."})
    again = await act(intake, gail, case_id, "extension", {"days": 3, "requested_by": "enrollee", "reason": "r"},
                      status=409)
    assert again["code"] == "already-extended"
    too_long = await act(intake, gail, case_id, "extension", {"days": 15, "requested_by": "plan", "reason": "r"},
                         status=422)
    assert [e["field"] for e in too_long["errors"]] == ["days"]
    await act(intake, gail, case_id, "notices", {"notice": "extension", "text": "We need 14 more days."})
    missing = await act(intake, gail, case_id, "resolution", {"resolved_by": "state", "resolution_code": "resolved"},
                        status=422)
    assert [e["field"] for e in missing["errors"]] == ["summary"]
    await act(intake, gail, case_id, "resolution", {"resolved_by": "state", "resolution_code": "resolved",
                                                   "summary": "The clinic apologised and rebooked you."})

    record = await read(intake, gail, case_id, "/record")
    assert record["enrollee"] == {"name": "Gwen Testgrievant", "medicaid_id": "7654321B"}
    assert record["reason"].startswith("The clinic cancelled") and record["kind"] == "grievance"
    assert [n["notice"] for n in record["notices"]] == ["acknowledgment", "extension", "resolution"]
    assert record["notices"][-1]["text"] == "The clinic apologised and rebooked you."
    assert (record["extension"]["days"], record["extension"]["requested_by"]) == (14, "plan")
    assert [(r["level"], r["resolution"]) for r in record["reviews"]] == [("plan", "resolved")]
    assert record["resolution"]["code"] == "resolved"
    view = await read(intake, gail, case_id)
    assert (view["kind"], view["extension"], view["identity"]["mailing_address"]["city"]) == (
        "grievance", "plan", "Des Moines")
    notices = [e.payload for e in await intake.events("inquiry.contact", 3)]
    assert [n.notice for n in notices if isinstance(n, NoticeIssuedV1)] == ["acknowledgment", "extension",
                                                                              "resolution"]


async def test_bad_grievances_and_appeals_are_refused_naming_the_field_and_store_nothing(intake: Intake) -> None:
    writer = await intake.system("call-center")
    bad = [("/v1/inquiries/grievances", grievance(mco=None), "mco"),
           ("/v1/inquiries/grievances", grievance(mailing_address={"line1": "1 A St", "city": "X", "state": "Iowa",
                                                                   "zip": "50309"}), "mailing_address.state"),
           ("/v1/inquiries/appeals", appeal(determination=None), "determination"),
           ("/v1/inquiries/member", member_inquiry(mailing_address={"line1": "1 A St", "city": "X", "state": "IA",
                                                                    "zip": "5030"}), "mailing_address.zip")]
    for path, body, field in bad:
        answer = await intake.post(path, body, writer)
        assert answer.status_code == 422, (path, answer.text)
        assert field in [e["field"] for e in answer.json()["errors"]], answer.text
    listed = (await intake.http.get("/v1/inquiries", headers=await intake.person("gail"))).json()
    assert listed["items"] == []


async def test_an_expedited_appeal_denied_expedited_handling_moves_to_standard(intake: Intake) -> None:
    gail, writer = await intake.person("gail"), await intake.system("call-center")
    case_id = (await intake.post("/v1/inquiries/appeals", appeal(expedited_requested=True), writer)).json()[
        "inquiry_id"]
    early = await act(intake, gail, case_id, "expedited-denial", {"reason": "r"}, status=409)
    assert early["code"] == "not-expedited"  # not yet on the expedited timeframe: triage has not decided
    await triaged(intake, gail, case_id, "appeal", "urgent")
    await act(intake, gail, case_id, "expedited-denial", {"reason": "Not urgent by the criteria."})
    assert (await act(intake, gail, case_id, "expedited-denial", {"reason": "r"}, status=409))["code"] == \
        "already-denied"
    denial = [e.payload for e in await intake.events("inquiry.grievance-appeal", 1)]
    override = [e.payload for e in await intake.events("inquiry.priority-override", 1)]
    assert isinstance(denial[0], ExpeditedDeniedV1) and denial[0].reason == "Not urgent by the criteria."
    assert isinstance(override[0], PriorityOverrideRequestedV1) and override[0].priority == "standard"
    await act(intake, gail, case_id, "notices", {"notice": "expedited_denial", "text": "Decided in 30 days."})
    bad_code = await act(intake, gail, case_id, "resolution", {"resolved_by": "state", "resolution_code": "fixed",
                                                              "summary": "s"}, status=422)
    assert [e["field"] for e in bad_code["errors"]] == ["resolution_code"]
    await act(intake, gail, case_id, "resolution", {"resolved_by": "state", "resolution_code": "overturned",
                                                   "summary": "The wheelchair is approved."})
    await act(intake, gail, case_id, "reviews", {"level": "state_fair_hearing", "summary": "Hearing not requested.",
                                                "resolution": None})
    record = await read(intake, gail, case_id, "/record")
    assert record["appeal"] == {"determination": "Power wheelchair denied as not medically necessary.",
                                "determination_date": "2026-11-16", "expedited_requested": True}
    assert record["expedited_denial"]["reason"] == "Not urgent by the criteria."
    assert [r["level"] for r in record["reviews"]] == ["plan", "state_fair_hearing"]
    ordinary = (await intake.post("/v1/inquiries/member", member_inquiry(), writer)).json()["inquiry_id"]
    assert (await intake.http.get(f"/v1/inquiries/{ordinary}/record", headers=gail)).status_code == 404


async def test_an_extension_after_the_deadline_passed_is_refused(intake: Intake) -> None:
    gail, writer = await intake.person("gail"), await intake.system("call-center")
    case_id = (await intake.post("/v1/inquiries/grievances", grievance(), writer)).json()["inquiry_id"]
    past = datetime.now(UTC) - timedelta(hours=1)
    await publish(intake, "/liaison/sla-monitor", ClockStartedV1(
        inquiry_id=uuid.UUID(case_id), clock="resolution", track="grievance", priority="standard",
        warn_at=past - timedelta(days=1), due_at=past, started_at=past - timedelta(days=90)))

    async def clock_known() -> bool:
        return any(d["clock"] == "resolution" for d in (await read(intake, gail, case_id))["open_deadlines"])
    await wait_until(clock_known, what="the resolution clock at intake")
    late = await act(intake, gail, case_id, "extension", {"days": 5, "requested_by": "enrollee", "reason": "r"},
                     status=409)
    assert late["code"] == "deadline-passed"


async def test_a_provider_issue_referred_to_two_mcos_shows_each_only_its_part(intake: Intake) -> None:
    paul, writer = await intake.person("paul"), await intake.system("call-center")
    tina, adam = await intake.person("tina"), await intake.person("adam")
    case_id = (await intake.post("/v1/inquiries/provider", provider_inquiry(), writer)).json()["inquiry_id"]
    await act(intake, paul, case_id, "mco-referrals", {"mco": "IA-TC"})
    await act(intake, paul, case_id, "mco-referrals", {"mco": "IA-AG"})
    assert (await act(intake, paul, case_id, "mco-referrals", {"mco": "IA-AG"}, status=409))["code"] == \
        "already-referred"
    now = datetime.now(UTC)
    await publish(intake, "/liaison/sla-monitor", *[ClockStartedV1(
        inquiry_id=uuid.UUID(case_id), clock="mco_contacts_provider", track="provider", priority="escalated",
        warn_at=now + timedelta(days=1), due_at=now + timedelta(days=2), started_at=now, mco=mco)
        for mco in ("IA-TC", "IA-AG")])

    async def both_clocks() -> bool:
        return len((await read(intake, paul, case_id))["open_deadlines"]) == 2
    await wait_until(both_clocks, what="both MCOs' clocks at intake")

    state = await read(intake, paul, case_id)
    assert [r["mco"] for r in state["referrals"]] == ["IA-TC", "IA-AG"]
    for person, mco in ((tina, "IA-TC"), (adam, "IA-AG")):
        seen = await read(intake, person, case_id)
        assert ([r["mco"] for r in seen["referrals"]], seen["referred_mco"]) == ([mco], mco)
        assert [d["mco"] for d in seen["open_deadlines"]] == [mco]
        listed = (await intake.http.get("/v1/inquiries", headers=person)).json()["items"]
        assert [i["id"] for i in listed] == [case_id]
    await act(intake, adam, case_id, "mco-reports", {"mco": "IA-AG", "report": "resolved"})
    assert (await read(intake, paul, case_id))["status"] != "resolved"  # IA-TC's part is open
    await act(intake, tina, case_id, "mco-reports", {"mco": "IA-TC", "report": "resolved"})
    assert (await read(intake, paul, case_id))["status"] == "resolved"


async def test_survey_outcomes_open_their_linked_cases_once_each(intake: Intake) -> None:
    maria, writer = await intake.person("maria"), await intake.system("call-center")
    origin = (await intake.post("/v1/inquiries/member", member_inquiry(
        category="pcp_assignment", description="Member says she was assigned a PCP she never chose.",
        mailing_address={"line1": "5 Oak Ave", "city": "Ames", "state": "IA", "zip": "50010"}), writer)).json()[
        "inquiry_id"]
    now = datetime.now(UTC)
    outcomes = {kind: SurveyOutcomeV1(response_id=uuid.uuid4(), inquiry_id=uuid.UUID(origin), outcome=kind,
                                      survey_version="t", pcp_npi="1245319599", mco="IA-TC", at=now)
                for kind in ("provider_outreach", "grievance", "fwa_referral")}
    pcp_change = SurveyOutcomeV1(response_id=uuid.uuid4(), inquiry_id=uuid.UUID(origin), outcome="simple_pcp_change",
                                 survey_version="t", at=now)
    await publish(intake, "/liaison/attribution", *outcomes.values(), pcp_change)
    # The same outcome published again (a new event of the same response): no second case.
    await publish(intake, "/liaison/attribution", outcomes["grievance"])

    async def linked() -> list[dict[str, Any]] | None:
        opened = (await read(intake, await intake.person("una"), origin))["opened_cases"]
        return opened if len(opened) == 3 else None
    opened = await wait_until(linked, what="three cases opened from the origin")
    assert sorted(o["kind"] for o in opened) == ["fwa_referral", "grievance", "provider_outreach"]
    una = await intake.person("una")
    cases = {o["kind"]: await read(intake, una, o["inquiry_id"]) for o in opened}
    for kind, case in cases.items():
        assert (case["origin"]["inquiry_id"], case["origin"]["outcome"]) == (origin, kind)
        assert case["description"].startswith("Opened by the escalation survey")
    outreach, grievance_case = cases["provider_outreach"], cases["grievance"]
    assert (outreach["party"], outreach["identity"]["provider"]["npi"]) == ("provider", "1245319599")
    assert outreach["identity"]["mailing_address"] is None  # the practice, not the member's home
    assert (grievance_case["identity"]["member"]["name"], grievance_case["identity"]["mailing_address"]["zip"]) == (
        "Jane Testmember", "50010")
    assert cases["fwa_referral"]["category"] == "fraud_waste_abuse"
    log = (await intake.http.get(f"/v1/inquiries/{origin}/log", headers=maria)).json()["entries"]
    assert sum(e["event_type"] == "liaison.attribution.survey-outcome.v1" for e in log) == 5
    received = [e.payload for e in await intake.events("inquiry.received", 4)]
    assert sorted(p.kind for p in received if isinstance(p, InquiryReceivedV1) and p.origin) == [
        "fwa_referral", "grievance", "provider_outreach"]
