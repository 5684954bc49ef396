"""Creating inquiries and reading them back, on the real database and broker."""

from __future__ import annotations

from liaison_shared.payloads import InquiryReceivedV1

from .conftest import Intake, member_inquiry, provider_inquiry


async def test_member_inquiry_is_accepted_stored_logged_and_published(intake: Intake) -> None:
    headers = await intake.person("maria")
    response = await intake.post("/v1/inquiries/member", member_inquiry(), headers)
    assert response.status_code == 202
    inquiry_id = response.json()["inquiry_id"]
    assert response.json()["status"] == "received"

    read = (await intake.http.get(f"/v1/inquiries/{inquiry_id}", headers=headers)).json()
    assert read["party"] == "member" and read["status"] == "received" and read["mco"] == "IA-TC"
    assert read["identity"]["member"] == {"name": "Jane Testmember", "medicaid_id": "1234567A"}
    assert read["identity"]["callback_phone"] == "+15155550134"
    assert read["received_at"].startswith("2026-11-20T20:05:00")

    [event] = await intake.events("inquiry.received", 1)
    assert isinstance(event.payload, InquiryReceivedV1)
    assert str(event.payload.inquiry_id) == inquiry_id
    assert event.payload.requested_priority == "urgent"
    assert str(event.id) == response.json()["event_ids"][0]

    log = (await intake.http.get(f"/v1/inquiries/{inquiry_id}/log", headers=headers)).json()
    assert [e["event_type"] for e in log["entries"]] == ["liaison.inquiry.received.v1"]


async def test_provider_inquiry_and_ime_callback_request_are_accepted(intake: Intake) -> None:
    headers = await intake.person("maria")
    provider = await intake.post("/v1/inquiries/provider", provider_inquiry(), headers)
    assert provider.status_code == 202
    ime = await intake.post("/v1/inquiries/ime-callback-requests", member_inquiry(
        source=None, mco=None, requested_priority=None), headers)
    assert ime.status_code == 202

    events = {str(e.payload.inquiry_id): e.payload for e in await intake.events("inquiry.received", 2)}
    provider_event = events[provider.json()["inquiry_id"]]
    assert isinstance(provider_event, InquiryReceivedV1)
    assert provider_event.party == "provider" and provider_event.provider is not None
    assert provider_event.provider.npi == "1245319599"
    ime_event = events[ime.json()["inquiry_id"]]
    assert isinstance(ime_event, InquiryReceivedV1)
    assert ime_event.ime_callback_request and ime_event.source == "ime_call_center_csr"


async def test_list_filters_and_paginates_newest_first(intake: Intake) -> None:
    headers = await intake.person("una")  # a unit lead works both parties' cases
    ids = []
    for day in range(10, 15):
        response = await intake.post("/v1/inquiries/member", member_inquiry(
            received_at=f"2026-11-{day}T09:00:00-06:00"), headers)
        ids.append(response.json()["inquiry_id"])
    await intake.post("/v1/inquiries/provider", provider_inquiry(), headers)

    first = (await intake.http.get("/v1/inquiries", params={"source": "managed_care_ombudsman", "limit": 3},
                                   headers=headers)).json()
    assert [i["id"] for i in first["items"]] == ids[::-1][:3]
    second = (await intake.http.get("/v1/inquiries", params={"source": "managed_care_ombudsman", "limit": 3,
                                                              "cursor": first["next_cursor"]}, headers=headers)).json()
    assert [i["id"] for i in second["items"]] == ids[::-1][3:]
    assert second["next_cursor"] is None
    providers = (await intake.http.get("/v1/inquiries", params={"category": "claims_billing"},
                                       headers=headers)).json()
    assert [i["party"] for i in providers["items"]] == ["provider"]
    bad = await intake.http.get("/v1/inquiries", params={"cursor": "nonsense"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def test_unknown_inquiry_is_not_found(intake: Intake) -> None:
    headers = await intake.person("maria")
    response = await intake.http.get("/v1/inquiries/5f0c0a43-2c1e-4c3a-9a1e-2f0d0c1b2a39", headers=headers)
    assert response.status_code == 404
    assert response.json()["code"] == "inquiry-not-found"
    assert response.headers["content-type"] == "application/problem+json"
