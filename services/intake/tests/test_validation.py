"""Bad input gets a 422 naming the field and the reason, shows no PHI, and
stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from .conftest import Intake, member_inquiry, provider_inquiry

CASES = [
    ("/v1/inquiries/provider", provider_inquiry(npi="1245319598"), "npi", "check digit"),
    ("/v1/inquiries/provider", provider_inquiry(npi=None, provider_number=None), "body", "npi or provider_number"),
    ("/v1/inquiries/member", member_inquiry(callback_phone="555-0134"), "callback_phone", "10-digit"),
    ("/v1/inquiries/member", member_inquiry(medicaid_id="12345678"), "medicaid_id", "7 digits followed by"),
    ("/v1/inquiries/member", member_inquiry(category="parking"), "category", "Input should be"),
    ("/v1/inquiries/member", member_inquiry(source="a_friend"), "source", "Input should be"),
    ("/v1/inquiries/member", member_inquiry(description="x" * 4001), "description", "at most 4000"),
    ("/v1/inquiries/member", member_inquiry(received_at="2999-01-01T00:00:00Z"), "received_at", "future"),
    ("/v1/inquiries/member", member_inquiry(received_at="2026-11-20T14:05:00"), "received_at", "with an offset"),
    ("/v1/inquiries/member", member_inquiry(member_name=None), "member_name", "Field required"),
    ("/v1/inquiries/member", member_inquiry(favourite_colour="blue"), "favourite_colour", "Extra inputs"),
]


@pytest.mark.parametrize(("path", "body", "field", "reason"), CASES,
                         ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
async def test_invalid_field_is_named_with_its_reason_and_nothing_is_stored(
    intake: Intake, path: str, body: dict[str, Any], field: str, reason: str
) -> None:
    headers = await intake.person("maria")
    response = await intake.post(path, body, headers)
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["code"] == "validation"
    assert any(e["field"] == field and reason in e["reason"] for e in problem["errors"]), problem["errors"]
    for phi in ("Jane Testmember", "John Testcaller", "Pat Testprovider", "555-0134", "1234567A", "insulin"):
        assert phi not in response.text
    async with intake.runtime.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM inquiries")) == 0
        assert await conn.scalar(text("SELECT count(*) FROM outbox")) == 0


async def test_post_without_idempotency_key_is_refused(intake: Intake) -> None:
    headers = await intake.person("maria")
    response = await intake.http.post("/v1/inquiries/member", json=member_inquiry(), headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
