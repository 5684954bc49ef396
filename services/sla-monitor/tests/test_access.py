"""Who reads which clocks: a token with clocks:read is needed, and a principal of one MCO sees only
the cases referred to it (one case: 404 otherwise; lists and compliance: only its cases), and of a case
referred to several MCOs the case-level clocks and its own instances of the MCO clocks."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from liaison_shared.payloads import Actor, McoContactedV1, PriorityAssignedV1
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.waiting import wait_until

from .conftest import MONDAY_10, Monitor, assigned

ACTOR = Actor(subject="test-user", name="Test User")  # who acted, as a token would say

MONDAY = {"due_from": "2026-11-16T00:00:00Z", "due_to": "2026-11-17T00:00:00Z"}
NOVEMBER = {"start": "2026-11-01T00:00:00Z", "end": "2026-12-01T00:00:00Z"}


def referral(case: PriorityAssignedV1, mco: str, at: datetime) -> McoContactedV1:
    return McoContactedV1(inquiry_id=case.inquiry_id, mco=mco, actor=ACTOR, at=at)


async def referrals_recorded(monitor: Monitor, inquiry_id: uuid.UUID, count: int) -> None:
    async def recorded() -> bool:  # the referral and its signal are written in one transaction
        async with monitor.runtime.engine.connect() as conn:
            return bool(await conn.scalar(text(
                "SELECT count(*) >= :n FROM signals WHERE inquiry_id = :i AND signal = 'mco_contacted'"),
                {"i": inquiry_id, "n": count}))
    await wait_until(recorded, what=f"{count} referrals recorded")


@pytest.mark.parametrize("system", ["call-center", "mco-ia-tc"])  # intake:write; inquiry:read and :act
async def test_a_token_without_clocks_read_is_forbidden(monitor: Monitor, tokens: Tokens, system: str) -> None:
    headers = await tokens.headers(system=system)
    async with monitor.api() as http:
        for path, params in ((f"/v1/inquiries/{uuid.uuid4()}/clocks", {}), ("/v1/clocks", MONDAY),
                             ("/v1/compliance", NOVEMBER)):
            answer = await http.get(path, params=params, headers=headers)
            assert (answer.status_code, answer.json()["code"]) == (403, "forbidden"), path
            assert (await http.get(path, params=params)).status_code == 401


async def test_an_mco_reads_only_the_clocks_of_the_cases_referred_to_it(monitor: Monitor, tokens: Tokens) -> None:
    ours, theirs, unreferred = assigned(), assigned(), assigned()
    at = MONDAY_10 + timedelta(hours=1)
    await monitor.publish(ours, theirs, unreferred, referral(ours, "IA-TC", at), referral(theirs, "IA-AG", at))
    for case in (ours, theirs):
        await monitor.events("clock-started.v1", case.inquiry_id, 3)  # the referral starts mco_contacts_member
        await monitor.events("sla.met.v1", case.inquiry_id)  # and meets mco_referral
    await monitor.events("clock-started.v1", unreferred.inquiry_id, 2)
    tina, adam, maria = [await tokens.headers(person=p) for p in ("tina", "adam", "maria")]

    async with monitor.api() as http:
        async def clocks(case: PriorityAssignedV1 | None, headers: dict[str, str]) -> Any:
            answer = await http.get(f"/v1/inquiries/{case.inquiry_id if case else uuid.uuid4()}/clocks",
                                    headers=headers)
            return answer.json() if answer.status_code == 200 else (answer.status_code, answer.json()["code"])

        hidden = (404, "inquiry-not-found")
        assert len(await clocks(ours, tina)) == 3
        assert [await clocks(case, tina) for case in (theirs, unreferred, None)] == [hidden] * 3
        assert len(await clocks(theirs, adam)) == 3 and await clocks(ours, adam) == hidden
        assert [len(await clocks(case, maria)) for case in (ours, theirs, unreferred)] == [3, 3, 2]

        async def window(headers: dict[str, str]) -> set[str]:
            return {c["inquiry_id"] for c in (await http.get("/v1/clocks", params=MONDAY, headers=headers)).json()}

        assert await window(tina) == {str(ours.inquiry_id)}
        assert await window(adam) == {str(theirs.inquiry_id)}
        assert await window(maria) == {str(c.inquiry_id) for c in (ours, theirs, unreferred)}

        async def compliance(headers: dict[str, str]) -> dict[str, tuple[int, int]]:
            rows = (await http.get("/v1/compliance", params=NOVEMBER, headers=headers)).json()
            return {" ".join(filter(None, (r["clock"], r["mco"]))): (r["met"], r["open"]) for r in rows}

        assert await compliance(tina) == {"mco_contacts_member IA-TC": (0, 1), "mco_referral": (1, 0),
                                          "originator_contacted": (0, 1)}
        assert await compliance(adam) == {"mco_contacts_member IA-AG": (0, 1), "mco_referral": (1, 0),
                                          "originator_contacted": (0, 1)}
        assert await compliance(maria) == {"mco_contacts_member IA-TC": (0, 1), "mco_contacts_member IA-AG": (0, 1),
                                           "mco_referral": (2, 1), "originator_contacted": (0, 3)}


async def test_every_mco_referred_sees_the_case_and_only_its_own_mco_clocks(monitor: Monitor, tokens: Tokens) -> None:
    case = assigned()  # urgent member: a referral starts the MCO's mco_contacts_member
    await monitor.publish(case, referral(case, "IA-AG", MONDAY_10 + timedelta(hours=1)))
    await referrals_recorded(monitor, case.inquiry_id, 1)
    await monitor.publish(referral(case, "IA-TC", MONDAY_10 + timedelta(hours=2)))
    await referrals_recorded(monitor, case.inquiry_id, 2)
    tina, adam, maria = [await tokens.headers(person=p) for p in ("tina", "adam", "maria")]
    path = f"/v1/inquiries/{case.inquiry_id}/clocks"

    async def seen(headers: dict[str, str]) -> set[tuple[str, str | None]]:
        answer = await http.get(path, headers=headers)
        assert answer.status_code == 200
        return {(c["clock"], c["mco"]) for c in answer.json()}

    case_level = {("originator_contacted", None), ("mco_referral", None)}
    async with monitor.api() as http:
        # The second referral no longer takes the case from the first MCO: each sees its own part.
        assert await seen(adam) == {*case_level, ("mco_contacts_member", "IA-AG")}
        assert await seen(tina) == {*case_level, ("mco_contacts_member", "IA-TC")}
        assert await seen(maria) == {*case_level, ("mco_contacts_member", "IA-AG"), ("mco_contacts_member", "IA-TC")}
        window = (await http.get("/v1/clocks", params=MONDAY, headers=tina)).json()  # open ones: referral met
        assert {(c["clock"], c["mco"]) for c in window if c["inquiry_id"] == str(case.inquiry_id)} == {
            ("originator_contacted", None), ("mco_contacts_member", "IA-TC")}
