"""Whose case it is: a liaison claims a case nobody holds, a unit lead assigns,
reassigns and releases one. Each change is an inquiry.assigned event on the bus
and in the log, with who did it; a refused one changes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from liaison_shared.payloads import InquiryAssignedV1, Person

from .conftest import Intake, member_inquiry, subject

ASSIGNED = "liaison.inquiry.assigned.v1"
SAM = {"subject": "0c7d5e2a-sam-okafor", "name": "Sam Okafor"}  # a person the lead names; intake keeps what it's given


async def new_case(intake: Intake, **changes: Any) -> str:
    created = await intake.post("/v1/inquiries/member", member_inquiry(**changes), await intake.system("call-center"))
    assert created.status_code == 202, created.text
    return str(created.json()["inquiry_id"])


async def assignee_of(intake: Intake, inquiry_id: str, headers: dict[str, str]) -> dict[str, str] | None:
    read = await intake.http.get(f"/v1/inquiries/{inquiry_id}", headers=headers)
    assert read.status_code == 200, read.text
    found: dict[str, str] | None = read.json()["assignee"]
    return found


async def assignment_events_stored(intake: Intake) -> int:
    async with intake.runtime.engine.connect() as conn:
        return int(await conn.scalar(text("SELECT count(*) FROM outbox WHERE topic LIKE '%inquiry.assignment'")) or 0)


async def test_a_liaison_claims_a_case_nobody_holds_on_the_bus_and_in_the_log(intake: Intake) -> None:
    maria = await intake.person("maria")
    inquiry_id = await new_case(intake)
    assert await assignee_of(intake, inquiry_id, maria) is None

    claimed = await intake.post(f"/v1/inquiries/{inquiry_id}/claim", {}, maria)
    assert claimed.status_code == 202, claimed.text
    assert claimed.json()["status"] == "received"  # who holds it is not where it stands
    mine = {"subject": subject(maria), "name": "Maria Lopez"}
    assert await assignee_of(intake, inquiry_id, maria) == mine

    [event] = await intake.events("inquiry.assignment", 1)
    assert isinstance(event.payload, InquiryAssignedV1)
    assert str(event.id) == claimed.json()["event_ids"][0] and str(event.payload.inquiry_id) == inquiry_id
    assert (event.payload.assignee, event.payload.previous) == (Person(**mine), None)
    assert (event.payload.actor.subject, event.payload.actor.roles) == (subject(maria), ("member-liaison",))

    log = (await intake.http.get(f"/v1/inquiries/{inquiry_id}/log", headers=maria)).json()["entries"]
    assert [e["event_type"] for e in log] == ["liaison.inquiry.received.v1", ASSIGNED]
    assert log[1]["actor"]["name"] == "Maria Lopez" and log[1]["details"]["assignee"] == mine


async def test_a_held_or_resolved_case_cannot_be_claimed_and_nothing_changes(intake: Intake) -> None:
    maria, una = await intake.person("maria"), await intake.person("una")
    inquiry_id = await new_case(intake)
    assert (await intake.post(f"/v1/inquiries/{inquiry_id}/claim", {}, maria)).status_code == 202
    before = await assignment_events_stored(intake)

    again = await intake.post(f"/v1/inquiries/{inquiry_id}/claim", {}, maria)
    assert (again.status_code, again.json()["code"]) == (409, "already-yours")
    taken = await intake.post(f"/v1/inquiries/{inquiry_id}/claim", {}, una)
    assert (taken.status_code, taken.json()["code"], taken.json()["status_now"]) == \
        (409, "assigned-to-someone-else", "received")
    resolved_id = await new_case(intake)
    await intake.post(f"/v1/inquiries/{resolved_id}/resolution", {"resolved_by": "state", "resolution_code": "x_y"},
                      maria)
    closed = await intake.post(f"/v1/inquiries/{resolved_id}/claim", {}, una)
    assert (closed.status_code, closed.json()["code"]) == (409, "inquiry-resolved")

    assert await assignment_events_stored(intake) == before
    assert (await assignee_of(intake, inquiry_id, una) or {}).get("subject") == subject(maria)
    assert await assignee_of(intake, resolved_id, una) is None


async def test_an_mco_never_claims_even_a_case_referred_to_it(intake: Intake) -> None:
    inquiry_id = await new_case(intake)
    maria = await intake.person("maria")
    assert (await intake.post(f"/v1/inquiries/{inquiry_id}/mco-referrals", {}, maria)).status_code == 202
    for mco in (await intake.person("tina"), await intake.system("mco-ia-tc")):
        refused = await intake.post(f"/v1/inquiries/{inquiry_id}/claim", {}, mco)
        assert (refused.status_code, refused.json()["required_scope"]) == (403, "inquiry:act")


async def test_two_people_claiming_at_once_one_gets_the_case(intake: Intake) -> None:
    maria, una = await intake.person("maria"), await intake.person("una")
    inquiry_id = await new_case(intake)
    answers = await asyncio.gather(*[intake.post(f"/v1/inquiries/{inquiry_id}/claim", {}, who) for who in (maria, una)])
    assert sorted(a.status_code for a in answers) == [202, 409]
    [won] = [who for who, a in zip((maria, una), answers, strict=True) if a.status_code == 202]
    assert (await assignee_of(intake, inquiry_id, una) or {}).get("subject") == subject(won)
    assert await assignment_events_stored(intake) == 1


async def test_a_unit_lead_assigns_reassigns_and_releases_a_case(intake: Intake) -> None:
    una, maria = await intake.person("una"), await intake.person("maria")
    inquiry_id = await new_case(intake)
    to_maria = {"subject": subject(maria), "name": "Maria Lopez"}
    path = f"/v1/inquiries/{inquiry_id}/assignment"
    held_by = []
    for assignee in (to_maria, SAM, None):
        answer = await intake.post(path, {"assignee": assignee}, una)
        assert answer.status_code == 202, answer.text
        held_by.append(await assignee_of(intake, inquiry_id, una))
    assert held_by == [to_maria, SAM, None]

    events = [e.payload for e in await intake.events("inquiry.assignment", 3)]
    assert all(isinstance(e, InquiryAssignedV1) and e.actor.subject == subject(una) for e in events)
    assert [(e.assignee, e.previous) for e in events] == [  # type: ignore[attr-defined]
        (Person(**to_maria), None), (Person(**SAM), Person(**to_maria)), (None, Person(**SAM))]
    log = (await intake.http.get(f"/v1/inquiries/{inquiry_id}/log", headers=una)).json()["entries"]
    changes = [e for e in log if e["event_type"] == ASSIGNED]
    assert [(e["actor"]["name"], e["actor"]["roles"]) for e in changes] == [("Una Berg", ["unit-lead"])] * 3
    assert [e["details"]["assignee"] for e in changes] == [to_maria, SAM, None]


async def test_assigning_the_holder_again_or_releasing_nobodys_case_is_a_conflict(intake: Intake) -> None:
    una = await intake.person("una")
    inquiry_id = await new_case(intake)
    path = f"/v1/inquiries/{inquiry_id}/assignment"
    nobody = await intake.post(path, {"assignee": None}, una)
    assert (nobody.status_code, nobody.json()["code"]) == (409, "not-assigned")
    assert (await intake.post(path, {"assignee": SAM}, una)).status_code == 202
    same = await intake.post(path, {"assignee": {**SAM, "name": "Sam O."}}, una)  # the subject is the person
    assert (same.status_code, same.json()["code"]) == (409, "already-assigned")
    assert await assignee_of(intake, inquiry_id, una) == SAM
    assert await assignment_events_stored(intake) == 1


async def test_only_a_unit_lead_assigns(intake: Intake) -> None:
    inquiry_id = await new_case(intake)
    for caller in (await intake.person("maria"), await intake.person("pat"), await intake.person("tina"),
                   await intake.system("call-center"), await intake.system("mco-ia-tc")):
        refused = await intake.post(f"/v1/inquiries/{inquiry_id}/assignment", {"assignee": SAM}, caller)
        assert (refused.status_code, refused.json()["required_scope"]) == (403, "inquiry:assign")
    assert await assignee_of(intake, inquiry_id, await intake.person("una")) is None


async def test_an_assignment_body_names_the_person_or_null(intake: Intake) -> None:
    una = await intake.person("una")
    inquiry_id = await new_case(intake)
    for body, field in (({}, "assignee"), ({"assignee": {"subject": "a b", "name": "Sam"}}, "assignee.subject"),
                        ({"assignee": {"subject": "", "name": "Sam"}}, "assignee.subject"),
                        ({"assignee": {"subject": "s-1", "name": "1234"}}, "assignee.name"),
                        ({"assignee": {"subject": "s-1"}}, "assignee.name"),
                        ({"assignee": {"subject": "s-1", "name": "Sam", "role": "lead"}}, "assignee.role")):
        refused = await intake.post(f"/v1/inquiries/{inquiry_id}/assignment", body, una)
        assert refused.status_code == 422, body
        assert [e["field"] for e in refused.json()["errors"]] == [field], refused.json()["errors"]
    assert await assignment_events_stored(intake) == 0


async def test_a_retried_claim_or_assignment_answers_as_the_first_time(intake: Intake) -> None:
    maria, una = await intake.person("maria"), await intake.person("una")
    inquiry_id = await new_case(intake)
    claims = [await intake.post(f"/v1/inquiries/{inquiry_id}/claim", {}, maria, key="claim-retry-01")
              for _ in range(2)]
    assert [c.status_code for c in claims] == [202, 202]  # not already-yours: the retry is the same request
    assert claims[0].json() == claims[1].json()
    path = f"/v1/inquiries/{inquiry_id}/assignment"
    assigns = [await intake.post(path, {"assignee": SAM}, una, key="assign-retry-01") for _ in range(2)]
    assert [a.status_code for a in assigns] == [202, 202] and assigns[0].json() == assigns[1].json()
    reused = await intake.post(path, {"assignee": None}, una, key="assign-retry-01")
    assert (reused.status_code, reused.json()["code"]) == (409, "idempotency-key-reused")

    assert await assignment_events_stored(intake) == 2
    log = (await intake.http.get(f"/v1/inquiries/{inquiry_id}/log", headers=una)).json()["entries"]
    assert [e["event_type"] for e in log].count(ASSIGNED) == 2
    assert await assignee_of(intake, inquiry_id, una) == SAM


async def test_lists_filter_by_assignee_and_by_nobodys(intake: Intake) -> None:
    maria, una = await intake.person("maria"), await intake.person("una")
    claimed, assigned, unheld = [await new_case(intake) for _ in range(3)]
    assert (await intake.post(f"/v1/inquiries/{claimed}/claim", {}, maria)).status_code == 202
    assert (await intake.post(f"/v1/inquiries/{assigned}/assignment", {"assignee": SAM}, una)).status_code == 202

    async def listed(**params: str) -> list[str]:
        answer = await intake.http.get("/v1/inquiries", params=params, headers=una)
        assert answer.status_code == 200, answer.text
        return [i["id"] for i in answer.json()["items"]]

    assert await listed(assignee=subject(maria)) == [claimed]
    assert await listed(assignee=SAM["subject"]) == [assigned]
    assert await listed(unassigned="true") == [unheld]
    assert sorted(await listed(unassigned="false")) == sorted([claimed, assigned, unheld])
    assert await listed(assignee="nobody-has-this") == []
    items = (await intake.http.get("/v1/inquiries", params={"assignee": subject(maria)}, headers=una)).json()["items"]
    assert items[0]["assignee"] == {"subject": subject(maria), "name": "Maria Lopez"}

    for params, field in (({"assignee": "x", "unassigned": "true"}, "unassigned"),
                          ({"unassigned": "maybe"}, "unassigned"), ({"assignee": "has space"}, "assignee"),
                          ({"assignee": "s" * 201}, "assignee")):
        refused = await intake.http.get("/v1/inquiries", params=params, headers=una)
        assert refused.status_code == 422, params
        assert [e["field"] for e in refused.json()["errors"]] == [field]
