"""Every read of PHI at intake is on record: the inquiry, the list, its log and
the export each leave one audit record with the reader's subject and the ids
read; a read refused (404) leaves none; compliance reads the audit."""

from __future__ import annotations

import uuid

from liaison_intake.main import bootstrap
from liaison_intake.settings import Settings
from liaison_shared.audit import PHI_READ

from .conftest import Intake, grievance, member_inquiry

WALKED = {"GET /v1/inquiries/{inquiry_id}", "GET /v1/inquiries", "GET /v1/inquiries/{inquiry_id}/log",
          "GET /v1/inquiry-log/export", "GET /v1/inquiries/{inquiry_id}/record"}


def test_the_routes_marked_as_returning_phi_are_the_ones_walked_here() -> None:
    paths = bootstrap(Settings()).app().openapi()["paths"]  # builds the app; connects to nothing
    marked = {f"{method.upper()} {path}" for path, item in paths.items() for method, operation in item.items()
              if operation.items() >= PHI_READ.items()}
    assert marked == WALKED


async def test_each_phi_read_leaves_one_record_and_compliance_reads_them(intake: Intake) -> None:
    writer, maria, cora = await intake.system("call-center"), await intake.person("maria"), await intake.person("cora")
    inquiry_id = (await intake.post("/v1/inquiries/member", member_inquiry(), writer)).json()["inquiry_id"]
    grievance_id = (await intake.post("/v1/inquiries/grievances", grievance(), writer)).json()["inquiry_id"]
    day = "2026-11-20"  # the inquiry's received date (member_inquiry)
    reads = [
        (f"/v1/inquiries/{grievance_id}/record", {}, "GET /v1/inquiries/{inquiry_id}/record"),
        (f"/v1/inquiries/{inquiry_id}", {}, "GET /v1/inquiries/{inquiry_id}"),
        ("/v1/inquiries", {}, "GET /v1/inquiries"),
        (f"/v1/inquiries/{inquiry_id}/log", {}, "GET /v1/inquiries/{inquiry_id}/log"),
        ("/v1/inquiry-log/export", {"start": day, "end": day, "format": "csv"}, "GET /v1/inquiry-log/export"),
    ]
    for path, params, _ in reads:
        assert (await intake.http.get(path, params=params, headers=maria)).status_code == 200
    assert (await intake.http.get(f"/v1/inquiries/{uuid.uuid4()}", headers=maria)).status_code == 404

    audit = (await intake.http.get("/v1/access-audit", headers=cora)).json()
    assert [r["operation"] for r in reversed(audit)] == [operation for *_, operation in reads]
    assert {operation for *_, operation in reads} == WALKED
    assert all((inquiry_id in r["resource_ids"] or r["resource_ids"] == [grievance_id])
               and r["roles"] == ["member-liaison"] for r in audit)
    assert [r["resource_ids"] for r in audit if r["operation"].endswith("/record")] == [[grievance_id]]
    assert len({r["subject"] for r in audit}) == 1 and all(r["records"] >= 1 for r in audit)
    assert (await intake.http.get("/v1/access-audit", headers=maria)).status_code == 403
