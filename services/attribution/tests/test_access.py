"""Who may read and write attribution, with tokens of the real OpenID provider, and the MCO
confinement: a principal of one MCO reaches only the members enrolled with it (their PCP and PCP
history included). Another MCO's member answers exactly as a member that does not exist (404), and is
absent from lists and counts.

No principal of the realm holds attribution:write with an MCO (no MCO's system is granted it today),
so the writes are driven by such a principal through a dependency override, behind a real token."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest

from liaison_shared.access import ATTRIBUTION_READ, ATTRIBUTION_WRITE
from liaison_shared.principal import Principal, current_principal
from liaison_shared.testing.identity import Tokens

from .conftest import NPIS, Harness, member, provider

ROSTER = "mco-ia-tc-roster"  # IA-TC's roster reader: attribution:read, mco IA-TC
IA_TC_FEED = Principal(id="ia-tc-feed", name="IA-TC's feed", client="ia-tc-feed",
                       scopes=frozenset({ATTRIBUTION_READ, ATTRIBUTION_WRITE, "mco:IA-TC"}))
PRACTICE = NPIS[0]


@contextmanager
def acting_as(attribution: Harness, principal: Principal) -> Iterator[None]:
    """Requests (still with a real token) reach the routes as `principal`."""
    attribution.app.dependency_overrides[current_principal] = lambda: principal
    try:
        yield
    finally:
        attribution.app.dependency_overrides.pop(current_principal)


def problem(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


async def two_mcos(attribution: Harness) -> tuple[str, str]:
    """One member of IA-TC and one of IA-AG, both attributed to the same PCP; their ids."""
    await attribution.post("/v1/providers", provider(PRACTICE, networks=["IA-TC", "IA-AG"]))
    own = (await attribution.post("/v1/members", member("1000001A"))).json()["member_id"]
    other = (await attribution.post("/v1/members", member("2000002B", mco="IA-AG"))).json()["member_id"]
    return own, other


@pytest.mark.parametrize(("who", "method", "path"), [
    ({"system": "call-center"}, "GET", f"/v1/members/{uuid.uuid4()}/pcp"),  # intake:write only
    ({"system": "call-center"}, "POST", "/v1/members"),
    ({"system": "mco-ia-tc"}, "GET", "/v1/reassignment-campaign"),  # inquiry scopes only
    ({"person": "tina"}, "GET", "/v1/survey"),  # mco-staff: no attribution scope
    ({"person": "maria"}, "POST", "/v1/attribution-runs"),  # attribution:read, not write
    ({"system": ROSTER}, "POST", "/v1/members"),
])
async def test_a_credential_without_the_scope_is_403(attribution: Harness, tokens: Tokens, who: dict[str, str],
                                                     method: str, path: str) -> None:
    headers = await tokens.headers(**who)
    body = member("1000001A") if method == "POST" else None
    response = await attribution.http.request(method, path, json=body, headers=headers)
    assert problem(response) == (403, "forbidden")


async def test_an_mco_reader_sees_only_its_own_members(attribution: Harness, tokens: Tokens) -> None:
    own, other = await two_mcos(attribution)
    roster = await tokens.headers(system=ROSTER)
    assert (await attribution.get(f"/v1/members/{own}/pcp", by=roster)).json()["npi"] == PRACTICE
    assert (await attribution.get(f"/v1/members/{other}/pcp")).json()["npi"] == PRACTICE  # a program reader
    hidden = await attribution.get(f"/v1/members/{other}/pcp", by=roster)
    absent = await attribution.get(f"/v1/members/{uuid.uuid4()}/pcp", by=roster)
    assert problem(hidden) == problem(absent) == (404, "no-attribution")
    assert hidden.json()["detail"] == absent.json()["detail"]
    own_history = await attribution.get(f"/v1/members/{own}/pcp-history", by=roster)
    assert [a["pcp_npi"] for a in own_history.json()["assignments"]] == [PRACTICE]
    assert len((await attribution.get(f"/v1/members/{other}/pcp-history")).json()["assignments"]) == 1
    hidden = await attribution.get(f"/v1/members/{other}/pcp-history", by=roster)
    absent = await attribution.get(f"/v1/members/{uuid.uuid4()}/pcp-history", by=roster)
    assert problem(hidden) == problem(absent) == (404, "member-not-found")
    assert hidden.json()["detail"] == absent.json()["detail"]

    async def listed(mco: str, by: dict[str, str] | None = None) -> list[str]:
        group = (await attribution.get(f"/v1/practices/{PRACTICE}/attribution-list", by=by,
                                       params={"mco": mco, "as_of": date.today().isoformat()})).json()
        return [m["entity"]["reference"] for m in group.get("member", [])]

    assert await listed("IA-TC", roster) == [f"Patient/{own}"]
    assert await listed("IA-AG", roster) == []
    assert await listed("IA-AG") == [f"Patient/{other}"]


async def test_an_mco_reader_counts_only_its_own_members_panel_removals(attribution: Harness,
                                                                        tokens: Tokens) -> None:
    own, other = await two_mcos(attribution)
    for member_id in (own, other):
        removed = await attribution.post("/v1/panel-removals", {
            "member_id": member_id, "npi": PRACTICE, "reason": "non_compliance", "documentation": "Letter on file"})
        assert removed.status_code == 202, removed.text
    roster = await tokens.headers(system=ROSTER)
    assert (await attribution.get("/v1/reassignment-campaign", by=roster)).json() == {"by_status": {"open": 1}}
    assert (await attribution.get("/v1/reassignment-campaign")).json() == {"by_status": {"open": 2}}


async def test_an_mco_writer_reaches_another_mcos_member_as_if_it_did_not_exist(attribution: Harness) -> None:
    own, other = await two_mcos(attribution)
    removal = (await attribution.post("/v1/panel-removals", {
        "member_id": other, "npi": PRACTICE, "reason": "non_compliance", "documentation": "Letter on file"}
    )).json()["removal_id"]
    nobody, no_removal = str(uuid.uuid4()), str(uuid.uuid4())
    change = {"npi": PRACTICE, "reason_code": "closer_to_home"}
    with acting_as(attribution, IA_TC_FEED):
        for member_id in (other, nobody):
            assert problem(await attribution.post(f"/v1/members/{member_id}/pcp-change", change)) == \
                (404, "member-not-found")
        for removal_id in (removal, no_removal):
            assert problem(await attribution.post(f"/v1/panel-removals/{removal_id}/release")) == \
                problem(await attribution.post(f"/v1/panel-removals/{removal_id}/choice", {"npi": NPIS[1]})) == \
                (404, "removal-not-found")
        for member_id in (other, nobody):
            refused = await attribution.post("/v1/panel-removals", {
                "member_id": member_id, "npi": PRACTICE, "reason": "non_compliance", "documentation": "On file"})
            assert problem(refused) == (404, "member-not-found")
        referral = {"answers": {"fwa-signs": "yes"}, "inquiry_id": str(uuid.uuid4())}
        for member_id in (other, nobody):
            assert problem(await attribution.post("/v1/survey-responses", {**referral, "member_id": member_id})) \
                == (404, "member-not-found")
        assert (await attribution.post("/v1/survey-responses", {**referral, "member_id": own})).status_code == 200

        # Enrollment: another MCO's member is neither updated nor moved, and no member of another MCO is added.
        for record in (member("2000002B", mco="IA-AG"), member("2000002B"), member("3000003C", mco="IA-AG")):
            assert problem(await attribution.post("/v1/members", record)) == (404, "member-not-found")
        assert (await attribution.post("/v1/members", member("1000001A", language="es"))).status_code == 200
        claim = {"npi": PRACTICE, "service_date": "2026-03-02", "procedure_code": "99213", "place_of_service": "11"}
        hidden_claim = await attribution.post("/v1/claims", {**claim, "medicaid_id": "2000002B"})
        absent_claim = await attribution.post("/v1/claims", {**claim, "medicaid_id": "9999999Z"})
        assert hidden_claim.status_code == absent_claim.status_code == 422
        assert hidden_claim.json()["errors"] == absent_claim.json()["errors"]
        assert (await attribution.post("/v1/claims", {**claim, "medicaid_id": "1000001A"})).status_code == 200

        members_csv = ("medicaid_id,name,birth_date,mco,eligible_from\n"
                       "1000001A,A Member,1990-01-01,IA-TC,2026-01-01\n"
                       "2000002B,B Member,1991-02-02,IA-TC,2026-01-01\n"
                       "4000004D,D Member,1992-03-03,IA-AG,2026-01-01\n")
        report = (await attribution.post("/v1/imports/members", content=members_csv.encode(),
                                         headers={"Content-Type": "text/csv"})).json()
        assert (report["accepted"], report["rejected_count"]) == (1, 2)
        assert [r["row"] for r in report["rejected"]] == [2, 3]
        assert {e["field"] for r in report["rejected"] for e in r["errors"]} == {"medicaid_id"}

    after = (await attribution.get(f"/v1/members/{other}/pcp")).json()
    assert after["method"] == "geography"  # untouched by IA-TC's writes
    assert (await attribution.get("/v1/reassignment-campaign")).json() == {"by_status": {"open": 1}}
    await attribution.exactly_one_current_assignment_each()


async def test_an_mco_writers_batch_runs_touch_only_its_own_members(attribution: Harness) -> None:
    own = (await attribution.post("/v1/members", member("1000001A"))).json()["member_id"]  # no PCP yet: gaps
    other = (await attribution.post("/v1/members", member("2000002B", mco="IA-AG"))).json()["member_id"]
    await attribution.post("/v1/providers", provider(PRACTICE, networks=["IA-TC", "IA-AG"]))
    with acting_as(attribution, IA_TC_FEED):
        assert (await attribution.post("/v1/attribution-runs")).json() == {"geography": 1}
    assert (await attribution.get(f"/v1/members/{other}/pcp")).json()["network_gap"] is True
    assert (await attribution.post("/v1/attribution-runs")).json() == {"geography": 1}  # IA-AG's member, now

    await attribution.post("/v1/providers", provider(NPIS[1], networks=["IA-TC", "IA-AG"]))
    for member_id in (own, other):
        await attribution.post("/v1/panel-removals", {
            "member_id": member_id, "npi": PRACTICE, "reason": "non_compliance", "documentation": "Letter on file"})
    after_window = {"as_of": (date.today() + timedelta(days=31)).isoformat()}
    with acting_as(attribution, IA_TC_FEED):
        assert (await attribution.post("/v1/reassignment-campaign/runs", params=after_window)).json() == \
            {"reassigned": 1}
        assert (await attribution.get("/v1/reassignment-campaign")).json() == {"by_status": {"reassigned": 1}}
    assert (await attribution.get("/v1/reassignment-campaign")).json() == {"by_status": {"open": 1, "reassigned": 1}}
    assert (await attribution.get(f"/v1/members/{other}/pcp")).json()["npi"] == PRACTICE  # still waiting
    await attribution.exactly_one_current_assignment_each()
