"""Every endpoint needs a key with the right scope; an MCO's key sees and
acts on only the inquiries referred to that MCO; no PHI reaches the logs."""

from __future__ import annotations

import io
import logging

from liaison_shared.logging import configure_logging

from .conftest import Intake, member_inquiry


async def test_requests_without_a_valid_key_are_unauthenticated(intake: Intake) -> None:
    for headers in ({}, {"X-API-Key": "lia_nope"}, {"Authorization": "Bearer lia_" + "0" * 32 + "_" + "x" * 43}):
        response = await intake.http.get("/v1/inquiries", headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"
    bad_secret = (await intake.key())["X-API-Key"][:-4] + "AAAA"
    assert (await intake.http.get("/v1/inquiries", headers={"X-API-Key": bad_secret})).status_code == 401


async def test_bearer_token_works_like_an_api_key(intake: Intake) -> None:
    key = (await intake.key("inquiry:read"))["X-API-Key"]
    assert (await intake.http.get("/v1/inquiries", headers={"Authorization": f"Bearer {key}"})).status_code == 200


async def test_key_without_the_scope_is_forbidden(intake: Intake) -> None:
    reader = await intake.key("inquiry:read")
    response = await intake.post("/v1/inquiries/member", member_inquiry(), reader)
    assert response.status_code == 403
    assert response.json()["required_scope"] == "intake:write"
    writer = await intake.key("intake:write")
    assert (await intake.http.get("/v1/inquiries", headers=writer)).status_code == 403


async def test_keys_are_stored_hashed(intake: Intake) -> None:
    key = (await intake.key("inquiry:read"))["X-API-Key"]
    async with intake.runtime.engine.connect() as conn:
        stored = [bytes(r[0]) for r in await conn.exec_driver_sql("SELECT key_hash FROM api_clients")]
    secret = key.rsplit("_", 1)[1]
    assert all(secret.encode() not in h and len(h) == 32 for h in stored)


async def test_mco_sees_and_acts_only_on_inquiries_referred_to_it(intake: Intake) -> None:
    state = await intake.key()
    tc = await intake.key("inquiry:read", "inquiry:act", "mco:IA-TC")
    ag = await intake.key("inquiry:read", "inquiry:act", "mco:IA-AG")
    referred = (await intake.post("/v1/inquiries/member", member_inquiry(), state)).json()["inquiry_id"]
    unreferred = (await intake.post("/v1/inquiries/member", member_inquiry(), state)).json()["inquiry_id"]
    await intake.post(f"/v1/inquiries/{referred}/mco-referrals", {}, state)

    listed = (await intake.http.get("/v1/inquiries", headers=tc)).json()["items"]
    assert [i["id"] for i in listed] == [referred]
    assert (await intake.http.get("/v1/inquiries", headers=ag)).json()["items"] == []
    assert (await intake.http.get(f"/v1/inquiries/{referred}", headers=tc)).status_code == 200
    assert (await intake.http.get(f"/v1/inquiries/{referred}", headers=ag)).status_code == 404
    assert (await intake.http.get(f"/v1/inquiries/{unreferred}", headers=tc)).status_code == 404
    assert (await intake.http.get(f"/v1/inquiries/{referred}/log", headers=ag)).status_code == 404

    report = {"mco": "IA-TC", "report": "member_contacted"}
    assert (await intake.post(f"/v1/inquiries/{referred}/mco-reports", report, ag)).status_code == 403
    assert (await intake.post(f"/v1/inquiries/{referred}/mco-reports", report, tc)).status_code == 202
    assert (await intake.post(f"/v1/inquiries/{unreferred}/updates", {"note": "hi"}, tc)).status_code == 404
    for action, body in [("resolution", {"resolved_by": "state", "resolution_code": "answered"}),
                         ("mco-referrals", {"mco": "IA-TC"}), ("reopen", {"reason": "x"})]:
        assert (await intake.post(f"/v1/inquiries/{referred}/{action}", body, tc)).status_code == 403
    assert (await intake.post("/v1/inquiries/member", member_inquiry(),
                              await intake.key("intake:write", "mco:IA-TC"))).status_code == 403
    export = await intake.http.get("/v1/inquiry-log/export", params={"start": "2026-01-01", "end": "2030-12-31",
                                                                     "format": "csv"}, headers=ag)
    assert export.status_code == 200 and referred not in export.text


async def test_no_phi_reaches_the_logs(intake: Intake) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    before, previous = list(root.handlers), root.level
    configure_logging("intake", "DEBUG", stream=stream)  # as the service does, but at DEBUG
    try:
        headers = await intake.key()
        created = await intake.post("/v1/inquiries/member", member_inquiry(), headers)
        await intake.post("/v1/inquiries/member", member_inquiry(callback_phone="12"), headers)
        inquiry_id = created.json()["inquiry_id"]
        await intake.post(f"/v1/inquiries/{inquiry_id}/updates", {"note": "Spoke with Jane Testmember"}, headers)
        await intake.events("inquiry.received", 1)
    finally:
        for handler in set(root.handlers) - set(before):
            root.removeHandler(handler)
        root.setLevel(previous)
    output = stream.getvalue()
    assert '"service": "intake"' in output  # something was logged at all
    for phi in ("Jane Testmember", "John Testcaller", "1234567A", "515-555-0134", "+15155550134", "insulin"):
        assert phi not in output
