"""Attribution lists over the FHIR R4 REST API (`/fhir`, Da Vinci ATR), on the real PostgreSQL and Kafka
with tokens of the real OpenID provider: read, search, member-add and member-remove with their events,
OperationOutcomes naming the parameter (nothing changed), MCO confinement and the access audit. Every
resource returned is validated with its fhir.resources R4B model (R4's Group, Bundle, OperationOutcome).

Also the two list fixes seen through the API: a member who moves practice is `new` on the new
practice's list and `dropped` on the old one's, whose period ends the day before the move."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.group import Group
from fhir.resources.R4B.operationoutcome import OperationOutcome
from sqlalchemy import text

from liaison_attribution.api.deps import today
from liaison_attribution.fhir_lists import EXT_CHANGE_TYPE, NPI_SYSTEM
from liaison_attribution.fhir_parameters import MEDICAID_ID_SYSTEM, MEMBER_SYSTEM
from liaison_shared.payloads import PcpAssignedV1
from liaison_shared.testing.identity import Tokens

from .conftest import DES_MOINES, NPIS, Harness, member, provider
from .test_access import IA_TC_FEED, ROSTER, acting_as

HOME, OTHER = NPIS[0], NPIS[3]  # two practices, each one PCP of its own NPI
HOME_GROUP, OTHER_GROUP = f"IA-TC-{HOME}", f"IA-TC-{OTHER}"
FHIR_JSON = "application/fhir+json"


async def two_practices(attribution: Harness, *, networks: tuple[str, ...] = ("IA-TC",)) -> None:
    await attribution.post("/v1/providers", provider(HOME, networks=list(networks)))
    await attribution.post("/v1/providers", provider(OTHER, practice_npi=OTHER, practice_name="Prairie Clinic",
                                                     lat=DES_MOINES[0] + 0.1, networks=list(networks)))


async def member_since(attribution: Harness, medicaid_id: str, days_ago: int, **changes: Any) -> str:
    """A member attributed (by geography, to HOME) since `days_ago` days: loaded from a file, then a
    batch run as of that day; its id."""
    values = {"medicaid_id": medicaid_id, "name": "Test Member", "birth_date": "1980-05-01",
              "lat": str(DES_MOINES[0] + 0.01), "lon": str(DES_MOINES[1]), "language": "en", "mco": "IA-TC",
              "eligible_from": "2026-01-01"} | changes
    csv = ",".join(values) + "\n" + ",".join(values.values()) + "\n"
    loaded = await attribution.post("/v1/imports/members", content=csv.encode(), headers={"Content-Type": "text/csv"})
    assert loaded.json()["accepted"] == 1, loaded.text
    ran = await attribution.post("/v1/attribution-runs",
                                 params={"as_of": (today() - timedelta(days=days_ago)).isoformat()})
    assert ran.status_code == 200, ran.text
    async with attribution.runtime.engine.connect() as conn:
        return str(await conn.scalar(text("SELECT member_id FROM members WHERE medicaid_id = :m"),
                                     {"m": medicaid_id}))


def fhir(response: httpx.Response, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith(FHIR_JSON)
    body: dict[str, Any] = response.json()
    return body


def outcome(response: httpx.Response, status: int) -> list[str]:
    """The diagnostics of an OperationOutcome answer with this status (validated as FHIR)."""
    body = fhir(response, status)
    OperationOutcome.model_validate(body)
    return [issue["diagnostics"] for issue in body["issue"]]


def entries(group: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The Group's entries by member id, each with its change type and period."""
    Group.model_validate(group)
    return {m["entity"]["reference"].removeprefix("Patient/"): {
        "change": next(e["valueCode"] for e in m["extension"] if e["url"] == EXT_CHANGE_TYPE),
        "period": m["period"], "inactive": m["inactive"]} for m in group.get("member", [])}


