"""Attribution on the real database and broker: records in, the rules with
their explanations, member changes, and the panel-removal flow end to end.
After every operation each member has exactly one current assignment."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import text

from liaison_attribution import service
from liaison_attribution.contract import load_attribution_config
from liaison_attribution.service import Attribution
from liaison_shared.payloads import MemberEnrolledV1, PanelRemovalRequestedV1, PcpAssignedV1

from .conftest import DES_MOINES, NPIS, Harness, member, provider


async def test_member_is_attributed_by_claims_then_changes_pcp_and_events_follow(attribution: Harness) -> None:
    near, far = NPIS[0], NPIS[1]
    for body in (provider(near), provider(far, lat=DES_MOINES[0] + 0.2)):
        assert (await attribution.post("/v1/providers", body)).status_code == 200
    created = (await attribution.post("/v1/members", member("1234567A"))).json()
    member_id = created["member_id"]
    await attribution.exactly_one_current_assignment_each()
    first = (await attribution.get(f"/v1/members/{member_id}/pcp")).json()
    assert (first["npi"], first["method"]) == (near, "geography")
    assert first["evidence"]["distance_miles"] < 1

    # Claims with the farther PCP win over geography once attribution runs again for this member.
    for day in ("2026-03-02", "2026-06-01"):
        assert (await attribution.post("/v1/claims", {"medicaid_id": "1234567A", "npi": far, "service_date": day,
                                                      "procedure_code": "99213", "place_of_service": "11"}
                                       )).status_code == 200
    await attribution.post("/v1/members", member("1234567A", chosen_npi=None, household_id="H1"))
    by_claims = (await attribution.get(f"/v1/members/{member_id}/pcp")).json()
    assert (by_claims["npi"], by_claims["method"]) == (far, "claims_history")
    assert by_claims["evidence"]["visit_counts"] == {far: 2}
    await attribution.exactly_one_current_assignment_each()

    changed = await attribution.post(f"/v1/members/{member_id}/pcp-change",
                                     {"npi": near, "reason_code": "closer_to_home", "note": "moved"})
    assert changed.status_code == 200
    await attribution.exactly_one_current_assignment_each()
    [enrolled] = await attribution.events("attribution.member-enrollment", 1)
    assert isinstance(enrolled.payload, MemberEnrolledV1) and enrolled.payload.mco == "IA-TC"
    assigned = [e.payload for e in await attribution.events("attribution.pcp-assigned", 3)]
    assert [(a.pcp_npi, a.method) for a in assigned if isinstance(a, PcpAssignedV1)] == [
        (near, "geography"), (far, "claims_history"), (near, "member_choice")]


async def test_no_pcp_in_range_is_a_flagged_network_gap(attribution: Harness) -> None:
    await attribution.post("/v1/providers", provider(NPIS[0], lat=43.5, lon=-96.7))  # ~200 miles away
    member_id = (await attribution.post("/v1/members", member("2345678B"))).json()["member_id"]
    gap = (await attribution.get(f"/v1/members/{member_id}/pcp")).json()
    assert (gap["npi"], gap["network_gap"]) == (None, True)
    await attribution.exactly_one_current_assignment_each()


async def test_panel_removal_flow_outreach_choice_and_reassignment_never_to_the_removing_pcp(
    attribution: Harness
) -> None:
    removing, other = NPIS[0], NPIS[2]
    await attribution.post("/v1/providers", provider(removing))
    await attribution.post("/v1/providers", provider(other, lat=DES_MOINES[0] + 0.05))
    chooser = (await attribution.post("/v1/members", member("3456789C"))).json()["member_id"]
    silent = (await attribution.post("/v1/members", member("4567890D", risk_flags=["chronic_condition"])
                                     )).json()["member_id"]
    held = (await attribution.post("/v1/members", member("5678901E", risk_flags=["special_needs"])
                                   )).json()["member_id"]
    removals = {}
    for member_id, reason in ((chooser, "non_compliance"), (silent, "non_compliance"),
                              (held, "disruptive_behavior")):
        response = await attribution.post("/v1/panel-removals", {
            "member_id": member_id, "npi": removing, "reason": reason, "documentation": "Letter on file"})
        assert response.status_code == 202, response.text
        removals[member_id] = response.json()["removal_id"]
    events = [e.payload for e in await attribution.events("attribution.panel-removal", 3)]
    by_member = {str(e.member_id): e for e in events if isinstance(e, PanelRemovalRequestedV1)}
    assert by_member[silent].high_risk and not by_member[chooser].high_risk
    assert by_member[held].held_for_compliance_review

    assert (await attribution.post(f"/v1/panel-removals/{removals[chooser]}/choice", {"npi": removing})
            ).status_code == 409
    assert (await attribution.post(f"/v1/panel-removals/{removals[chooser]}/choice", {"npi": other})
            ).status_code == 200
    after_window = (date.today() + timedelta(days=31)).isoformat()
    ran = (await attribution.post("/v1/reassignment-campaign/runs", params={"as_of": after_window})).json()
    assert ran == {"reassigned": 1}
    for member_id in (chooser, silent):
        pcp = (await attribution.get(f"/v1/members/{member_id}/pcp")).json()
        assert pcp["npi"] == other
    progress = (await attribution.get("/v1/reassignment-campaign")).json()
    assert progress["by_status"] == {"member_chose": 1, "reassigned": 1, "held": 1}
    held_pcp = (await attribution.get(f"/v1/members/{held}/pcp")).json()
    assert held_pcp["npi"] == removing  # nothing happens to a held removal before review

    assert (await attribution.post(f"/v1/panel-removals/{removals[held]}/release")).status_code == 200
    released = [e.payload for e in await attribution.events("attribution.panel-removal", 4)][-1]
    assert isinstance(released, PanelRemovalRequestedV1) and not released.held_for_compliance_review
    assert (await attribution.post(f"/v1/panel-removals/{removals[held]}/release")).status_code == 409
    await attribution.exactly_one_current_assignment_each()


async def test_bulk_files_report_rejected_rows_and_reloading_changes_nothing(attribution: Harness) -> None:
    providers_csv = ("npi,name,is_pcp,practice_npi,practice_name,lat,lon,languages,capacity,open_panel,networks\n"
                     f"{NPIS[0]},Dr A,true,{NPIS[0]},Clinic,41.6,-93.6,en;es,50,true,IA-TC\n"
                     f"1234567890,Dr Bad,true,{NPIS[0]},Clinic,41.6,-93.6,en,50,true,IA-TC\n")
    report = (await attribution.post("/v1/imports/providers", content=providers_csv.encode(),
                                     headers={"Content-Type": "text/csv"})).json()
    assert (report["read"], report["accepted"], report["rejected_count"]) == (2, 1, 1)
    assert report["rejected"][0]["row"] == 2
    assert report["rejected"][0]["errors"][0] == {"field": "npi",
                                                  "reason": "Value error, NPI check digit does not match"}

    table = pa.table({"medicaid_id": ["6789012F", "7890123G", "bad"], "name": ["A Member", "B Member", "C"],
                      "birth_date": ["1990-01-01", "1991-02-02", "1992-03-03"], "mco": ["IA-TC"] * 3,
                      "eligible_from": ["2026-01-01"] * 3, "lat": [41.6, 41.6, 41.6], "lon": [-93.6] * 3})
    parquet = io.BytesIO()
    pq.write_table(table, parquet)
    for _ in range(2):
        members = (await attribution.post("/v1/imports/members", content=parquet.getvalue())).json()
        assert (members["accepted"], members["rejected_count"]) == (2, 1)
        assert members["rejected"][0]["errors"][0]["field"] == "medicaid_id"
        assert "bad" not in str(members["rejected"])  # reasons, never values
    claims_csv = ("medicaid_id,npi,service_date,procedure_code,place_of_service\n"
                  f"6789012F,{NPIS[0]},2026-05-01,99214,11\n9999999Z,{NPIS[0]},2026-05-01,99214,11\n")
    for _ in range(2):
        claims = (await attribution.post("/v1/imports/claims", content=claims_csv.encode(),
                                         headers={"Content-Type": "text/csv"})).json()
        assert (claims["accepted"], claims["rejected_count"]) == (1, 1)
    async with attribution.runtime.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM claims")) == 1
        assert await conn.scalar(text("SELECT count(*) FROM members")) == 2
        assert await conn.scalar(text("SELECT count(*) FROM assignments")) == 0  # a file's members wait for a run
    # The run after the feed's claims are in: the member with a qualifying visit is attributed by it.
    assert (await attribution.post("/v1/attribution-runs")).json() == {"claims_history": 1, "geography": 1}
    (await attribution.post("/v1/imports/members", content=parquet.getvalue())).raise_for_status()
    assert (await attribution.post("/v1/attribution-runs")).json() == {}  # the reload left none due
    async with attribution.runtime.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM assignments")) == 2
    await attribution.exactly_one_current_assignment_each()
    unreadable = await attribution.post("/v1/imports/members", content=b"\xff\xfe\x00garbage")
    assert unreadable.status_code == 422 and unreadable.json()["code"] == "unreadable-file"
    assert (await attribution.http.post("/v1/imports/members", content=b"x")).status_code == 401


async def test_re_attributed_member_keeps_a_full_pcp_whose_place_it_holds(attribution: Harness) -> None:
    await attribution.post("/v1/providers", provider(NPIS[0], capacity=1))
    await attribution.post("/v1/providers", provider(NPIS[1], lat=DES_MOINES[0] + 0.1))
    member_id = (await attribution.post("/v1/members", member("8901234H"))).json()["member_id"]
    await attribution.post("/v1/members", member("8901234H", language="es"))  # a change the rules read
    pcp = (await attribution.get(f"/v1/members/{member_id}/pcp")).json()
    assert pcp["npi"] == NPIS[0]  # its own place on the full panel is not counted against it
    await attribution.exactly_one_current_assignment_each()


async def test_batch_run_in_chunks_respects_capacity_across_chunks(
    attribution: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "BATCH_CHUNK", 2)
    ids = [(await attribution.post("/v1/members", member(f"{n}000000K"))).json()["member_id"] for n in range(1, 6)]
    await attribution.post("/v1/providers", provider(NPIS[0], capacity=3))
    await attribution.post("/v1/providers", provider(NPIS[1], lat=DES_MOINES[0] + 0.1))
    tally = (await attribution.post("/v1/attribution-runs")).json()
    assert tally == {"geography": 5}
    npis = [(await attribution.get(f"/v1/members/{i}/pcp")).json()["npi"]
            for i in ids]
    assert sorted(npis) == sorted([NPIS[0]] * 3 + [NPIS[1]] * 2)
    await attribution.exactly_one_current_assignment_each()


async def test_attributing_more_members_than_statement_parameters_writes_each_once(attribution: Harness) -> None:
    many = 40_000  # asyncpg refuses a statement with more than 32,767 parameters: ids go as one array
    for npi in NPIS[:2]:
        assert (await attribution.post("/v1/providers", provider(npi, capacity=many // 2))).status_code == 200
    async with attribution.runtime.engine.begin() as conn:
        ids = [row[0] for row in (await conn.execute(text(
            "INSERT INTO members (member_id, medicaid_id, name, birth_date, lat, lon, mco, eligible_from, "
            "risk_flags) SELECT gen_random_uuid(), lpad(n::text, 7, '0') || 'B', 'Test Member', '1980-05-01', "
            ":lat, :lon, 'IA-TC', '2026-01-01', '{}' FROM generate_series(1, :many) n RETURNING member_id"),
            {"lat": DES_MOINES[0], "lon": DES_MOINES[1], "many": many})).all()]
    uses = Attribution(load_attribution_config(), attribution.runtime.outbox)
    async with attribution.runtime.unit_of_work() as work:
        tally = await uses.attribute(work.session, ids, as_of=date(2026, 11, 1))  # every id in each statement
        await work.commit()
    assert tally == {"geography": many}
    await attribution.exactly_one_current_assignment_each()
    async with attribution.runtime.engine.connect() as conn:
        published = await conn.scalar(text("SELECT count(*) FROM outbox WHERE topic LIKE '%pcp-assigned%'"))
    assert published == many  # one PcpAssignedV1 per assignment, in one multi-row outbox insert
