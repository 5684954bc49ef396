"""Every endpoint needs a valid access token whose scopes allow the route; an
MCO's person or system sees and acts on only the inquiries referred to that
MCO, a one-party liaison only that party's; no PHI reaches the logs."""

from __future__ import annotations

import base64
import io
import json
import logging
import uuid

from sqlalchemy import text

from liaison_shared.logging import configure_logging

from .conftest import Intake, member_inquiry, provider_inquiry


def forged(headers: dict[str, str], **claims: object) -> dict[str, str]:
    """The same token with some claims changed and its signature kept: what a forger can make."""
    header, payload, signature = headers["Authorization"].removeprefix("Bearer ").split(".")
    decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    changed = base64.urlsafe_b64encode(json.dumps({**decoded, **claims}).encode()).rstrip(b"=").decode()
    return {"Authorization": f"Bearer {header}.{changed}.{signature}"}


def tampered(headers: dict[str, str]) -> dict[str, str]:
    """The same token with its signature altered."""
    token = headers["Authorization"].removeprefix("Bearer ")
    return {"Authorization": f"Bearer {token[:-4]}{'AAAA' if token[-4:] != 'AAAA' else 'BBBB'}"}


async def test_requests_without_a_valid_token_are_unauthenticated(intake: Intake) -> None:
    pat = await intake.person("pat")
    retired_key = "lia_" + "0" * 32 + "_" + "x" * 43  # the form intake's API keys had
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"X-API-Key": retired_key},
                    {"Authorization": f"Bearer {retired_key}"}, tampered(pat),
                    forged(pat, scope="intake:write", realm_access={"roles": ["member-liaison"]})):
        response = await intake.http.get("/v1/inquiries", headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["code"] == "unauthenticated"
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert (await intake.http.get("/v1/inquiries", headers=pat)).status_code == 200


async def test_a_token_without_the_scope_is_forbidden(intake: Intake) -> None:
    manager = await intake.person("pat")  # program manager: inquiry:read only
    response = await intake.post("/v1/inquiries/member", member_inquiry(), manager)
    assert response.status_code == 403
    assert response.json()["required_scope"] == "intake:write"
    inquiry_id = (await intake.post("/v1/inquiries/member", member_inquiry(),
                                    await intake.system("call-center"))).json()["inquiry_id"]
    assert (await intake.http.get(f"/v1/inquiries/{inquiry_id}", headers=manager)).status_code == 200
    update = await intake.post(f"/v1/inquiries/{inquiry_id}/updates", {"note": "hello"}, manager)
    assert (update.status_code, update.json()["required_scope"]) == (403, "inquiry:act")

    call_center = await intake.system("call-center")  # intake:write only
    ops = await intake.person("otto")  # clocks:read only
    for caller in (call_center, ops):
        refused = await intake.http.get("/v1/inquiries", headers=caller)
        assert (refused.status_code, refused.json()["required_scope"]) == (403, "inquiry:read")
        assert (await intake.http.get(f"/v1/inquiries/{inquiry_id}/log", headers=caller)).status_code == 403


async def test_an_inquiry_is_created_by_the_person_or_system_the_token_names(intake: Intake) -> None:
    by_system = await intake.post("/v1/inquiries/member", member_inquiry(), await intake.system("call-center"))
    by_person = await intake.post("/v1/inquiries/member", member_inquiry(), await intake.person("maria"))
    async with intake.runtime.engine.connect() as conn:
        created_by = dict((await conn.execute(text("SELECT id::text, created_by FROM inquiries"))).all())
    assert created_by == {by_system.json()["inquiry_id"]: "call-center", by_person.json()["inquiry_id"]: "Maria Lopez"}


async def test_mco_sees_and_acts_only_on_inquiries_referred_to_it(intake: Intake) -> None:
    state = await intake.person("maria")
    tc_person, tc_system = await intake.person("tina"), await intake.system("mco-ia-tc")
    ag_person, ag_system = await intake.person("adam"), await intake.system("mco-ia-ag")
    call_center = await intake.system("call-center")
    referred = (await intake.post("/v1/inquiries/member", member_inquiry(), call_center)).json()["inquiry_id"]
    unreferred = (await intake.post("/v1/inquiries/member", member_inquiry(), call_center)).json()["inquiry_id"]
    assert (await intake.post(f"/v1/inquiries/{referred}/mco-referrals", {}, state)).status_code == 202

    for tc in (tc_person, tc_system):
        listed = (await intake.http.get("/v1/inquiries", headers=tc)).json()["items"]
        assert [i["id"] for i in listed] == [referred]
        assert (await intake.http.get(f"/v1/inquiries/{referred}", headers=tc)).status_code == 200
        assert (await intake.http.get(f"/v1/inquiries/{unreferred}", headers=tc)).status_code == 404
        assert (await intake.http.get(f"/v1/inquiries/{unreferred}/log", headers=tc)).status_code == 404
    for ag in (ag_person, ag_system):
        assert (await intake.http.get("/v1/inquiries", headers=ag)).json()["items"] == []
        assert (await intake.http.get(f"/v1/inquiries/{referred}", headers=ag)).status_code == 404
        assert (await intake.http.get(f"/v1/inquiries/{referred}/log", headers=ag)).status_code == 404
        assert (await intake.post(f"/v1/inquiries/{referred}/updates", {"note": "hi"}, ag)).status_code == 404

    report = {"mco": "IA-TC", "report": "member_contacted"}
    wrong_mco = await intake.post(f"/v1/inquiries/{referred}/mco-reports", report, ag_system)
    assert (wrong_mco.status_code, wrong_mco.json()["code"]) == (403, "forbidden-mco")
    assert (await intake.post(f"/v1/inquiries/{referred}/mco-reports", report, tc_system)).status_code == 202
    assert (await intake.post(f"/v1/inquiries/{referred}/updates", {"note": "hi"}, tc_person)).status_code == 202
    assert (await intake.post(f"/v1/inquiries/{unreferred}/updates", {"note": "hi"}, tc_person)).status_code == 404
    for action, body in [("resolution", {"resolved_by": "state", "resolution_code": "answered"}),
                         ("mco-referrals", {"mco": "IA-TC"}), ("reopen", {"reason": "x"}),
                         ("contact-attempts", {"channel": "phone", "outcome": "reached"}),
                         ("priority-override", {"priority": "urgent", "reason": "x"})]:
        for tc in (tc_person, tc_system):
            assert (await intake.post(f"/v1/inquiries/{referred}/{action}", body, tc)).status_code == 403
    for tc in (tc_person, tc_system):  # an MCO never opens inquiries
        assert (await intake.post("/v1/inquiries/member", member_inquiry(), tc)).status_code == 403

    window = {"start": "2026-01-01", "end": "2030-12-31", "format": "csv"}
    tc_export = await intake.http.get("/v1/inquiry-log/export", params=window, headers=tc_person)
    assert tc_export.status_code == 200 and referred in tc_export.text and unreferred not in tc_export.text
    ag_export = await intake.http.get("/v1/inquiry-log/export", params=window, headers=ag_person)
    assert ag_export.status_code == 200 and referred not in ag_export.text


async def test_a_one_party_liaison_sees_and_acts_only_on_that_partys_cases(intake: Intake) -> None:
    call_center = await intake.system("call-center")
    member = (await intake.post("/v1/inquiries/member", member_inquiry(), call_center)).json()["inquiry_id"]
    provider = (await intake.post("/v1/inquiries/provider", provider_inquiry(), call_center)).json()["inquiry_id"]
    unknown = (await intake.http.get(f"/v1/inquiries/{uuid.uuid4()}", headers=await intake.person("una"))).json()
    window = {"start": "2026-11-20", "end": "2026-11-20", "format": "csv"}  # both were received that day

    for liaison, own, other in (("maria", member, provider), ("paul", provider, member)):
        headers = await intake.person(liaison)
        listed = (await intake.http.get("/v1/inquiries", headers=headers)).json()["items"]
        assert [i["id"] for i in listed] == [own], liaison
        assert (await intake.http.get(f"/v1/inquiries/{own}", headers=headers)).status_code == 200
        for hidden in (await intake.http.get(f"/v1/inquiries/{other}", headers=headers),
                       await intake.http.get(f"/v1/inquiries/{other}/log", headers=headers),
                       await intake.post(f"/v1/inquiries/{other}/updates", {"note": "hi"}, headers),
                       await intake.post(f"/v1/inquiries/{other}/claim", {}, headers)):
            assert hidden.status_code == 404, (liaison, hidden.request.url.path)
            assert {k: hidden.json()[k] for k in ("code", "detail")} == {k: unknown[k] for k in ("code", "detail")}
        export = await intake.http.get("/v1/inquiry-log/export", params=window, headers=headers)
        assert export.status_code == 200 and own in export.text and other not in export.text
    una = await intake.person("una")  # a unit lead works both parties' cases
    assert {i["id"] for i in (await intake.http.get("/v1/inquiries", headers=una)).json()["items"]} == \
        {member, provider}
    async with intake.runtime.engine.connect() as conn:  # the refused update left nothing
        assert await conn.scalar(text("SELECT count(*) FROM inquiry_log WHERE event_type LIKE '%updated%'")) == 0


async def test_a_forged_mco_claim_is_refused(intake: Intake) -> None:
    # Dropping the mco claim would lift the confinement: the signature must stop it.
    tina = await intake.person("tina")
    unconfined = forged(tina, mco=None)
    assert (await intake.http.get("/v1/inquiries", headers=unconfined)).status_code == 401


async def test_no_phi_reaches_the_logs(intake: Intake) -> None:
    stream = io.StringIO()
    root = logging.getLogger()
    before, previous = list(root.handlers), root.level
    configure_logging("intake", "DEBUG", stream=stream)  # as the service does, but at DEBUG
    try:
        # The capture itself works (the service's own lines depend on which loggers earlier tests left enabled).
        logging.getLogger(f"tests.capture.{uuid.uuid4().hex}").info("capturing")
        headers = await intake.person("maria")
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
    assert '"service": "intake"' in output and "capturing" in output  # the handler caught what was logged
    for phi in ("Jane Testmember", "John Testcaller", "1234567A", "515-555-0134", "+15155550134", "insulin"):
        assert phi not in output
