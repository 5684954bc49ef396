"""The guideline's measures against a count made here by hand from the scenario's own table, on the real
PostgreSQL and Kafka, with ED visits arriving as HL7 ADT A01 messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .conftest import PLAN, PRACTICE, Care, medicaid_ids

BASE = f"/v1/plans/{PLAN}/practices/{PRACTICE}"
HL7 = {"content-type": "x-application/hl7-v2+er7"}
HELD_AT = datetime(2026, 10, 26, 15, 0, tzinfo=UTC)


def ed_admission(medicaid_id: str, control_id: str, at_local: str) -> str:
    """An HL7 v2.3 A01 of an emergency-department visit at `at_local` (YYYYMMDDHHMM, program time)."""
    return "\r".join([
        f"MSH|^~\\&|CERNER|UIHC|LIAISON|IAMCO|{at_local}||ADT^A01|{control_id}|P|2.3",
        f"EVN|A01|{at_local}",
        f"PID|1||7719025^^^UIHC^MR~{medicaid_id}^^^IAMEDICAID^MA||DOE^PAT||19640910|M",
        "PV1|1|E|ED^12^1^UIHC||||2209318765^Ortiz^Lena^^^^MD" + "|" * 37 + at_local,
    ]) + "\r"


# The scenario: (lead, goal state or None for no goal, engaged, ED visit day (local, Nov = in the period),
# days until the follow-up call or None)
SCENARIO: list[tuple[str | None, str | None, bool, str | None, int | None]] = [
    ("plan", "achieved", True, "202611021000", 3),
    ("practice", "in_progress", True, "202611031400", 12),
    ("joint", "achieved", True, "202610011000", 1),  # a visit before the period
    ("plan", None, True, None, None),
    ("practice", "not_achieved", False, "202611200900", None),  # unengaged, then tracked; never called back
    (None, None, True, None, None),  # not discussed yet
]


def by_hand(follow_up_days: int) -> dict[str, Any]:
    active = sum(1 for lead, _, engaged, _, _ in SCENARIO if lead and engaged)
    in_period = [(visit, days) for _, _, _, visit, days in SCENARIO if visit and visit.startswith("202611")]
    on_time = sum(1 for _, days in in_period if days is not None and days <= follow_up_days)
    goals = [state for _, state, _, _, _ in SCENARIO if state]
    return {"high_risk_patients": 6, "active": active, "ed": (len(in_period), on_time),
            "goals": (len(goals), goals.count("achieved")),
            "by_lead": {lead: sum(1 for row in SCENARIO if row[0] == lead) for lead in ("plan", "practice", "joint")}}


async def test_measures_agree_with_a_count_by_hand(care: Care) -> None:
    patients = medicaid_ids(len(SCENARIO))
    await care.enrol(patients)
    outsider = medicaid_ids(1)[0]  # an ED visit of a patient who is not on the list counts nowhere
    await care.enrol([outsider])
    assert (await care.call("POST", BASE + "/high-risk-list/plan",
                            json=[{"medicaid_id": m, "rank": i + 1}
                                  for i, m in enumerate(patients)])).status_code == 200
    assert (await care.call("PUT", BASE + "/conference-series", json={"agenda_size": 6})).status_code == 200
    conference_id = (await care.call("POST", BASE + "/conferences",
                                     json={"held_at": HELD_AT.isoformat()})).json()["conference_id"]
    for medicaid_id, (lead, goal_state, engaged, _, _) in zip(patients, SCENARIO, strict=True):
        if lead is None:
            continue
        goal = {"goal": "Stay out of the hospital", "goal_state": goal_state} if goal_state else {}
        decision: dict[str, Any] = {"medicaid_id": medicaid_id, "lead": lead, "engaged": engaged, **goal}
        if lead == "practice":
            decision["plan_monitor_status"] = "not_monitoring"
        answer = await care.call("POST", f"/v1/conferences/{conference_id}/decisions", json=decision)
        assert answer.status_code == 201, answer.text
        if not engaged:
            attempt = {"kind": "attempt", "by": "plan", "at": (HELD_AT + timedelta(days=2)).isoformat(),
                       "reached": False}
            tracked = await care.call("POST", f"/v1/coordinations/{answer.json()['coordination_id']}/outreach",
                                      json=attempt)
            assert tracked.json()["tracking_id"]

    for n, (medicaid_id, (_, _, _, visit, days)) in enumerate(zip([*patients, outsider], [*SCENARIO, SCENARIO[0]],
                                                                   strict=True)):
        if visit is None:
            continue
        answer = await care.call("POST", "/v1/transitions/adt", system="hospital-adt",
                                 content=ed_admission(medicaid_id, f"ED-{n}", visit), headers=HL7)
        assert "MSA|AA" in answer.text, answer.text
    notices = (await care.call("GET", f"/v1/plans/{PLAN}/practices/{PRACTICE}/transitions")).json()
    assert len(notices) == 5  # four listed patients' visits and the outsider's
    call_after = {m: row[4] for m, row in zip(patients, SCENARIO, strict=True)}
    for notice in notices:
        days = call_after.get(notice["medicaid_id"], 1)  # the outsider is called back the next day
        if days is None:
            continue
        reached = datetime.fromisoformat(notice["occurred_at"]) + timedelta(days=days)
        assert (await care.call("POST", f"/v1/transitions/{notice['notice_id']}/follow-up",
                                json={"reached_at": reached.isoformat(), "by": "plan"})).status_code == 200

    answer = await care.call("GET", BASE + "/measures", person="pat",
                             params={"start": "2026-11-01", "end": "2026-11-30"})
    assert answer.status_code == 200, answer.text
    got, expected = answer.json(), by_hand(follow_up_days=7)
    assert got["high_risk_patients"] == expected["high_risk_patients"]
    assert got["in_active_care_management"]["count"] == expected["active"] == 4
    assert got["in_active_care_management"]["share"] == round(4 / 6, 4)
    assert (got["ed_visit_followed_up"]["patients_with_ed_visit"], got["ed_visit_followed_up"]["count"]) == \
        expected["ed"] == (3, 1)
    assert (got["meeting_goals"]["with_goal"], got["meeting_goals"]["count"]) == expected["goals"] == (4, 2)
    assert got["by_lead"] == expected["by_lead"]
    assert not any(m in answer.text for m in patients)  # counts only

    refused = await care.call("GET", BASE + "/measures", params={"start": "2026-11-30", "end": "2026-11-01"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "end"
