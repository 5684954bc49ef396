"""Who reads which clocks: a token with clocks:read is needed, and a principal of one MCO sees only
the cases last referred to it (one case: 404 otherwise; lists and compliance: only its cases)."""

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
            return {r["clock"]: (r["met"], r["open"]) for r in rows}

        one_case = {"mco_contacts_member": (0, 1), "mco_referral": (1, 0), "originator_contacted": (0, 1)}
        assert await compliance(tina) == one_case
        assert await compliance(adam) == one_case
        assert await compliance(maria) == {"mco_contacts_member": (0, 2), "mco_referral": (2, 1),
                                           "originator_contacted": (0, 3)}


async def test_the_latest_referral_decides_which_mco_sees_the_case(monitor: Monitor, tokens: Tokens) -> None:
    case = assigned()
    await monitor.publish(case, referral(case, "IA-AG", MONDAY_10 + timedelta(hours=1)))
    await referrals_recorded(monitor, case.inquiry_id, 1)
    await monitor.publish(referral(case, "IA-TC", MONDAY_10 + timedelta(hours=2)))
    await referrals_recorded(monitor, case.inquiry_id, 2)
    tina, adam = await tokens.headers(person="tina"), await tokens.headers(person="adam")
    path = f"/v1/inquiries/{case.inquiry_id}/clocks"
    async with monitor.api() as http:
        assert ((await http.get(path, headers=tina)).status_code, (await http.get(path, headers=adam)).status_code) \
            == (200, 404)
        # An older referral consumed late (recorded after the newer one) does not take the case back.
        await monitor.publish(referral(case, "IA-AG", MONDAY_10 + timedelta(minutes=30)))
        await referrals_recorded(monitor, case.inquiry_id, 3)
        assert ((await http.get(path, headers=tina)).status_code, (await http.get(path, headers=adam)).status_code) \
            == (200, 404)
