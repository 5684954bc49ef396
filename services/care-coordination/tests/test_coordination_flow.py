"""From the two high-risk lists to a conference's summary, on the real PostgreSQL and Kafka: the combined list's
order and reject report, coverage confirmed from attribution's events, the agenda of ten with its pre-work,
decisions with next steps (their events), outreach to an unengaged patient and the tracking list, the summary,
and what each principal may see."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import text

from liaison_shared.payloads import ClockStartedV1, MemberDisenrolledV1, MemberEnrolledV1, SlaBreachedV1

from .conftest import OTHER_PRACTICE, PLAN, PRACTICE, Care, medicaid_ids

BASE = f"/v1/plans/{PLAN}/practices/{PRACTICE}"
HELD_AT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # Monday 09:00 CST


def practice_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["medicaid_id", "rank", "flagged", "risk_drivers"])
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


async def events_of(care: Care, event_type: str) -> list[dict[str, Any]]:
    """The payloads of `event_type` the service put in its outbox, in order."""
    async with care.runtime.engine.begin() as conn:
        rows = (await conn.execute(text("SELECT headers, value FROM outbox ORDER BY id"))).all()
    return [json.loads(r.value) for r in rows if dict(r.headers).get("ce_type") == event_type]


async def test_combined_list_orders_both_lists_first_then_plan_rank_and_flags(care: Care) -> None:
    ids = medicaid_ids(8)
    both_a, both_b, plan_1, plan_2, flagged, practice_only, gone, moved = ids
    members = await care.enrol([both_a, both_b, plan_1, plan_2, flagged, practice_only, gone])
    await care.enrol([moved], practice=OTHER_PRACTICE)
    await care.publish(MemberDisenrolledV1(member_id=members[gone], medicaid_id=gone, mco=PLAN,
                                           effective_to=date(2026, 11, 30)),
                       MemberEnrolledV1(member_id=members[gone], medicaid_id=gone, mco="IA-AG",
                                        effective_from=date(2026, 12, 1)))
    plan_rows = [{"medicaid_id": both_b, "rank": 1, "risk_level": "very_high", "risk_drivers": ["CHF", "COPD"],
                  "recent_admissions": 2, "ed_visits": 3, "diagnoses": ["I50.9"], "prescriptions": ["furosemide"],
                  "providers": ["Dr. Heart"]},
                 {"medicaid_id": plan_1, "rank": 2}, {"medicaid_id": both_a, "rank": 3},
                 {"medicaid_id": plan_2, "rank": 4}, {"medicaid_id": gone, "rank": 5},
                 {"medicaid_id": moved, "rank": 6},
                 {"medicaid_id": "12", "rank": 7}, {"medicaid_id": plan_1, "rank": 8},
                 {"medicaid_id": ids[0], "rank": 31}]
    answer = await care.call("POST", BASE + "/high-risk-list/plan", json=plan_rows)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["read"], report["accepted"]) == (9, 6)
    assert {(r["row"], r["field"]) for r in report["rejected"]} == {(7, "medicaid_id"), (8, "medicaid_id"), (9, "rank")}
    assert all(plan_1 not in r["reason"] and "12" not in r["reason"] for r in report["rejected"])  # no values

    practice_rows = [{"medicaid_id": both_a, "rank": 1, "flagged": "", "risk_drivers": "lives alone"},
                     {"medicaid_id": practice_only, "rank": 2, "flagged": "false", "risk_drivers": ""},
                     {"medicaid_id": flagged, "rank": 3, "flagged": "true", "risk_drivers": "missed visits"},
                     {"medicaid_id": both_b, "rank": 4, "flagged": "", "risk_drivers": ""}]
    answer = await care.call("POST", BASE + "/high-risk-list/practice", person="priya",
                             content=practice_csv(practice_rows), headers={"content-type": "text/csv"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == 4

    listed = (await care.call("GET", BASE + "/high-risk-list")).json()["patients"]
    assert [p["medicaid_id"] for p in listed] == [both_b, both_a, plan_1, plan_2, gone, moved, flagged, practice_only]
    by_id = {p["medicaid_id"]: p for p in listed}
    assert by_id[both_b]["risk_drivers"] == ["CHF", "COPD"] and by_id[both_b]["shared"]["ed_visits"] == 3
    assert by_id[both_a]["risk_drivers"] == ["lives alone"]
    assert (by_id[gone]["coverage"], by_id[gone]["new_insurer"]) == ("not_covered", "IA-AG")
    assert by_id[moved]["coverage"] == "other_practice"
    assert by_id[plan_1]["coverage"] == "confirmed" and by_id[flagged]["flagged"] is True

    # A file of more than the top 30 is refused whole, and changes nothing.
    too_many = practice_csv([{"medicaid_id": m, "rank": i + 1} for i, m in enumerate(medicaid_ids(31))])
    answer = await care.call("POST", BASE + "/high-risk-list/practice", person="priya", content=too_many,
                             headers={"content-type": "text/csv"})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "body"
    assert len((await care.call("GET", BASE + "/high-risk-list")).json()["patients"]) == 8


async def test_each_principal_sees_only_its_own(care: Care) -> None:
    [patient] = medicaid_ids(1)
    await care.enrol([patient])
    assert (await care.call("POST", BASE + "/high-risk-list/plan", system="mco-ia-tc-care",
                            json=[{"medicaid_id": patient, "rank": 1}])).status_code == 200
    # The practice's care manager reads her own practice's list, not another practice's.
    assert (await care.call("GET", BASE + "/high-risk-list", person="priya")).status_code == 200
    other = await care.call("GET", f"/v1/plans/{PLAN}/practices/{OTHER_PRACTICE}/high-risk-list", person="priya")
    assert other.status_code == 404 and patient not in other.text
    # The plan's system sends the plan's list, for its own members only; not the practice's side.
    assert (await care.call("POST", f"/v1/plans/IA-AG/practices/{PRACTICE}/high-risk-list/plan",
                            system="mco-ia-tc-care", json=[])).status_code == 404
    assert (await care.call("POST", BASE + "/high-risk-list/practice", system="mco-ia-tc-care",
                            json=[])).status_code == 403
    # An MCO's staff and the call center hold no care scope; nobody anonymous gets in.
    assert (await care.call("GET", BASE + "/high-risk-list", person="tina")).status_code == 403
    assert (await care.call("GET", BASE + "/high-risk-list", system="call-center")).status_code == 403
    async with __import__("httpx").AsyncClient(transport=__import__("httpx").ASGITransport(app=care.runtime.app()),
                                               base_url="http://care") as http:
        assert (await http.get(BASE + "/high-risk-list")).status_code == 401
    # Every read of the list is on record, with who read it.
    readers = await care.sql("SELECT count(DISTINCT subject) FROM access_audit "
                             "WHERE operation LIKE 'GET %high-risk-list'")
    assert readers >= 1


async def test_conference_of_ten_from_agenda_to_summary(care: Care) -> None:
    patients = medicaid_ids(12)
    await care.enrol(patients)
    rows = [{"medicaid_id": m, "rank": i + 1, "risk_level": "high"} for i, m in enumerate(patients)]
    assert (await care.call("POST", BASE + "/high-risk-list/plan", json=rows)).status_code == 200
    answer = await care.call("PUT", BASE + "/conference-series",
                             json={"practice_contact_email": "care-team@demofamilymed.example"})
    assert answer.status_code == 200, answer.text

    agenda = (await care.call("GET", BASE + "/agenda")).json()["patients"]
    assert [p["medicaid_id"] for p in agenda] == patients[:10]
    assert agenda[0]["pre_work"]["recommended_lead"] == "plan" and agenda[0]["pre_work"]["level_of_risk"] == "high"
    assert set(agenda[0]["pre_work"]) == {"risk_drivers", "level_of_risk", "patient_centred_goal", "needed_support",
                                          "engagement", "recommended_lead", "plan_shares"}

    held = await care.call("POST", BASE + "/conferences", json={"held_at": HELD_AT.isoformat()})
    assert held.status_code == 201, held.text
    conference_id = held.json()["conference_id"]
    [conference_held] = await events_of(care, "liaison.care.conference-held.v1")
    assert conference_held["patients"] == 10 and conference_held["conference_id"] == conference_id

    decisions = []
    for i, medicaid_id in enumerate(patients[:10]):
        lead = ("plan", "practice", "joint")[i % 3]
        body: dict[str, Any] = {
            "medicaid_id": medicaid_id, "lead": lead,
            "goal": "Walk to the mailbox every day without getting short of breath",
            "engaged": i != 9,
            "next_steps": [{"action": "Medication reconciliation after discharge", "responsible": lead,
                            "report_back_on": "2026-11-25"}],
            "care_managers": [{"organisation": "plan", "name": "Carl Plan", "phone": "515-555-0101"},
                              {"organisation": "practice", "name": "Priya Shah",
                               "email": "priya@demofamilymed.example"}]}
        if lead == "practice":
            body["plan_monitor_status"] = "monitoring"
        answer = await care.call("POST", f"/v1/conferences/{conference_id}/decisions", json=body)
        assert answer.status_code == 201, answer.text
        decisions.append(answer.json()["coordination_id"])
    agreed = await events_of(care, "liaison.care.next-step-agreed.v1")
    assert len(agreed) == 10 and {a["report_back_on"] for a in agreed} == {"2026-11-25"}
    assert all(set(a) == {"step_id", "conference_id", "plan", "practice_npi", "responsible", "report_back_on",
                          "agreed_at"} for a in agreed)  # minimum necessary: no patient on the event

    # The practice leads without the plan's monitor status: refused, naming the field; nothing recorded.
    refused = await care.call("POST", f"/v1/conferences/{conference_id}/decisions",
                              json={"medicaid_id": patients[0], "lead": "practice"})
    assert refused.status_code == 422 and "plan_monitor_status" in refused.text
    not_on_agenda = await care.call("POST", f"/v1/conferences/{conference_id}/decisions",
                                    json={"medicaid_id": patients[11], "lead": "plan"})
    assert not_on_agenda.status_code == 409 and not_on_agenda.json()["errors"][0]["field"] == "medicaid_id"

    # One report-back recorded; reporting it twice is refused.
    step_id = agreed[0]["step_id"]
    report = {"reported_at": (HELD_AT + timedelta(days=2)).isoformat(), "report": "Reconciled; two duplicates removed."}
    assert (await care.call("POST", f"/v1/next-steps/{step_id}/report", json=report)).status_code == 200
    assert (await care.call("POST", f"/v1/next-steps/{step_id}/report", json=report)).status_code == 409
    assert [r["step_id"] for r in await events_of(care, "liaison.care.next-step-reported.v1")] == [step_id]

    # The unengaged patient: one more outreach attempt, not reached: on the tracking list.
    attempt = {"kind": "attempt", "by": "practice", "at": (HELD_AT + timedelta(days=1)).isoformat(), "reached": False}
    answer = await care.call("POST", f"/v1/coordinations/{decisions[9]}/outreach", json=attempt)
    tracking_id = answer.json()["tracking_id"]
    assert tracking_id is not None
    tracked = (await care.call("GET", BASE + "/tracking-list")).json()
    assert [(t["tracking_id"], t["medicaid_id"]) for t in tracked] == [(tracking_id, patients[9])]
    trade = {"kind": "trade", "by": "plan", "at": (HELD_AT + timedelta(days=1)).isoformat(), "note": "Plan has a phone"}
    assert (await care.call("POST", f"/v1/coordinations/{decisions[9]}/outreach", json=trade)).status_code == 200
    assert await care.sql("SELECT outreach_by FROM coordinations WHERE coordination_id = :c",
                          c=uuid.UUID(decisions[9])) == "plan"

    # The summary: decisions, next steps and the next agenda (the two not yet discussed first).
    sent = await care.call("POST", f"/v1/conferences/{conference_id}/summary",
                           json={"sent_at": (HELD_AT + timedelta(hours=5)).isoformat()})
    assert sent.status_code == 200, sent.text
    summary = sent.json()
    assert len(summary["decisions"]) == 10 and summary["undecided"] == []
    assert summary["next_agenda"][:2] == patients[10:12]
    [notice] = await events_of(care, "liaison.care.summary-sent.v1")
    assert notice["recipient_email"] == "care-team@demofamilymed.example"
    assert (await care.call("POST", f"/v1/conferences/{conference_id}/summary",
                            json={"sent_at": HELD_AT.isoformat()})).status_code == 409

    # The SLA monitor's word on the items' clocks is kept, whatever order it comes in.
    due = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
    late = agreed[1]["step_id"]
    await care.publish(SlaBreachedV1(inquiry_id=uuid.UUID(late), clock="report_back", track="care_coordination",
                                     priority="standard", due_at=due, breached_at=due, late_by_seconds=1),
                       ClockStartedV1(inquiry_id=uuid.UUID(late), clock="report_back", track="care_coordination",
                                      priority="standard", warn_at=due, due_at=due, started_at=HELD_AT))
    shown = (await care.call("GET", f"/v1/conferences/{conference_id}")).json()
    steps = {s["step_id"]: s for d in shown["decisions"] for s in d["next_steps"]}
    assert steps[late]["clock"] == "breached" and steps[step_id]["reported_at"] is not None
