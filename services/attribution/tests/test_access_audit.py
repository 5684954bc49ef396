"""Every read of PHI at attribution is on record: a member's PCP with its evidence, a member's PCP
history and a practice's attribution list each leave one audit record with the reader's roles and the member
ids read; a read refused (404, or another MCO's member) leaves none, and so do the reads that
return no PHI (the campaign's counts, the survey's questions, an answered survey's outcome);
compliance reads the audit."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from liaison_attribution.main import bootstrap
from liaison_attribution.settings import Settings
from liaison_shared.audit import PHI_READ
from liaison_shared.testing.identity import Tokens

from .conftest import NPIS, Harness, member, provider

PRACTICE = NPIS[0]
PHI_ROUTES = {"GET /v1/members/{member_id}/pcp", "GET /v1/members/{member_id}/pcp-history",
              "GET /v1/practices/{practice_npi}/attribution-list",
              # FHIR: tests/test_fhir_api.py and test_fhir_export.py check their records
              "GET /fhir/Group/{group_id}", "GET /fhir/Group", "GET /fhir/bulk-export/{job_id}/output/{resource_type}"}


async def audit(attribution: Harness, cora: dict[str, str]) -> list[dict[str, Any]]:
    """The access audit, oldest first."""
    found = await attribution.get("/v1/access-audit", by=cora)
    assert found.status_code == 200, found.text
    return list(reversed(found.json()))


def test_the_routes_marked_as_returning_phi_are_the_ones_audited_here() -> None:
    paths = bootstrap(Settings()).app().openapi()["paths"]  # builds the app; connects to nothing
    marked = {f"{method.upper()} {path}" for path, item in paths.items() for method, operation in item.items()
              if operation.items() >= PHI_READ.items()}
    assert marked == PHI_ROUTES


async def test_each_phi_read_leaves_one_record_and_compliance_reads_them(attribution: Harness,
                                                                         tokens: Tokens) -> None:
    cora = await tokens.headers(person="cora")
    await attribution.post("/v1/providers", provider(PRACTICE))
    first = (await attribution.post("/v1/members", member("1000001A"))).json()["member_id"]
    second = (await attribution.post("/v1/members", member("2000002B"))).json()["member_id"]
    assert await audit(attribution, cora) == []  # writes are not reads

    assert (await attribution.get(f"/v1/members/{first}/pcp")).status_code == 200
    assert (await attribution.get(f"/v1/members/{second}/pcp-history")).status_code == 200
    listed = await attribution.get(f"/v1/practices/{PRACTICE}/attribution-list",
                                   params={"mco": "IA-TC", "as_of": date.today().isoformat()})
    assert listed.status_code == 200
    # Refused reads and reads without PHI leave nothing.
    assert (await attribution.get(f"/v1/members/{uuid.uuid4()}/pcp")).status_code == 404
    assert (await attribution.get(f"/v1/members/{uuid.uuid4()}/pcp-history")).status_code == 404
    assert (await attribution.get("/v1/practices/1003000126/attribution-list",
                                  params={"mco": "IA-TC"})).status_code == 404
    assert (await attribution.get("/v1/reassignment-campaign")).status_code == 200
    assert (await attribution.get("/v1/survey")).status_code == 200
    assert (await attribution.post("/v1/survey-responses", {"answers": {"fwa-signs": "yes"}, "member_id": first,
                                                             "inquiry_id": str(uuid.uuid4())})).status_code == 200

    one, history, group = await audit(attribution, cora)
    assert (one["operation"], one["resource_ids"], one["records"], one["roles"]) == \
        ("GET /v1/members/{member_id}/pcp", [first], 1, ["member-liaison"])
    assert (history["operation"], history["resource_ids"], history["records"], history["roles"]) == \
        ("GET /v1/members/{member_id}/pcp-history", [second], 1, ["member-liaison"])
    assert (group["operation"], sorted(group["resource_ids"]), group["records"], group["roles"]) == \
        ("GET /v1/practices/{practice_npi}/attribution-list", sorted([first, second]), 2, ["member-liaison"])
    assert one["subject"] == history["subject"] == group["subject"] and "Test Member" not in str([one, group])
    assert (await attribution.get("/v1/access-audit")).status_code == 403  # maria: no audit:read


async def test_another_mcos_member_is_not_read_and_not_recorded(attribution: Harness, tokens: Tokens) -> None:
    cora, roster = await tokens.headers(person="cora"), await tokens.headers(system="mco-ia-tc-roster")
    await attribution.post("/v1/providers", provider(PRACTICE, networks=["IA-TC", "IA-AG"]))
    other = (await attribution.post("/v1/members", member("2000002B", mco="IA-AG"))).json()["member_id"]
    assert (await attribution.get(f"/v1/members/{other}/pcp", by=roster)).status_code == 404
    assert (await attribution.get(f"/v1/members/{other}/pcp-history", by=roster)).status_code == 404
    hidden = await attribution.get(f"/v1/practices/{PRACTICE}/attribution-list", by=roster,
                                   params={"mco": "IA-AG", "as_of": date.today().isoformat()})
    assert hidden.status_code == 200 and "member" not in hidden.json()
    [empty_list] = await audit(attribution, cora)  # the list was read, with no member on it
    assert (empty_list["resource_ids"], empty_list["records"], empty_list["client"]) == \
        ([], 0, "mco-ia-tc-roster")
