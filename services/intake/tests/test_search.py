"""Finding a case for the console: by the member's Medicaid ID, the provider's NPI,
or part of a name. A search is a read of the list, on record like any other, and
finds only what its reader may see; bad terms are 422 naming the field, never
echoing it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from .conftest import Intake, member_inquiry, provider_inquiry, subject


async def opened(intake: Intake, path: str, body: dict[str, Any]) -> str:
    created = await intake.post(path, body, await intake.system("call-center"))
    assert created.status_code == 202, created.text
    return str(created.json()["inquiry_id"])


async def found(intake: Intake, reader: dict[str, str], **params: str) -> list[str]:
    answer = await intake.http.get("/v1/inquiries", params=params, headers=reader)
    assert answer.status_code == 200, answer.text
    return sorted(i["id"] for i in answer.json()["items"])


async def test_search_by_medicaid_id_npi_or_part_of_a_name_and_each_is_on_record(intake: Intake) -> None:
    jane = await opened(intake, "/v1/inquiries/member", member_inquiry())  # Jane Testmember, caller John Testcaller
    other = await opened(intake, "/v1/inquiries/member", member_inquiry(
        member_name="Ann Other", medicaid_id="7654321B", caller_name="Ann Other"))
    clinic = await opened(intake, "/v1/inquiries/provider", provider_inquiry())  # NPI 1245319599, Pat Testprovider
    await opened(intake, "/v1/inquiries/provider", provider_inquiry(npi="1003000126", contact_name="Quinn Office"))
    una, cora = await intake.person("una"), await intake.person("cora")

    searches = [
        ({"medicaid_id": "1234567A"}, [jane]),
        ({"medicaid_id": " 7654321b "}, [other]),  # as the field takes it: stripped, the letter upper-cased
        ({"npi": "1245319599"}, [clinic]),
        ({"name": "testmem"}, [jane]),  # the member's name, any case
        ({"name": "TESTCALLER"}, [jane]),  # the caller's
        ({"name": "provider"}, [clinic]),  # the provider contact's
        ({"name": "ann"}, [other]),
        ({"name": "testmem", "medicaid_id": "7654321B"}, []),  # every term must hold
        ({"name": "test", "category": "pharmacy"}, [jane]),  # with the other filters
        ({"medicaid_id": "9999999Z"}, []),
    ]
    for params, expected in searches:
        assert await found(intake, una, **params) == sorted(expected), params

    audit = (await intake.http.get("/v1/access-audit", params={"subject": subject(una)}, headers=cora)).json()
    assert [(r["operation"], sorted(r["resource_ids"])) for r in reversed(audit)] == \
        [("GET /v1/inquiries", sorted(expected)) for _, expected in searches]
    on_record = str(audit)
    assert all(term not in on_record for term in ("1234567A", "1245319599", "testmem", "TESTCALLER"))


async def test_a_search_finds_only_what_its_reader_may_see(intake: Intake) -> None:
    member = await opened(intake, "/v1/inquiries/member", member_inquiry(caller_name="Pat Testcaller"))
    provider = await opened(intake, "/v1/inquiries/provider", provider_inquiry())  # Pat Testprovider
    maria, paul, tina = await intake.person("maria"), await intake.person("paul"), await intake.person("tina")
    assert await found(intake, maria, name="pat test") == [member]
    assert await found(intake, paul, name="pat test") == [provider]
    assert await found(intake, maria, npi="1245319599") == []
    assert await found(intake, tina, name="pat test") == []  # an MCO's: nothing was referred to it
    assert (await intake.post(f"/v1/inquiries/{member}/mco-referrals", {}, maria)).status_code == 202
    assert await found(intake, tina, name="pat test") == [member]


async def test_wildcards_in_a_name_are_the_characters_themselves(intake: Intake) -> None:
    underscore = await opened(intake, "/v1/inquiries/member", member_inquiry(member_name="Al_Bundy Example"))
    percent = await opened(intake, "/v1/inquiries/member", member_inquiry(member_name="Al%Bundy Example"))
    backslash = await opened(intake, "/v1/inquiries/member", member_inquiry(member_name="Al\\Bundy Example"))
    await opened(intake, "/v1/inquiries/member", member_inquiry(member_name="AlxBundy Example"))
    una = await intake.person("una")
    assert await found(intake, una, name="l_b") == [underscore]
    assert await found(intake, una, name="l%b") == [percent]
    assert await found(intake, una, name="l\\b") == [backslash]
    assert len(await found(intake, una, name="bundy example")) == 4


@pytest.mark.parametrize(("params", "field", "secret"), [
    ({"medicaid_id": "12345678"}, "medicaid_id", "12345678"),
    ({"medicaid_id": "Jane Testmember"}, "medicaid_id", "Testmember"),
    ({"npi": "1245319598"}, "npi", "1245319598"),  # the check digit is wrong
    ({"npi": "12453"}, "npi", "12453"),
    ({"name": " J "}, "name", None),  # one character once stripped
    ({"name": "Testmember" * 11}, "name", "Testmember"),
    ({"name": "Jane\u0000Testmember"}, "name", "Testmember"),
])
async def test_a_bad_search_term_is_422_naming_the_field_and_not_on_record(
    intake: Intake, params: dict[str, str], field: str, secret: str | None
) -> None:
    reader = await intake.person("una")
    response = await intake.http.get("/v1/inquiries", params=params, headers=reader)
    assert response.status_code == 422, response.text[:300]
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert secret is None or secret not in response.text
    async with intake.runtime.engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM access_audit")) == 0
