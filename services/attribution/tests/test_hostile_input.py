"""Attribution refuses hostile input with a 4xx naming the field and stores
nothing: control characters in records (JSON or files), Unix times for
as-of dates, extreme dates."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from .conftest import NPIS, Harness, member, provider


async def count(attribution: Harness, table: str) -> int:
    async with attribution.runtime.engine.connect() as conn:
        return int(await conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/v1/members", member("1234567A", name="Test\u0000Member"), "name"),
    ("/v1/members", member("1234567A", address="1 Main\u0000St"), "address"),
    ("/v1/members", member("1234567A", birth_date=0), "birth_date"),
    ("/v1/members", member("1234567A", birth_date="315532800"), "birth_date"),
    ("/v1/providers", provider(NPIS[0], name="Dr\u0000Who"), "name"),
    ("/v1/providers", provider(NPIS[0], practice_name="Clinic\u0007"), "practice_name"),
    ("/v1/providers", provider(NPIS[0], capacity=False), "capacity"),
    ("/v1/providers", provider(NPIS[0], networks="IA-TC"), "networks"),
])
async def test_hostile_record_is_422_naming_the_field(attribution: Harness, path: str, body: dict[str, Any],
                                                      field: str) -> None:
    response = await attribution.post(path, body)
    assert response.status_code == 422, response.text[:300]
    assert field in [e["field"] for e in response.json()["errors"]]
    assert "Member" not in response.text and "Main" not in response.text
    assert await count(attribution, "members") == 0
    assert await count(attribution, "providers") == 0


@pytest.mark.parametrize("path", ["/v1/attribution-runs", "/v1/reassignment-campaign/runs"])
@pytest.mark.parametrize("as_of", ["0", "1764547200", "9999-12-31", "2026-13-01"])
async def test_as_of_must_be_an_iso_date_in_the_calendar(attribution: Harness, path: str, as_of: str) -> None:
    response = await attribution.post(path, params={"as_of": as_of})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "as_of"


async def test_a_file_row_with_a_control_character_is_rejected_and_the_rest_load(attribution: Harness) -> None:
    csv = (b"medicaid_id,name,birth_date,mco,eligible_from\n"
           b"6789012F,A Member,1990-01-01,IA-TC,2026-01-01\n"
           b"7890123G,B\x00Member,1991-02-02,IA-TC,2026-01-01\n")
    report = (await attribution.post("/v1/imports/members", content=csv,
                                     headers={"Content-Type": "text/csv"})).json()
    assert (report["read"], report["accepted"], report["rejected_count"]) == (2, 1, 1)
    assert report["rejected"][0]["errors"] == [{"field": "name", "reason": "Value error, must not contain "
                                                "control characters"}]
    assert await count(attribution, "members") == 1


@pytest.mark.parametrize(("content", "reason"), [
    (b"{}", "missing columns"),
    (b"\xff\xfe\x00a", "UTF-8"),
])
async def test_an_unreadable_file_is_422_and_loads_nothing(attribution: Harness, content: bytes,
                                                          reason: str) -> None:
    response = await attribution.post("/v1/imports/members", content=content,
                                      headers={"Content-Type": "text/csv"})
    assert response.status_code == 422
    assert reason in response.json()["detail"]
    assert await count(attribution, "members") == 0


async def test_practice_list_needs_a_real_npi_and_mco_code(attribution: Harness) -> None:
    bad_npi = await attribution.get("/v1/practices/%00/attribution-list", params={"mco": "IA-TC"})
    assert bad_npi.status_code == 422
    bad_mco = await attribution.get(f"/v1/practices/{NPIS[0]}/attribution-list", params={"mco": "ia tc"})
    assert bad_mco.status_code == 422 and bad_mco.json()["errors"][0]["field"] == "mco"
