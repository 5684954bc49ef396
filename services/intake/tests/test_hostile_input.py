"""Input a fuzzer misses but a person or a broken client sends: control
characters, Unix times, instants outside any sane window, re-spaced JSON.
Each is answered 4xx naming the field, and nothing is stored."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from .conftest import Intake, member_inquiry, provider_inquiry


async def stored(intake: Intake) -> tuple[int, int]:
    async with intake.runtime.engine.connect() as conn:
        return (int(await conn.scalar(text("SELECT count(*) FROM inquiries")) or 0),
                int(await conn.scalar(text("SELECT count(*) FROM outbox")) or 0))


CASES = [
    ("/v1/inquiries/member", member_inquiry(member_name="Jane\u0000Testmember"), "member_name", "control"),
    ("/v1/inquiries/member", member_inquiry(caller_name="John\u001bTestcaller"), "caller_name", "control"),
    ("/v1/inquiries/member", member_inquiry(description="insulin\u0000refill"), "description", "control"),
    ("/v1/inquiries/provider", provider_inquiry(contact_name="Pat\u0000Testprovider"), "contact_name", "control"),
    ("/v1/inquiries/member", member_inquiry(received_at=0), "received_at", "ISO 8601"),
    ("/v1/inquiries/member", member_inquiry(received_at="0"), "received_at", "ISO 8601"),
    ("/v1/inquiries/member", member_inquiry(received_at="1764000000"), "received_at", "ISO 8601"),
    ("/v1/inquiries/member", member_inquiry(received_at="1900-01-01T00:00:00Z"), "received_at", "program's start"),
    ("/v1/inquiries/member", member_inquiry(received_at="1970-01-01T00:00:00Z"), "received_at", "program's start"),
]


@pytest.mark.parametrize(("path", "body", "field", "reason"), CASES, ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
async def test_hostile_field_is_422_naming_it_and_nothing_is_stored(
    intake: Intake, path: str, body: dict[str, Any], field: str, reason: str
) -> None:
    headers = await intake.person("maria")
    response = await intake.post(path, body, headers)
    assert response.status_code == 422, response.text[:300]
    assert response.headers["content-type"] == "application/problem+json"
    assert any(e["field"] == field and reason in e["reason"] for e in response.json()["errors"])
    for phi in ("Testmember", "Testcaller", "Testprovider", "insulin"):
        assert phi not in response.text
    assert await stored(intake) == (0, 0)


@pytest.mark.parametrize(("params", "field"), [
    ({"due_before": "9999-12-31T23:59:59-14:00"}, "due_before"),
    ({"due_before": "0001-01-01T00:00:00+14:00"}, "due_before"),
    ({"due_before": "1700000000"}, "due_before"),
    ({"mco": "IA\u0000TC"}, "mco"),
    ({"cursor": "W10="}, "cursor"),  # base64 of [], not a cursor this service made
])
async def test_extreme_or_hostile_query_is_422_for_any_reader(intake: Intake, params: dict[str, str],
                                                            field: str) -> None:
    for reader in ("pat", "tina"):  # a program manager; an MCO's staff (IA-TC)
        response = await intake.http.get("/v1/inquiries", params=params, headers=await intake.person(reader))
        assert response.status_code == 422, response.text[:300]
        assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize("end", ["9999-12-31", "0", "2026-02-30"])
async def test_export_range_outside_the_calendar_is_422(intake: Intake, end: str) -> None:
    response = await intake.http.get("/v1/inquiry-log/export", params={"start": "2026-11-01", "end": end},
                                     headers=await intake.person("pat"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "end"


async def test_the_same_json_spaced_and_ordered_otherwise_is_the_same_request(intake: Intake) -> None:
    headers = {**await intake.person("maria"), "Content-Type": "application/json", "Idempotency-Key": "respaced-0001"}
    body = member_inquiry()
    first = await intake.http.post("/v1/inquiries/member", content=json.dumps(body).encode(), headers=headers)
    reordered = dict(reversed(list(body.items())))
    again = await intake.http.post("/v1/inquiries/member", content=json.dumps(reordered, indent=4).encode(),
                                   headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json() == again.json()
    assert await stored(intake) == (1, 1)


async def test_a_body_over_the_limit_is_413_and_without_a_token_401(intake: Intake) -> None:
    big = json.dumps(member_inquiry(description="x" * (2 << 20))).encode()
    anonymous = await intake.http.post("/v1/inquiries/member", content=big,
                                       headers={"Content-Type": "application/json", "Idempotency-Key": "big-0001"})
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    signed_in = await intake.http.post("/v1/inquiries/member", content=big,
                                       headers={**await intake.person("maria"), "Content-Type": "application/json",
                                                "Idempotency-Key": "big-0002"})
    assert signed_in.status_code == 413
    assert await stored(intake) == (0, 0)


async def test_a_path_that_is_not_an_inquiry_id_is_not_found(intake: Intake) -> None:
    headers = await intake.person("maria")
    assert (await intake.http.get("/v1/inquiries/not-an-id", headers=headers)).status_code == 404
    wrong_method = await intake.http.get("/v1/inquiries/member", headers=headers)
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"
    assert (await intake.http.get(f"/v1/inquiries/{uuid.uuid4()}", headers=headers)).status_code == 404
