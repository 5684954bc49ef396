"""Bulk export of an attribution list (`$davinci-data-export`, FHIR Bulk Data's asynchronous pattern) on
the real PostgreSQL and Kafka: kick-off, status while running and when done, NDJSON files whose every line
is a valid FHIR R4 resource, downloads on the access audit, cancellation, who reaches a job, and every
refusal an OperationOutcome naming the parameter.

"While running" is held, not raced: the test locks the export files' table (plain reads still pass), so
the worker, having claimed the job, waits to write its files until the test lets go."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fhir.resources.R4B import get_fhir_model_class
from sqlalchemy import text

from liaison_attribution.fhir_parameters import MEDICAID_ID_SYSTEM
from liaison_shared.testing.identity import Tokens
from liaison_shared.testing.waiting import wait_until

from .conftest import Harness, member
from .test_access import ROSTER
from .test_fhir_api import HOME, HOME_GROUP, OTHER, audit, outcome, two_practices

ASYNC = {"Prefer": "respond-async"}
EXPORT = f"/fhir/Group/{HOME_GROUP}/$davinci-data-export"


async def kick_off(attribution: Harness, by: dict[str, str] | None = None, **params: str) -> str:
    """Start an export; the path of its status URL."""
    started = await attribution.get(EXPORT, by=by, params=params, headers=ASYNC)
    assert started.status_code == 202, started.text
    location = started.headers["content-location"]
    assert location.startswith("http://attribution/fhir/bulk-export/")
    return location.removeprefix("http://attribution")


async def completed(attribution: Harness, status: str, by: dict[str, str] | None = None) -> dict[str, Any]:
    """The manifest, once the export is done (polled, never slept on)."""
    async def done() -> httpx.Response | None:
        polled = await attribution.get(status, by=by)
        return polled if polled.status_code == 200 else None
    manifest: dict[str, Any] = (await wait_until(done, what="the export to complete")).json()
    return manifest


def resources(ndjson: str) -> list[dict[str, Any]]:
    """Each line of an NDJSON file, validated as the FHIR R4 resource it says it is."""
    lines = ndjson.splitlines()
    assert ndjson.endswith("\n") and all(lines)
    found = [json.loads(line) for line in lines]
    for resource in found:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return found


async def test_an_export_runs_then_its_manifest_lists_ndjson_files_of_valid_resources(attribution: Harness,
                                                                                     tokens: Tokens) -> None:
    await two_practices(attribution)
    listed = (await attribution.post("/v1/members", member("1111111A", address="1 Main St"))).json()["member_id"]
    await attribution.post("/v1/members", member("2222222B", lat=41.6868))  # nearer OTHER: not on HOME's list

    async with attribution.runtime.engine.connect() as holding:
        await holding.execute(text("LOCK TABLE export_files IN EXCLUSIVE MODE"))
        status = await kick_off(attribution)
        running = await attribution.get(status)
        assert (running.status_code, running.headers["x-progress"]) == (202, "in progress")
        await holding.rollback()
    manifest = await completed(attribution, status)

    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert manifest["request"] == f"http://attribution{EXPORT}" and manifest["transactionTime"].endswith("Z")
    assert [(o["type"], o["count"]) for o in manifest["output"]] == [
        ("Group", 1), ("Patient", 1), ("Coverage", 1), ("Practitioner", 1), ("Organization", 2)]
    files: dict[str, list[dict[str, Any]]] = {}
    for output in manifest["output"]:
        downloaded = await attribution.get(output["url"].removeprefix("http://attribution"))
        assert downloaded.status_code == 200
        assert downloaded.headers["content-type"].startswith("application/fhir+ndjson")
        files[output["type"]] = resources(downloaded.text)
    [group], [patient], [coverage] = files["Group"], files["Patient"], files["Coverage"]
    assert group["id"] == HOME_GROUP and [m["entity"]["reference"] for m in group["member"]] == [f"Patient/{listed}"]
    assert patient["id"] == listed and {"system": MEDICAID_ID_SYSTEM, "value": "1111111A"} in patient["identifier"]
    assert patient["address"] == [{"text": "1 Main St"}]
    assert (coverage["id"], coverage["beneficiary"], coverage["status"]) == \
        (f"{listed}-IA-TC", {"reference": f"Patient/{listed}"}, "active")
    assert [p["id"] for p in files["Practitioner"]] == [HOME]
    assert sorted(o["id"] for o in files["Organization"]) == sorted([HOME, "IA-TC"])

    downloads = [(r["operation"], r["resource_ids"]) for r in await audit(attribution, tokens)]
    assert downloads == [("GET /fhir/bulk-export/{job_id}/output/{resource_type}", ids) for ids in
                         ([listed], [listed], [listed], [HOME], [HOME, "IA-TC"])]


async def test_type_selects_the_files_and_only_the_requester_reaches_the_job(attribution: Harness,
                                                                            tokens: Tokens) -> None:
    await two_practices(attribution)
    await attribution.post("/v1/members", member("1111111A"))
    status = await kick_off(attribution, _type="Patient,Group", _outputFormat="application/fhir+ndjson",
                            exportType="hl7.fhir.us.davinci-atr")
    manifest = await completed(attribution, status)
    assert [o["type"] for o in manifest["output"]] == ["Group", "Patient"]
    patient_file = manifest["output"][1]["url"].removeprefix("http://attribution")

    roster = await tokens.headers(system=ROSTER)  # another subject, with attribution:read
    for path in (status, patient_file):
        assert outcome(await attribution.get(path, by=roster), 404)
    assert outcome(await attribution.get(f"{status}/output/Coverage"), 404) == ["id: no export file with this id"]
    assert (await attribution.http.get(patient_file)).status_code == 401  # the access token is required
    assert [r["client"] for r in await audit(attribution, tokens)] == []  # refused reads are not on record


async def test_cancelling_deletes_the_job_and_its_files(attribution: Harness) -> None:
    await two_practices(attribution)
    await attribution.post("/v1/members", member("1111111A"))
    status = await kick_off(attribution, _type="Patient")
    file = (await completed(attribution, status))["output"][0]["url"].removeprefix("http://attribution")
    cancelled = await attribution.http.delete(status, headers=attribution.reader)
    assert cancelled.status_code == 202
    assert outcome(await attribution.get(status), 404) == ["id: no export job with this id"]
    assert outcome(await attribution.get(file), 404)
    async with attribution.runtime.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM export_files")) == 0


async def test_an_mco_principal_exports_only_its_own_mcos_groups(attribution: Harness, tokens: Tokens) -> None:
    await two_practices(attribution, networks=("IA-TC", "IA-AG"))
    own = (await attribution.post("/v1/members", member("1111111A"))).json()["member_id"]
    roster = await tokens.headers(system=ROSTER)
    refused = await attribution.get(f"/fhir/Group/IA-AG-{HOME}/$davinci-data-export", by=roster, headers=ASYNC)
    assert outcome(refused, 404) == ["id: no Group with this id"]
    manifest = await completed(attribution, await kick_off(attribution, by=roster, _type="Patient"), by=roster)
    patients = await attribution.get(manifest["output"][0]["url"].removeprefix("http://attribution"), by=roster)
    assert [p["id"] for p in resources(patients.text)] == [own]


@pytest.mark.parametrize(("params", "headers", "named"), [
    ({}, {}, "Prefer: must be respond-async"),
    ({}, {"Prefer": "respond-asynchronously"}, "Prefer: must be respond-async"),
    ({"_type": "Patient,Observation"}, ASYNC, "_type: each type must be one of"),
    ({"_since": "2026-01-01T00:00:00Z"}, ASYNC, "_since: is not supported"),
    ({"_outputFormat": "text/csv"}, ASYNC, "_outputFormat: must be application/fhir+ndjson"),
    ({"exportType": "hl7.fhir.us.davinci-pdex"}, ASYNC, "exportType: must be hl7.fhir.us.davinci-atr"),
])
async def test_a_bad_kick_off_is_a_400_naming_the_parameter_and_starts_nothing(
        attribution: Harness, params: dict[str, str], headers: dict[str, str], named: str) -> None:
    await two_practices(attribution)
    [diagnostics] = outcome(await attribution.get(EXPORT, params=params, headers=headers), 400)
    assert diagnostics.startswith(named)
    async with attribution.runtime.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM export_jobs")) == 0


async def test_an_unknown_group_or_job_is_a_404_and_a_job_id_must_be_a_uuid(attribution: Harness) -> None:
    await two_practices(attribution)
    assert outcome(await attribution.get(f"/fhir/Group/IA-TC-{OTHER}0/$davinci-data-export", headers=ASYNC),
                   404) == ["id: no Group with this id"]
    assert outcome(await attribution.get("/fhir/bulk-export/6f1c0d7e-0000-4000-8000-000000000001"), 404)
    [diagnostics] = outcome(await attribution.get("/fhir/bulk-export/not-a-job"), 400)
    assert diagnostics.startswith("job_id:")


async def test_a_job_left_running_by_a_stopped_process_is_written_by_the_next(attribution: Harness) -> None:
    """A job stored, and never written, before this process started (as a crash leaves one: its files,
    written in the transaction that completes it, rolled back) is found by the worker's poll and written."""
    await two_practices(attribution)
    await attribution.post("/v1/members", member("1111111A"))
    async with attribution.runtime.engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO export_jobs (job_id, group_id, types, request_url, requested_by, status) VALUES "
            "(gen_random_uuid(), :group, ARRAY['Patient'], 'http://attribution/left', 'someone', 'running')"),
            {"group": HOME_GROUP})

    async def written() -> list[Any]:
        async with attribution.runtime.engine.connect() as conn:
            return list((await conn.execute(text(
                "SELECT j.status, f.resource_type, f.count FROM export_jobs j JOIN export_files f USING (job_id)"
            ))).all())
    assert [tuple(row) for row in await wait_until(written, what="the left job to be written")] == \
        [("completed", "Patient", 1)]