async def group(attribution: Harness, group_id: str, by: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
    return entries(fhir(await attribution.get(f"/fhir/Group/{group_id}", by=by)))


def parameters(member_id: str | None = None, npi: str | None = None, *, system: str = MEMBER_SYSTEM,
               period: dict[str, str] | None = None) -> dict[str, Any]:
    given: list[dict[str, Any]] = []
    if member_id is not None:
        given.append({"name": "memberId", "valueIdentifier": {"system": system, "value": member_id}})
    if npi is not None:
        given.append({"name": "providerNpi", "valueIdentifier": {"system": NPI_SYSTEM, "value": npi}})
    if period is not None:
        given.append({"name": "attributionPeriod", "valuePeriod": period})
    return {"resourceType": "Parameters", "parameter": given}


async def audit(attribution: Harness, tokens: Tokens) -> list[dict[str, Any]]:
    found = await attribution.get("/v1/access-audit", by=await tokens.headers(person="cora"))
    assert found.status_code == 200, found.text
    return list(reversed(found.json()))


async def test_a_member_who_moves_practice_is_new_there_and_dropped_here_until_the_day_before(
        attribution: Harness) -> None:
    await two_practices(attribution)
    mover = await member_since(attribution, "1111111A", days_ago=10)
    assert (await group(attribution, HOME_GROUP))[mover]["change"] in ("new", "nochange")
    moved = await attribution.post(f"/v1/members/{mover}/pcp-change", {"npi": OTHER, "reason_code": "closer_to_home"})
    assert moved.status_code == 200, moved.text

    day, start = today(), today() - timedelta(days=10)
    assert (await group(attribution, OTHER_GROUP))[mover] == {
        "change": "new", "period": {"start": day.isoformat()}, "inactive": False}
    assert (await group(attribution, HOME_GROUP))[mover] == {
        "change": "dropped", "period": {"start": start.isoformat(), "end": (day - timedelta(days=1)).isoformat()},
        "inactive": True}


async def test_a_member_attributed_and_moved_the_same_day_is_dropped_for_that_one_day(attribution: Harness) -> None:
    await two_practices(attribution)
    mover = (await attribution.post("/v1/members", member("1111111A"))).json()["member_id"]
    await attribution.post(f"/v1/members/{mover}/pcp-change", {"npi": OTHER, "reason_code": "closer_to_home"})
    day = today().isoformat()
    assert (await group(attribution, HOME_GROUP))[mover]["period"] == {"start": day, "end": day}
    assert (await group(attribution, OTHER_GROUP))[mover]["change"] == "new"


async def test_read_answers_the_atr_group_and_records_the_members_read(attribution: Harness, tokens: Tokens) -> None:
    await two_practices(attribution)
    listed = (await attribution.post("/v1/members", member("1111111A"))).json()["member_id"]
    response = await attribution.get(f"/fhir/Group/{HOME_GROUP}")
    resource = fhir(response)
    assert resource["id"] == HOME_GROUP and resource["quantity"] == 1
    assert list(entries(resource)) == [listed]
    assert "Test Member" not in response.text and "1111111A" not in response.text
    [record] = await audit(attribution, tokens)
    assert (record["operation"], record["resource_ids"], record["records"]) == \
        ("GET /fhir/Group/{group_id}", [listed], 1)


@pytest.mark.parametrize("group_id", ["IA-TC-1003000126", "IA-AG-" + NPIS[0], "IA-TC-1245319590", "Group-1"])
async def test_an_unknown_group_is_a_404_operation_outcome_and_no_audit_record(attribution: Harness, tokens: Tokens,
                                                                              group_id: str) -> None:
    await two_practices(attribution)
    assert outcome(await attribution.get(f"/fhir/Group/{group_id}"), 404) == ["id: no Group with this id"]
    assert await audit(attribution, tokens) == []


async def test_search_by_identifier_name_and_managing_entity_answers_a_searchset_with_its_total(
        attribution: Harness, tokens: Tokens) -> None:
    await two_practices(attribution, networks=("IA-TC", "IA-AG"))
    listed = (await attribution.post("/v1/members", member("1111111A"))).json()["member_id"]

    async def found(**params: str) -> list[str]:
        bundle = fhir(await attribution.get("/fhir/Group", params=params))
        Bundle.model_validate(bundle)
        assert bundle["type"] == "searchset" and bundle["total"] == len(bundle.get("entry", []))
        return [entry["resource"]["id"] for entry in bundle.get("entry", [])]

    everything = [HOME_GROUP, f"IA-AG-{HOME}", OTHER_GROUP, f"IA-AG-{OTHER}"]
    assert sorted(await found()) == sorted(everything)
    assert await found(identifier=f"{NPI_SYSTEM}|{HOME}") == [f"IA-AG-{HOME}", HOME_GROUP]
    assert await found(identifier=f"urn:liaison:attribution-contract|{OTHER_GROUP}") == [OTHER_GROUP]
    assert await found(identifier=f"urn:liaison:attribution-contract|{HOME}") == []
    assert await found(**{"managing-entity": "Organization/IA-AG"}) == [f"IA-AG-{HOME}", f"IA-AG-{OTHER}"]
    assert await found(**{"managing-entity:identifier": "IA-TC", "identifier": HOME}) == [HOME_GROUP]
    assert await found(name="ia-tc attribution list for capitol") == [HOME_GROUP]
    assert await found(**{"name:contains": "prairie"}) == [f"IA-AG-{OTHER}", OTHER_GROUP]
    assert await found(name="Capitol") == []  # the name starts with the MCO
    assert await found(identifier=f"{HOME},{OTHER}", **{"managing-entity": "IA-TC"}) == [HOME_GROUP, OTHER_GROUP]

    roster = await tokens.headers(system=ROSTER)  # IA-TC's: never another MCO's Group
    assert [e["resource"]["id"] for e in fhir(await attribution.get("/fhir/Group", by=roster))["entry"]] == \
        [HOME_GROUP, OTHER_GROUP]
    assert fhir(await attribution.get("/fhir/Group", by=roster, params={"managing-entity": "IA-AG"}))["total"] == 0

    records = [r for r in await audit(attribution, tokens) if r["operation"] == "GET /fhir/Group"]
    assert len(records) == 9  # one per search that found a Group (three found none)
    assert all(r["resource_ids"] in ([listed], []) for r in records)  # only HOME's IA-TC list has the member
    assert records[0]["resource_ids"] == [listed]


async def test_search_refuses_an_unknown_parameter_only_when_strict(attribution: Harness) -> None:
    await two_practices(attribution)
    assert fhir(await attribution.get("/fhir/Group", params={"type": "person"}))["total"] == 2
    strict = await attribution.get("/fhir/Group", params={"type": "person"},
                                   headers={"Prefer": "handling=strict"})
    assert outcome(strict, 400)[0].startswith("type: not a search parameter")
    assert outcome(await attribution.get("/fhir/Group", params={"identifier": ","}), 400) == \
        ["identifier: has an empty value"]


async def test_member_add_puts_the_member_on_the_list_and_publishes_the_assignment(attribution: Harness) -> None:
    await two_practices(attribution)
    moving = (await attribution.post("/v1/members", member("1111111A"))).json()["member_id"]
    added = await attribution.post(f"/fhir/Group/{OTHER_GROUP}/$member-add", parameters(moving, OTHER),
                                   headers={"Content-Type": FHIR_JSON})
    OperationOutcome.model_validate(fhir(added))
    assert (await group(attribution, OTHER_GROUP))[moving]["change"] == "new"
    assert (await group(attribution, HOME_GROUP))[moving]["change"] == "dropped"
    events = [e.payload for e in await attribution.events("attribution.pcp-assigned", 2)]
    assert isinstance(events[-1], PcpAssignedV1)
    assert (str(events[-1].member_id), events[-1].pcp_npi, events[-1].previous_pcp_npi, events[-1].change_reason) == \
        (moving, OTHER, HOME, "attribution_list_add")
    history = (await attribution.get(f"/v1/members/{moving}/pcp-history")).json()["assignments"]
    assert history[0]["change_reason"]["label"].startswith("Added to the practice's attribution list")

    again = await attribution.post(f"/fhir/Group/{OTHER_GROUP}/$member-add",
                                   parameters("1111111A", OTHER, system=MEDICAID_ID_SYSTEM))
    assert "nothing changed" in fhir(again)["issue"][0]["diagnostics"]
    assert len((await attribution.get(f"/v1/members/{moving}/pcp-history")).json()["assignments"]) == 2
    await attribution.exactly_one_current_assignment_each()


async def test_member_remove_drops_the_member_and_reattributes_it_elsewhere(attribution: Harness) -> None:
    await two_practices(attribution)
    leaving = await member_since(attribution, "1111111A", days_ago=3)
    removed = await attribution.post(f"/fhir/Group/{HOME_GROUP}/$member-remove",
                                     parameters(leaving, HOME, period={"end": (today() - timedelta(days=1))
                                                                       .isoformat()}))
    OperationOutcome.model_validate(fhir(removed))
    assert (await group(attribution, HOME_GROUP))[leaving] == {
        "change": "dropped", "inactive": True, "period": {
            "start": (today() - timedelta(days=3)).isoformat(), "end": (today() - timedelta(days=1)).isoformat()}}
    assert (await group(attribution, OTHER_GROUP))[leaving]["change"] == "new"
    pcp = (await attribution.get(f"/v1/members/{leaving}/pcp")).json()
    assert (pcp["npi"], pcp["method"]) == (OTHER, "reassignment")
    again = await attribution.post(f"/fhir/Group/{HOME_GROUP}/$member-remove", parameters(leaving))
    assert outcome(again, 422) == ["memberId: is not attributed to this Group's practice"]
    await attribution.exactly_one_current_assignment_each()


@pytest.mark.parametrize(("body", "named"), [
    (parameters(None, OTHER), "memberId: is required"),
    (parameters("not-a-uuid", OTHER), "memberId: is not a member id (a UUID)"),
    (parameters("{member}"), "providerNpi: is required"),
    (parameters("{member}", "1245319590"), "providerNpi: is not a valid NPI"),
    (parameters("{member}", OTHER, period={"start": "2020-01-01"}), "attributionPeriod: start must be today"),
    (parameters("{member}", OTHER, period={"start": "2026-02-30"}), "attributionPeriod: start is not a calendar"),
    ({"resourceType": "Parameters", "parameter": [{"name": "patientReference", "valueString": "x"}]},
     "patientReference: not a parameter of $member-add"),
    ({"resourceType": "Patient"}, "resourceType: the body must be a FHIR Parameters resource"),
    ({"resourceType": "Parameters", "parameter": [{"name": "memberId", "valueIdentifier": {"value": 7}}]},
     "memberId: must be a valueIdentifier with a value"),
    (parameters("{member}", OTHER) | {"meta": {"lastUpdated": "yesterday"}}, "body: is not valid FHIR"),
    ({"resourceType": "Parameters", "parameter": [
        *parameters("{member}", OTHER)["parameter"][:1],
        {"name": "providerNpi", "valueIdentifier": {"value": OTHER, "period": "always"}}]},
     "providerNpi: is not valid FHIR"),
])
async def test_bad_parameters_are_a_400_naming_the_parameter_and_change_nothing(
        attribution: Harness, body: dict[str, Any], named: str) -> None:
    await two_practices(attribution)
    staying = (await attribution.post("/v1/members", member("1111111A"))).json()["member_id"]
    for parameter in body.get("parameter", []):
        if parameter.get("valueIdentifier", {}).get("value") == "{member}":
            parameter["valueIdentifier"]["value"] = staying
    refused = await attribution.post(f"/fhir/Group/{OTHER_GROUP}/$member-add", body)
    [diagnostics] = outcome(refused, 400)
    assert diagnostics.startswith(named)
    assert staying not in refused.text and "1111111A" not in refused.text
    assert len((await attribution.get(f"/v1/members/{staying}/pcp-history")).json()["assignments"]) == 1
    assert list(await group(attribution, OTHER_GROUP)) == []


async def test_a_body_that_is_not_json_is_a_400(attribution: Harness) -> None:
    await two_practices(attribution)
    refused = await attribution.post(f"/fhir/Group/{OTHER_GROUP}/$member-add", content=b"memberId=1",
                                     headers={"Content-Type": "text/plain"})
    assert outcome(refused, 400) == ["body: must be a FHIR Parameters resource in JSON"]


async def test_a_member_or_pcp_the_group_cannot_hold_is_a_422_naming_it(attribution: Harness) -> None:
    await two_practices(attribution, networks=("IA-TC", "IA-AG"))
    elsewhere = (await attribution.post("/v1/members", member("2222222B", mco="IA-AG"))).json()["member_id"]
    own = (await attribution.post("/v1/members", member("1111111A"))).json()["member_id"]
    for member_id in (elsewhere, str(uuid.uuid4())):
        refused = await attribution.post(f"/fhir/Group/{OTHER_GROUP}/$member-add", parameters(member_id, OTHER))
        assert outcome(refused, 422) == ["memberId: no member enrolled with this Group's MCO has this identifier"]
    refused = await attribution.post(f"/fhir/Group/{OTHER_GROUP}/$member-add", parameters(own, HOME))
    assert outcome(refused, 422) == ["providerNpi: is not a PCP of this Group's practice in its MCO's network"]
    assert outcome(await attribution.post("/fhir/Group/IA-TC-1003000126/$member-add", parameters(own, OTHER)),
                   404) == ["id: no Group with this id"]


async def test_scopes_are_those_of_attribution_and_refusals_are_operation_outcomes(attribution: Harness,
                                                                                   tokens: Tokens) -> None:
    await two_practices(attribution)
    own = (await attribution.post("/v1/members", member("1111111A"))).json()["member_id"]
    reader = await tokens.headers(person="maria")  # attribution:read only
    refused = await attribution.post(f"/fhir/Group/{OTHER_GROUP}/$member-add", parameters(own, OTHER), by=reader)
    assert outcome(refused, 403) == ["Authorization: This credential lacks the attribution:write scope for this "
                                     "action."]
    nobody = await tokens.headers(person="tina")  # MCO staff: no attribution scope
    assert outcome(await attribution.get(f"/fhir/Group/{HOME_GROUP}", by=nobody), 403)
    assert outcome(await attribution.get("/fhir/Group", by=nobody), 403)
    unauthenticated = await attribution.http.get(f"/fhir/Group/{HOME_GROUP}")
    assert unauthenticated.status_code == 401


async def test_an_mco_principal_reaches_only_its_own_mcos_groups_and_members(attribution: Harness,
                                                                            tokens: Tokens) -> None:
    await two_practices(attribution, networks=("IA-TC", "IA-AG"))
    own = (await attribution.post("/v1/members", member("1111111A"))).json()["member_id"]
    other = (await attribution.post("/v1/members", member("2222222B", mco="IA-AG"))).json()["member_id"]
    roster = await tokens.headers(system=ROSTER)
    assert list(await group(attribution, HOME_GROUP, by=roster)) == [own]
    assert outcome(await attribution.get(f"/fhir/Group/IA-AG-{HOME}", by=roster), 404) == \
        ["id: no Group with this id"]
    assert list(await group(attribution, f"IA-AG-{HOME}")) == [other]  # a program reader sees it
    with acting_as(attribution, IA_TC_FEED):
        hidden = await attribution.post(f"/fhir/Group/IA-AG-{OTHER}/$member-add", parameters(other, OTHER))
        assert outcome(hidden, 404) == ["id: no Group with this id"]
        moved = await attribution.post(f"/fhir/Group/{OTHER_GROUP}/$member-add", parameters(own, OTHER))
        assert moved.status_code == 200
    assert (await attribution.get(f"/v1/members/{other}/pcp")).json()["npi"] == HOME  # untouched
    reads = [(r["client"], r["resource_ids"]) for r in await audit(attribution, tokens)]
    assert (ROSTER, [own]) in reads and all(other not in ids for client, ids in reads if client == ROSTER)
